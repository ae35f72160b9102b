"""Card of ``layton score GROUP``: each run's score, then each model's score per hint level."""

from __future__ import annotations

import typing as t

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from layton_eval.cards.prepare import card
from layton_eval.cards.score import CI_WORDS, category_table, score_card
from layton_eval.choices import MAX_HINTS

if t.TYPE_CHECKING:
    from layton_eval.score.curve import HintCurve, ScoreOutcome

__all__ = ["curve_table", "score_cards", "score_group_card"]


def curve_table(curves: list[HintCurve]) -> Table:
    """Hint levels 0-4 (rows) x models (columns): score ± half-width of the 95% interval, so
    that each model's curve reads down its column."""
    table = Table(
        title="Score per hint level (± 95% interval)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        header_style="bold cyan",
    )
    table.add_column("hints", justify="right", no_wrap=True)
    for curve in curves:
        table.add_column(curve.model, justify="right", overflow="fold")
    cells: list[dict[int, str]] = []
    for curve in curves:
        found: dict[int, str] = {}
        for point in curve.points:  # two runs at one level: both shown
            shown = f"{point.score:.1f} ± {point.ci95:.1f}"
            found[point.hints] = f"{found[point.hints]}\n{shown}" if point.hints in found else shown
        cells.append(found)
    for level in range(MAX_HINTS + 1):
        table.add_row(str(level), *(found.get(level, "-") for found in cells))
    return table


def score_group_card(result: ScoreOutcome) -> RenderableType:
    """The group's scores (one row per run) and the hint curves, with what they rest on."""
    from layton_eval.cards.group import runs_table, skipped_lines  # the send and jury modules

    rows = [
        {
            "run": s.run,
            "model": s.result.model or "?",
            "hints": str(s.hints),
            "score": f"{s.result.score:.1f}",
            "± 95%": f"{s.result.ci95:.1f}",
            "riddles": str(s.result.n),
            "jury mean": f"{s.result.jury_mean:.1f}",
        }
        for s in result.runs
    ]
    field = result.runs[0].result.field if result.runs else "both_correct"
    parts: list[RenderableType] = [
        Text.assemble(
            ("Group ", "bold"), (result.group or "", "bold"), f" · {result.split} · {field}"
        ),
    ]
    if rows:
        right = {"hints", "score", "± 95%", "riddles", "jury mean"}
        parts.append(runs_table(rows, optional=("jury mean", "riddles", "model"), right=right))
        first = result.runs[0].result
        parts.append(
            Text(
                f"PPI++ calibrated, {first.iterations:,} iterations, seed {first.seed}; "
                f"{CI_WORDS[result.ci_method]}; jury mean raw, uncalibrated",
                style="dim",
            )
        )
    if any(len({p.hints for p in curve.points}) > 1 for curve in result.curves):
        parts += [Text(), curve_table(result.curves)]
    parts += [Text(f"Warning: {warning}", style="yellow") for warning in result.warnings]
    parts += skipped_lines(result.skipped, label="Not scored")
    return card(
        Group(*parts), title="layton score", border="cyan", next_command=result.next_command
    )


def score_cards(result: ScoreOutcome) -> list[RenderableType]:
    """A run's score card and its categories, or the table and curves of a group (the group
    tables are imported only then: a run is scored without the send and jury modules)."""
    if result.group is not None:
        return [score_group_card(result)]
    scored = result.runs[0].result
    categories = category_table(scored)
    return [score_card(scored, next_command=result.next_command)] + (
        [categories] if categories is not None else []
    )
