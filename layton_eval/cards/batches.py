"""Cards of ``layton send``, ``status`` and ``fetch``."""

from __future__ import annotations

import datetime as dt
import typing as t

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from layton_eval.batches.reconcile import Intent, ReconcileResult
from layton_eval.batches.send import SendPlan, SendResult
from layton_eval.batches.status import RunStatus
from layton_eval.cards.prepare import cost_line, estimate, fields_table, next_step, usd
from layton_eval.jury.send import JuryStart
from layton_eval.runs.outputs import FetchResult
from layton_eval.runs.store import RunEntry

__all__ = [
    "fetch_card",
    "jury_confirm_card",
    "reconcile_card",
    "runs_table",
    "send_card",
    "send_confirm_card",
    "status_card",
]

_STATE_STYLE = {
    "prepared": "white",
    "submitting": "bold red",
    "running": "yellow",
    "finished": "cyan",
    "fetched": "green",
    "damaged": "bold red",
}


def _clock(when: dt.datetime) -> str:
    """``HH:MM`` in this machine's time zone."""
    return when.astimezone().strftime("%H:%M")


def no_listing_warning(provider: str) -> str:
    """What a user must know before sending to a provider that cannot list batches."""
    return (
        f"{provider} cannot list batches: if this send is interrupted, layton finds the batch "
        "only through the container id it records as soon as it exists"
    )


def send_confirm_card(plan: SendPlan) -> Panel:
    """What a paid send is about to submit, and what it should cost (asked before sending)."""
    cost = estimate(plan.estimated_cost_usd, plan.price_source, plan.assumed_output_tokens)
    rows: list[tuple[str, RenderableType]] = [
        ("Run", plan.run),
        ("Provider", plan.provider),
        ("Model", plan.model),
        (
            "Requests",
            f"{plan.requests:,}"
            + ("  (retry of failed riddles)" if plan.purpose == "retry" else ""),
        ),
        ("Batches", f"{len(plan.batches)} ({plan.bytes / 1e6:,.2f} MB)"),
        ("Estimated cost", cost),
        ("Window", plan.completion_window),
    ]
    if not plan.can_list:
        rows.append(("Warning", Text(no_listing_warning(plan.provider), style="yellow")))
    return Panel(
        fields_table(rows),
        title="[bold]layton send[/bold]",
        subtitle="paid: nothing is sent unless you answer y",
        border_style="red",
        expand=False,
    )


def _age(when: dt.datetime | None) -> str:
    if when is None:
        return "-"
    seconds = int((dt.datetime.now(dt.UTC) - when).total_seconds())
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m"


def send_card(result: SendResult) -> Panel:
    plan = result.plan
    cost = estimate(plan.estimated_cost_usd, plan.price_source, plan.assumed_output_tokens)
    rows: list[tuple[str, RenderableType]] = [
        ("Run", plan.run),
        ("Provider", f"{plan.provider} / {plan.model}"),
        ("Endpoint", plan.endpoint),
        (
            "Requests",
            f"{plan.requests:,}"
            + ("  (retry of failed riddles)" if plan.purpose == "retry" else ""),
        ),
        ("Size", f"{plan.bytes / 1e6:,.2f} MB in {len(plan.batches)} batch(es)"),
        ("Input tokens", f"~{plan.input_tokens:,} (estimate)"),
        ("Estimated cost", cost),
        ("Window", plan.completion_window),
    ]
    if not plan.can_list:
        rows.append(("Warning", Text(no_listing_warning(plan.provider), style="yellow")))
    if result.dry_run:
        rows.append(("Dry run", "nothing was sent"))
    else:
        rows.append(("Batch ids", "\n".join(result.batch_ids)))
    title = "layton send --dry-run" if result.dry_run else "layton send"
    return Panel(
        Group(fields_table(rows), Text(), next_step(result.next_command)),
        title=f"[bold]{title}[/bold]",
        border_style="yellow" if result.dry_run else "green",
        expand=False,
    )


def jury_confirm_card(plan: JuryStart) -> Panel:
    """What a paid jury is about to submit, judge by judge (asked before sending)."""
    table = Table(show_edge=False, header_style="bold")
    for column in ("judge", "provider", "model", "requests", "batches", "est. cost"):
        table.add_column(column)
    for item in plan.judges:
        judge, sent = item.judge, item.send.plan
        table.add_row(
            judge.key,
            judge.provider,
            judge.model,
            f"{sent.requests:,}",
            str(len(sent.batches)),
            usd(sent.estimated_cost_usd),
        )
    rows: list[tuple[str, RenderableType]] = [
        ("Run", plan.run),
        ("Judged", f"{plan.judged} riddles"),
        ("Estimated cost", usd(plan.estimated_cost_usd) + "  (estimate)"),
    ]
    for item in plan.judges:
        if not item.send.plan.can_list:
            rows.append(("Warning", Text(no_listing_warning(item.judge.provider), style="yellow")))
    return Panel(
        Group(fields_table(rows), Text(), table),
        title="[bold]layton jury[/bold]",
        subtitle="paid: nothing is sent unless you answer y",
        border_style="red",
        expand=False,
    )


def _batches_table(statuses: list[RunStatus]) -> Table:
    """One row per batch: who, batch id, state (+ failures, fetched), progress, age."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, header_style="bold")
    table.add_column("who", no_wrap=True)
    table.add_column("batch", overflow="fold", min_width=10)
    table.add_column("state", overflow="fold", min_width=9)
    table.add_column("progress", no_wrap=True)
    table.add_column("done", justify="right", no_wrap=True)
    table.add_column("age", justify="right", no_wrap=True)
    for status in statuses:
        who = "model" if status.kind == "benchmark" else f"judge {status.run.split('_')[0]}"
        if not status.batches:
            table.add_row(who, "-", str(status.state), "", "-", "-")
        for batch in status.batches:
            state = _state_text(batch)
            bad = (
                batch.state in ("failed", "expired", "cancelled")
                or batch.failed
                or batch.poll_error
            )
            table.add_row(
                who,
                batch.batch_id or "(unknown)",
                Text(state, style="red" if bad else ""),
                ProgressBar(
                    total=max(batch.total, 1),
                    completed=batch.total if batch.terminal else min(batch.completed, batch.total),
                    width=10,
                ),
                f"{batch.completed}/{batch.total}",
                _age(batch.submitted_at),
            )
    return table


def _state_text(batch: t.Any) -> str:
    if batch.gone:
        return "gone (unknown to the provider)"
    state = batch.state or str(batch.phase)
    if batch.failed:
        state += f", {batch.failed} failed"
    if batch.fetched:
        state += ", fetched"
    if batch.unreachable_since:
        state += ", unreachable"
    return state


def status_card(statuses: list[RunStatus]) -> Panel:
    main = statuses[0]
    parts: list[RenderableType] = [
        Text.assemble(("State: ", "bold"), (str(main.state), _STATE_STYLE.get(main.state, ""))),
        _batches_table(statuses),
    ]
    since = [s.unreachable_since for s in statuses if s.unreachable_since]
    if since:
        parts.append(
            Text(f"provider unreachable since {_clock(min(since))}; still trying", style="yellow")
        )
    errors = [b.error for s in statuses for b in s.batches if b.error]
    errors += [b.poll_error for s in statuses for b in s.batches if b.poll_error]
    if errors:
        parts.append(Text("Errors: " + "; ".join(errors), style="red"))
    if main.next_command:
        parts += [Text(), next_step(main.next_command)]
    return Panel(Group(*parts), title=f"[bold]layton status {main.run}[/bold]", expand=False)


def runs_table(entries: list[RunEntry]) -> Table:
    table = Table(title="Runs", header_style="bold")
    for column in (
        "run",
        "split",
        "hints",
        "provider / model",
        "riddles",
        "batches",
        "state",
        "created",
    ):
        table.add_column(column)
    for entry in entries:
        m = entry.manifest
        if m is None:  # the reason goes where the model would be
            reason = Text(entry.damaged or "", style="red")
            damaged = Text("damaged", style=_STATE_STYLE["damaged"])
            table.add_row(entry.name, "", "", reason, "", "", damaged, "")
            continue
        state = m.derived_state()
        table.add_row(
            m.name,
            str(m.split),
            str(m.hints),
            f"{m.provider or '?'} / {m.model or '?'}",
            str(len(m.ids)),
            str(len(m.live_batches)),
            Text(str(state), style=_STATE_STYLE.get(state, "")),
            m.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    return table


def fetch_card(result: FetchResult, *, title: str = "layton fetch") -> Panel:
    rows: list[tuple[str, RenderableType]] = [
        ("Run", result.run),
        ("Riddles", f"{result.total}"),
        ("Valid", Text(f"{result.ok}", style="green")),
        ("Unreadable", Text(f"{result.invalid}", style="yellow" if result.invalid else "")),
        (
            "Truncated",
            Text(f"{result.truncated}", style="yellow" if result.truncated else "")
            + Text("  (cut at the token limit)" if result.truncated else ""),
        ),
        ("Refused", _refused(result)),
        ("Failed", Text(f"{result.failed}", style="red" if result.failed else "")),
    ]
    if result.missing:
        rows.append(("Not fetched yet", str(result.missing)))
    tokens = f"{result.input_tokens:,} in / {result.output_tokens:,} out"
    if result.reasoning_tokens:
        tokens += f" (of which {result.reasoning_tokens:,} reasoning)"
    rows += [
        ("Tokens", tokens),
        ("Cost", cost_line(result.cost_usd, result.price_source)),
        ("Fetched batches", ", ".join(result.fetched_batches) or "none new"),
    ]
    if result.waiting_batches:
        rows.append(("Still running", ", ".join(result.waiting_batches)))
    for batch_id, error in result.unreachable.items():
        rows.append((f"Not fetched {batch_id}", Text(error, style="red")))
    if result.rebuilt:
        rows.append(("Rebuilt", f"{result.rebuilt} outputs from raw results already on disk"))
    if result.duplicates:
        shown = ", ".join(result.duplicates[:10]) + (" ..." if len(result.duplicates) > 10 else "")
        rows.append(
            (
                "Duplicates",
                Text(
                    f"{len(result.duplicates)} riddle(s) got two different valid answers; "
                    f"the first was kept: {shown}",
                    style="yellow",
                ),
            )
        )
    rows.append(("Files", "\n".join(result.files.values())))
    parts: list[RenderableType] = [fields_table(rows)]
    if result.next_command:
        parts += [Text(), next_step(result.next_command)]
    return Panel(Group(*parts), title=f"[bold]{title}[/bold]", border_style="green", expand=False)


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


def _refused(result: FetchResult, shown: int = 3) -> Text:
    """How many answers were refused (counted incorrect, not resent), with the providers'
    reasons of the first few."""
    text = Text(f"{result.refused}", style="magenta" if result.refused else "")
    if not result.refused:
        return text
    text.append("  (counted incorrect; --retry-failed --include-refused to resend)")
    for custom_id, reason in list(result.refusals.items())[:shown]:
        text.append(f"\n{custom_id}: {reason}")
    if len(result.refusals) > shown:
        text.append(f"\n... and {len(result.refusals) - shown} more")
    return text


def reconcile_card(result: ReconcileResult) -> Panel:
    rows: list[tuple[str, RenderableType]] = [
        ("Run", result.run),
        ("Found at the provider", ", ".join(result.found) or "none"),
        ("Never created", str(len(result.not_submitted))),
    ]
    for intent in result.intents:
        rows += _intent_rows(intent)
    parts: list[RenderableType] = [fields_table(rows)]
    if result.next_command:
        parts += [Text(), next_step(result.next_command)]
        if "--adopt" in result.next_command:
            parts.append(Text("  (or --none-created if none of them is this run's)"))
    return Panel(Group(*parts), title="[bold]layton status --reconcile[/bold]", expand=False)
