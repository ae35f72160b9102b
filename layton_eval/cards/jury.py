"""Cards of ``layton jury`` (the panel sent) and of the jury's verdicts after ``fetch``."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from layton_eval.cards.prepare import fields_table, next_step, usd
from layton_eval.jury.collect import JurySummary
from layton_eval.jury.send import JuryStart

__all__ = ["jury_card", "jury_start_card"]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def jury_start_card(result: JuryStart) -> Panel:
    table = Table(show_edge=False, header_style="bold")
    for column in ("judge", "provider / model", "requests", "batches", "est. cost"):
        table.add_column(column)
    for item in result.judges:
        plan = item.send.plan
        batches = ", ".join(item.send.batch_ids) if item.send.batch_ids else f"{len(plan.batches)}"
        table.add_row(
            item.judge.key,
            f"{item.judge.provider} / {item.judge.model}",
            str(plan.requests),
            batches,
            usd(plan.estimated_cost_usd),
        )
    rows: list[tuple[str, RenderableType]] = [
        ("Run", result.run),
        ("Panel", ", ".join(judge.key for judge in result.panel)),
        ("Judged", f"{result.judged} riddles"),
        (
            "Not judged",
            f"{len(result.not_judged)} (failed, unreadable, truncated or refused: incorrect)",
        ),
    ]
    if result.without_gold:
        rows.append(
            (
                "Without gold answer",
                ", ".join(result.without_gold[:10])
                + (" ..." if len(result.without_gold) > 10 else ""),
            )
        )
    if result.already_sent:
        rows.append(("Already sent", ", ".join(result.already_sent) + "  (left alone)"))
    if result.panel_note:
        rows.append(("Calibration", Text(result.panel_note, style="yellow")))
    if result.estimated_cost_usd is None:
        rows.append(("Estimated judging cost", "unknown: give each judge without a known price "
                     "a 'price' in the jury config"))  # fmt: skip
    else:
        rows.append(("Estimated judging cost", usd(result.estimated_cost_usd) + "  (estimate)"))
    if result.dry_run:
        rows.append(("Dry run", "nothing was sent"))
    return Panel(
        Group(fields_table(rows), Text(), table, Text(), next_step(result.next_command)),
        title="[bold]layton jury" + (" --dry-run" if result.dry_run else "") + "[/bold]",
        border_style="yellow" if result.dry_run else "magenta",
        expand=False,
    )


def jury_card(summary: JurySummary) -> Panel:
    table = Table(show_edge=False, header_style="bold")
    for column in ("judge", "verdicts", "missing", "answer", "justification", "both"):
        table.add_column(column)
    for judge in summary.judges:
        table.add_row(
            judge.key,
            str(judge.verdicts),
            Text(str(judge.missing), style="red" if judge.missing else ""),
            _pct(judge.answer_rate),
            _pct(judge.justification_rate),
            _pct(judge.both_rate),
        )
    agreement = ", ".join(f"{pair} {_pct(v)}" for pair, v in summary.pairwise_agreement.items())
    kappa = "-" if summary.fleiss_kappa is None else f"{summary.fleiss_kappa:.3f}"
    rows: list[tuple[str, RenderableType]] = [
        ("Run", summary.run),
        ("Riddles", f"{summary.riddles} ({summary.not_judged} not judged: counted incorrect)"),
        ("Agreement", agreement or "-"),
        ("Fleiss' kappa", kappa),
        (
            "Missing verdicts",
            f"{len(summary.missing)} riddle(s)"
            + (f": {', '.join(list(summary.missing)[:8])}" if summary.missing else ""),
        ),
        ("Raw jury mean", _pct(summary.jury_mean) + "  (uncalibrated, both_correct)"),
        *([("Still judging", ", ".join(summary.waiting))] if summary.waiting else []),
        *[(f"Judge {j.key}", Text(j.note, style="red")) for j in summary.judges if j.note],
        *(
            [("Calibration", Text(summary.panel_note, style="yellow"))]
            if summary.panel_note
            else []
        ),
        ("Files", "\n".join(summary.files.values())),
    ]
    return Panel(
        Group(table, Text(), fields_table(rows), Text(), next_step(summary.next_command)),
        title="[bold]jury verdicts[/bold]",
        border_style="magenta",
        expand=False,
    )
