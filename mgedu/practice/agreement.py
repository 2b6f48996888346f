"""Agreement between a learner and the audit: Cohen's kappa with a reading in plain words.

Raw agreement ("you agreed on 6 of 8 claims") flatters anyone who uses the commonest verdict a lot:
two people who both say "overstated" most of the time agree often by chance. Cohen's kappa corrects
for that: 0 is what chance gives, 1 is perfect agreement. The kappa and its 95 % confidence interval come
from ``statsmodels.stats.inter_rater.cohens_kappa``; the words for its size are Landis & Koch's (1977)
benchmarks, stored with their source in ``mgedu/data/kappa_bands.csv``.

Decision: with fewer than :data:`MIN_ITEMS_FOR_KAPPA` items the reading carries a warning instead of a
confidence interval, because one changed judgement then moves kappa a lot and the large-sample interval
statsmodels gives is not trustworthy that small (with two items it can even be zero wide).
When only one category was used by both, kappa is undefined (chance agreement is already perfect) and
the reading says so instead of showing a number.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mgedu.rules import Corpus, Rows, rule
from mgedu.tables import Column, Problem, Schema, load, source_column

if TYPE_CHECKING:
    import pandas as pd

#: Below this many judged items, kappa is shown with a warning that it is unstable.
MIN_ITEMS_FOR_KAPPA = 10

KAPPA_BANDS_SCHEMA = Schema(
    (
        Column("band", description="Landis & Koch's name for the band"),
        Column("low", "float", minimum=-1, maximum=1, description="lowest kappa in the band (2 decimals)"),
        Column("high", "float", minimum=-1, maximum=1, description="highest kappa in the band (2 decimals)"),
        Column("reading", description="the band in words a learner reads"),
        source_column(description="citation and the page read"),
    ),
    key="band",
)


def load_kappa_bands(folder: str | Path | None = None) -> pd.DataFrame:
    """Landis & Koch's benchmarks for kappa, with their source.

    >>> load_kappa_bands().band.tolist()[:3]
    ['poor', 'slight', 'fair']
    """
    return load("kappa_bands.csv", folder)


def kappa_band(kappa: float) -> str:
    """The words for a kappa value (rounded to 2 decimals, as the benchmarks are written).

    >>> kappa_band(0.52), kappa_band(0.205), kappa_band(-0.3)
    ('moderate agreement beyond chance', 'slight agreement beyond chance', 'less agreement than chance would give')
    """
    if not -1 <= kappa <= 1:
        raise ValueError(f"kappa must be between -1 and 1, got {kappa!r}")
    value = round(kappa + 0.0, 2)
    for row in load_kappa_bands().itertuples(index=False):
        if row.low - 1e-9 <= value <= row.high + 1e-9:
            return str(row.reading)
    raise ValueError(f"kappa {kappa!r} falls in no band of kappa_bands.csv")  # pragma: no cover - data error


@rule()
def kappa_bands_tile_the_scale(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """The bands run from -1 to 1 in order, each starting 0.01 above the last one's end (no gap, no overlap)."""
    if any(r["low"] is None or r["high"] is None for r in rows):
        return  # a band without both ends is reported by its column rules; the tiling cannot be judged
    bands = sorted(rows, key=lambda r: r["low"])  # type: ignore[arg-type, return-value]
    expected_low = -1.0
    for band in bands:
        if round(band["low"] - expected_low, 2) != 0:  # type: ignore[operator]
            where = (
                "the scale starts at -1"
                if expected_low == -1.0
                else f"the band before ends at {expected_low - 0.01:.2f}"
            )
            yield rows.problem(band, "low", f"band {band['band']!r} starts at {band['low']:.2f}, but {where}")
        if band["high"] < band["low"]:  # type: ignore[operator]
            yield rows.problem(band, "high", f"band {band['band']!r} ends at {band['high']:.2f}, below its start")
        expected_low = round(band["high"] + 0.01, 2)  # type: ignore[operator]
    if bands and round(bands[-1]["high"], 2) != 1.0:  # type: ignore[arg-type]
        yield rows.problem(bands[-1], "high", f"the last band ends at {bands[-1]['high']:.2f}, not at 1")


@dataclass(frozen=True)
class KappaReading:
    """Cohen's kappa for a square table of counts, with its interval and a reading in words."""

    n: int
    agreement: float
    kappa: float | None
    low: float | None
    high: float | None
    reading: str


def read_kappa(table: pd.DataFrame, noun: str = "items") -> KappaReading:
    """Cohen's kappa of a square confusion table (rows: one rater, columns: the other), read in words.

    >>> import pandas as pd
    >>> table = pd.DataFrame([[4, 1], [1, 4]], index=["a", "b"], columns=["a", "b"])
    >>> result = read_kappa(table, "claims")
    >>> round(result.kappa, 2), result.agreement
    (0.6, 0.8)
    >>> print(result.reading)  # doctest: +NORMALIZE_WHITESPACE
    Cohen's kappa 0.60 (95 % confidence interval 0.10 to 1.00): moderate agreement beyond chance.
    Raw agreement was 80 %; kappa removes the share that two people with the same habits would reach
    by chance. Landis & Koch (1977) give the words.
    """
    import numpy as np

    if list(table.index) != list(table.columns):
        raise ValueError("table must be square, with the same categories in rows and columns")
    counts = table.to_numpy(dtype=float)
    if (counts < 0).any() or not np.isfinite(counts).all():
        raise ValueError("table must hold counts (finite, 0 or more)")
    n = int(counts.sum())
    if n == 0:
        return KappaReading(0, math.nan, None, None, None, f"No {noun} judged yet, so there is nothing to compare.")
    agreement = float(np.trace(counts) / n)
    rows, cols = counts.sum(axis=1) / n, counts.sum(axis=0) / n
    chance = float((rows * cols).sum())
    if chance >= 1 - 1e-12:
        return KappaReading(
            n,
            agreement,
            None,
            None,
            None,
            f"Kappa cannot be computed yet: you and the audit used one and the same category for "
            f"{'the one ' + _singular(noun) if n == 1 else f'all {n} {noun}'}, so chance alone would agree every "
            f"time. Judge {noun} of other kinds too.",
        )
    from statsmodels.stats.inter_rater import cohens_kappa

    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # its z-test divides by zero on tiny tables; unused here
        result = cohens_kappa(counts)
    kappa = float(result.kappa)
    low, high = max(-1.0, float(result.kappa_low)), min(1.0, float(result.kappa_upp))
    interval = f" (95 % confidence interval {low:.2f} to {high:.2f})" if n >= MIN_ITEMS_FOR_KAPPA else ""
    reading = (
        f"Cohen's kappa {kappa:.2f}{interval}: {kappa_band(kappa)}. "
        f"Raw agreement was {100 * agreement:.0f} %; kappa removes the share that two people with the same habits "
        "would reach by chance. Landis & Koch (1977) give the words."
    )
    if n < MIN_ITEMS_FOR_KAPPA:
        counted = _singular(noun) if n == 1 else noun
        reading += (
            f" With only {n} {counted} this number is unstable (one changed judgement can move it a lot): "
            f"read it as a rough guide until you have judged {MIN_ITEMS_FOR_KAPPA} or more."
        )
    return KappaReading(n, agreement, kappa, low, high, reading)


def _singular(noun: str) -> str:
    """``claims`` -> ``claim``, for a count of one (the nouns used here are regular plurals).

    >>> _singular("claims"), _singular("links"), _singular("evidence")
    ('claim', 'link', 'evidence')
    """
    return noun[:-1] if noun.endswith("s") else noun
