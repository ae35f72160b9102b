"""The jury's verdicts on a run, gathered after its judges are fetched.

Each judge's verdicts are written as an original-scripts judge file
(``<run>/jury/judge_..._by_....jsonl``, see :mod:`layton_eval.interchange`) and the per-riddle
summary as ``<run>/jury.jsonl``. A riddle the judges never saw (its prediction failed or could
not be read) gets a failed verdict from every judge: it counts as incorrect on every field.
"""

from __future__ import annotations

import typing as t
from itertools import combinations

from pydantic import BaseModel, Field

from layton_eval.answers import Verdict
from layton_eval.interchange import JudgeRecord
from layton_eval.jury.panel import panel_note, retirement_hint
from layton_eval.next_step import Facts, Step, next_command
from layton_eval.runs import layout
from layton_eval.runs.data import scoring_data_dir
from layton_eval.runs.manifest import JudgeRef
from layton_eval.runs.outputs import OutputRecord, load_outputs
from layton_eval.runs.predictions import Prediction, load_predictions

if t.TYPE_CHECKING:
    from pathlib import Path

    from layton_eval.runs.store import Run

__all__ = ["JudgeStats", "JurySummary", "collect_jury", "judge_files"]

FIELDS = ("is_answer_correct", "is_justification_correct", "both_correct")
#: The verdict of every judge on a riddle they never saw.
_FAILED = Verdict(is_answer_correct=False, is_justification_correct=False)

#: Riddle id -> judge key -> verdict (``None``: missing or unreadable).
Verdicts = dict[str, dict[str, Verdict | None]]


class JudgeStats(BaseModel):
    """One judge's share of each verdict, over the riddles it saw."""

    key: str
    provider: str
    model: str
    verdicts: int
    missing: int
    answer_rate: float | None
    justification_rate: float | None
    both_rate: float | None
    file: str
    note: str | None = None  # what to do when its requests failed with "model not found"


class JurySummary(BaseModel):
    """The jury's verdicts on a run, after fetching the judges."""

    run: str
    riddles: int
    judged: int
    not_judged: int
    judges: list[JudgeStats]
    pairwise_agreement: dict[str, float]
    fleiss_kappa: float | None
    missing: dict[str, list[str]]  # riddle id -> judge keys without a verdict
    waiting: list[str] = Field(default_factory=list)  # judges whose batches are still out
    #: How the panel differs from the calibration set's judges (None: it does not).
    panel_note: str | None = None
    jury_mean: float | None  # raw (uncalibrated) mean of both_correct jury values
    files: dict[str, str]
    next_command: str


def judge_files(run: Run) -> list[Path]:
    """The run's judge files, one per judge of the panel that has results."""
    folder = run.file(layout.JURY_DIR)
    return sorted(folder.glob(layout.JUDGE_FILES_GLOB)) if folder.is_dir() else []


def collect_jury(
    run: Run, *, fresh: t.Mapping[str, dict[str, OutputRecord]] | None = None
) -> JurySummary | None:
    """Write the judge files and ``jury.jsonl`` from the fetched judges (``None``: no judge).

    ``fresh`` holds, by child run name, the outputs of judges fetched in this process (already
    parsed); the others are read from their run folders.
    """
    children = [c for c in run.children() if c.manifest.judge is not None]
    if not children:
        return None
    verdicts: Verdicts = {cid: {} for cid in run.manifest.ids}
    stats: list[JudgeStats] = []
    for child in children:
        outputs = (fresh or {}).get(child.name) or load_outputs(child)
        stats.append(_collect_judge(run, child, outputs, verdicts))
    files = {judge.key: judge.file for judge in stats}
    rows = _jury_rows(run, [judge.key for judge in stats], verdicts)
    files["jury"] = str(run.write_jsonl(layout.JURY_FILE, rows))
    return _summary(run, children, stats, rows, files)


def _collect_judge(
    run: Run, child: Run, outputs: dict[str, OutputRecord], verdicts: Verdicts
) -> JudgeStats:
    """Add one judge's verdicts to ``verdicts`` and write its judge file."""
    judge = child.manifest.judge
    assert judge is not None
    records = []
    for cid in run.manifest.ids:
        if cid not in child.manifest.ids:  # not judged: the prediction failed
            verdicts[cid][judge.key] = _FAILED
            records.append(JudgeRecord.from_verdict(cid, _FAILED, model=judge.model))
            continue
        output = outputs.get(cid)
        parsed = output.parsed if output else None
        verdicts[cid][judge.key] = parsed if isinstance(parsed, Verdict) else None
        text = output.text if output else None
        records.append(JudgeRecord(custom_id=cid, answer=text, model=judge.model))
    path = run.write_jsonl(
        layout.judge_file(run.manifest, judge), (r.model_dump(mode="json") for r in records)
    )
    mine = [verdicts[cid][judge.key] for cid in child.manifest.ids]
    stats = _judge_stats(judge, mine, str(path))
    errors = (o.error for o in outputs.values() if o.error)
    hints = (retirement_hint(judge.provider, judge.model, error) for error in errors)
    return stats.model_copy(update={"note": next((h for h in hints if h), None)})


def _judge_stats(judge: JudgeRef, mine: list[Verdict | None], file: str) -> JudgeStats:
    present = [v for v in mine if v is not None]

    def rate(values: list[bool]) -> float | None:
        return sum(values) / len(values) if values else None

    return JudgeStats(
        key=judge.key,
        provider=judge.provider,
        model=judge.model,
        verdicts=len(present),
        missing=len(mine) - len(present),
        answer_rate=rate([v.is_answer_correct for v in present]),
        justification_rate=rate([v.is_justification_correct for v in present]),
        both_rate=rate([v.both_correct for v in present]),
        file=file,
    )


def _jury_rows(run: Run, keys: list[str], verdicts: Verdicts) -> list[dict[str, t.Any]]:
    """One ``jury.jsonl`` row per riddle: the verdicts, the jury values, agreement."""
    predictions = load_predictions(run)
    without_gold = set(run.manifest.notes.get("without_gold", []))
    rows = []
    for cid in run.manifest.ids:
        judged = cid in predictions and predictions[cid].valid
        per = verdicts[cid]
        absent = [key for key in keys if per.get(key) is None]
        given = {key: v for key, v in per.items() if v is not None}
        values = {
            field: (sum(getattr(v, field) for v in given.values()) / len(given)) if given else None
            for field in FIELDS
        }
        agreed = {(v.is_answer_correct, v.is_justification_correct) for v in given.values()}
        rows.append(
            {
                "id": cid,
                "judged": judged,
                "reason": None if judged else _not_judged(predictions.get(cid)),
                "without_gold": cid in without_gold,
                "verdicts": {key: (v.model_dump() if v else None) for key, v in per.items()},
                "jury": values,
                "agreed": len(agreed) <= 1 and not absent,
                "missing": absent,
            }
        )
    return rows


def _not_judged(prediction: Prediction | None) -> str:
    """Why a riddle was not judged (it counts as incorrect)."""
    if prediction is None:
        return "no prediction: counted incorrect"
    if prediction.status == "refused":
        return f"answer refused ({prediction.refusal}): counted incorrect"
    what = {"truncated": "cut at the token limit", "invalid": "unreadable"}
    return f"prediction {what.get(prediction.status, 'failed')}: counted incorrect"


def _both(verdict: dict[str, bool]) -> bool:
    return verdict["is_answer_correct"] and verdict["is_justification_correct"]


def _summary(
    run: Run,
    children: list[Run],
    stats: list[JudgeStats],
    rows: list[dict[str, t.Any]],
    files: dict[str, str],
) -> JurySummary:
    from layton_eval.stats.agreement import fleiss_kappa, pairwise_agreement  # numpy: judges only

    keys = [judge.key for judge in stats]
    missing = {row["id"]: row["missing"] for row in rows if row["missing"]}
    complete = [
        [_both(row["verdicts"][key]) for key in keys]
        for row in rows
        if row["judged"] and not row["missing"]
    ]
    jury_values = [row["jury"]["both_correct"] for row in rows if not row["missing"]]
    jury_values = [value for value in jury_values if value is not None]
    agreement = pairwise_agreement(complete) if complete else None
    waiting = [
        c.manifest.judge.key
        for c in children
        if c.manifest.judge and any(not b.fetched_at for b in c.manifest.live_batches)
    ]
    facts = Facts(
        run=run.name,
        waiting=bool(waiting),
        missing_verdicts=bool(missing),
        data_dir=scoring_data_dir(run.manifest),  # score needs the calibration set
    )
    return JurySummary(
        run=run.name,
        riddles=len(rows),
        judged=sum(1 for row in rows if row["judged"]),
        not_judged=sum(1 for row in rows if not row["judged"]),
        judges=stats,
        pairwise_agreement={
            f"{a} / {b}": float(agreement[i, j])
            for (i, a), (j, b) in combinations(enumerate(keys), 2)
            if agreement is not None
        },
        fleiss_kappa=fleiss_kappa(complete),
        missing=missing,
        jury_mean=sum(jury_values) / len(jury_values) if jury_values else None,
        files=files,
        waiting=waiting,
        panel_note=panel_note(judge.model for judge in stats),
        next_command=next_command(Step.verdicts, facts) or "",
    )
