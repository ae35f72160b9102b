"""``layton import``: answers made elsewhere become a run, as if layton had fetched them.

The file (see :mod:`layton_eval.exchange.answers`) is read whole and checked before anything is
written: a line that cannot be read, or a riddle id the run does not have, stops the import
and nothing is created. Then each riddle's result goes down the fetch path: parsed by the
openai provider, classified by :func:`~layton_eval.runs.outputs.decoded_output` (valid,
unreadable, truncated, refused, failed; of several lines for one riddle the first valid answer
wins, as across a run's batches), merged into ``outputs.jsonl`` (a valid answer is never
replaced) and written as ``predictions.jsonl`` and the results file. A riddle the file does not
answer counts as failed. The import is recorded as a batch of the run (purpose ``import``) with
the file's path, format and sha256; the same file is never imported twice into one run. A new
run is written whole beside its place and renamed into it (see
:meth:`~layton_eval.runs.store.RunStore.create`): an import that fails or is killed leaves no run
(nor the runs made before it by the same command), and the same command works again.
"""

from __future__ import annotations

import dataclasses
import typing as t
from pathlib import Path

from pydantic import BaseModel, Field

from layton_eval.batches._calls import impl_of
from layton_eval.choices import MAX_HINTS, Split
from layton_eval.errors import DatasetError, RunError, UsageError
from layton_eval.exchange.answers import AnswerFile, read_answer_file
from layton_eval.interchange import parse_results_file_name
from layton_eval.neutral import NeutralRequest
from layton_eval.next_step import Facts, Step, family_facts, group_next, next_command
from layton_eval.prepare import (
    PrepareOptions,
    Riddles,
    default_group_name,
    default_run_name,
    load_riddles,
    new_run,
)
from layton_eval.providers.batch_types import RawResult
from layton_eval.runs import layout
from layton_eval.runs.groups import check_group_name, check_not_a_group
from layton_eval.runs.manifest import BatchPhase, BatchRecord, ImportSource, RunManifest, now
from layton_eval.runs.outputs import (
    FetchResult,
    OutputRecord,
    decoded_output,
    load_outputs,
    merge_outputs,
    save_decoded_results,
    save_outputs,
    summarize,
)
from layton_eval.runs.predictions import write_predictions
from layton_eval.runs.store import Run, RunStore, check_replaceable

if t.TYPE_CHECKING:
    from layton_eval.settings import Settings

__all__ = ["ImportGroup", "ImportOptions", "ImportResult", "import_files", "import_into"]

#: The provider whose response parsing reads imported lines (chat completions).
PARSER = "openai"


@dataclasses.dataclass(frozen=True)
class ImportOptions:
    """What ``layton import`` was asked for (``None``: read from the file name, else asked)."""

    split: Split | None = None
    hints: int | None = None
    provider: str | None = None
    model: str | None = None
    name: str | None = None
    group: str | None = None
    #: How the run is prepared (its riddles and prompts), as ``layton prepare`` takes them.
    prepare: PrepareOptions | None = None
    force: bool = False


class ImportResult(BaseModel):
    """What ``layton import`` did: the run, the file, and the answers as a fetch counts them."""

    run: str
    created: bool = Field(description="A new run (false: answers brought into a run).")
    source: ImportSource
    conflicts: list[str] = Field(
        default_factory=list,
        description="Riddles with two different valid answers in the file (the first kept).",
    )
    replaced: int = Field(
        0, description="Lone surrogates in the file, replaced by U+FFFD (not valid UTF-8)."
    )
    fetch: FetchResult
    next_command: str


def _target(answers: AnswerFile, options: ImportOptions) -> tuple[Split, int, str, str]:
    """Split, hints, provider and model: given, else from the file's name (else its lines'
    model), else a usage error saying what to pass."""
    named = parse_results_file_name(answers.path)
    split = options.split or (Split(named.split) if named else None)
    hints = options.hints if options.hints is not None else named.hints if named else None
    provider = options.provider or (named.provider if named else None)
    model = options.model or (named.model if named else None) or _one_model(answers)
    missing = [
        flag
        for flag, value in (
            ("--split", split),
            ("--hints", hints),
            ("--provider", provider),
            ("--model", model),
        )
        if value is None
    ]
    if missing:
        raise UsageError(
            f"{answers.path.name} does not say its {', '.join(m[2:] for m in missing)} (its "
            "name is not benchmark_{provider}_{model}_{split}_hints_{n}.jsonl): pass "
            + " ".join(missing)
        )
    assert split is not None and hints is not None and provider and model
    if not 0 <= hints <= MAX_HINTS:
        raise UsageError(f"hints must be 0 to {MAX_HINTS}, got {hints}")
    return split, hints, _provider(provider), model


def _provider(name: str) -> str:
    """Who made the model: any name without '_' or '/' (the file names split on them)."""
    if not name or "_" in name or "/" in name:
        raise UsageError(f"--provider {name!r}: a name without '_' or '/' (such as local)")
    return name


def _one_model(answers: AnswerFile) -> str | None:
    return next(iter(answers.models)) if len(answers.models) == 1 else None


def _ids(ids: list[str], shown: int = 10) -> str:
    more = len(ids) - shown
    return ", ".join(ids[:shown]) + (f" and {more} more" if more > 0 else "")


def _unknown(answers: AnswerFile, ids: t.Collection[str], where: str) -> None:
    """Refuse riddle ids the run does not have (nothing is written)."""
    known = set(ids)
    unknown = [cid for cid in answers.results if cid not in known]
    if unknown:
        raise DatasetError(
            f"{answers.path}: {len(unknown)} riddle id(s) are not in {where}: "
            f"{_ids(unknown)}; nothing was imported"
        )


def _record(answers: AnswerFile, manifest: RunManifest, model: str) -> BatchRecord:
    """The import, as a batch of the run: finished, fetched, and its file's sha256."""
    when = now()
    present = sum(1 for cid in manifest.ids if cid in answers.results)
    return BatchRecord(
        phase=BatchPhase.submitted,
        provider=PARSER,
        model=model,
        endpoint="/v1/chat/completions",
        custom_ids=list(manifest.ids),
        request_count=len(manifest.ids),
        bytes=answers.path.stat().st_size,
        purpose="import",
        batch_id=f"import-{answers.sha256[:16]}",
        submitted_at=when,
        terminal=True,
        remote_status="imported",
        remote_state="imported",
        completed=present,
        failed=len(manifest.ids) - present,
        fetched_at=when,
        source=ImportSource(
            path=str(answers.path.resolve()),
            sha256=answers.sha256,
            format=answers.format,
            lines=answers.lines,
            usage=answers.usage,
        ),
    )


def _kept(
    answers: AnswerFile, ids: t.Sequence[str], record: BatchRecord
) -> tuple[dict[str, RawResult], list[OutputRecord], list[str]]:
    """Each riddle's result and outcome: of its lines, the first valid answer, else the first
    of the best outcome (a riddle the file does not answer is a failed request); and the
    riddles with two different valid answers."""
    missing = RawResult(
        404, {"error": {"message": f"no answer for this riddle in {answers.path.name}"}}
    )
    impl = impl_of(PARSER)
    results, outputs, conflicts = {}, [], []
    for cid in ids:
        lines = answers.results.get(cid) or [missing]
        made = [decoded_output(cid, raw, record, impl, "benchmark")[0] for raw in lines]
        best = max(range(len(made)), key=lambda i: (made[i].quality, -i))
        if len({output.text for output in made if output.quality == 2}) > 1:
            conflicts.append(cid)
        results[cid] = lines[best]
        outputs.append(made[best])
    return results, outputs, conflicts


Brought = tuple[dict[str, OutputRecord], list[str]]


def _bring_in(run: Run, answers: AnswerFile, record: BatchRecord) -> Brought:
    """Write the raw results, the merged outputs, the predictions and the record into ``run``
    (under its lock, or a run not in place yet); the outputs and the riddles answered twice."""
    results, new, conflicts = _kept(answers, run.manifest.ids, record)
    outputs: dict[str, OutputRecord] = load_outputs(run)
    assert record.batch_id is not None
    save_decoded_results(run, record.batch_id, results)
    merge_outputs(outputs, new)
    save_outputs(run, outputs)
    write_predictions(run, outputs)
    if all(b.batch_id != record.batch_id for b in run.manifest.batches):
        run.manifest.batches.append(record)
    run.save()
    return outputs, conflicts


def _imported(
    run: Run, answers: AnswerFile, record: BatchRecord, brought: Brought, *, created: bool
) -> ImportResult:
    """What was imported into ``run`` (in place), with the counts as a fetch makes them."""
    command = next_command(Step.imported, Facts.of(run.manifest)) or ""
    outputs, conflicts = brought
    fetched = [record.batch_id or ""]
    summary = summarize(run, outputs, fetched=fetched, waiting=[], next_command=command)
    files = {
        "predictions": str(run.file(layout.PREDICTIONS)),
        "interchange": str(run.file(layout.results_file(run.manifest))),
    }
    assert record.source is not None
    return ImportResult(
        run=run.name,
        created=created,
        source=record.source,
        conflicts=conflicts,
        replaced=answers.replaced,
        fetch=summary.model_copy(update={"files": summary.files | files}),
        next_command=command,
    )


class ImportGroup(BaseModel):
    """What ``layton import`` did with several files: one new run each, in one group."""

    group: str
    runs: list[ImportResult]
    next_command: str | None


def import_files(
    paths: t.Sequence[Path], options: ImportOptions, *, settings: Settings
) -> ImportResult | ImportGroup:
    """A new run per file (named like ``prepare`` names it), several in one group. Every file
    is read, and every riddle id checked, before the first run is written."""
    files = [read_answer_file(path) for path in paths]
    targets = [_target(answers, options) for answers in files]
    if options.name and len(files) > 1:
        raise UsageError("--name names one run: each file's run takes its default name")
    store = RunStore(settings.runs_dir)
    names = [options.name or default_run_name(p, m, s, h) for s, h, p, m in targets]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise UsageError(f"two files would make run {', '.join(twice)}: import them one by one")
    group = options.group
    if group is None and len(files) > 1:
        split, _, provider, _ = targets[0]
        group = default_group_name(provider, [m for *_, m in targets], split)
    if group is not None:
        check_group_name(store, group, names)
    for name in names:
        check_not_a_group(store, store.path(name).name)
        check_replaceable(store.path(name), force=options.force)
    made = _new_runs(files, targets, names, options, group, settings)
    results = _create_all(store, files, made, force=options.force)
    if group is None:
        return results[0]
    facts = [family_facts(store.load(result.run), verdicts=True) for result in results]
    return ImportGroup(group=group, runs=results, next_command=group_next(group, facts))


def _create_all(
    store: RunStore,
    files: list[AnswerFile],
    made: list[tuple[RunManifest, list[NeutralRequest], BatchRecord]],
    *,
    force: bool,
) -> list[ImportResult]:
    """Every file's new run; on any error (a full disk, Ctrl-C) the runs made before it by
    this import are removed (a run it replaced with ``force`` is gone either way)."""
    new = [manifest.name for manifest, _, _ in made if not store.path(manifest.name).exists()]
    results: list[ImportResult] = []
    try:
        for answers, (manifest, requests, record) in zip(files, made, strict=True):
            results.append(_create(store, manifest, requests, answers, record, force))
    except BaseException:
        for done in results:
            if done.run in new:
                store.remove(done.run)
        raise
    return results


def _create(
    store: RunStore,
    manifest: RunManifest,
    requests: list[NeutralRequest],
    answers: AnswerFile,
    record: BatchRecord,
    force: bool,
) -> ImportResult:
    """One file's new run, written whole then renamed into place."""
    brought: list[Brought] = []

    def fill(run: Run) -> None:
        brought.append(_bring_in(run, answers, record))

    run = store.create(manifest, requests, force=force, fill=fill)
    return _imported(run, answers, record, brought[0], created=True)


def _new_runs(
    files: list[AnswerFile],
    targets: list[tuple[Split, int, str, str]],
    names: list[str],
    options: ImportOptions,
    group: str | None,
    settings: Settings,
) -> list[tuple[RunManifest, list[NeutralRequest], BatchRecord]]:
    """Each file's run, not written yet: its riddles are loaded (once per split) and the
    file's ids checked against them."""
    loaded: dict[Split, Riddles] = {}
    made = []
    for answers, (split, hints, provider, model), name in zip(files, targets, names, strict=True):
        base = options.prepare or PrepareOptions(split=split, hints=hints)
        prepared = dataclasses.replace(base, split=split, hints=hints, group=group)
        if split not in loaded:
            loaded[split] = load_riddles(prepared, settings=settings)
        manifest, requests = new_run(
            loaded[split], prepared, name=name, provider=provider, model=model
        )
        _unknown(answers, manifest.ids, f"the {split} riddles")
        made.append((manifest, requests, _record(answers, manifest, model)))
    return made


def import_into(run: Run, path: Path, options: ImportOptions) -> ImportResult:
    """The answers of ``path`` brought into ``run`` (its exported requests answered
    elsewhere): checked against its riddles and model, merged with what it has."""
    answers = read_answer_file(path)
    manifest = run.manifest
    _unknown(answers, manifest.ids, f"run {run.name}")
    if any(b.source and b.source.sha256 == answers.sha256 for b in manifest.live_batches):
        raise RunError(f"{path} was already imported into run {run.name}", run=run.name)
    model = manifest.model or options.model or _one_model(answers)
    if options.model and manifest.model and options.model != manifest.model:
        raise UsageError(f"run {run.name} is for model {manifest.model}, not {options.model}")
    if model is None:
        named = ", ".join(sorted(answers.models)) or "none"
        raise UsageError(
            f"run {run.name} names no model and its answers name {named}: pass --model"
        )
    strangers = sorted(answers.models - {model}) if not options.model else []
    if strangers:
        raise RunError(
            f"{path.name} holds answers of {', '.join(strangers)}, but run {run.name} is for "
            f"{model}: import it into its own run (no --into), or pass --model {model} if "
            "these are this run's answers under another name",
            run=run.name,
        )
    provider = manifest.provider or options.provider
    if not provider:
        raise UsageError(
            f"run {run.name} names no provider yet: pass --provider (who made the model, any "
            "name without '_', such as local)"
        )
    with run.lock("importing into"):
        run.manifest.provider, run.manifest.model = _provider(provider), model
        price = options.prepare.price if options.prepare else None
        run.manifest.price = price or run.manifest.price
        run.save()
    record = _record(answers, run.manifest, model)
    with run.lock("importing into"):
        brought = _bring_in(run, answers, record)
    return _imported(run, answers, record, brought, created=False)
