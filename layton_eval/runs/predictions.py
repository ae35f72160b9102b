"""Predictions of a benchmark run: the parsed answers, and the original results file.

``predictions.jsonl`` has one line per riddle: the answer and justification when the output
could be read, the raw text always, token usage, finish reason and the provider's error for
failed requests. The original scripts' results file (see :mod:`layton_eval.interchange`) keeps
outputs usable by the layton-eval scripts.
"""

from __future__ import annotations

import json
import typing as t

from pydantic import BaseModel, Field

from layton_eval.answers import Answer
from layton_eval.neutral import Usage
from layton_eval.runs import layout

if t.TYPE_CHECKING:
    from layton_eval.runs.outputs import OutputRecord
    from layton_eval.runs.store import Run

__all__ = ["Prediction", "load_predictions", "write_predictions"]


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
    refusal: str | None = None  # the provider's reason, when the answer was refused
    truncated: bool = False  # cut at the output token limit before a complete answer
    batch_id: str | None = None
    model: str | None = None

    @property
    def status(self) -> str:
        """``ok``, ``invalid`` (unreadable output), ``truncated``, ``refused`` (with the
        provider's reason) or ``failed`` (provider error / no result)."""
        if self.error:
            return "failed"
        if self.valid:
            return "ok"
        if self.refusal is not None:
            return "refused"
        return "truncated" if self.truncated else "invalid"


def _prediction(output: OutputRecord) -> Prediction:
    parsed = output.parsed("benchmark")
    answer = parsed if isinstance(parsed, Answer) else None
    return Prediction(
        id=output.id,
        answer=answer.answer if answer else None,
        justification=answer.justification if answer else None,
        valid=answer is not None,
        raw_text=output.text,
        usage=output.usage,
        finish_reason=output.finish_reason,
        error=output.error,
        refusal=output.refusal,
        truncated=output.truncated,
        batch_id=output.batch_id,
        model=output.model,
    )


def _matches(prediction: Prediction | None, output: OutputRecord) -> bool:
    return prediction is not None and (
        (prediction.raw_text, prediction.error, prediction.refusal, prediction.batch_id)
        == (output.text, output.error, output.refusal, output.batch_id)
    )


def write_predictions(
    run: Run, outputs: dict[str, OutputRecord], changed: t.Collection[str]
) -> dict[str, str]:
    """Write ``predictions.jsonl`` and the results file from the run's merged outputs.

    Riddles whose output did not change in this fetch keep their recorded prediction (when it
    still matches the output), so each output is parsed once, when it arrives.
    """
    known = load_predictions(run)
    predictions = [
        known[cid]
        if cid not in changed and _matches(known.get(cid), outputs[cid])
        else _prediction(outputs[cid])
        for cid in run.manifest.ids
        if cid in outputs
    ]
    predictions_path = run.write_jsonl(layout.PREDICTIONS, predictions)
    results_path = run.write_jsonl(
        layout.results_file(run.manifest),
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
    return {"predictions": str(predictions_path), "interchange": str(results_path)}


def load_predictions(run: Run) -> dict[str, Prediction]:
    """The run's predictions by riddle id (empty before the first fetch)."""
    return {row["id"]: Prediction.model_validate(row) for row in run.read_jsonl(layout.PREDICTIONS)}
