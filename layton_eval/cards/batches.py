"""Cards of ``layton send``, ``status`` and ``fetch``."""

from __future__ import annotations

import datetime as dt
import typing as t

from rich import box
from rich.console import Group, RenderableType
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from layton_eval.batches.send import SendOutcome, SendResult
from layton_eval.batches.status import RunStatus, SelectionStatus
from layton_eval.cards import group
from layton_eval.cards.confirm import no_listing_warning, send_confirm_card
from layton_eval.cards.cost import cost_rows, family_cost_table
from layton_eval.cards.fit import Fitted, width_of
from layton_eval.cards.jury import jury_card
from layton_eval.cards.prepare import card, cost_line, estimate, fields_table, next_step
from layton_eval.family import FetchOutcome
from layton_eval.runs.outputs import FetchResult
from layton_eval.runs.store import RunEntry

__all__ = [
    "fetch_card",
    "fetch_cards",
    "runs_table",
    "send_card",
    "send_cards",
    "send_confirmation",
    "status_card",
    "status_cards",
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


def _age(when: dt.datetime | None) -> str:
    if when is None:
        return "-"
    seconds = int((dt.datetime.now(dt.UTC) - when).total_seconds())
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m"


def send_card(result: SendResult) -> RenderableType:
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
    return card(
        fields_table(rows),
        title="layton send --dry-run" if result.dry_run else "layton send",
        border="yellow" if result.dry_run else "green",
        next_command=result.next_command,
    )


def _batch_rows(statuses: list[RunStatus]) -> list[dict[str, RenderableType]]:
    """One row per batch: who, batch id, state (+ failures, fetched), progress, done, age."""
    rows: list[dict[str, RenderableType]] = []
    for status in statuses:
        who = "model" if status.kind == "benchmark" else f"judge {status.run.split('_')[0]}"
        if not status.batches:
            cells: list[RenderableType] = [who, "-", str(status.state), "", "-", "-"]
            rows.append(dict(zip(_BATCH_COLUMNS, cells, strict=True)))
        for batch in status.batches:
            state = _state_text(batch)
            bad = (
                batch.state in ("failed", "expired", "cancelled")
                or batch.failed
                or batch.poll_error
            )
            done = batch.total if batch.terminal else min(batch.completed, batch.total)
            cells = [
                who,
                batch.batch_id or "(unknown)",
                Text(state, style="red" if bad else ""),
                ProgressBar(total=max(batch.total, 1), completed=done, width=10),
                f"{batch.completed}/{batch.total}",
                _age(batch.submitted_at),
            ]
            rows.append(dict(zip(_BATCH_COLUMNS, cells, strict=True)))
    return rows


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


#: column -> (justify, whole: its cells are never wrapped)
_BATCH_COLUMNS: dict[str, tuple[t.Literal["left", "right"], bool]] = {
    "who": ("left", False),
    "batch": ("left", True),
    "state": ("left", False),
    "progress": ("left", True),
    "done": ("right", True),
    "age": ("right", True),
}


def _batches_table(statuses: list[RunStatus]) -> RenderableType:
    """The batches of a run family; batch ids stay whole. On a narrow terminal the progress
    bar, then the age, give way before a cell wraps (who and state wrap at their spaces when
    they must)."""
    rows = _batch_rows(statuses)

    def build(dropped: frozenset[str]) -> Table:
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, header_style="bold")
        names = [name for name in _BATCH_COLUMNS if name not in dropped]
        for name in names:
            justify, whole = _BATCH_COLUMNS[name]
            texts = [cell for row in rows if isinstance(cell := row[name], str)]
            width = width_of(name, texts) if whole and name != "progress" else None
            table.add_column(name, justify=justify, no_wrap=whole, width=width)
        for row in rows:
            table.add_row(*(row[name] for name in names))
        return table

    return Fitted(build, optional=("progress", "age"), unwrapped=True)


def status_card(statuses: list[RunStatus]) -> RenderableType:
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
    return card(
        Group(*parts), title=f"layton status {main.run}", border="", next_command=main.next_command
    )


def compact_age(when: dt.datetime, now: dt.datetime | None = None) -> str:
    """How long ago, in one unit: ``45s``, ``12m``, ``3h``, ``5d``, ``7w``."""
    seconds = max(0, int(((now or dt.datetime.now(dt.UTC)) - when).total_seconds()))
    for unit, size in (("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def runs_table(entries: list[RunEntry], *, root: str, start: str) -> RenderableType:
    """Every run, newest last; the run name is never cut (it is what users copy).

    When the terminal is narrow, other columns give way first: the riddle count, then the
    split and hints, then provider / model (which wraps before it goes); the age is one unit
    (``3h``). A run whose manifest cannot be read is listed as ``damaged``, with the reason
    where its model would be.
    """
    if not entries:
        return Group(Text(f"No runs yet in {root}.", style="bold"), next_step(start))
    rows = [_run_row(entry) for entry in entries]

    def build(dropped: frozenset[str]) -> Table:
        table = Table(title="Runs", box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
        names = [name for name in rows[0] if name not in dropped]
        for name in names:
            if name == "model":
                table.add_column(name, overflow="fold", min_width=10)
            else:
                width = width_of(name, (row[name] for row in rows))
                table.add_column(
                    name, no_wrap=True, width=width, justify=_JUSTIFY.get(name, "left")
                )
        for row in rows:
            state = Text(row["state"], style=_STATE_STYLE.get(row["state"], ""))
            model = Text(row["model"], style="red") if row["state"] == "damaged" else row["model"]
            cells = {"state": state, "model": model}
            table.add_row(*(cells.get(name, row[name]) for name in names))
        return table

    return Fitted(build, optional=("riddles", "split", "model"))


def _run_row(entry: RunEntry) -> dict[str, str]:
    m = entry.manifest
    if m is None:  # the reason goes where the model would be
        return {"run": entry.name, "state": "damaged", "split": "", "riddles": "",
                "model": entry.damaged or "", "age": ""}  # fmt: skip
    return {
        "run": m.name,
        "state": str(m.derived_state()),
        "split": f"{m.split} h{m.hints}",
        "riddles": str(len(m.ids)),
        "model": f"{m.provider or '?'} / {m.model or '?'}",
        "age": compact_age(m.created_at),
    }


_JUSTIFY: dict[str, t.Literal["left", "right"]] = {"riddles": "right", "age": "right"}


def _tokens_and_cost(result: FetchResult) -> list[tuple[str, RenderableType]]:
    """The fetch card's Tokens and Cost rows."""
    if result.missing == result.total:  # nothing fetched yet: no cost to speak of
        return [("Tokens", "none yet"), ("Cost", "none yet: nothing fetched")]
    cached = f" ({result.cache_read_tokens:,} from cache)" if result.cache_read_tokens else ""
    tokens = f"{result.input_tokens:,} in{cached} / {result.output_tokens:,} out"
    if result.reasoning_tokens:
        tokens += f" (of which {result.reasoning_tokens:,} reasoning)"
    if not result.tokens_counted and not (result.input_tokens or result.output_tokens):
        tokens = "unknown: an imported interchange file holds no token counts"
    elif not result.tokens_counted:
        tokens += " (answers imported from an interchange file are not counted)"
    return [("Tokens", tokens), ("Cost", cost_line(result.cost_usd, result.price_source))]


def fetch_card(result: FetchResult, *, title: str = "layton fetch") -> RenderableType:
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
    rows += _tokens_and_cost(result)
    rows += cost_rows(result)
    rows.append(("Fetched batches", ", ".join(result.fetched_batches) or "none new"))
    if result.waiting_batches:
        rows.append(("Still running", ", ".join(result.waiting_batches)))
    for batch_id, error in result.unreachable.items():
        rows.append((f"Not fetched {batch_id}", Text(error, style="red")))
    for batch_id, error in result.damaged.items():
        rows.append((f"Damaged {batch_id}", Text(error, style="red")))
    if result.replaced:
        rows.append(
            (
                "Replaced",
                Text(
                    f"{result.replaced} lone surrogate(s) in the texts, by U+FFFD",
                    style="yellow",
                ),
            )
        )
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
    if result.files:
        rows.append(("Files", "\n".join(result.files.values())))
    return card(fields_table(rows), title=title, border="green", next_command=result.next_command)


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


# -- one run or a group: the cards of a selection --------------------------------------------------


def send_confirmation(plan: SendOutcome) -> tuple[RenderableType, str]:
    """The card and question asked before a paid send (of one run, or of a group)."""
    if plan.group is None:
        one = plan.sends[0].plan
        return send_confirm_card(one), f"Submit {one.requests} requests to {one.provider}?"
    question = f"Submit {plan.requests:,} requests in {len(plan.sends)} runs?"
    return group.send_group_confirm_card(plan), question


def send_cards(result: SendOutcome) -> list[RenderableType]:
    """What ``send`` sent: the run's card, or the group's table."""
    if result.group is None:
        return [send_card(result.sends[0])]
    return [group.send_group_card(result)]


def status_cards(status: SelectionStatus) -> RenderableType:
    """Where a run (and its judges) stands, or the table of a group's runs."""
    if status.table is None:
        return status_card(status.families[0])
    return group.status_group_card(status.table)


def fetch_cards(result: FetchOutcome) -> list[RenderableType]:
    """What ``fetch`` collected: the run's, each judge's, what they cost and the jury; or the
    table of a group's runs."""
    if result.group is not None:
        return [group.fetch_group_card(result)]
    fetched, cards = result.runs[0], []
    if fetched.run is not None:
        cards.append(fetch_card(fetched.run))
    cards += [fetch_card(judge, title=f"judge {judge.run}") for judge in fetched.judges]
    if fetched.judges:  # what the run and its judges cost, before the jury's Next: line
        cards.append(family_cost_table(fetched))
    if fetched.jury is not None:
        cards.append(jury_card(fetched.jury))
    return cards
