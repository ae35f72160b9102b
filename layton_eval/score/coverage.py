"""Which riddles a calibration pool can calibrate: jury bins, their labels, and the one rule.

A riddle is calibrated through the labelled rows (of other providers) that share its jury value.
:func:`covered_riddles` is the one rule of ``score``, ``leaderboard``, ``compare`` and
``report`` for a riddle whose jury value no such row has; :func:`bin_summaries` counts riddles
and calibration rows per bin for the cards.
"""

from __future__ import annotations

import typing as t
from fractions import Fraction

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field

from layton_eval.errors import ScoreError
from layton_eval.score.calibration import CalibrationPool
from layton_eval.stats import ppi

__all__ = [
    "BinSummary",
    "bin_summaries",
    "check_values",
    "covered_riddles",
    "jury_label",
    "show_ids",
]

_SHOW_IDS = 10


class BinSummary(BaseModel):
    """One jury-value stratum: how many riddles fell in it, how many rows calibrate it."""

    jury_value: float = Field(description="Jury value of the bin (0, 1/3, 2/3 or 1 for 3 judges).")
    label: str = Field(description="The jury value as a fraction, e.g. '2/3'.")
    riddles: int = Field(description="Riddles of the evaluated model in this bin (may be 0).")
    calibration_rows: int = Field(description="Human-labelled rows available in this bin.")


def show_ids(ids: t.Sequence[str]) -> str:
    """Up to ten ids, then how many more."""
    shown = ", ".join(ids[:_SHOW_IDS])
    return shown + (f" and {len(ids) - _SHOW_IDS} more" if len(ids) > _SHOW_IDS else "")


def _fraction(value: float) -> Fraction | None:
    """The small fraction (1/3, 2/3, 1/2...) a bin key stands for, if any."""
    fraction = Fraction(value).limit_denominator(12)
    return fraction if abs(float(fraction) - value) <= 10.0**-ppi.BIN_DECIMALS else None


def jury_label(value: float) -> str:
    fraction = _fraction(value)
    return str(fraction) if fraction is not None else f"{value:.4g}"


def _bin_value(key: float) -> float:
    fraction = _fraction(key)
    return float(fraction) if fraction is not None else key


def check_values(who: str, riddle_ids: t.Sequence[str], yhat: npt.NDArray[np.float64]) -> None:
    """Stop, naming the riddles, when there is nothing to score or a value is missing."""
    if yhat.size == 0:
        raise ScoreError(f"{who}: no riddle to score")
    no_value = [rid for rid, v in zip(riddle_ids, yhat, strict=True) if np.isnan(v)]
    if no_value:
        raise ScoreError(f"{who}: {len(no_value)} riddle(s) have no verdict: {show_ids(no_value)}")


def covered_riddles(
    who: str,
    riddle_ids: t.Sequence[str],
    yhat: npt.NDArray[np.float64],
    pool: CalibrationPool,
    *,
    skip: bool,
) -> tuple[npt.NDArray[np.bool_], list[str]]:
    """Which riddles some calibration row can calibrate, and the ids of those left out.

    The one rule of ``score``, ``leaderboard``, ``compare`` and ``report``: a jury value that no
    labelled row of another provider shares cannot be calibrated. Stop, naming the riddles and
    their values, unless ``skip`` (``--skip-uncalibrated``) leaves them out.

    Returns
    -------
    tuple
        ``(keep, left_out)``: a boolean mask over ``riddle_ids`` and the ids it leaves out.

    Raises
    ------
    ScoreError
        If some riddle is uncovered and ``skip`` is off, or no riddle is left.
    """
    uncovered = ppi.uncovered_bins(yhat, pool.yhat)
    left_out = [rid for rid, u in zip(riddle_ids, uncovered, strict=True) if u]
    if left_out and (not skip or uncovered.all()):
        bad = [
            f"{rid} ({jury_label(v)})"
            for rid, v, u in zip(riddle_ids, yhat, uncovered, strict=True)
            if u
        ]
        values = sorted({jury_label(v) for v in yhat[uncovered]})
        what = (
            f"{who}: {len(bad)} riddle(s) have a jury value ({', '.join(values)}) that no "
            f"labelled calibration row of a provider other than {pool.excluded_provider} has: "
            f"{show_ids(bad)}"
        )
        if uncovered.all():
            raise ScoreError(f"{what}; no riddle is left to score")
        raise ScoreError(f"{what}; pass --skip-uncalibrated to score without them")
    return ~uncovered, left_out


def bin_summaries(yhat: npt.NDArray[np.float64], pool: CalibrationPool) -> list[BinSummary]:
    """Riddles and calibration rows per jury value."""
    rows_per_bin = pool.rows_per_bin()
    keys, counts = np.unique(ppi.bin_keys(yhat), return_counts=True)
    riddles_per_bin = {float(k): int(c) for k, c in zip(keys, counts, strict=True)}
    return [
        BinSummary(
            jury_value=_bin_value(value),
            label=jury_label(value),
            riddles=riddles_per_bin.get(value, 0),
            calibration_rows=rows_per_bin.get(value, 0),
        )
        for value in sorted(riddles_per_bin.keys() | rows_per_bin.keys())
    ]
