"""The card of ``layton status --reconcile``: what became of each interrupted submission."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from layton_eval.batches.reconcile import Intent, ReconcileResult
from layton_eval.cards.prepare import card, fields_table

__all__ = ["reconcile_card"]


def _intent_rows(intent: Intent) -> list[tuple[str, RenderableType]]:
    label = f"{intent.run} {intent.intent_id[:8]}"
    outcome = {
        "found": f"found: {intent.batch_id}",
        "adopted": f"adopted: {intent.batch_id}",
        "never_created": "never created (nothing to pay)",
        "declared_not_created": "declared not created",
        "undecided": "undecided: choose below",
    }[intent.outcome]
    style = "red" if intent.outcome == "undecided" else "green"
    rows: list[tuple[str, RenderableType]] = [
        (label, Text(outcome, style=style)),
        (
            "  submission",
            f"{intent.requests} requests to {intent.provider}, "
            f"intent at {intent.intent_at:%Y-%m-%d %H:%M:%S} UTC",
        ),  # fmt: skip
    ]
    if intent.read:
        rows.append(("  list read", intent.read))
    for candidate in intent.candidates:
        created = f"{candidate.created_at:%Y-%m-%d %H:%M:%S} UTC" if candidate.created_at else "?"
        count = "?" if candidate.request_count is None else str(candidate.request_count)
        rows.append(
            (
                f"  candidate {candidate.batch_id}",
                f"created {created}, {count} requests, {candidate.status}"
                + (", tagged by layton" if candidate.tagged else ""),
            )
        )
    if intent.detail:
        rows.append(("  note", intent.detail))
    return rows


def reconcile_card(result: ReconcileResult) -> RenderableType:
    rows: list[tuple[str, RenderableType]] = [
        ("Run", result.run),
        ("Found at the provider", ", ".join(result.found) or "none"),
        ("Never created", str(len(result.not_submitted))),
    ]
    for intent in result.intents:
        rows += _intent_rows(intent)
    body: list[RenderableType] = [fields_table(rows)]
    if result.next_command and "--adopt" in result.next_command:
        body += [
            Text(),
            Text("Then --none-created instead of --adopt if none of them is this run's"),
        ]
    return card(
        Group(*body), title="layton status --reconcile", border="", next_command=result.next_command
    )
