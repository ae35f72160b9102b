"""Option types shared by several commands, defined once."""

from __future__ import annotations

import contextlib
import json
import typing as t
from pathlib import Path

import typer

from layton_eval.choices import MAX_HINTS, DatasetSource, Split
from layton_eval.errors import UsageError
from layton_eval.providers import NAMES

__all__ = [
    "CalibrationOnlyOpt",
    "CalibrationOpt",
    "PROVIDER_NAMES",
    "DataDirOpt",
    "PriceInOpt",
    "PriceOutOpt",
    "user_price",
    "DatasetOpt",
    "ForceOpt",
    "JsonOpt",
    "RevisionOpt",
    "RunArg",
    "RunsArg",
    "SplitOpt",
    "complete_hints",
    "complete_model",
    "complete_provider",
    "complete_run",
    "complete_subject",
    "ctrl_c_note",
    "parse_params",
    "repeated_options",
    "absolute",
    "scoring_next",
    "with_next",
]


def _runs_folder() -> Path:
    """The runs folder the way the settings find it (environment, then ``.env``, then
    ``./runs``), without importing pydantic: TAB must be instant."""
    import os

    root = os.environ.get("LAYTON_RUNS_DIR")
    if not root:
        from dotenv import dotenv_values

        root = dotenv_values(".env").get("LAYTON_RUNS_DIR") or "runs"
    return Path(root).expanduser()


def _manifests() -> t.Iterator[tuple[str, dict[str, t.Any]]]:
    """(folder name, raw ``run.json``) of every run, read as plain JSON."""
    from layton_eval.runs.layout import MANIFEST

    folder = _runs_folder()
    if not folder.is_dir():
        return
    for child in sorted(folder.iterdir()):
        if child.name.startswith(".") or not (child / MANIFEST).is_file():
            continue
        try:
            yield child.name, json.loads((child / MANIFEST).read_bytes())
        except (OSError, ValueError):
            yield child.name, {}


def complete_run(incomplete: str) -> list[str]:
    """Shell completion of run names (folder names of the runs folder) and group names."""
    found = list(_manifests())
    groups = {m["group"] for _, m in found if isinstance(m.get("group"), str)}
    names = [name for name, _ in found] + sorted(groups)
    return [name for name in dict.fromkeys(names) if name.startswith(incomplete)]


def _calibration_models(ctx: typer.Context) -> list[str]:
    """The models of the calibration set(s) in the data folder (``--data-dir``, else
    ``LAYTON_DATA_DIR`` from the environment or ``.env``), read with one regular expression:
    TAB must stay instant. None without a local data folder (the Hub is not asked)."""
    import os
    import re

    params = ctx.params or {}
    folder = params.get("data_dir") or os.environ.get("LAYTON_DATA_DIR")
    if not folder:
        from dotenv import dotenv_values

        folder = dotenv_values(".env").get("LAYTON_DATA_DIR")
    split = params.get("split")
    splits = [getattr(split, "value", split)] if split else ["llm", "vlm"]
    found: dict[str, None] = {}
    for name in splits:
        try:
            text = (Path(folder or "").expanduser() / f"ppi_{name}.jsonl").read_text("utf-8")
        except (OSError, ValueError):
            continue
        found |= dict.fromkeys(re.findall(r'"model"\s*:\s*"([^"]+)"', text))
    return sorted(found) if folder else []


def complete_subject(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion of what ``compare`` compares: run and group names, and the models of
    the calibration set."""
    models = [model for model in _calibration_models(ctx) if model.startswith(incomplete)]
    return complete_run(incomplete) + models


def complete_model(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion of model names seen in earlier runs (of ``--provider`` when given)."""
    provider = (ctx.params or {}).get("provider")
    seen = {
        manifest["model"]
        for _, manifest in _manifests()
        if isinstance(manifest.get("model"), str)
        and (not provider or manifest.get("provider") == provider)
    }
    return sorted(model for model in seen if model.startswith(incomplete))


def complete_provider(incomplete: str) -> list[str]:
    """Shell completion of provider names."""
    return [name for name in NAMES if name.startswith(incomplete)]


def complete_hints(incomplete: str) -> list[str]:
    """Shell completion of hint levels."""
    return [str(n) for n in range(MAX_HINTS + 1) if str(n).startswith(incomplete)]


def absolute(value: t.Any) -> t.Any:
    """A path typed on the command line (or each of a list), made absolute with ``~``
    expanded: stored in a run or repeated in a ``Next:`` line, it names the same file from any
    folder."""
    import os

    if isinstance(value, list | tuple):
        return [absolute(item) for item in value]
    return None if value is None else Path(os.path.abspath(Path(value).expanduser()))


def scoring_next(
    step: t.Any,
    split: t.Any,
    *,
    runs: t.Sequence[str] = (),
    data_dir: Path | None = None,
    calibration: t.Sequence[Path] = (),
    calibration_only: bool = False,
) -> str | None:
    """The next command after a command that scores (``step``), carrying the data and
    calibration options it was given."""
    from layton_eval.next_step import Facts, next_command

    facts = Facts(
        run=runs[0] if runs else "",
        split=str(split),
        runs=tuple(runs),
        data_dir=str(data_dir) if data_dir else None,
        calibration=tuple(map(str, calibration)),
        calibration_only=calibration_only,
    )
    return next_command(step, facts)


def with_next(document: t.Any, command: str | None) -> dict[str, t.Any]:
    """A result (a pydantic model or a dict) as one JSON object, with its ``next_command``."""
    if hasattr(document, "model_dump"):
        document = document.model_dump(mode="json")
    return {**document, "next_command": command}


def repeated_options(ctx: typer.Context, *, leave_out: t.Collection[str]) -> tuple[str, ...]:
    """The options typed on the command line, as arguments again (those named in
    ``leave_out`` aside): what a dry run's suggested command repeats."""
    words: list[str] = []
    for param in ctx.command.params:
        name = param.name or ""
        if param.param_type_name != "option" or name in leave_out:
            continue
        source = ctx.get_parameter_source(name)
        if source is None or source.name != "COMMANDLINE":
            continue
        flag, value = param.opts[0], ctx.params.get(name)
        if getattr(param, "is_flag", False):
            words += [flag] if value else []
            continue
        for item in value if isinstance(value, list | tuple) else [value]:
            words += [flag, str(getattr(item, "value", item))]
    return tuple(words)


#: ``--param`` keys that have an option of their own: their value must be JSON.
OWN_OPTIONS = {
    "temperature": "--temperature",
    "max_tokens": "--max-tokens",
    "reasoning_effort": "--reasoning-effort",
    "thinking_budget": "--thinking-budget",
}


def parse_params(pairs: list[str] | None) -> dict[str, t.Any]:
    """``KEY=VALUE`` pairs; a value is read as JSON when it is JSON (numbers, booleans, null,
    objects, lists, quoted strings), else kept as the string typed."""
    params: dict[str, t.Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"--param expects KEY=VALUE, got {pair!r}")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            if key in OWN_OPTIONS:  # a typo'd number must not become a string
                raise UsageError(
                    f"--param {key}={value}: not a JSON value; use {OWN_OPTIONS[key]}"
                ) from None
            params[key] = value
    return params


def user_price(price_in: float | None, price_out: float | None) -> t.Any:
    """The user's batch price (a ``UserPrice``), or ``None``; both halves or neither."""
    if price_in is None and price_out is None:
        return None
    if price_in is None or price_out is None:
        raise UsageError("--price-in and --price-out go together (USD per M tokens)")
    from layton_eval.pricing import UserPrice

    return UserPrice(input=price_in, output=price_out)


@contextlib.contextmanager
def ctrl_c_note(run_name: str) -> t.Iterator[None]:
    """Ctrl-C while waiting stops only the waiting: say so, then let it through."""
    try:
        yield
    except KeyboardInterrupt:
        from layton_eval.console import err_console
        from layton_eval.next_step import fixes

        err_console().print(
            f"Stopped waiting: nothing was lost and the batches go on at the provider "
            f"('{fixes.follow(run_name)}' shows them)."
        )
        raise


def interactive() -> bool:
    """Whether a person can answer a question (stdin and stdout are terminals)."""
    import sys

    return sys.stdin.isatty() and sys.stdout.isatty()


def confirm_spending(
    card: t.Any, question: str, refused: str = "cancelled: nothing was sent"
) -> None:
    """Show what will be sent and what it should cost, and ask before spending money (or
    before stopping what money is being spent on: ``refused`` says what a no leaves).

    Only in an interactive terminal (scripts and ``--yes`` go straight on). The answer must
    be yes: Enter, like any other answer, cancels.
    """
    from layton_eval.console import show
    from layton_eval.errors import LaytonError

    show(card)
    if not typer.confirm(question, default=False):
        raise LaytonError(refused)


YesOpt = t.Annotated[
    bool,
    typer.Option(
        "--yes", "-y", help="Do not ask for confirmation before submitting (scripts never ask)."
    ),
]
RunArg = t.Annotated[
    str | None,
    typer.Argument(
        metavar="RUN",
        help="Run name, group name, or a quoted glob of run names ('benchmark_*_hints_[0-2]'): "
        "a group or glob acts on each of its runs (default: the latest run this command can "
        "act on).",
        autocompletion=complete_run,
        show_default=False,
    ),
]
RunsArg = t.Annotated[
    list[str] | None,
    typer.Argument(
        metavar="RUN",
        help="Judged runs to include; a group name or a quoted glob of run names stands for "
        "its runs (TAB completes run and group names).",
        autocompletion=complete_run,
        show_default=False,
    ),
]
#: The providers, for help texts.
PROVIDER_NAMES = ", ".join(NAMES)
SplitOpt = t.Annotated[
    Split, typer.Option("--split", help="Sub-benchmark: llm (text) or vlm (pictures).")
]
JsonOpt = t.Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout instead of the card.")
]
ForceOpt = t.Annotated[bool, typer.Option("--force", help="Replace what already exists.")]
DataDirOpt = t.Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        callback=absolute,
        help="Folder holding layton_eval_{split}.jsonl / ppi_{split}.jsonl "
        "(default: LAYTON_DATA_DIR, else the Hugging Face Hub).",
        show_default=False,
    ),
]
DatasetOpt = t.Annotated[
    DatasetSource | None,
    typer.Option(
        "--dataset",
        help="'hub' for the Hugging Face dataset, 'sample' for the small offline sample bundled "
        "with layton.",
        show_default=False,
    ),
]
RevisionOpt = t.Annotated[
    str | None,
    typer.Option(
        "--revision", help="Hub dataset revision (branch, tag or commit).", show_default=False
    ),
]
CalibrationOpt = t.Annotated[
    list[Path] | None,
    typer.Option(
        "--calibration",
        metavar="FILE",
        callback=absolute,
        help="Labelled rows in the calibration set's schema (such as the labels of 'layton "
        "annotate') added to the published set; a row for an item the set already has (same "
        "riddle, provider and model) replaces it. Repeatable.",
        show_default=False,
    ),
]
CalibrationOnlyOpt = t.Annotated[
    bool,
    typer.Option(
        "--calibration-only",
        help="Calibrate with the --calibration files alone, without the published set.",
    ),
]
PriceInOpt = t.Annotated[
    float | None,
    typer.Option(
        "--price-in",
        min=0.0,
        help="Batch price of input tokens, USD per million, for a model without a known price "
        "(with --price-out; replaces the genai-prices list price).",
        show_default=False,
    ),
]
PriceOutOpt = t.Annotated[
    float | None,
    typer.Option(
        "--price-out",
        min=0.0,
        help="Batch price of output tokens (reasoning included), USD per million (with "
        "--price-in).",
        show_default=False,
    ),
]
