"""The practice loop: the learner judges first, then compares with the audit, then tallies.

Learner-facing calls (each returns what the learner sees; none raises for a learner's input):

- claims: :func:`show_claim`, :func:`study_card`, :func:`claim_sheet` (both, the card folded),
  :func:`study_shelf`, :func:`verdict_guide`, :func:`claim_list`, :func:`judge`, :func:`compare`,
  :func:`tally`, :func:`plot_tally`; a notebook's set of claims to judge, and what waits for them:
  :func:`claim_set`;
- mechanism links (notebook 02): :func:`links_to_label`, :func:`label_link`, :func:`label_links`,
  :func:`compare_links`, :func:`tally_links`, :func:`reveal_chain` (a chain's map, once every link of it
  is labelled), :func:`chain_table` (a worked chain, with the audit's labels);
- predictions (notebook 03): :func:`predict`, :func:`reveal`, :func:`when_predicted` (a chart or table
  of the result, shown only once predicted), :func:`tally_predictions`;
- RoB 2 domains and GRADE steps, each with a reason (notebook 05): :func:`judge_bias`, :func:`show_bias`,
  :func:`compare_bias`, :func:`tally_bias`; :func:`grade_evidence`, :func:`rate_grade`,
  :func:`worked_grade`, :func:`compare_grade`, :func:`tally_grade`, :func:`bottom_lines`;
- a whole article (notebook 06): :func:`claims_to_judge`, :func:`read_article`, :func:`judge_claims`
  (with its worst problem), :func:`main_outcome`, then :func:`compare_appraisal` (the report:
  :func:`compare_worst_problem`, :func:`compare_certainty`); check the checker: :func:`challenge_audit`;
- written answers: ``%load_ext mgedu.practice`` then a cell starting ``%%answer 6.4``; worked answers
  that wait for the learner's own: :func:`worked_answer`;
- :func:`forget` to start again.

For authors adding judged items of their own: :class:`Task`, :class:`Scale`, :class:`Answer`,
:func:`register_task`, then :func:`judge_item`, :func:`compare_items`, :func:`tally_task`; for
predictions :class:`Prediction` and :func:`register_prediction`. Names load on first use, so importing
this package imports nothing heavy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "show_claim": "mgedu.practice.claims",
    "study_card": "mgedu.practice.claims",
    "claim_list": "mgedu.practice.claims",
    "claim_sheet": "mgedu.practice.claims",
    "study_shelf": "mgedu.practice.claims",
    "verdict_guide": "mgedu.practice.claims",
    "claim_set": "mgedu.practice.claim_sets",
    "ClaimSet": "mgedu.practice.claim_sets",
    "judge": "mgedu.practice.claims",
    "compare": "mgedu.practice.claims",
    "tally": "mgedu.practice.claims",
    "label_link": "mgedu.practice.links",
    "compare_links": "mgedu.practice.links",
    "tally_links": "mgedu.practice.links",
    "judge_bias": "mgedu.practice.bias",
    "show_bias": "mgedu.practice.bias",
    "compare_bias": "mgedu.practice.bias",
    "tally_bias": "mgedu.practice.bias",
    "bias_overview": "mgedu.practice.bias",
    "grade_evidence": "mgedu.practice.grade",
    "rate_grade": "mgedu.practice.grade",
    "worked_grade": "mgedu.practice.grade",
    "compare_grade": "mgedu.practice.grade",
    "tally_grade": "mgedu.practice.grade",
    "hidden_outcomes": "mgedu.practice.grade",
    "bottom_lines": "mgedu.practice.grade",
    "label_links": "mgedu.practice.links",
    "links_to_label": "mgedu.practice.links",
    "reveal_chain": "mgedu.practice.links",
    "chain_table": "mgedu.practice.links",
    "predict": "mgedu.practice.predictions",
    "reveal": "mgedu.practice.predictions",
    "when_predicted": "mgedu.practice.predictions",
    "tally_predictions": "mgedu.practice.predictions",
    "Prediction": "mgedu.practice.predictions",
    "register_prediction": "mgedu.practice.predictions",
    "worked_answer": "mgedu.practice.written",
    "forget": "mgedu.practice.record",
    "judge_item": "mgedu.practice.record",
    "learner_record": "mgedu.practice.record",
    "compare_items": "mgedu.practice.comparison",
    "tally_task": "mgedu.practice.comparison",
    "Task": "mgedu.practice.tasks",
    "Scale": "mgedu.practice.tasks",
    "Answer": "mgedu.practice.tasks",
    "register_task": "mgedu.practice.tasks",
    "plot_tally": "mgedu.plots.practice",
    "claims_to_judge": "mgedu.practice.article",
    "read_article": "mgedu.practice.article",
    "judge_claims": "mgedu.practice.article",
    "choose_worst_problem": "mgedu.practice.appraisal",
    "compare_worst_problem": "mgedu.practice.appraisal",
    "main_outcome": "mgedu.practice.appraisal",
    "compare_certainty": "mgedu.practice.appraisal",
    "compare_appraisal": "mgedu.practice.appraisal",
    "challenge_audit": "mgedu.practice.appraisal",
}

__all__ = sorted(_EXPORTS) + ["load_ipython_extension"]

if TYPE_CHECKING:  # pragma: no cover
    from mgedu.plots.practice import plot_tally
    from mgedu.practice.appraisal import (
        challenge_audit,
        choose_worst_problem,
        compare_appraisal,
        compare_certainty,
        compare_worst_problem,
        main_outcome,
    )
    from mgedu.practice.article import claims_to_judge, judge_claims, read_article
    from mgedu.practice.bias import bias_overview, compare_bias, judge_bias, show_bias, tally_bias
    from mgedu.practice.claim_sets import ClaimSet, claim_set
    from mgedu.practice.claims import (
        claim_list,
        claim_sheet,
        compare,
        judge,
        show_claim,
        study_card,
        study_shelf,
        tally,
        verdict_guide,
    )
    from mgedu.practice.comparison import compare_items, tally_task
    from mgedu.practice.grade import (
        bottom_lines,
        compare_grade,
        grade_evidence,
        hidden_outcomes,
        rate_grade,
        tally_grade,
        worked_grade,
    )
    from mgedu.practice.links import (
        chain_table,
        compare_links,
        label_link,
        label_links,
        links_to_label,
        reveal_chain,
        tally_links,
    )
    from mgedu.practice.predictions import (
        Prediction,
        predict,
        register_prediction,
        reveal,
        tally_predictions,
        when_predicted,
    )
    from mgedu.practice.record import forget, judge_item, learner_record
    from mgedu.practice.tasks import Answer, Scale, Task, register_task
    from mgedu.practice.written import worked_answer


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mgedu.practice' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext mgedu.practice``: register the ``%%answer`` cell magic for written answers."""
    from mgedu.practice.written import answer_cell

    ipython.register_magic_function(answer_cell, magic_kind="cell", magic_name="answer")
