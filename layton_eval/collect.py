"""Fetching a whole run family: the evaluated model's batches, then each judge's."""

from __future__ import annotations

from pydantic import BaseModel, Field

from layton_eval.batches import fetch_run
from layton_eval.jury import JurySummary, collect_jury
from layton_eval.predictions import write_predictions
from layton_eval.results import FetchResult
from layton_eval.runs import Run
from layton_eval.settings import Settings

__all__ = ["FamilyFetch", "fetch_family"]


class FamilyFetch(BaseModel):
    """What ``layton fetch RUN`` collected."""

    run: FetchResult | None = None
    judges: list[FetchResult] = Field(default_factory=list)
    jury: JurySummary | None = None


def fetch_family(run: Run, *, settings: Settings) -> FamilyFetch:
    """Fetch what is ready in ``run`` and its judge child runs, and write derived files."""
    result = FamilyFetch()
    fetched = fetch_run(run, settings=settings)
    files = write_predictions(run) if run.file("outputs.jsonl").is_file() else {}
    result.run = fetched.model_copy(update={"files": fetched.files | files})
    for child in run.children():
        result.judges.append(fetch_run(child, settings=settings))
    if result.judges:
        result.jury = collect_jury(run)
        result.run.next_command = None  # the jury card says what comes next
    return result
