"""The evidence ladder and GRADE certainty: how far a body of studies can carry a claim.

Two ideas that articles (and students) often mix up are kept apart here. **Levels of evidence** rank
*designs*: a randomised trial can, in principle, support a causal claim that a case report cannot.
**Certainty of evidence** (GRADE) rates *a body of evidence for one outcome*: it starts from the design
(randomised trials high, everything else low) and then moves down for risk of bias, inconsistency,
indirectness, imprecision and publication bias, or up for a large effect, a dose-response gradient or
confounding that would hide the effect. The design ladder is data (:data:`DESIGN_LADDER`) in the
study-design vocabulary (:data:`mgedu.study_designs.STUDY_DESIGNS`), so notebooks 03 and 05 read the same ladder.

Modelling decisions: a systematic review or meta-analysis is not given its own GRADE start level,
because GRADE rates the studies a review pools, not the review (Balshem 2011); pass the design of the
pooled studies instead. Designs that do not measure a treatment's effect on people's outcomes
(laboratory, pharmacokinetic, protocol, reference values, narrative reviews) have no start level.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral
from typing import TYPE_CHECKING, Literal

from mgedu.study_designs import REVIEW_DESIGNS, STUDY_DESIGN_LABELS, STUDY_DESIGNS

if TYPE_CHECKING:
    import pandas as pd

Certainty = Literal["high", "moderate", "low", "very low"]

#: GRADE's four certainty levels, lowest first (index + 1 is the level's score).
CERTAINTY_LEVELS: tuple[str, ...] = ("very low", "low", "moderate", "high")

#: What each level means (GRADE Working Group wording, as used in Balshem et al. 2011, Table 2).
CERTAINTY_MEANINGS: dict[str, str] = {
    "high": "we are very confident that the true effect lies close to the estimate",
    "moderate": "the true effect is likely to be close to the estimate, but it may be substantially different",
    "low": "the true effect may be substantially different from the estimate",
    "very low": "the true effect is likely to be substantially different from the estimate",
}

#: Plain GRADE symbols (filled circles = certainty level), as printed in summary-of-findings tables.
CERTAINTY_SYMBOLS: dict[str, str] = {
    "high": "⊕⊕⊕⊕",
    "moderate": "⊕⊕⊕◯",
    "low": "⊕⊕◯◯",
    "very low": "⊕◯◯◯",
}

LADDER_SOURCES = (
    "Balshem H, et al. GRADE guidelines: 3. Rating the quality of evidence. J Clin Epidemiol "
    "2011;64(4):401-406. doi 10.1016/j.jclinepi.2010.07.015 ; "
    "OCEBM Levels of Evidence Working Group. The Oxford 2011 Levels of Evidence. "
    "https://www.cebm.ox.ac.uk/resources/levels-of-evidence/ocebm-levels-of-evidence"
)


@dataclass(frozen=True)
class Rung:
    """One design on the evidence ladder.

    ``rung`` is the position for questions about a treatment's effect (1 = strongest); ``None``
    means the design does not measure a treatment's effect on people at all. ``causal`` says what
    it can do for a claim that "magnesium causes an improvement": ``"yes"``, ``"depends"`` (only
    as strong as the trials it pools), ``"weak"`` (association only) or ``"no"``.
    """

    design: str
    rung: int | None
    comparison: str
    causal: Literal["yes", "depends", "weak", "no"]
    grade_start: Literal["high", "low"] | None
    why: str

    @property
    def label(self) -> str:
        """The design's full name (from :mod:`mgedu.study_designs`)."""
        return STUDY_DESIGN_LABELS[self.design].label

    @property
    def can_support_causal_claim(self) -> bool:
        """True when the design can, done well, show that a treatment causes an effect."""
        return self.causal in ("yes", "depends")


#: The ladder, strongest first; every design in :data:`mgedu.study_designs.STUDY_DESIGNS` appears exactly once.
DESIGN_LADDER: tuple[Rung, ...] = (
    Rung(
        "meta-analysis",
        1,
        comparison="pools the comparison groups of several studies",
        causal="depends",
        grade_start=None,
        why="Combines the results of every study a stated search found into one estimate, so it beats any "
        "single trial, but it is only as strong as the studies it pools: three small, biased trials "
        "pooled are still weak evidence.",
    ),
    Rung(
        "systematic-review",
        1,
        comparison="summarises the comparison groups of several studies",
        causal="depends",
        grade_start=None,
        why="Finds and appraises every study on one question with a method stated in advance, so no one "
        "picks the studies that fit a story; like a meta-analysis, it is only as strong as the studies "
        "it finds.",
    ),
    Rung(
        "double-blind-rct",
        2,
        comparison="randomised; concurrent placebo group",
        causal="yes",
        grade_start="high",
        why="Chance decides who gets magnesium and who gets placebo, so the groups are alike in everything "
        "except the treatment, and because nobody knows who got what, expectations cannot explain a "
        "difference.",
    ),
    Rung(
        "single-blind-rct",
        3,
        comparison="randomised; concurrent control group",
        causal="yes",
        grade_start="high",
        why="Randomisation makes the groups alike at the start, but someone (participant or assessor) knows "
        "the allocation, and with questionnaire outcomes such as RLS severity or sleep quality, "
        "expectations can move the result.",
    ),
    Rung(
        "observational",
        4,
        comparison="compares groups that were not assigned by chance",
        causal="weak",
        grade_start="low",
        why="Shows that two things go together, not that one causes the other: people with low magnesium, "
        "or who take supplements, differ in many other ways (confounding).",
    ),
    Rung(
        "open-label",
        5,
        comparison="none: everyone is treated",
        causal="no",
        grade_start="low",
        why="Everyone gets magnesium and knows it, and there is no group to compare with, so the placebo "
        "response, regression to the mean (people join when symptoms are at their worst) and the "
        "natural course of the condition can all look like a treatment effect.",
    ),
    Rung(
        "case-report",
        6,
        comparison="none",
        causal="no",
        grade_start="low",
        why="One person's story can raise a question but cannot answer it: many things change at once, "
        "and stories where nothing happened are rarely written up.",
    ),
    Rung(
        "narrative-review",
        None,
        comparison="none of its own",
        causal="no",
        grade_start=None,
        why="An expert summary without a stated search: it may pick the studies that fit its story, so "
        "check the studies it cites rather than the review.",
    ),
    Rung(
        "registry-protocol",
        None,
        comparison="planned, not yet run",
        causal="no",
        grade_start=None,
        why="A plan written before a study runs: useful to check what was promised (outcomes, sample "
        "size), but it contains no results.",
    ),
    Rung(
        "pharmacokinetic",
        None,
        comparison="compares products, not patients' symptoms",
        causal="no",
        grade_start=None,
        why="Measures how much magnesium reaches the blood or urine, not whether symptoms improve; good "
        "absorption does not show a benefit.",
    ),
    Rung(
        "laboratory",
        None,
        comparison="none in people",
        causal="no",
        grade_start=None,
        why="Explains a possible mechanism, but beliefs about how a treatment works often fail to predict "
        "its effect in people.",
    ),
    Rung(
        "reference-value",
        None,
        comparison="not a study of treatment",
        causal="no",
        grade_start=None,
        why="Says how much magnesium is normal or safe to take, not whether it treats restless legs or insomnia.",
    ),
)

_BY_DESIGN: dict[str, Rung] = {r.design: r for r in DESIGN_LADDER}


def ladder_rung(design: str) -> Rung:
    """The :class:`Rung` for one design of the studies table.

    >>> ladder_rung("open-label").causal
    'no'
    >>> ladder_rung("double-blind-rct").grade_start
    'high'
    """
    try:
        return _BY_DESIGN[design]
    except KeyError:
        raise ValueError(f"design must be one of {', '.join(STUDY_DESIGNS)}, got {design!r}") from None


def can_support_causal_claim(design: str) -> bool:
    """Can a study of this design, done well, show that a treatment *causes* an effect?

    Systematic reviews and meta-analyses count (they can, when they pool randomised trials).

    >>> can_support_causal_claim("single-blind-rct"), can_support_causal_claim("case-report")
    (True, False)
    """
    return ladder_rung(design).can_support_causal_claim


def design_ladder() -> pd.DataFrame:
    """The ladder as a table, strongest design first; designs off the ladder come last.

    >>> ladder = design_ladder()
    >>> list(ladder.design[:3])
    ['meta-analysis', 'systematic-review', 'double-blind-rct']
    >>> len(ladder), ladder.label.iloc[-1]
    (12, 'Reference values (intake recommendations, limits)')
    """
    import pandas as pd

    rows = [
        {
            "design": r.design,
            "rung": r.rung,
            "label": r.label,
            "comparison": r.comparison,
            "causal": r.causal,
            "can_support_causal_claim": r.can_support_causal_claim,
            "grade_start": r.grade_start,
            "why": r.why,
        }
        for r in DESIGN_LADDER
    ]
    frame = pd.DataFrame(rows)
    frame["rung"] = pd.array(frame["rung"], dtype="Int64")
    return frame


def grade_start(design: str) -> str:
    """GRADE's starting certainty for evidence from studies of ``design``: 'high' or 'low'.

    >>> grade_start("double-blind-rct"), grade_start("observational")
    ('high', 'low')
    """
    rung = ladder_rung(design)
    if rung.grade_start is None:
        if rung.design in REVIEW_DESIGNS:
            raise ValueError(
                f"design {design!r} has no GRADE start level of its own: GRADE rates the studies a review "
                "pools, so pass their design (e.g. 'double-blind-rct')"
            )
        raise ValueError(
            f"design {design!r} does not measure a treatment's effect on people, so GRADE does not rate it; "
            f"allowed: {', '.join(r.design for r in DESIGN_LADDER if r.grade_start)}"
        )
    return rung.grade_start


# ---------------------------------------------------------------------------------------------- GRADE

#: The GRADE domains: name -> (allowed steps, the phrase used in justifications).
DOWNGRADE_DOMAINS: dict[str, str] = {
    "risk_of_bias": "risk of bias",
    "inconsistency": "inconsistency",
    "indirectness": "indirectness",
    "imprecision": "imprecision",
    "publication_bias": "publication bias",
}
UPGRADE_DOMAINS: dict[str, str] = {
    "large_effect": "a large effect",
    "dose_response": "a dose-response gradient",
    "plausible_confounding": "plausible confounding that would reduce the effect",
}
ALLOWED_STEPS: dict[str, tuple[int, ...]] = {
    **{name: (0, -1, -2) for name in DOWNGRADE_DOMAINS},
    "large_effect": (0, 1, 2),
    "dose_response": (0, 1),
    "plausible_confounding": (0, 1),
}
DOMAINS: tuple[str, ...] = tuple(ALLOWED_STEPS)
_LEVEL_WORDS = {1: "one level", 2: "two levels"}


@dataclass(frozen=True)
class GradeResult:
    """The certainty of a body of evidence for one outcome, and how it was reached."""

    design: str
    start: str
    steps: dict[str, int] = field(repr=False)
    certainty: Certainty
    justification: str = field(repr=False)
    floored: bool = False
    capped: bool = False

    @property
    def symbols(self) -> str:
        """The certainty as GRADE circles, e.g. ``'⊕⊕◯◯'`` for low."""
        return CERTAINTY_SYMBOLS[self.certainty]

    @property
    def meaning(self) -> str:
        """What the certainty level means, in GRADE's words."""
        return CERTAINTY_MEANINGS[self.certainty]

    def __str__(self) -> str:
        return f"{self.certainty} {self.symbols}: {self.justification}"


def _check_step(name: str, value: object) -> int:
    allowed = ALLOWED_STEPS[name]
    ok = isinstance(value, Integral) and not isinstance(value, bool) and int(value) in allowed
    if not ok:
        kind = "a downgrade is 0, -1 or -2" if name in DOWNGRADE_DOMAINS else "an upgrade is 0 or positive"
        shown = ", ".join(f"{a:+d}" if a else "0" for a in allowed)
        raise ValueError(f"{name} must be one of {shown} ({kind}), got {value!r}")
    return int(value)  # type: ignore[arg-type]


def grade_certainty(
    design: str,
    risk_of_bias: int = 0,
    inconsistency: int = 0,
    indirectness: int = 0,
    imprecision: int = 0,
    publication_bias: int = 0,
    large_effect: int = 0,
    dose_response: int = 0,
    plausible_confounding: int = 0,
) -> GradeResult:
    """GRADE certainty for one outcome, from the design of the studies and the domain ratings.

    Randomised evidence starts high, all other evidence low. Each downgrade domain is 0, -1 (serious)
    or -2 (very serious); ``large_effect`` is 0, +1 or +2 (very large) and the other upgrades 0 or +1.
    Upgrades apply to non-randomised evidence only. The result is floored at 'very low' and capped
    at 'high'.

    Args:
        design: the design of the studies behind the estimate, in the studies-table vocabulary.
        risk_of_bias, inconsistency, indirectness, imprecision, publication_bias: downgrades.
        large_effect, dose_response, plausible_confounding: upgrades.

    Returns:
        A :class:`GradeResult` with ``.certainty`` and a generated plain-language ``.justification``.

    >>> r = grade_certainty("double-blind-rct", risk_of_bias=-1, imprecision=-1)
    >>> r.certainty
    'low'
    >>> print(r.justification)  # doctest: +NORMALIZE_WHITESPACE
    Started at high because the evidence comes from double-blind randomised trials.
    Rated down one level for risk of bias. Rated down one level for imprecision. Certainty: low.
    >>> grade_certainty("open-label", risk_of_bias=-2).certainty
    'very low'
    >>> grade_certainty("double-blind-rct", large_effect=1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: large_effect is +1, but upgrades apply only to non-randomised evidence; ...
    """
    start = grade_start(design)
    given = {
        "risk_of_bias": risk_of_bias,
        "inconsistency": inconsistency,
        "indirectness": indirectness,
        "imprecision": imprecision,
        "publication_bias": publication_bias,
        "large_effect": large_effect,
        "dose_response": dose_response,
        "plausible_confounding": plausible_confounding,
    }
    return _grade(start, design, given)


def grade_from_start(start: str, **steps: int) -> GradeResult:
    """GRADE certainty from a starting level the reader chose ('high' or 'low') and the domain ratings.

    The same arithmetic as :func:`grade_certainty`, for a worksheet where the learner decides the
    starting level from the design instead of being told it. ``design`` of the result is empty.

    >>> grade_from_start("high", risk_of_bias=-1, imprecision=-2).certainty
    'very low'
    >>> print(grade_from_start("low").justification)
    Started at low (no randomised trials). No domain moved it. Certainty: low.
    """
    if start not in ("high", "low"):
        raise ValueError(f"start must be 'high' (randomised trials) or 'low' (other designs), got {start!r}")
    unknown = sorted(set(steps) - set(ALLOWED_STEPS))
    if unknown:
        raise ValueError(f"unknown GRADE domain(s) {', '.join(unknown)}; allowed: {', '.join(ALLOWED_STEPS)}")
    return _grade(start, "", {name: steps.get(name, 0) for name in ALLOWED_STEPS})


def _grade(start: str, design: str, given: dict[str, object]) -> GradeResult:
    steps = {name: _check_step(name, value) for name, value in given.items()}
    if start == "high":
        for name in UPGRADE_DOMAINS:
            if steps[name]:
                what = f" ({STUDY_DESIGN_LABELS[design].plural})" if design else ""
                raise ValueError(
                    f"{name} is {steps[name]:+d}, but upgrades apply only to non-randomised evidence; "
                    f"randomised evidence{what} already starts at high"
                )
    start_score = CERTAINTY_LEVELS.index(start) + 1
    raw = start_score + sum(steps.values())
    score = min(max(raw, 1), len(CERTAINTY_LEVELS))
    certainty: Certainty = CERTAINTY_LEVELS[score - 1]  # type: ignore[assignment]
    floored, capped = raw < 1, raw > len(CERTAINTY_LEVELS)
    text = _justify(design, start, steps, certainty, floored=floored, capped=capped)
    return GradeResult(design, start, steps, certainty, text, floored=floored, capped=capped)


def _justify(design: str, start: str, steps: dict[str, int], certainty: str, *, floored: bool, capped: bool) -> str:
    """The plain-language justification naming each domain applied."""
    if design:
        why = "" if start == "high" else ", not randomised trials"
        parts = [f"Started at {start} because the evidence comes from {STUDY_DESIGN_LABELS[design].plural}{why}."]
    else:
        parts = [f"Started at {start} ({'randomised trials' if start == 'high' else 'no randomised trials'})."]
    for name, phrase in DOWNGRADE_DOMAINS.items():
        if steps[name]:
            severity = " (very serious)" if steps[name] == -2 else ""
            parts.append(f"Rated down {_LEVEL_WORDS[-steps[name]]} for {phrase}{severity}.")
    for name, phrase in UPGRADE_DOMAINS.items():
        if steps[name]:
            parts.append(f"Rated up {_LEVEL_WORDS[steps[name]]} for {phrase}.")
    downgraded = any(steps[n] for n in DOWNGRADE_DOMAINS)
    upgraded = any(steps[n] for n in UPGRADE_DOMAINS)
    if not downgraded and not upgraded:
        parts.append("No domain moved it.")
    if upgraded and downgraded:
        parts.append("Note: GRADE usually rates up only when no serious limitation rates the evidence down.")
    if floored:
        parts.append("The downgrades add up to more than the scale allows, so it stops at very low.")
    if capped:
        parts.append("The upgrades add up to more than the scale allows, so it stops at high.")
    parts.append(f"Certainty: {certainty}.")
    return " ".join(parts)


#: Names that live in the split-out modules but belong to this module's public face (loaded on first use).
_ELSEWHERE: dict[str, str] = {
    "report_card": "mgedu.report_cards",
    "report_cards": "mgedu.report_cards",
    "overall_risk_of_bias": "mgedu.risk_of_bias",
    "pool_effects": "mgedu.pooling",
    "load_grade_outcomes": "mgedu.certainty",
}


def __getattr__(name: str) -> object:
    """``mgedu.evidence.report_card`` etc.: the evidence API in one place, split across modules.

    >>> from mgedu.evidence import report_card
    >>> report_card("S004").doc_id
    'S004'
    """
    import importlib

    if name in _ELSEWHERE:
        return getattr(importlib.import_module(_ELSEWHERE[name]), name)
    raise AttributeError(f"module 'mgedu.evidence' has no attribute {name!r}")


__all__ = [
    "CERTAINTY_LEVELS",
    "CERTAINTY_MEANINGS",
    "DESIGN_LADDER",
    "DOMAINS",
    "GradeResult",
    "Rung",
    "can_support_causal_claim",
    "design_ladder",
    "grade_certainty",
    "grade_start",
    "ladder_rung",
]
