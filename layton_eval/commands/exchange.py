"""``layton import`` and ``layton export``: answers made elsewhere, requests answered elsewhere."""

from __future__ import annotations

import typing as t
from pathlib import Path

import typer

from layton_eval.choices import MAX_HINTS, Split
from layton_eval.commands.help import examples
from layton_eval.commands.options import (
    DataDirOpt,
    DatasetOpt,
    ForceOpt,
    JsonOpt,
    PriceInOpt,
    PriceOutOpt,
    RevisionOpt,
    RunArg,
    absolute,
    complete_hints,
    complete_model,
    complete_provider,
    complete_run,
    user_price,
)
from layton_eval.commands.prepare import GroupOpt, PromptsDirOpt, PromptsOpt, prepare_options

__all__ = ["export", "import_"]

FilesArg = t.Annotated[
    list[str],
    typer.Argument(
        metavar="FILE",
        help="An interchange results file ({custom_id, answer, model} lines; its name, "
        "benchmark_ then provider, model, split and hints_N joined by '_', says what it "
        "holds) or an OpenAI Batch output file ({custom_id, response, error} lines). Several "
        "files (or a quoted glob): one run each, in one group.",
        show_default=False,
    ),
]
IntoOpt = t.Annotated[
    str | None,
    typer.Option(
        "--into",
        metavar="RUN",
        help="Bring the answers into this run (its exported requests, answered elsewhere) "
        "instead of creating a run.",
        autocompletion=complete_run,
        show_default=False,
    ),
]
ImportSplitOpt = t.Annotated[
    Split | None,
    typer.Option("--split", help="llm or vlm (default: from the file name).", show_default=False),
]
ImportHintsOpt = t.Annotated[
    int | None,
    typer.Option(
        "--hints",
        min=0,
        max=MAX_HINTS,
        help="Hints the model was given (default: from the file name).",
        autocompletion=complete_hints,
        show_default=False,
    ),
]
ImportProviderOpt = t.Annotated[
    str | None,
    typer.Option(
        "--provider",
        help="Who made the model (its own calibration rows and judge are left out), any name "
        "without '_' such as local (default: from the file name).",
        autocompletion=complete_provider,
        show_default=False,
    ),
]
ImportModelOpt = t.Annotated[
    str | None,
    typer.Option(
        "--model",
        help="The model (default: from the file name, else the model its lines name).",
        autocompletion=complete_model,
        show_default=False,
    ),
]
ImportNameOpt = t.Annotated[
    str | None,
    typer.Option(
        "--name",
        help="Run name (default: benchmark_ then provider, model, split and hints_N, joined "
        "by '_'); one file only.",
        show_default=False,
    ),
]


@examples(
    "layton import benchmark_local_my-model_llm_hints_0.jsonl --dataset sample",
    "layton import out.jsonl --provider local --model m1 --split llm --hints 0",
    "layton import trial.results.jsonl --into trial",
    "layton import 'out/benchmark_local_my-model_llm_hints_*.jsonl' --group mine",
)
def import_(
    files: FilesArg,
    into: IntoOpt = None,
    split: ImportSplitOpt = None,
    hints: ImportHintsOpt = None,
    provider: ImportProviderOpt = None,
    model: ImportModelOpt = None,
    name: ImportNameOpt = None,
    group: GroupOpt = None,
    price_in: PriceInOpt = None,
    price_out: PriceOutOpt = None,
    data_dir: DataDirOpt = None,
    dataset: DatasetOpt = None,
    revision: RevisionOpt = None,
    prompts: PromptsOpt = None,
    prompts_dir: PromptsDirOpt = None,
    force: ForceOpt = False,
    json_: JsonOpt = False,
) -> None:
    """Import answers made elsewhere as a run, as if fetched: then jury, score, report."""
    from layton_eval.exchange.answers import expand_files
    from layton_eval.exchange.importing import ImportOptions
    from layton_eval.runs.layout import check_name

    prepared = prepare_options(
        split=split or Split.llm, hints=hints or 0, price=user_price(price_in, price_out),
        data_dir=data_dir, dataset=dataset, revision=revision, prompts=prompts,
        prompts_dir=prompts_dir,
    )  # fmt: skip
    options = ImportOptions(
        split=split,
        hints=hints,
        provider=provider,
        model=model,
        name=None if name is None else check_name(name),
        group=None if group is None else check_name(group),
        prepare=prepared,
        force=force,
    )
    paths = expand_files(files)
    if into is not None:
        _into(into, paths, options, json_=json_)
        return
    from layton_eval.exchange.importing import import_files
    from layton_eval.settings import get_settings

    _show(import_files(paths, options, settings=get_settings()), json_=json_)


def _into(name: str, files: list[Path], options: t.Any, *, json_: bool) -> None:
    """``import FILE --into RUN``: the answers brought into one run."""
    from layton_eval.commands.runs import find_run
    from layton_eval.errors import UsageError
    from layton_eval.exchange.importing import import_into
    from layton_eval.next_step import Step

    if len(files) != 1:
        raise UsageError("--into takes one file: the answers to that run's requests")
    taken = [
        flag
        for flag, value in (
            ("--split", options.split),
            ("--hints", options.hints),
            ("--name", options.name),
            ("--group", options.group),
        )
        if value is not None
    ]
    if taken:
        raise UsageError(f"{', '.join(taken)} describe a new run: --into names an existing one")
    run, _ = find_run(name, step=Step.imported)
    _show(import_into(run, files[0], options), json_=json_)


def _show(result: t.Any, *, json_: bool) -> None:
    from layton_eval.console import emit_json, show

    if json_:
        emit_json(result)
        return
    from layton_eval.cards.exchange import import_card, import_group_card
    from layton_eval.exchange.importing import ImportResult

    show(import_card(result) if isinstance(result, ImportResult) else import_group_card(result))


FormatOpt = t.Annotated[
    str,
    typer.Option(
        "--format",
        metavar="openai-batch|csv|jsonl",
        help="openai-batch: the run's requests as OpenAI Batch input lines (custom_id, method, "
        "url, body), read by OpenAI, Azure OpenAI, vLLM run-batch and other OpenAI-compatible "
        "engines. csv or jsonl: its results, one row per riddle (outcome, answer, each "
        "judge's verdicts, jury values, tokens, cost; columns in the README); a group in one "
        "file with a run column.",
    ),
]
ExportOutOpt = t.Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        callback=absolute,
        help="File to write, in an existing folder (default: RUN.requests.jsonl, or RUN.csv / "
        "RUN.jsonl, here); for a group's requests, a folder (one RUN.requests.jsonl per run; "
        "default: here).",
        show_default=False,
    ),
]
ExportModelOpt = t.Annotated[
    str | None,
    typer.Option(
        "--model",
        help="The model name the engine serves, put in each request (default: the run's).",
        autocompletion=complete_model,
        show_default=False,
    ),
]
MissingOpt = t.Annotated[
    bool,
    typer.Option("--missing", help="Only the riddles without a valid answer yet."),
]


@examples(
    "layton export trial --out trial.requests.jsonl --model my-org/my-model",
    "layton export trial --out trial.requests.jsonl --missing --force",
    "layton export my-sweep --out exported --model my-org/my-model",
    "layton export my-sweep --format csv --out my-sweep.csv",
)
def export(
    run_name: RunArg = None,
    out: ExportOutOpt = None,
    format_: FormatOpt = "openai-batch",
    model: ExportModelOpt = None,
    missing: MissingOpt = False,
    force: ForceOpt = False,
    json_: JsonOpt = False,
) -> None:
    """Write a run's requests for another engine, or its results as a table (csv, jsonl)."""
    from layton_eval.commands.runs import find_runs
    from layton_eval.console import emit_json, show
    from layton_eval.errors import UsageError
    from layton_eval.exchange.export import ExportOptions, export_run
    from layton_eval.exchange.table import FORMATS
    from layton_eval.runs.atomic import check_out_file

    if format_ != "openai-batch" and format_ not in FORMATS:
        raise UsageError(f"--format {format_!r}: openai-batch, {' or '.join(FORMATS)}")
    found = find_runs(run_name)
    if format_ in FORMATS:
        if model is not None or missing:
            raise UsageError("--model and --missing go with --format openai-batch (requests)")
        _table(found, out, format_, force=force, json_=json_)
        return
    if found.group is None:
        outs = [out or Path(f"{found.runs[0].name}.requests.jsonl")]
    elif out is not None and not out.is_dir():
        raise UsageError(f"--out {out}: for a group, an existing folder (one file per run)")
    else:
        outs = [(out or Path(".")) / f"{run.name}.requests.jsonl" for run in found.runs]
    for path in outs:  # every file is checked before the first is written
        check_out_file(path, force=force)
    results = [
        export_run(run, ExportOptions(out=path, model=model, missing=missing, force=force))
        for run, path in zip(found.runs, outs, strict=True)
    ]
    if json_:
        emit_json(results[0] if found.group is None else results)
        return
    from layton_eval.cards.exchange import export_card

    for result in results:
        show(export_card(result))


def _table(found: t.Any, out: Path | None, fmt: str, *, force: bool, json_: bool) -> None:
    """``export --format csv|jsonl``: the runs' results in one file."""
    from layton_eval.console import emit_json, show
    from layton_eval.exchange.table import export_table
    from layton_eval.runs.atomic import check_out_file

    path = out or Path(f"{found.group or found.runs[0].name}.{fmt}")
    check_out_file(path, force=force)
    result = export_table(found.runs, path, fmt)
    if json_:
        emit_json(result)
        return
    from layton_eval.cards.exchange import table_card

    show(table_card(result))
