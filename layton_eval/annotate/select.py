"""Which item to show next: the one whose label helps the calibrated scores most.

A score draws, for each jury value of the evaluated model, labelled rows with that jury value
from other providers (``docs/methodology.md``). A *cell* is what one such draw can come from:
the labelled rows of one provider, judged by one panel, with one jury value on
``both_correct``. The rule, stated on the page and in the methodology (:data:`RULE`):

1. the item whose cell has the fewest labels comes first: bins a score relies on and has few
   rows for are filled first, and labels spread across providers;
2. then items on which the judges disagree (jury value strictly between 0 and 1), where the
   jury is least reliable and a human label says the most;
3. then the model with the fewest labels, then the riddle with the fewest labels;
4. then a fixed pseudo-random order (a hash of riddle, provider and model), the same in every
   session, so that a restart resumes where the last one stopped.

Labels are counted in the calibration the session uses: the published set (unless
``--calibration-only``), the ``--calibration`` files and the labels file itself.
"""

from __future__ import annotations

import collections
import dataclasses
import typing as t
from fractions import Fraction

import numpy as np

from layton_eval.choices import VerdictField
from layton_eval.stats import ppi

if t.TYPE_CHECKING:
    from layton_eval.annotate.items import Item
    from layton_eval.score.calibration import CalibrationSet

__all__ = ["RULE", "Counts", "count_labels", "jury_label", "pick", "reason"]

RULE: tuple[str, ...] = (
    "Items come in the order that helps the calibrated scores most. A cell is the labelled rows "
    "of one provider, judged by the same judges, with the same jury value (the share of judges "
    "that found answer and justification correct): a score draws its calibration rows from such "
    "cells, leaving out the evaluated provider's own.",
    "1. Fewest labels in the item's cell first (labels counted in the published set, your "
    "--calibration files and this labels file).",
    "2. Then items on which the judges disagree before unanimous ones.",
    "3. Then the model, then the riddle, with the fewest labels.",
    "4. Then a fixed pseudo-random order, the same in every session.",
)

Cell = tuple[str, tuple[str, ...], float]


@dataclasses.dataclass(frozen=True)
class Counts:
    """Labels per cell ``(provider, judges, jury value)``, per model and per riddle."""

    cells: collections.Counter[Cell]
    models: collections.Counter[tuple[str, str]]
    riddles: collections.Counter[str]


def count_labels(calibration: CalibrationSet | None) -> Counts:
    """Count the labelled rows (on ``both_correct``) of ``calibration``."""
    counts = Counts(collections.Counter(), collections.Counter(), collections.Counter())
    if calibration is None or VerdictField.both_correct not in calibration.human:
        return counts
    verdicts = calibration.verdicts[VerdictField.both_correct]
    jury = calibration.jury_values(VerdictField.both_correct)
    rows = np.flatnonzero(~np.isnan(calibration.human[VerdictField.both_correct]) & ~np.isnan(jury))
    bins = ppi.bin_keys(jury[rows]).tolist()
    judged = ~np.isnan(verdicts[rows])
    order = sorted(range(len(calibration.judges)), key=lambda j: calibration.judges[j])
    for i, value, mask in zip(rows.tolist(), bins, judged.tolist(), strict=True):
        provider = calibration.providers[i]
        panel = tuple(calibration.judges[j] for j in order if mask[j])
        counts.cells[(provider, panel, value)] += 1
        counts.models[(provider, calibration.models[i])] += 1
        counts.riddles[calibration.riddle_ids[i]] += 1
    return counts


def priority(item: Item, counts: Counts) -> tuple[int, int, int, int, str]:
    """The sort key of :data:`RULE` (lowest first)."""
    return (
        counts.cells[item.cell],
        0 if item.disagree else 1,
        counts.models[(item.provider, item.model)],
        counts.riddles[item.riddle_id],
        item.token,  # a sha256 of the item's key
    )


def pick(items: t.Iterable[Item], counts: Counts) -> Item | None:
    """The item to show next (``None`` when there is none)."""
    return min(items, key=lambda item: priority(item, counts), default=None)


def jury_label(value: float) -> str:
    """A jury value as a fraction (``2/3``)."""
    return str(Fraction(value).limit_denominator(12))


def reason(item: Item, counts: Counts) -> str:
    """Why ``item`` came now, in the words of :data:`RULE`."""
    cell = counts.cells[item.cell]
    parts = [
        f"its cell ({item.provider}, jury value {jury_label(item.jury)}, "
        f"{len(item.verdicts)} judges) had {cell} label{'s' if cell != 1 else ''}",
        "the judges disagree" if item.disagree else "the judges agree",
        f"{counts.models[(item.provider, item.model)]} label(s) of this model",
        f"{counts.riddles[item.riddle_id]} of this riddle",
    ]
    return "; ".join(parts) + "."
