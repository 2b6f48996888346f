"""Study designs: the one vocabulary of designs, and the words a learner sees for each.

Two vocabularies live here, kept apart by name because they mean different things:

- :data:`STUDY_DESIGNS` are the designs of real documents in ``studies.csv`` (trials, reviews,
  registrations, reference values, ...). The evidence ladder (:mod:`mgedu.evidence`), the GRADE
  tables (:mod:`mgedu.certainty`) and the report cards use this vocabulary.
- :data:`SIMULATED_DESIGNS` are the three designs the trial simulator (:mod:`mgedu.designs`) can run:
  one patient, one treated group measured before and after, and a blinded placebo-controlled trial.

Each design has three labels (:class:`DesignLabels`): a full name for tables and the ladder, a short
one for figure axes and legends, and a plural for sentences ("most often case reports"). Every label a
learner sees for a design comes from here, so a design is never called two different things.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DesignLabels:
    """The words for one design: full name, short name (figures), plural (sentences)."""

    label: str
    short: str
    plural: str


#: Designs of the documents in studies.csv, in the order the studies schema lists them.
STUDY_DESIGN_LABELS: dict[str, DesignLabels] = {
    "case-report": DesignLabels("Case report or case series", "Case report", "case reports"),
    "open-label": DesignLabels(
        "Uncontrolled open-label study (before and after)", "Open-label, no control", "uncontrolled open-label studies"
    ),
    "single-blind-rct": DesignLabels(
        "Single-blind randomised controlled trial", "Single-blind RCT", "single-blind randomised trials"
    ),
    "double-blind-rct": DesignLabels(
        "Double-blind randomised controlled trial", "Double-blind RCT", "double-blind randomised trials"
    ),
    "systematic-review": DesignLabels("Systematic review", "Systematic review", "systematic reviews"),
    "meta-analysis": DesignLabels("Meta-analysis", "Meta-analysis", "meta-analyses"),
    "observational": DesignLabels(
        "Observational study (cohort, case-control, cross-sectional)", "Observational study", "observational studies"
    ),
    "registry-protocol": DesignLabels("Trial registration or protocol", "Trial registration", "trial registrations"),
    "narrative-review": DesignLabels("Narrative review or expert opinion", "Narrative review", "narrative reviews"),
    "pharmacokinetic": DesignLabels("Absorption (pharmacokinetic) study", "Absorption study", "absorption studies"),
    "laboratory": DesignLabels("Laboratory study (cells, tissue, animals)", "Laboratory study", "laboratory studies"),
    "reference-value": DesignLabels(
        "Reference values (intake recommendations, limits)", "Reference values", "reference-value documents"
    ),
}
STUDY_DESIGNS: tuple[str, ...] = tuple(STUDY_DESIGN_LABELS)
#: Study designs in which chance decides who gets the treatment.
RANDOMISED_DESIGNS: tuple[str, ...] = ("single-blind-rct", "double-blind-rct")
#: Study designs that summarise other studies (GRADE rates the studies they pool, not the review).
REVIEW_DESIGNS: tuple[str, ...] = ("systematic-review", "meta-analysis")

#: The trial simulator's three designs.
SIMULATED_DESIGN_LABELS: dict[str, DesignLabels] = {
    "case-report": DesignLabels("case report", "case report", "case reports"),
    "open-label": DesignLabels("open-label (before/after)", "open-label", "open-label pilots"),
    "rct": DesignLabels("blinded placebo-controlled RCT", "RCT", "RCTs"),
}
SIMULATED_DESIGNS: tuple[str, ...] = tuple(SIMULATED_DESIGN_LABELS)


def study_design_labels(design: str) -> DesignLabels:
    """The labels of one study design; ``ValueError`` naming the allowed designs when unknown.

    >>> study_design_labels("double-blind-rct").short
    'Double-blind RCT'
    >>> study_design_labels("anecdote")
    Traceback (most recent call last):
    ...
    ValueError: design must be one of case-report, open-label, single-blind-rct, double-blind-rct, \
systematic-review, meta-analysis, observational, registry-protocol, narrative-review, pharmacokinetic, \
laboratory, reference-value, got 'anecdote'
    """
    try:
        return STUDY_DESIGN_LABELS[design]
    except (KeyError, TypeError):
        raise ValueError(f"design must be one of {', '.join(STUDY_DESIGNS)}, got {design!r}") from None


def simulated_design_labels(design: str) -> DesignLabels:
    """The labels of one of the simulator's designs; ``ValueError`` naming the allowed designs when unknown.

    >>> simulated_design_labels("open-label").plural
    'open-label pilots'
    >>> simulated_design_labels("cohort")
    Traceback (most recent call last):
    ...
    ValueError: design must be one of case-report, open-label, rct, got 'cohort'
    """
    try:
        return SIMULATED_DESIGN_LABELS[design]
    except (KeyError, TypeError):
        raise ValueError(f"design must be one of {', '.join(SIMULATED_DESIGNS)}, got {design!r}") from None
