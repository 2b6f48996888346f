"""Claim sets: the claims a notebook has the learner judge, and what waits until they are judged.

A notebook that asks for judgements must not put the audit's verdicts on those claims on screen (in a
card, a table or an explorer) before the learner has recorded their own. A :class:`ClaimSet` names the
claims; :meth:`ClaimSet.after_judging` shows a cell's content (for example the claim explorer, whose
cards show every verdict) only once every claim of the set is judged in this kernel, and otherwise says
what is left to judge. Like :func:`mgedu.practice.worked_answer`, this is a commitment device, not
security: its job is to keep Run All from showing an answer the learner has not earned.

The sets themselves are part of the curriculum (which claims, in which order), so they live here, next
to the rule that guards them; a notebook takes its set with :func:`claim_set`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mgedu.practice.display import Shown
from mgedu.practice.record import learner_record


@dataclass(frozen=True)
class ClaimSet:
    """The claims one notebook has the learner judge, in the order the notebook presents them."""

    name: str
    claims: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.claims:
            raise ValueError(f"claim set {self.name!r} needs at least one claim id")
        repeated = sorted({c for c in self.claims if self.claims.count(c) > 1})
        if repeated:
            raise ValueError(f"claim set {self.name!r} lists {', '.join(repeated)} more than once")

    def problems(self) -> list[str]:
        """Ids of the set that are not claims of the audit (empty when all are).

        >>> ClaimSet("toy", ("S000-C05", "S7")).problems()
        ["'S7' is not a claim id (ids look like S000-C01)"]
        """
        from mgedu.practice.claims import CLAIM_TASK

        return [p for c in self.claims if (p := CLAIM_TASK.item_problem(c)) is not None]

    def judged(self) -> tuple[str, ...]:
        """The claims of the set the learner has judged in this kernel, in the set's order."""
        done = {j.item for j in learner_record().judged("claim")}
        return tuple(c for c in self.claims if c in done)

    def remaining(self) -> tuple[str, ...]:
        """The claims of the set still to judge, in the set's order.

        >>> ClaimSet("toy", ("S000-C05", "S003-C12")).remaining()
        ('S000-C05', 'S003-C12')
        """
        done = set(self.judged())
        return tuple(c for c in self.claims if c not in done)

    def progress(self) -> Shown:
        """How far the learner is: judged so far, and which claims are left.

        >>> print(ClaimSet("toy", ("S000-C05", "S003-C12")).progress())
        You have judged 0 of the 2 claims of this set. Still to judge: S000-C05, S003-C12.
        """
        left = self.remaining()
        done = len(self.claims) - len(left)
        if not left:
            return Shown(f"You have judged all {len(self.claims)} claims of this set.", status="complete")
        return Shown(
            f"You have judged {done} of the {len(self.claims)} claims of this set. Still to judge: {', '.join(left)}.",
            status="incomplete",
        )

    def after_judging(self, make: Callable[..., object], *args: object, **kwargs: object) -> object:
        """``make(*args, **kwargs)`` once every claim of the set is judged; until then, what is left.

        Use it for anything that shows the audit's verdicts on the set's claims (an explorer, a card).

        >>> ClaimSet("toy", ("S000-C05",)).after_judging(lambda: "the claim explorer").status
        'waiting'
        """
        left = self.remaining()
        if left:
            noun = "claim" if len(left) == 1 else "claims"
            return Shown(
                f"This opens once you have judged the {len(self.claims)} claims above, because it shows the "
                f"audit's verdicts on them. Still to judge: {len(left)} {noun} ({', '.join(left)}). "
                "Judge them, then run this cell again.",
                status="waiting",
            )
        return make(*args, **kwargs)


#: The claim sets of the workbook, by notebook.
CLAIM_SETS: dict[str, ClaimSet] = {
    "01-claims": ClaimSet(
        "01-claims",
        (
            "S000-C05",  # worked: a trial told right (supported), with what the article leaves out
            "S002-C48",  # faded: two numbers to compare with the study card (misreported)
            "S004-C43",  # vague wording that sounds like a finding (uncheckable)
            "S003-C12",  # hedged "can be effective", dated May 2021 (overstated)
            "S001-C41",  # a numbered reference to a study in other people (unsupported)
            "S002-C40",  # a case report nobody could read (not verified)
            "S004-C07",  # a three-group result told as "vs placebo" (overstated)
            "S003-C01",  # "according to recent clinical trials", none named (unsupported)
            "S001-C34",  # hedged "may help", written in late 2024 (supported; the debatable call)
        ),
    ),
}


def claim_set(name: str) -> ClaimSet:
    """The claim set of a notebook (``"01-claims"``); ``ValueError`` naming the known sets otherwise.

    >>> claim_set("01-claims").claims[:2]
    ('S000-C05', 'S002-C48')
    """
    if name not in CLAIM_SETS:
        raise ValueError(f"name must be one of {', '.join(CLAIM_SETS)}, got {name!r}")
    return CLAIM_SETS[name]
