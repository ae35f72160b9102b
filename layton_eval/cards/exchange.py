"""Cards of ``layton import`` and ``layton export``."""

from __future__ import annotations

import typing as t

from rich.console import Group, RenderableType
from rich.text import Text

from layton_eval.cards.batches import fetch_card
from layton_eval.cards.group import runs_table
from layton_eval.cards.prepare import card, fields_table

if t.TYPE_CHECKING:
    from layton_eval.exchange.export import ExportResult
    from layton_eval.exchange.importing import ImportGroup, ImportResult
    from layton_eval.exchange.table import TableResult

__all__ = ["export_card", "import_card", "import_group_card", "table_card"]

_FORMATS = {"interchange": "interchange results file", "openai-batch": "OpenAI Batch output"}


def _source(result: ImportResult) -> str:
    source = result.source
    return (
        f"{source.path}\n{_FORMATS[source.format]}, {source.lines:,} lines, "
        f"sha256 {source.sha256[:12]}"
    )


def import_card(result: ImportResult) -> RenderableType:
    """The file imported, then the answers counted as a fetch counts them."""
    rows: list[tuple[str, RenderableType]] = [
        ("Run", f"{result.run}  ({'new run' if result.created else 'answers brought in'})"),
        ("From", _source(result)),
    ]
    if result.conflicts:
        shown = ", ".join(result.conflicts[:10])
        more = f" and {len(result.conflicts) - 10} more" if len(result.conflicts) > 10 else ""
        rows.append(("Twice", Text(f"answered twice, the first kept: {shown}{more}", "yellow")))
    if result.replaced:
        rows.append(
            (
                "Replaced",
                Text(f"{result.replaced:,} lone surrogate(s) (not UTF-8) by U+FFFD", "yellow"),
            )
        )
    head = card(fields_table(rows), title="layton import", border="cyan")
    counts = fetch_card(result.fetch, title=f"answers of {result.run}")
    return Group(head, counts)


def import_group_card(result: ImportGroup) -> RenderableType:
    """One run per file, with its answers counted, in one group."""
    rows = [
        {
            "run": r.run,
            "file": r.source.path.rsplit("/", 1)[-1],
            "valid": str(r.fetch.ok),
            "other": str(r.fetch.total - r.fetch.ok),
        }
        for r in result.runs
    ]
    parts: list[RenderableType] = [
        Text.assemble(("Group ", "bold"), (result.group, "bold")),
        runs_table(rows, optional=("file",), right={"valid", "other"}),
        Text(
            "other: unreadable, truncated, refused or failed (not in the file): counted incorrect",
            style="dim",
        ),
    ]
    return card(
        Group(*parts), title="layton import", border="cyan", next_command=result.next_command
    )


def export_card(result: ExportResult) -> RenderableType:
    """The file written, how to answer it on one's own GPU, and how to bring it back."""
    rows: list[tuple[str, RenderableType]] = [
        ("Run", result.run),
        ("Wrote", f"{result.path}  ({result.bytes / 1e6:,.2f} MB)"),
        ("Requests", f"{result.requests:,} (OpenAI Batch input lines, model {result.model})"),
        ("Answer it", Text(result.engine_command, style="bold")),
        ("Then", f"import {result.results_path} into the run (below)"),
    ]
    return card(
        fields_table(rows), title="layton export", border="cyan", next_command=result.next_command
    )


def table_card(result: TableResult) -> RenderableType:
    """The table written: where, how many rows and columns, whose verdicts."""
    rows: list[tuple[str, RenderableType]] = [
        ("Runs", ", ".join(result.runs)),
        ("Wrote", f"{result.path}  ({result.bytes / 1e6:,.2f} MB)"),
        ("Rows", f"{result.rows:,} (one per riddle), {len(result.columns)} columns"),
        ("Judges", ", ".join(result.judges) or "none yet (no jury fetched)"),
    ]
    return card(fields_table(rows), title="layton export", border="cyan")
