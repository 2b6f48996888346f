"""Predict before you simulate: record a number, then see it beside the result and the gap in words.

A :class:`Prediction` declares a question, its unit and range, and how the result is computed (a pure
mgedu function, seeded). The learner calls :func:`predict` with a number; :func:`reveal` then shows
the prediction, the result and the gap ("58 percentage points too low"). Until a prediction is
recorded in this kernel, :func:`reveal` shows only how to make one: Run All on a blank copy shows no
result. Predictions go to the grading log (``kind: "prediction"``) like judgements.

Notebooks declare their own with :func:`register_prediction`. Four ship with mgedu, for notebook 03:
``open-label-pilot`` (what share of 12-patient open-label trials of a pill that does nothing come out
"significant"?), ``pilot-sized-improvement`` (what share improve at least as much as the 2024 pilot
reported?), ``regression-to-mean`` (how much do people picked for a high screening score "improve" with
nothing given?) and ``p-value-dance`` (how often does a small trial of a pill that works reach p < 0.05?).
Their results come from :mod:`mgedu.design_summaries`, the same numbers the notebook's charts show.

A chart or table of a result is shown through :func:`when_predicted`, which draws it only once the
prediction is recorded; :func:`tally_predictions` lists every prediction beside its result and says
which way the learner's guesses lean.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mgedu.practice.display import Shown
from mgedu.practice.record import learner_record, log_event
from mgedu.practice.tasks import is_placeholder


@dataclass(frozen=True)
class Prediction:
    """A question the learner answers with a number before a simulation or table shows the result.

    ``result`` computes the answer (seeded, deterministic); ``result_sentence`` formats it, with
    ``{result}`` for the number; ``close`` is the gap (in ``unit``) still called "close"; ``decimals``
    is how many decimals a gap is given with. ``trusting`` says which side of the result (``"low"`` or
    ``"high"``) means the learner trusted a study's result more than the simulation warrants, so that
    :func:`tally_predictions` can say which way the learner leans ("" when neither does).
    """

    id: str
    question: str
    unit: str
    low: float
    high: float
    result: Callable[[], float]
    result_sentence: str
    close: float = 5.0
    decimals: int = 0
    trusting: str = ""

    def gap_unit(self) -> str:
        """The unit of a difference: percentage points for percentages."""
        return "percentage points" if self.unit == "%" else self.unit


def _open_label_pilot() -> float:
    from mgedu.design_summaries import no_effect_trials, share_significant

    return share_significant(no_effect_trials(), "open-label")


def _pilot_sized_improvement() -> float:
    from mgedu.design_summaries import no_effect_trials, share_at_least
    from mgedu.designs import parameter

    return share_at_least(no_effect_trials(), "open-label", parameter("gorantla_improvement"))


def _regression_to_mean() -> float:
    from mgedu.design_summaries import regression_to_mean_at

    return regression_to_mean_at()


def _p_value_dance() -> float:
    from mgedu.design_summaries import repeated_trials, share_below

    return share_below(repeated_trials(12))


_PREDICTIONS: dict[str, Prediction] = {}


def register_prediction(prediction: Prediction) -> Prediction:
    """Make ``prediction`` available to :func:`predict` and :func:`reveal` (a re-run replaces it)."""
    if not isinstance(prediction, Prediction):
        raise ValueError(f"prediction must be a mgedu.practice.Prediction, got {type(prediction).__name__}")
    if not prediction.low < prediction.high:
        raise ValueError(
            f"prediction {prediction.id!r}: low must be below high, got {prediction.low}, {prediction.high}"
        )
    if prediction.trusting not in ("", "low", "high"):
        raise ValueError(
            f"prediction {prediction.id!r}: trusting must be 'low', 'high' or '', got {prediction.trusting!r}"
        )
    if not 0 <= prediction.decimals <= 3:
        raise ValueError(f"prediction {prediction.id!r}: decimals must be 0 to 3, got {prediction.decimals!r}")
    _PREDICTIONS[prediction.id] = prediction
    return prediction


register_prediction(
    Prediction(
        id="open-label-pilot",
        question="Of many 12-patient open-label trials of a pill that does nothing, what share come out "
        "'significant' (p < 0.05)?",
        unit="%",
        low=0,
        high=100,
        result=_open_label_pilot,
        result_sentence="{result:.0f} % of 4,000 simulated open-label pilots of a useless pill came out 'significant'",
        trusting="low",
    )
)
register_prediction(
    Prediction(
        id="pilot-sized-improvement",
        question="Of many 12-patient open-label trials of a pill that does nothing, what share show an average "
        "improvement at least as large as the one the 2024 magnesium pilot reported?",
        unit="%",
        low=0,
        high=100,
        result=_pilot_sized_improvement,
        result_sentence="{result:.0f} % of 4,000 simulated open-label pilots of a useless pill improved at least as "
        "much as the 2024 pilot",
        trusting="low",
    )
)
register_prediction(
    Prediction(
        id="regression-to-mean",
        question="People are enrolled only if they score at least 24 on the IRLS at a screening visit, then "
        "given nothing at all (no pill, and no placebo response). On average, by how many IRLS points "
        "will their score have fallen at the next visit? (0 = no change; negative = worse)",
        unit="IRLS points",
        low=-40,
        high=40,
        result=_regression_to_mean,
        result_sentence="with nothing given, their score fell by {result:.1f} IRLS points on average (the textbook "
        "formula, with the assumed visit-to-visit noise of 3 points)",
        close=0.3,
        decimals=1,
        trusting="low",
    )
)
register_prediction(
    Prediction(
        id="p-value-dance",
        question="A pill really lowers IRLS scores by 3 points more than placebo. A blinded RCT with 12 patients "
        "per arm tests it, and is then repeated exactly, many times. What share of the repeats come out "
        "'significant' (p < 0.05)?",
        unit="%",
        low=0,
        high=100,
        result=_p_value_dance,
        result_sentence="{result:.0f} % of 2,000 simulated repeats of the 12-per-arm trial came out 'significant'",
        trusting="high",
    )
)


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
        return Shown(
            f"{prediction_id} · not predicted yet: {question.question} Replace ... with a number {span}.",
            status="not predicted",
        )
    number: float | None = None
    if not isinstance(value, bool):
        try:
            number = float(str(value).strip().rstrip("%").strip()) if isinstance(value, str) else float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            number = None
    if number is None or not math.isfinite(number) or not question.low <= number <= question.high:
        return Shown(
            f"{prediction_id} · not recorded: your prediction must be a number {span}, got {value!r}.", status="invalid"
        )
    learner_record().predictions[prediction_id] = number
    log_event("prediction", prediction_id, item=prediction_id, value=number)
    return Shown(
        f"{prediction_id} · prediction recorded: {number:g} {question.unit}. Now run the simulation.", status="recorded"
    )


def reveal(*prediction_ids: str) -> Shown:
    """Your prediction beside the result, and the gap in words (only once you have predicted).

    With several ids, one line each; those not yet predicted are named together in one line.

    >>> print(reveal("open-label-pilot").text)  # doctest: +ELLIPSIS
    open-label-pilot · make your prediction first...
    >>> print(reveal("open-label-pilot", "p-value-dance").text)  # doctest: +ELLIPSIS
    open-label-pilot, p-value-dance · make your predictions first, with predict("open-label-pilot", ...) and ...
    """
    if not prediction_ids:
        raise ValueError('reveal needs at least one prediction id, e.g. reveal("open-label-pilot")')
    questions = [get_prediction(i) for i in prediction_ids]
    made = learner_record().predictions
    lines = []
    for question in questions:
        if question.id in made:
            mine, result = made[question.id], float(question.result())
            sentence = question.result_sentence.format(result=result)
            lines.append(
                f"{question.id} · you predicted {mine:g} {question.unit}; {sentence}. "
                f"{_gap_words(question, mine, result)}"
            )
    missing = [q.id for q in questions if q.id not in made]
    if missing:
        calls = " and ".join(f'predict("{i}", ...)' for i in missing)
        plural = len(missing) > 1
        lines.append(
            f"{', '.join(missing)} · make your prediction{'s' if plural else ''} first, with {calls}: "
            f"the result{'s appear' if plural else ' appears'} only after you have committed to "
            f"{'numbers' if plural else 'a number'}."
        )
    status = "hidden" if len(missing) == len(questions) else "revealed" if not missing else "partly revealed"
    return Shown("\n".join(lines), status=status)


def _direction(question: Prediction, mine: float, result: float) -> str:
    """``close``, ``high`` or ``low``: where a prediction lies from the result."""
    gap = mine - result
    return "close" if abs(gap) <= question.close else "high" if gap > 0 else "low"


def _gap_words(question: Prediction, mine: float, result: float) -> str:
    gap, unit, places = abs(mine - result), question.gap_unit(), question.decimals
    direction = _direction(question, mine, result)
    if direction == "close":
        return f"Close: within {gap:.{places}f} {unit} of the result."
    return f"Your prediction was {gap:.{places}f} {unit} too {direction}."


def when_predicted(
    prediction_ids: str | Sequence[str], make: Callable[..., object], *args: object, **kwargs: object
) -> object:
    """Show ``make(*args, **kwargs)`` (a chart or a table of the result) only once you have predicted.

    Until every prediction in ``prediction_ids`` is recorded, this shows how to make them and does not
    call ``make`` at all. A chart (matplotlib Axes or Figure) is displayed with :func:`mgedu.plots.show`,
    a table (DataFrame) with :func:`mgedu.display.show_table` (its caption from ``attrs["caption"]``);
    anything else (a sentence, a widget) is returned, so the notebook displays it.

    >>> print(when_predicted("open-label-pilot", lambda: "the chart").text)  # doctest: +ELLIPSIS
    The result appears here once you have made your prediction: predict("open-label-pilot", ...) ...
    """
    ids = (prediction_ids,) if isinstance(prediction_ids, str) else tuple(prediction_ids)
    if not ids:
        raise ValueError("prediction_ids must name at least one prediction, got none")
    for prediction_id in ids:
        get_prediction(prediction_id)
    missing = [i for i in ids if i not in learner_record().predictions]
    if missing:
        calls = " and ".join(f'predict("{i}", ...)' for i in missing)
        return Shown(
            f"The result appears here once you have made your prediction: {calls} above, with "
            "your number in place of the dots. Commit first, then look.",
            status="hidden",
        )
    value = make(*args, **kwargs)
    if _is_figure(value):
        from mgedu.plots import show

        show(value)  # type: ignore[arg-type]
        return None
    if _is_table(value):
        from mgedu.display import show_table

        show_table(value, caption=value.attrs.get("caption"))  # type: ignore[attr-defined]
        return None
    return value


def _is_figure(value: object) -> bool:
    if "matplotlib" not in sys.modules:
        return False
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    return isinstance(value, Axes | Figure)


def _is_table(value: object) -> bool:
    if "pandas" not in sys.modules:
        return False
    import pandas as pd

    return isinstance(value, pd.DataFrame)


def tally_predictions(*prediction_ids: str) -> Shown:
    """Your predictions beside the results, and which way they lean (predictions not yet made are listed).

    With no ids, every declared prediction. Results of predictions you have not made are never shown.

    >>> print(tally_predictions("open-label-pilot").text)  # doctest: +ELLIPSIS
    Your predictions (0 of 1 made):
      open-label-pilot: not predicted yet...
    """
    ids = prediction_ids or tuple(_PREDICTIONS)
    made = learner_record().predictions
    lines, leans = [], []
    for prediction_id in ids:
        question = get_prediction(prediction_id)
        mine = made.get(prediction_id)
        if mine is None:
            lines.append(f"  {prediction_id}: not predicted yet (predict first; its result stays hidden)")
            continue
        result = float(question.result())
        direction = _direction(question, mine, result)
        leans.append(
            "close"
            if direction == "close"
            else ""
            if not question.trusting
            else "trusting"
            if direction == question.trusting
            else "sceptical"
        )
        lines.append(
            f"  {prediction_id}: you {mine:g} {question.unit}, result {result:.{question.decimals}f} "
            f"{question.unit}. {_gap_words(question, mine, result)}"
        )
    head = f"Your predictions ({len(leans)} of {len(ids)} made):"
    return Shown("\n".join([head, *lines, _lean(leans)]).rstrip(), status="tallied" if leans else "empty")


def _lean(leans: list[str]) -> str:
    """One sentence on which way the predictions lean: too trusting of studies, too sceptical, or close."""
    if not leans:
        return ""
    trusting, sceptical, close = leans.count("trusting"), leans.count("sceptical"), leans.count("close")
    summary = f"Close: {close}; too trusting: {trusting}; too sceptical: {sceptical}."
    if trusting > len(leans) / 2:
        return summary + (
            " You mostly trusted small or uncontrolled studies more than the simulations warrant: "
            "chance, the placebo response and selection fool them more often than you expected."
        )
    if sceptical > len(leans) / 2:
        return summary + " You mostly expected these studies to mislead more than the simulations show."
    return summary + " No strong lean either way."
