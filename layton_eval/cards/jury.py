"""Cards of ``layton jury`` (the panel sent) and of the jury's verdicts after ``fetch``."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from layton_eval.cards.fit import width_of
from layton_eval.cards.prepare import card, fields_table, usd
from layton_eval.jury.collect import JurySummary
from layton_eval.jury.send import JuryOutcome, JuryStart

__all__ = ["jury_card", "jury_cards", "jury_confirmation", "jury_start_card"]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _judges_table(
    header: tuple[str, ...], rows: list[tuple[str, str, tuple[str, ...]]], *, folds: str = ""
) -> Table:
    """Judges (``provider / model``, wrapping at its spaces: names stay whole) and their
    numbers, each on one line (but the column ``folds``); ``rows`` are (provider, model,
    cells)."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, collapse_padding=True, header_style="bold")
    longest = max((len(model) for _, model, _ in rows), default=5)
    table.add_column("judge", min_width=longest)
    for index, name in enumerate(header):
        if name == folds:
            table.add_column(name, justify="right", overflow="fold")
            continue
        width = width_of(name, (cells[index] for _, _, cells in rows))
        table.add_column(name, justify="right", no_wrap=True, width=width)
    for provider, model, cells in rows:
        table.add_row(f"{provider} / {model}", *cells)
    return table


def jury_start_card(result: JuryStart) -> RenderableType:
    table = _judges_table(
        ("requests", "batches", "est. cost"),
        [
            (
                item.judge.provider,
                item.judge.model,
                (
                    str(item.send.plan.requests),
                    "\n".join(item.send.batch_ids) or str(len(item.send.plan.batches)),
                    usd(item.send.plan.estimated_cost_usd),
                ),
            )
            for item in result.judges
        ],
        folds="batches",
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
    return card(
        Group(fields_table(rows), Text(), table),
        title="layton jury" + (" --dry-run" if result.dry_run else ""),
        border="yellow" if result.dry_run else "magenta",
        next_command=result.next_command,
    )


def jury_card(summary: JurySummary) -> RenderableType:
    table = _judges_table(
        ("verdicts", "missing", "answer", "justification", "both"),
        [
            (
                judge.provider,
                judge.model,
                (
                    str(judge.verdicts),
                    str(judge.missing),
                    _pct(judge.answer_rate),
                    _pct(judge.justification_rate),
                    _pct(judge.both_rate),
                ),
            )
            for judge in summary.judges
        ],
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
    return card(
        Group(table, Text(), fields_table(rows)),
        title="jury verdicts",
        border="magenta",
        next_command=summary.next_command,
    )


def jury_confirmation(plan: JuryOutcome) -> tuple[RenderableType, str]:
    """The card and question asked before a paid jury (of one run, or of a group)."""
    from layton_eval.cards import group
    from layton_eval.cards.confirm import jury_confirm_card

    if plan.group is None:
        one = plan.juries[0]
        requests = sum(item.send.plan.requests for item in one.judges)
        return jury_confirm_card(one), f"Submit {requests} judge requests?"
    question = f"Submit {plan.requests:,} judge requests for {len(plan.juries)} runs?"
    return group.jury_group_confirm_card(plan), question


def jury_cards(result: JuryOutcome) -> list[RenderableType]:
    """What ``jury`` sent: the run's panel, or the group's table."""
    if result.group is None:
        return [jury_start_card(result.juries[0])]
    from layton_eval.cards.group import jury_group_card

    return [jury_group_card(result)]
