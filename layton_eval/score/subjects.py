"""What ``layton compare`` compares: runs with jury verdicts, and models of the calibration set.

A name is a run of the runs folder or a model of the split's calibration set (``model`` or
``provider/model``); ``run:NAME`` and ``model:NAME`` say which when a name is both.
"""

from __future__ import annotations

import dataclasses
import typing as t

import numpy as np
import numpy.typing as npt

from layton_eval.choices import Split, VerdictField
from layton_eval.errors import LaytonError, ScoreError, UsageError
from layton_eval.next_step import fixes
from layton_eval.score.calibration import CalibrationSet, load_calibration
from layton_eval.score.comparable import prompt_tag
from layton_eval.score.coverage import show_ids
from layton_eval.score.leaderboard import run_verdicts

if t.TYPE_CHECKING:
    from pathlib import Path

    from layton_eval.runs.store import Run, RunStore

__all__ = ["Subject", "load_subjects"]

_PREFIXES = ("run:", "model:")


@dataclasses.dataclass(frozen=True)
class Subject:
    """One side of a comparison.

    Attributes
    ----------
    name : str
        As given (without a ``run:`` / ``model:`` prefix).
    kind : {"run", "model"}
    provider : str
        Its provider, whose rows are left out of its calibration pool.
    riddle_ids : tuple of str
    yhat : ndarray of float
        Jury value per riddle of the compared field; NaN where no judge gave a verdict.
    prompts : str
        ``official``, or what the run was prompted and judged with (see
        :func:`~layton_eval.score.comparable.prompt_tag`).
    not_comparable : tuple of str
        Why a run is not strictly comparable with the published models.
    run : Run or None
    """

    name: str
    kind: t.Literal["run", "model"]
    provider: str
    riddle_ids: tuple[str, ...]
    yhat: npt.NDArray[np.float64]
    prompts: str = "official"
    not_comparable: tuple[str, ...] = ()
    run: Run | None = None


def load_subjects(
    names: t.Sequence[str],
    *,
    split: Split | None,
    field: VerdictField,
    allow_missing: bool,
    data_dir: Path | None,
    store: RunStore,
    calibration_files: t.Sequence[Path] = (),
    calibration_only: bool = False,
) -> tuple[list[Subject], CalibrationSet]:
    """Resolve ``names`` and load their jury values, and the split's calibration set.

    Raises
    ------
    UsageError
        Fewer than two names, a name unknown or ambiguous, runs of several splits, or no split
        to compare calibration models on. (A name given twice is compared with itself: 0.)
    ScoreError, RunError
        A run without jury verdicts, or with missing verdicts (unless ``allow_missing``).
    """
    if len(names) < 2:
        raise UsageError(f"compare needs at least two subjects: {fixes.compare_usage()}")
    runs = {name: _run(store, name) for name in names}
    split = _split(split, [run for run in runs.values() if run is not None])
    calibration = load_calibration(
        split, data_dir=data_dir, extra=calibration_files, only=calibration_only
    )
    subjects = []
    for name in names:
        run, bare = runs[name], name.split(":", 1)[-1] if name.startswith(_PREFIXES) else name
        model = None if name.startswith("run:") else _model(calibration, bare)
        if run is not None and model is not None:
            raise UsageError(
                f"{bare!r} is both a run and a model of the calibration set: write "
                f"run:{bare} or model:{bare}"
            )
        if run is not None:
            subjects.append(_run_subject(bare, run, field, allow_missing))
        elif model is not None:
            rows = calibration.model_rows(*model, field)
            subjects.append(Subject(bare, "model", model[0], rows.riddle_ids, rows.yhat))
        else:
            known = ", ".join(m for _, m in calibration.model_keys())
            raise UsageError(
                f"{bare!r} is neither a run in {store.root} nor a model of the {split} "
                f"calibration set ({known})"
            )
    return subjects, calibration


def _run(store: RunStore, name: str) -> Run | None:
    """The run called ``name`` if there is one (``model:NAME`` never is)."""
    if name.startswith("model:"):
        return None
    bare = name.removeprefix("run:")
    try:
        return store.load(bare)
    except LaytonError:
        if name.startswith("run:"):
            raise
        return None


def _split(split: Split | None, runs: list[Run]) -> Split:
    splits = sorted({run.manifest.split for run in runs} | ({split} if split else set()))
    if len(splits) > 1:
        raise UsageError(
            f"the subjects are on different splits ({', '.join(splits)}): compare runs of one split"
        )
    if not splits:
        raise UsageError("pass --split llm or --split vlm to compare models of the calibration set")
    return Split(splits[0])


def _model(calibration: CalibrationSet, name: str) -> tuple[str, str] | None:
    found = [
        (provider, model)
        for provider, model in calibration.model_keys()
        if name in (model, f"{provider}/{model}")
    ]
    if len(found) > 1:
        raise UsageError(
            f"{name!r} names several calibration models: write "
            + " or ".join(f"{p}/{m}" for p, m in found)
        )
    return found[0] if found else None


def _run_subject(name: str, run: Run, field: VerdictField, allow_missing: bool) -> Subject:
    if run.manifest.kind != "benchmark":
        raise UsageError(f"run {name} is a judge run, not an evaluated run")
    verdicts = run_verdicts(run)
    missing = verdicts.table.missing()
    if missing and not allow_missing:
        detail = [f"{rid} ({', '.join(judges)})" for rid, judges in missing.items()]
        raise ScoreError(
            f"run {name}: {len(missing)} riddle(s) have a missing or unreadable verdict: "
            f"{show_ids(detail)}; re-run the jury for them, or pass --allow-missing"
        )
    return Subject(
        name=name,
        kind="run",
        provider=verdicts.provider,
        riddle_ids=verdicts.table.riddle_ids,
        yhat=verdicts.table.jury_values(field),
        prompts=prompt_tag(run),
        not_comparable=verdicts.not_comparable,
        run=run,
    )
