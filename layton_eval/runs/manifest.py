"""``run.json``: the manifest of a run and of each of its batches.

The manifest is written before and after every step that talks to a provider (see
:mod:`layton_eval.batches`), so a run can always be continued, or its paid batches found,
after a crash.
"""

from __future__ import annotations

import datetime as dt
import enum
import typing as t
import uuid

from pydantic import BaseModel, Field, model_validator

from layton_eval import __version__
from layton_eval.choices import RunKind, Split
from layton_eval.neutral import SamplingOptions
from layton_eval.pricing import EstimateRecord, UserPrice

if t.TYPE_CHECKING:
    from layton_eval.prompts import PromptSet

__all__ = [
    "BatchPhase",
    "BatchRecord",
    "DatasetRef",
    "ImportSource",
    "JudgeRef",
    "PromptsRef",
    "RunManifest",
    "RunState",
    "now",
]


def now() -> dt.datetime:
    """The current time, in UTC."""
    return dt.datetime.now(dt.UTC)


class RunState(enum.StrEnum):
    """Where a run stands, derived from its batches."""

    prepared = "prepared"  # requests written, nothing sent
    submitting = "submitting"  # a submission's outcome is unknown: reconcile before resending
    running = "running"  # batches accepted, not all finished
    finished = "finished"  # every batch terminal, results not all fetched
    fetched = "fetched"  # every terminal batch fetched


class BatchPhase(enum.StrEnum):
    """Local life of one batch record."""

    submitting = "submitting"  # intent recorded; the provider may or may not have the batch
    submitted = "submitted"  # the provider accepted it; batch_id known
    rejected = "rejected"  # the provider refused it: nothing was created, nothing to pay
    set_aside = "set_aside"  # the provider no longer knows it (or it expired): its riddles reopen


class ImportSource(BaseModel):
    """The file a batch of answers came from (``layton import``): no provider was called."""

    path: str
    sha256: str
    format: t.Literal["interchange", "openai-batch"]
    lines: int
    #: The file reports token counts (an OpenAI Batch output does; an interchange file not).
    usage: bool


class BatchRecord(BaseModel):
    """One provider batch of a run, recorded before and after submission (or a file of
    answers imported into the run: ``purpose`` ``import``, with its ``source``)."""

    intent_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    phase: BatchPhase = BatchPhase.submitting
    provider: str
    model: str
    endpoint: str
    custom_ids: list[str]
    request_count: int
    bytes: int
    purpose: str = "initial"  # "initial", "retry" or "import"
    #: Where the batch was sent: the API's scheme, host and path (``None``: an older layton).
    api_base: str | None = None
    batch_id: str | None = None
    intent_at: dt.datetime = Field(default_factory=now)
    submitted_at: dt.datetime | None = None
    #: When the failed submission call returned (bounds the creation time for reconcile).
    attempt_ended_at: dt.datetime | None = None
    #: Ids left at the provider by a submission that did not finish (for cleanup / reconcile).
    file_id: str | None = None
    container_id: str | None = None
    error: str | None = None
    remote_status: str | None = None
    remote_state: str | None = None
    terminal: bool = False
    completed: int = 0
    failed: int = 0
    polled_at: dt.datetime | None = None
    #: The last poll or download failed: why, and since when the provider has been unreachable.
    poll_error: str | None = None
    unreachable_since: dt.datetime | None = None
    #: The provider answered 404 for this batch: it no longer knows it.
    gone: bool = False
    fetched_at: dt.datetime | None = None
    #: When ``layton cancel`` asked the provider to stop the batch.
    cancel_requested_at: dt.datetime | None = None
    #: What the estimate before sending said for this batch (None: sent by an older layton).
    estimate: EstimateRecord | None = None
    #: The imported file, for a batch of answers imported with ``layton import``.
    source: ImportSource | None = None


class DatasetRef(BaseModel):
    """Which riddles a run was prepared from."""

    source: str
    location: str
    revision: str | None = None
    sha256: str
    riddles: int
    with_images: int


class PromptsRef(BaseModel):
    """Which prompt files a run was prepared (or a judge run sent) with."""

    source: t.Literal["official", "builtin", "custom"] = Field(
        description="official: the layton-eval repository's files; builtin: layton's own; "
        "custom: another folder."
    )
    sha256: str
    location: str | None = Field(default=None, description="The folder read (None: built in).")
    files: dict[str, str] = Field(
        default_factory=dict, description="sha256 of each prompt file, by relative path."
    )

    @model_validator(mode="before")
    @classmethod
    def _folder_as_source(cls, data: t.Any) -> t.Any:
        """Runs made by layton 0.1.0 recorded a --prompts-dir folder as the source."""
        known = (None, "official", "builtin", "custom")
        if isinstance(data, dict) and data.get("source") not in known:
            data = {**data, "source": "custom", "location": data["source"]}
        return data

    @classmethod
    def of(cls, prompts: PromptSet) -> PromptsRef:
        """The record of a loaded prompt set."""
        return cls(
            source=prompts.source,
            sha256=prompts.sha256,
            location=prompts.location,
            files=dict(prompts.files),
        )


class JudgeRef(BaseModel):
    """The judge of a jury child run."""

    key: str  # folder name under jury/
    provider: str
    model: str


class RunManifest(BaseModel):
    """``run.json``: everything needed to continue a run later."""

    schema_version: int = 1
    layton_version: str = __version__
    name: str
    kind: RunKind = "benchmark"
    split: Split
    hints: int
    provider: str | None = None
    model: str | None = None
    sampling: SamplingOptions = Field(default_factory=SamplingOptions)
    price: UserPrice | None = None  # a batch price given by the user (--price-in/--price-out)
    dataset: DatasetRef
    prompts: PromptsRef
    ids: list[str]
    #: sha256 of requests.jsonl as written by prepare (checked before anything is sent).
    requests_sha256: str | None = None
    created_at: dt.datetime = Field(default_factory=now)
    updated_at: dt.datetime = Field(default_factory=now)
    state: RunState = RunState.prepared
    batches: list[BatchRecord] = Field(default_factory=list)
    parent: str | None = None  # judge runs: the evaluated run's name
    group: str | None = None  # the group (sweep) the run belongs to
    judge: JudgeRef | None = None
    notes: dict[str, t.Any] = Field(default_factory=dict)

    def derived_state(self) -> RunState:
        """The state the batches imply (``state`` is this, as last saved)."""
        live = self.live_batches
        if not live:
            return RunState.prepared
        if any(b.phase is BatchPhase.submitting for b in live):
            return RunState.submitting
        if not all(b.terminal for b in live):
            return RunState.running
        if not all(b.fetched_at for b in live):
            return RunState.finished
        return RunState.fetched

    @property
    def live_batches(self) -> list[BatchRecord]:
        """The batches that count: every batch but the rejected and the set-aside ones."""
        return [
            b for b in self.batches if b.phase not in (BatchPhase.rejected, BatchPhase.set_aside)
        ]

    def batch_tag(self, record: BatchRecord) -> dict[str, str]:
        """What layton writes on a batch where the provider keeps it (see docs/providers.md)."""
        tag = {"layton_run": self.name[:64], "layton_intent": record.intent_id}
        if self.requests_sha256:
            tag["layton_requests"] = self.requests_sha256
        return tag
