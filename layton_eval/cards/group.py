"""Cards of a group of runs (a sweep): prepare, send, status, fetch and jury.

A group's card is one table, a row per run (run names are never cut: they are what users copy;
on a narrow terminal the other columns give way first), with a total where there is one, and
the group's ``Next:`` line under it.
"""

from __future__ import annotations

import typing as t

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from layton_eval.cards.confirm import no_listing_warning, paid_panel
from layton_eval.cards.fit import Fitted, width_of
from layton_eval.cards.prepare import card, usd

if t.TYPE_CHECKING:
    from layton_eval.batches.send import SendOutcome
    from layton_eval.batches.status import GroupStatus
    from layton_eval.family import FamilyFetch, FetchOutcome
    from layton_eval.jury.send import JuryOutcome
    from layton_eval.prepare import GroupPrepareResult

__all__ = [
    "fetch_group_card",
    "jury_group_card",
    "jury_group_confirm_card",
    "prepare_group_card",
    "runs_table",
    "send_group_card",
    "send_group_confirm_card",
    "skipped_lines",
    "status_group_card",
]


def runs_table(
    rows: t.Sequence[dict[str, str]],
    *,
    optional: t.Sequence[str] = (),
    right: t.Collection[str] = (),
    total: dict[str, str] | None = None,
) -> RenderableType:
    """Rows of ``{column: cell}``; the ``run`` column is never cut, the ``optional`` columns
    give way (in that order) on a narrow terminal, ``right`` ones are right-aligned."""
    columns = list(rows[0]) if rows else ["run"]

    def build(dropped: frozenset[str]) -> Table:
        gone = [name for name in optional if name in dropped]
        note = f"left out for width: {', '.join(gone)}" if gone else None
        table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, caption=note,
                      caption_style="dim")  # fmt: skip
        names = [name for name in columns if name not in dropped]
        for name in names:
            cells = [row[name] for row in rows] + ([total[name]] if total else [])
            justify: t.Literal["left", "right"] = "right" if name in right else "left"
            if name in ("model", "state", "judges"):  # wrap at spaces; names are never split
                words = [len(word) for cell in cells for word in cell.split()]
                least = 8 if name == "state" else max([8, *words])
                table.add_column(name, justify=justify, overflow="fold", min_width=least)
            else:
                width = width_of(name, cells)
                table.add_column(name, justify=justify, no_wrap=True, width=width)
        for index, row in enumerate(rows):
            last = total is not None and index == len(rows) - 1
            table.add_row(*(row[name] for name in names), end_section=last)
        if total is not None:
            table.add_row(*(total[name] for name in names), style="bold")
        return table

    return Fitted(build, optional=tuple(optional))


def skipped_lines(skipped: t.Mapping[str, str], *, label: str = "Left alone") -> list[Text]:
    """One line per run the command left alone, with why."""
    return [
        Text.assemble(
            (f"{label}: ", "bold yellow"), (f"{run}: ", "bold"), why.removeprefix(f"run {run} ")
        )
        for run, why in skipped.items()
    ]


def prepare_group_card(result: GroupPrepareResult) -> RenderableType:
    """The runs a sweep wrote, their size and estimated cost, and the total."""
    rows = [
        {
            "run": r.run,
            "provider": r.provider or "?",
            "model": r.model or "?",
            "hints": str(r.hints),
            "riddles": str(r.riddles),
            "input tokens": f"~{r.input_tokens:,}",
            "est. cost": usd(r.estimated_cost_usd) if r.model else "-",
        }
        for r in result.runs
    ]
    total = {
        "run": "total",
        "provider": "",
        "model": "",
        "hints": "",
        "riddles": str(sum(r.riddles for r in result.runs)),
        "input tokens": f"~{sum(r.input_tokens for r in result.runs):,}",
        "est. cost": usd(result.estimated_cost_usd),
    }
    first = result.runs[0]
    parts: list[RenderableType] = [
        Text.assemble(("Group ", "bold"), (result.group or "-", "bold cyan")),
        runs_table(
            rows,
            optional=("input tokens", "riddles", "provider", "model", "hints"),  # in run names
            right={"hints", "riddles", "input tokens", "est. cost"},
            total=total,
        ),
        Text(
            f"Estimated cost at batch prices ({first.price_source}; ~"
            f"{first.assumed_output_tokens // max(first.riddles, 1):,} output tokens assumed "
            "per request)",
            style="dim",
        ),
    ]
    return card(
        Group(*parts), title="layton prepare", border="cyan", next_command=result.next_command
    )


def _group(result: SendOutcome | JuryOutcome | FetchOutcome | GroupStatus) -> Text:
    return Text.assemble(("Group ", "bold"), (result.group or "", "bold"))


def _send_rows(result: SendOutcome) -> tuple[list[dict[str, str]], dict[str, str]]:
    rows = [
        {
            "run": s.plan.run,
            "model": s.plan.model,
            "requests": f"{s.plan.requests:,}",
            "batches": "\n".join(s.batch_ids) or str(len(s.plan.batches)),
            "est. cost": usd(s.plan.estimated_cost_usd),
        }
        for s in result.sends
    ]
    total = {
        "run": "total",
        "model": "",
        "requests": f"{result.requests:,}",
        "batches": "",
        "est. cost": usd(result.estimated_cost_usd),
    }
    return rows, total


def send_group_confirm_card(plan: SendOutcome) -> Panel:
    """What a paid ``send GROUP`` is about to submit, run by run, and the total (asked
    before sending)."""
    rows, total = _send_rows(plan)
    parts: list[RenderableType] = [
        _group(plan),
        runs_table(
            rows, optional=("model",), right={"requests", "batches", "est. cost"}, total=total
        ),
        Text("Estimated cost at batch prices (output tokens assumed).", style="dim"),
    ]
    unlisted = sorted({s.plan.provider for s in plan.sends if not s.plan.can_list})
    parts += [Text(f"Warning: {no_listing_warning(p)}", style="yellow") for p in unlisted]
    parts += skipped_lines(plan.skipped)
    return paid_panel(Group(*parts), "send")


def send_group_card(result: SendOutcome) -> RenderableType:
    """What ``send GROUP`` sent (batch ids), or would send; the runs it left alone."""
    rows, total = _send_rows(result)
    parts: list[RenderableType] = [
        _group(result),
    ]
    if rows:
        parts.append(
            runs_table(rows, optional=("model",), right={"requests", "est. cost"}, total=total)
        )
    else:
        parts.append(Text("Nothing to send.", style="bold"))
    parts += skipped_lines(result.skipped)
    if result.dry_run:
        parts.append(Text("Dry run: nothing was sent.", style="yellow"))
    title = "layton send --dry-run" if result.dry_run else "layton send"
    border = "yellow" if result.dry_run else "green"
    return card(Group(*parts), title=title, border=border, next_command=result.next_command)


def status_group_card(result: GroupStatus) -> RenderableType:
    """Where each run of a group (and its judges) stands."""
    rows = [
        {
            "run": r.run,
            "model": r.model or "?",
            "hints": str(r.hints),
            "state": str(r.state),
            "done": f"{r.completed}/{r.total}" if r.total else "-",
            "judges": r.judges,
        }
        for r in result.runs
    ]
    parts: list[RenderableType] = [
        _group(result),
        runs_table(rows, optional=("done", "model", "hints"), right={"hints", "done"}),
    ]
    errors = [f"{r.run}: {error}" for r in result.runs for error in r.errors]
    if errors:
        parts.append(Text("Errors: " + "; ".join(errors), style="red"))
    return card(
        Group(*parts),
        title=f"layton status {result.group}",
        border="",
        next_command=result.next_command,
    )


def _counts(family: FamilyFetch) -> str:
    run = family.run
    if run is None:
        return "-"
    parts = [f"{run.ok} valid"] + [
        f"{n} {what}"
        for n, what in (
            (run.invalid, "unreadable"),
            (run.truncated, "truncated"),
            (run.refused, "refused"),
            (run.failed, "failed"),
            (run.missing, "not fetched"),
        )
        if n
    ]
    return ", ".join(parts)


def fetch_group_card(result: FetchOutcome) -> RenderableType:
    """Each run's outcome, its judges, and what the group cost (batch, standard, estimate)."""
    from layton_eval.cards.cost import spend_table

    rows = [
        {
            "run": f.run.run if f.run else "?",
            "answers": _counts(f),
            "judges": _judges(f),
        }
        for f in result.runs
    ]
    parts: list[RenderableType] = [_group(result)]
    if rows:
        parts.append(runs_table(rows, optional=("judges",)))
        costs = [(f.run.run if f.run else "?", f.cost) for f in result.runs]
        parts.append(spend_table(costs, title="What it cost (USD, runs and their judges)"))
    parts += skipped_lines(result.skipped)
    return card(
        Group(*parts), title="layton fetch", border="green", next_command=result.next_command
    )


def _judges(family: FamilyFetch) -> str:
    if family.jury is not None:
        missing = len(family.jury.missing)
        waiting = len(family.jury.waiting)
        state = f"{len(family.jury.judges)} judges"
        if waiting:
            return f"{state}, {waiting} still at work"
        return f"{state}, {missing} riddle(s) missing a verdict" if missing else state
    return f"{len(family.judges)} judges" if family.judges else "-"


def _jury_rows(result: JuryOutcome) -> tuple[list[dict[str, str]], dict[str, str]]:
    rows = [
        {
            "run": j.run,
            "judged": str(j.judged),
            "judges": ", ".join(s.judge.provider for s in j.judges) or "-",
            "requests": f"{sum(s.send.plan.requests for s in j.judges):,}",
            "est. cost": usd(j.estimated_cost_usd),
        }
        for j in result.juries
    ]
    total = {
        "run": "total",
        "judged": "",
        "judges": "",
        "requests": f"{result.requests:,}",
        "est. cost": usd(result.estimated_cost_usd),
    }
    return rows, total


def jury_group_confirm_card(plan: JuryOutcome) -> Panel:
    """What a paid ``jury GROUP`` is about to submit, run by run (asked before sending)."""
    rows, total = _jury_rows(plan)
    parts: list[RenderableType] = [
        _group(plan),
        runs_table(
            rows, optional=("judges",), right={"judged", "requests", "est. cost"}, total=total
        ),
        *skipped_lines(plan.skipped),
    ]
    return paid_panel(Group(*parts), "jury")


def jury_group_card(result: JuryOutcome) -> RenderableType:
    """What ``jury GROUP`` sent (or would send), and the runs it left alone."""
    rows, total = _jury_rows(result)
    parts: list[RenderableType] = [_group(result)]
    if rows:
        parts.append(
            runs_table(
                rows, optional=("judges",), right={"judged", "requests", "est. cost"}, total=total
            )
        )
    else:
        parts.append(Text("Nothing to send.", style="bold"))
    notes = {j.panel_note for j in result.juries if j.panel_note}
    parts += [Text(f"Calibration: {note}", style="yellow") for note in sorted(notes)]
    parts += skipped_lines(result.skipped)
    if result.dry_run:
        parts.append(Text("Dry run: nothing was sent.", style="yellow"))
    title = "layton jury --dry-run" if result.dry_run else "layton jury"
    return card(
        Group(*parts),
        title=title,
        border="yellow" if result.dry_run else "green",
        next_command=result.next_command,
    )
