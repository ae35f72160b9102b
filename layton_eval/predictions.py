"""Predictions of a benchmark run: the parsed answers, and the interchange results file.

``predictions.jsonl`` has one line per riddle: the answer and justification when the output
could be read, the raw text always, token usage, finish reason and the provider's error for
failed requests. The interchange file (``benchmark_{provider}_{model}_{split}_hints_{n}.jsonl``,
lines ``{"custom_id", "answer": <JSON text>, "model"}``) keeps outputs usable by the original
layton-eval scripts.
"""

from __future__ import annotations

import json

from pydantic import BaseModel, Field

from layton_eval.answers import parse_answer
from layton_eval.neutral import Usage
from layton_eval.results import OutputRecord, load_outputs
from layton_eval.runs import Run, RunManifest, atomic_write_jsonl, read_jsonl

__all__ = ["PREDICTIONS", "Prediction", "interchange_name", "load_predictions", "write_predictions"]

PREDICTIONS = "predictions.jsonl"


class Prediction(BaseModel):
    """The evaluated model's outcome on one riddle."""

    id: str
    answer: str | None = None
    justification: str | None = None
    valid: bool = False
    raw_text: str = ""
    usage: Usage = Field(default_factory=Usage)
    finish_reason: str | None = None
    error: str | None = None
    batch_id: str | None = None
    model: str | None = None

    @property
    def status(self) -> str:
        """``ok``, ``invalid`` (unreadable output) or ``failed`` (provider error / no result)."""
        if self.error:
            return "failed"
        return "ok" if self.valid else "invalid"


def interchange_name(manifest: RunManifest) -> str:
    """The original scripts' results file name for this run."""
    model = (manifest.model or "model").replace("/", "-")
    return f"benchmark_{manifest.provider}_{model}_{manifest.split}_hints_{manifest.hints}.jsonl"


def _prediction(output: OutputRecord) -> Prediction:
    parsed = parse_answer(output.text) if not output.error else None
    return Prediction(
        id=output.id,
        answer=parsed.answer if parsed else None,
        justification=parsed.justification if parsed else None,
        valid=parsed is not None,
        raw_text=output.text,
        usage=output.usage,
        finish_reason=output.finish_reason,
        error=output.error,
        batch_id=output.batch_id,
        model=output.model,
    )


def write_predictions(run: Run) -> dict[str, str]:
    """Write ``predictions.jsonl`` and the interchange file from the run's outputs."""
    outputs = load_outputs(run)
    predictions = [_prediction(outputs[cid]) for cid in run.manifest.ids if cid in outputs]
    atomic_write_jsonl(run.file(PREDICTIONS), predictions)
    interchange = run.file(interchange_name(run.manifest))
    atomic_write_jsonl(
        interchange,
        (
            {
                "custom_id": p.id,
                "answer": json.dumps({"answer": p.answer, "justification": p.justification})
                if p.valid
                else p.raw_text,
                "model": p.model,
            }
            for p in predictions
            if not p.error
        ),
    )
    return {"predictions": str(run.file(PREDICTIONS)), "interchange": str(interchange)}


def load_predictions(run: Run) -> dict[str, Prediction]:
    path = run.file(PREDICTIONS)
    if not path.is_file():
        return {}
    return {row["id"]: Prediction.model_validate(row) for row in read_jsonl(path)}
