"""What can be labelled: one model's answer to one riddle, with its jury's verdicts.

Items come from runs (their readable predictions and complete jury verdicts), from a calibration
set's unlabelled rows, or from labelled rows to check again (another annotator's labels file, or
the published set). An answer that could not be read, or that some judge did not grade, is not
an item: there is nothing to label, or no jury value to calibrate.

Judges are named as in the calibration set: by their model (``gpt-5.1-2025-11-13``), so that a
label's ``{field}_{judge}`` columns meet the published ones.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import typing as t

import numpy as np

from layton_eval.choices import VerdictField
from layton_eval.score.calibration import HUMAN_COLUMNS, CalibrationSet, ItemKey
from layton_eval.stats import ppi

if t.TYPE_CHECKING:
    from layton_eval.dataset import Riddle
    from layton_eval.runs.store import Run

__all__ = ["Item", "JudgeVerdict", "calibration_items", "label_columns", "run_items"]

#: The verdict fields in the published files' column order.
_ORDER = (
    VerdictField.is_answer_correct,
    VerdictField.is_justification_correct,
    VerdictField.both_correct,
)


@dataclasses.dataclass(frozen=True)
class JudgeVerdict:
    """One judge's verdict on an item."""

    judge: str
    answer: bool
    justification: bool
    both: bool


@dataclasses.dataclass(frozen=True)
class Item:
    """One model's answer to one riddle, with the riddle and the jury's verdicts.

    Attributes
    ----------
    riddle_id, provider, model : str
        The item's key (as in the calibration set).
    n_hints : int
        Hint level the model was prompted with.
    answer, justification : str
        What the model said.
    verdicts : tuple of JudgeVerdict
        Every judge's verdict (a complete panel).
    source : str
        ``run:<name>``, or the calibration file the row comes from.
    riddle : Riddle
    """

    riddle_id: str
    provider: str
    model: str
    n_hints: int
    answer: str
    justification: str
    verdicts: tuple[JudgeVerdict, ...]
    source: str
    riddle: Riddle

    @property
    def key(self) -> ItemKey:
        return (self.riddle_id, self.provider, self.model)

    @functools.cached_property
    def token(self) -> str:
        """An opaque name of the item for the page, which must not show the model's name
        before the human has decided (a sha256 of the key: also a fixed pseudo-random order)."""
        return hashlib.sha256("\x1f".join(self.key).encode()).hexdigest()[:24]

    @functools.cached_property
    def cell(self) -> tuple[str, tuple[str, ...], float]:
        """``(provider, judges, jury value)``, the jury value rounded as the score's bins are."""
        return (self.provider, self.panel, float(ppi.bin_keys([self.jury])[0]))

    @functools.cached_property
    def jury(self) -> float:
        """Jury value on ``both_correct``: the share of judges that found both correct."""
        return sum(v.both for v in self.verdicts) / len(self.verdicts)

    @property
    def panel(self) -> tuple[str, ...]:
        """The judges, sorted."""
        return tuple(sorted(v.judge for v in self.verdicts))

    @property
    def disagree(self) -> bool:
        """The judges do not all give the same ``both_correct`` verdict."""
        return 0.0 < self.jury < 1.0

    def columns(self) -> dict[str, bool]:
        """The judges' columns of a calibration row, ``{field}_{judge}``, field by field."""
        return {
            f"{field}_{v.judge}": (v.answer, v.justification, v.both)[k]
            for k, field in enumerate(_ORDER)
            for v in self.verdicts
        }


def label_columns(answer: bool, justification: bool) -> dict[str, bool]:
    """The human columns of a label: ``human_both_correct`` is the two together."""
    return {
        HUMAN_COLUMNS[VerdictField.is_answer_correct]: answer,
        HUMAN_COLUMNS[VerdictField.is_justification_correct]: justification,
        HUMAN_COLUMNS[VerdictField.both_correct]: answer and justification,
    }


def calibration_items(
    calibration: CalibrationSet, riddles: t.Mapping[str, Riddle], *, labelled: bool, source: str
) -> list[Item]:
    """The rows of ``calibration`` with (``labelled``) or without a human ``both_correct``
    label, as items from ``source``; rows without an answer, a verdict or a known riddle are
    left out."""
    nan = np.full(len(calibration), np.nan)
    human = calibration.human.get(VerdictField.both_correct, nan)
    answer, justification, both = (calibration.verdicts[field] for field in _ORDER)
    items = []
    for i, (rid, provider, model) in enumerate(calibration.item_keys()):
        details = calibration.details[i] if calibration.details else {}
        text, riddle = details.get("answer"), riddles.get(rid)
        if np.isnan(human[i]) == labelled or not isinstance(text, str) or riddle is None:
            continue
        verdicts = tuple(
            JudgeVerdict(judge, bool(answer[i, j]), bool(justification[i, j]), bool(both[i, j]))
            for j, judge in enumerate(calibration.judges)
            if not np.isnan([answer[i, j], justification[i, j], both[i, j]]).any()
        )
        if not verdicts or not text.strip():
            continue
        hints = details.get("n_hints")
        items.append(
            Item(
                riddle_id=rid,
                provider=provider,
                model=model,
                n_hints=hints if isinstance(hints, int) else 0,
                answer=text,
                justification=_text(details.get("justification")),
                verdicts=verdicts,
                source=source,
                riddle=riddle,
            )
        )
    return items


def run_items(run: Run, riddles: t.Mapping[str, Riddle]) -> list[Item]:
    """A run's readable, non-empty answers whose every judge gave a verdict, as items.

    Raises
    ------
    RunError
        If the run has no jury verdicts yet.
    """
    from layton_eval.runs.predictions import load_predictions
    from layton_eval.score.leaderboard import run_verdicts

    found = run_verdicts(run)
    table = found.table
    names = _judge_names(table.judges)
    predictions = load_predictions(run)
    items = []
    for i, rid in enumerate(table.riddle_ids):
        prediction, riddle = predictions.get(rid), riddles.get(rid)
        row = np.concatenate([table.answer[i], table.justification[i]])
        if (
            prediction is None
            or not (prediction.valid and (prediction.answer or "").strip())
            or riddle is None
            or np.isnan(row).any()
        ):
            continue
        verdicts = tuple(
            JudgeVerdict(name, bool(a), bool(j), bool(a) and bool(j))
            for name, a, j in zip(names, table.answer[i], table.justification[i], strict=True)
        )
        items.append(
            Item(
                riddle_id=rid,
                provider=found.provider,
                model=found.model,
                n_hints=run.manifest.hints,
                answer=prediction.answer or "",
                justification=prediction.justification or "",
                verdicts=verdicts,
                source=f"run:{run.name}",
                riddle=riddle,
            )
        )
    return items


def _judge_names(judges: t.Sequence[str]) -> list[str]:
    """``provider/model`` judge names as the calibration set names them: by model, unless two
    judges of the panel share a model name."""
    short = [judge.split("/", 1)[-1] for judge in judges]
    return short if len(set(short)) == len(short) else list(judges)


def _text(value: t.Any) -> str:
    return value if isinstance(value, str) else ""
