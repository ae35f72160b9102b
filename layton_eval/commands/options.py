"""Option types shared by several commands, defined once."""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import typer

from layton_eval.choices import DatasetSource, Split
from layton_eval.errors import UsageError

__all__ = [
    "CalibrationOnlyOpt",
    "CalibrationOpt",
    "DataDirOpt",
    "PriceInOpt",
    "PriceOutOpt",
    "user_price",
    "DatasetOpt",
    "ForceOpt",
    "JsonOpt",
    "RevisionOpt",
    "RunArg",
    "complete_provider",
    "complete_run",
    "parse_params",
]


def complete_run(incomplete: str) -> list[str]:
    """Shell completion of run names: folder names only, and no pydantic import (TAB must be
    instant), so the runs folder is read the way the settings read it: environment, then
    ``.env``, then ``./runs``."""
    import os

    from layton_eval.runs.layout import MANIFEST

    root = os.environ.get("LAYTON_RUNS_DIR")
    if not root:
        from dotenv import dotenv_values

        root = dotenv_values(".env").get("LAYTON_RUNS_DIR") or "runs"
    folder = Path(root).expanduser()
    if not folder.is_dir():
        return []
    return sorted(
        child.name
        for child in folder.iterdir()
        if child.name.startswith(incomplete)
        and not child.name.startswith(".")
        and (child / MANIFEST).is_file()
    )


def complete_provider(incomplete: str) -> list[str]:
    from layton_eval.providers import NAMES

    return [name for name in NAMES if name.startswith(incomplete)]


def parse_params(pairs: list[str] | None) -> dict[str, t.Any]:
    """``key=value`` pairs; each value is read as JSON when it parses (numbers, booleans...)."""
    params: dict[str, t.Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--param expects key=value, got {pair!r}")
        try:
            params[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            params[key.strip()] = value
    return params


def user_price(price_in: float | None, price_out: float | None) -> t.Any:
    """The user's batch price (a ``UserPrice``), or ``None``; both halves or neither."""
    if price_in is None and price_out is None:
        return None
    if price_in is None or price_out is None:
        raise UsageError("--price-in and --price-out go together (USD per M tokens)")
    from layton_eval.pricing import UserPrice

    return UserPrice(input=price_in, output=price_out)


def interactive() -> bool:
    """Whether a person can answer a question (stdin and stdout are terminals)."""
    import sys

    return sys.stdin.isatty() and sys.stdout.isatty()


def confirm_spending(card: t.Any, question: str) -> None:
    """Show what will be sent and what it should cost, and ask before spending money.

    Only in an interactive terminal (scripts and ``--yes`` go straight on). The answer must
    be yes: Enter, like any other answer, cancels.
    """
    from layton_eval.console import out_console
    from layton_eval.errors import LaytonError

    out_console().print(card)
    if not typer.confirm(question, default=False):
        raise LaytonError("cancelled: nothing was sent")


YesOpt = t.Annotated[
    bool,
    typer.Option(
        "--yes", "-y", help="Do not ask for confirmation before submitting (scripts never ask)."
    ),
]
RunArg = t.Annotated[
    str | None,
    typer.Argument(
        help="Run name (default: the latest suitable run).",
        autocompletion=complete_run,
        show_default=False,
    ),
]
SplitOpt = t.Annotated[Split, typer.Option("--split", help="Sub-benchmark: llm or vlm.")]
JsonOpt = t.Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout instead of the card.")
]
ForceOpt = t.Annotated[bool, typer.Option("--force", help="Replace what already exists.")]
DataDirOpt = t.Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
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
