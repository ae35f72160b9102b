"""Cards of ``layton cancel``: what is about to be stopped (asked first), then what was."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text

from layton_eval.batches.cancel import CancelResult, CancelRow
from layton_eval.cards.confirm import paid_panel
from layton_eval.cards.prepare import card, fields_table, usd

__all__ = ["cancel_card", "cancel_confirm_card"]


def _batch(row: CancelRow, *, group: bool) -> str:
    who = f"{row.run}, {row.who}" if group else row.who
    return (
        f"{row.batch_id}\n{who}: {row.provider} / {row.model}\n"
        f"{row.answered:,} of {row.requests:,} answered, {row.state}"
    )


def _rows(result: CancelResult) -> list[tuple[str, RenderableType]]:
    group = len({row.run for row in result.batches + result.finished}) > 1
    answered = sum(row.answered for row in result.batches)
    requests = sum(row.requests for row in result.batches)
    rows: list[tuple[str, RenderableType]] = [
        ("Run" if not group else "Group", result.target),
        ("Batches", f"{len(result.batches)}" + (" (judges)" if result.judges else "")),
        ("Answered", f"{answered:,} of {requests:,} requests (kept, paid)"),
        ("Spent so far", f"~{usd(result.spent_usd)} (their share of the estimate)"),
        ("Not spent", f"~{usd(result.unspent_usd)} (the rest of it)"),
    ]
    rows += [("Batch", _batch(row, group=group)) for row in result.batches]
    rows += [
        ("Finished", Text(f"{_batch(row, group=group)}: before the cancel", style="yellow"))
        for row in result.finished
    ]
    return rows


def cancel_confirm_card(result: CancelResult) -> RenderableType:
    """What a cancel is about to stop, and what it has cost so far (asked before stopping)."""
    return paid_panel(
        fields_table(_rows(result)),
        "cancel",
        subtitle="nothing is cancelled unless you answer y",
    )


def cancel_card(result: CancelResult) -> RenderableType:
    """What was asked to stop; fetch collects what was answered once it has stopped."""
    rows = _rows(result)
    rows.append(("Then", "fetch keeps the answers; send --retry-failed sends the rest"))
    return card(
        fields_table(rows),
        title="layton cancel",
        border="yellow",
        next_command=result.next_command,
    )
