"""Cards of ``layton send``, ``status`` and ``fetch``."""

from __future__ import annotations

import datetime as dt

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from layton_eval.batches.reconcile import ReconcileResult
from layton_eval.batches.send import SendResult
from layton_eval.batches.status import RunStatus
from layton_eval.cards.prepare import cost_line, estimate, fields_table, next_step
from layton_eval.runs.manifest import RunManifest
from layton_eval.runs.outputs import FetchResult

__all__ = ["fetch_card", "reconcile_card", "runs_table", "send_card", "status_card"]

_STATE_STYLE = {
    "prepared": "white",
    "submitting": "bold red",
    "running": "yellow",
    "finished": "cyan",
    "fetched": "green",
}


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
    rows = [
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
            state = batch.state or str(batch.phase)
            if batch.failed:
                state += f", {batch.failed} failed"
            if batch.fetched:
                state += ", fetched"
            bad = batch.state in ("failed", "expired", "cancelled") or batch.failed
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


def status_card(statuses: list[RunStatus]) -> Panel:
    main = statuses[0]
    parts: list[RenderableType] = [
        Text.assemble(("State: ", "bold"), (str(main.state), _STATE_STYLE.get(main.state, ""))),
        _batches_table(statuses),
    ]
    errors = [b.error for s in statuses for b in s.batches if b.error]
    if errors:
        parts.append(Text("Errors: " + "; ".join(errors), style="red"))
    if main.next_command:
        parts += [Text(), next_step(main.next_command)]
    return Panel(Group(*parts), title=f"[bold]layton status {main.run}[/bold]", expand=False)


def runs_table(manifests: list[RunManifest]) -> Table:
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
    for m in manifests:
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
    rows.append(("Files", "\n".join(result.files.values())))
    parts: list[RenderableType] = [fields_table(rows)]
    if result.next_command:
        parts += [Text(), next_step(result.next_command)]
    return Panel(Group(*parts), title=f"[bold]{title}[/bold]", border_style="green", expand=False)


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
    rows = [
        ("Run", result.run),
        ("Found at the provider", ", ".join(result.found) or "none"),
        ("Never created", str(len(result.not_submitted))),
    ]
    for intent, candidates in result.ambiguous.items():
        rows.append((f"Ambiguous {intent[:8]}", ", ".join(candidates)))
    return Panel(fields_table(rows), title="[bold]layton status --reconcile[/bold]", expand=False)
