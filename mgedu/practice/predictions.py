"""Predict before you simulate: record a number, then see it beside the result and the gap in words.

A :class:`Prediction` declares a question, its unit and range, and how the result is computed (a pure
mgedu function, seeded). The learner calls :func:`predict` with a number; :func:`reveal` then shows
the prediction, the result and the gap ("58 percentage points too low"). Until a prediction is
recorded in this kernel, :func:`reveal` shows only how to make one: Run All on a blank copy shows no
result. Predictions go to the grading log (``kind: "prediction"``) like judgements.

Notebooks declare their own with :func:`register_prediction`; ``open-label-pilot`` ships with mgedu
(notebook 03: what share of 12-patient open-label trials of a pill that does nothing come out
"significant"?).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from mgedu.practice.display import Shown
from mgedu.practice.record import learner_record, log_event
from mgedu.practice.tasks import is_placeholder


@dataclass(frozen=True)
class Prediction:
    """A question the learner answers with a number before a simulation or table shows the result.

    ``result`` computes the answer (seeded, deterministic); ``result_sentence`` formats it, with
    ``{result}`` for the number; ``close`` is the gap (in ``unit``) still called "close".
    """

    id: str
    question: str
    unit: str
    low: float
    high: float
    result: Callable[[], float]
    result_sentence: str
    close: float = 5.0

    def gap_unit(self) -> str:
        """The unit of a difference: percentage points for percentages."""
        return "percentage points" if self.unit == "%" else self.unit


def _open_label_pilot() -> float:
    from mgedu.designs import false_positive_rate

    return 100 * false_positive_rate("open-label", 12, n_trials=4000, seed=3)


_PREDICTIONS: dict[str, Prediction] = {}


def register_prediction(prediction: Prediction) -> Prediction:
    """Make ``prediction`` available to :func:`predict` and :func:`reveal` (a re-run replaces it)."""
    if not isinstance(prediction, Prediction):
        raise ValueError(f"prediction must be a mgedu.practice.Prediction, got {type(prediction).__name__}")
    if not prediction.low < prediction.high:
        raise ValueError(
            f"prediction {prediction.id!r}: low must be below high, got {prediction.low}, {prediction.high}"
        )
    _PREDICTIONS[prediction.id] = prediction
    return prediction


register_prediction(Prediction(
    id="open-label-pilot",
    question="Of many 12-patient open-label trials of a pill that does nothing, what share come out "
             "'significant' (p < 0.05)?",
    unit="%",
    low=0,
    high=100,
    result=_open_label_pilot,
    result_sentence="{result:.0f} % of 4,000 simulated open-label pilots of a useless pill came out 'significant'",
))


def get_prediction(prediction_id: str) -> Prediction:
    """The declared prediction ``prediction_id``; ``ValueError`` naming the known ones otherwise."""
    if prediction_id not in _PREDICTIONS:
        raise ValueError(f"prediction_id must be one of {', '.join(sorted(_PREDICTIONS))}, got {prediction_id!r}")
    return _PREDICTIONS[prediction_id]


def predict(prediction_id: str, value: object = ...) -> Shown:
    """Record your prediction (a number in the question's unit) before you see the result.

    >>> predict("open-label-pilot", ...).status
    'not predicted'
    >>> print(predict("open-label-pilot", 150).text)
    open-label-pilot · not recorded: your prediction must be a number from 0 to 100 %, got 150.
    """
    question = get_prediction(prediction_id)
    span = f"from {question.low:g} to {question.high:g} {question.unit}".rstrip()
    if is_placeholder(value):
        return Shown(f"{prediction_id} · not predicted yet: {question.question} Replace ... with a number {span}.",
                     status="not predicted")
    number: float | None = None
    if not isinstance(value, bool):
        try:
            number = float(str(value).strip().rstrip("%").strip()) if isinstance(value, str) else float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            number = None
    if number is None or not math.isfinite(number) or not question.low <= number <= question.high:
        return Shown(f"{prediction_id} · not recorded: your prediction must be a number {span}, got {value!r}.",
                     status="invalid")
    learner_record().predictions[prediction_id] = number
    log_event("prediction", prediction_id, item=prediction_id, value=number)
    return Shown(f"{prediction_id} · prediction recorded: {number:g} {question.unit}. Now run the simulation.",
                 status="recorded")


def reveal(prediction_id: str) -> Shown:
    """Your prediction beside the result, and the gap in words (only once you have predicted).

    >>> print(reveal("open-label-pilot").text)  # doctest: +ELLIPSIS
    open-label-pilot · make your prediction first...
    """
    question = get_prediction(prediction_id)
    mine = learner_record().predictions.get(prediction_id)
    if mine is None:
        return Shown(
            f"{prediction_id} · make your prediction first, with predict(\"{prediction_id}\", ...): "
            "the result appears only after you have committed to a number.",
            status="hidden",
        )
    result = float(question.result())
    gap = mine - result
    unit = question.gap_unit()
    if abs(gap) <= question.close:
        verdict = f"Close: within {abs(gap):.0f} {unit} of the result."
    else:
        verdict = f"Your prediction was {abs(gap):.0f} {unit} too {'high' if gap > 0 else 'low'}."
    sentence = question.result_sentence.format(result=result)
    return Shown(f"{prediction_id} · you predicted {mine:g} {question.unit}; {sentence}. {verdict}",
                 status="revealed")
