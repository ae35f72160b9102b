"""Cards of ``layton score`` and ``layton leaderboard``."""

from __future__ import annotations

import typing as t

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from layton_eval.cards.fit import Fitted, width_of
from layton_eval.cards.prepare import card, fields_table
from layton_eval.next_step import fixes

if t.TYPE_CHECKING:
    from layton_eval.score.leaderboard import LeaderboardRow
    from layton_eval.score.score import ScoreResult

__all__ = ["CI_WORDS", "category_table", "leaderboard_table", "score_card"]

_SHOW_IDS = 8
#: What each interval covers, in words (cards and report).
CI_WORDS = {
    "published": "published: reproduces the published ±; not how well labels or riddles pin "
    "the score",
    "labels": "labels: these riddles fixed, labelled rows resampled (what more labels shrink)",
    "full": "full: riddles and labelled rows resampled (riddles like these)",
}


def _ids(ids: list[str]) -> str:
    more = len(ids) - _SHOW_IDS
    return ", ".join(ids[:_SHOW_IDS]) + (f" and {more} more" if more > 0 else "")


def _bins_table(result: ScoreResult) -> Table:
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="dim")
    table.add_column("jury value", justify="right")
    table.add_column("riddles", justify="right")
    table.add_column("calibration rows", justify="right")
    for row in result.bins:
        table.add_row(row.label, str(row.riddles), str(row.calibration_rows))
    return table


def score_card(result: ScoreResult, *, next_command: str | None = None) -> RenderableType:
    """The score, its interval and everything needed to reproduce it."""
    headline = Text.assemble(
        ("Score ", "bold"),
        (f"{result.score:.1f}", "bold green"),
        (f" ± {result.ci95:.1f}", "green"),
        ("  (percentage points, human-calibrated PPI++)", "dim"),
    )
    who = result.provider + (f" / {result.model}" if result.model else "")
    rows: list[tuple[str, RenderableType | str]] = [
        ("Model", who),
        (
            "Split",
            result.split + (f", {result.n_hints} hints" if result.n_hints is not None else ""),
        ),
        ("95% interval", f"[{result.lower:.1f}, {result.upper:.1f}]"),
        ("Interval", CI_WORDS[result.ci_method]),
        ("Jury mean", f"{result.jury_mean:.1f} (raw, uncalibrated)"),
        ("Riddles", str(result.n)),
        ("Field", result.field),
        ("Judges", ", ".join(result.judges) if result.judges else "-"),
        ("Iterations", f"{result.iterations:,}"),
        ("Seed", str(result.seed)),
        (
            "Calibration",
            f"{result.calibration_rows} labelled rows from other providers than {result.provider}",
        ),
        ("Per jury bin", _bins_table(result)),
    ]
    rows.extend(_notes(result))
    return card(
        Group(headline, Text(), fields_table(rows)),
        title="layton score",
        border="cyan",
        next_command=next_command,
    )


def _notes(result: ScoreResult) -> list[tuple[str, RenderableType | str]]:
    """Riddles left out or partly judged, warnings: what the number rests on."""
    rows: list[tuple[str, RenderableType | str]] = []
    if result.dropped:
        rows.append(
            ("Left out", f"{len(result.dropped)} without any verdict: {_ids(result.dropped)}")
        )
    if result.excluded:
        left_out = f"{len(result.excluded)} with a jury value no calibration row has: "
        rows.append(("Left out", left_out + _ids(result.excluded)))
    if result.partial:
        rows.append(
            ("Partial", f"{len(result.partial)} scored from fewer verdicts: {_ids(result.partial)}")
        )
    rows.extend(("Warning", Text(warning, style="yellow")) for warning in result.warnings)
    if result.foreign_ids:
        sample = "not the benchmark's riddles (sample): this number only exercises the pipeline"
        rows.append(("Note", Text(sample, style="yellow")))
    return rows


def category_table(result: ScoreResult) -> Table | None:
    """Raw jury mean and riddle count per category (``None`` when the riddles were unavailable)."""
    if not result.categories:
        return None
    table = Table(
        title=f"Per category · {result.field}",
        caption="raw jury mean, uncalibrated",
        caption_style="dim",
        header_style="bold cyan",
    )
    table.add_column("Category")
    table.add_column("Riddles", justify="right")
    table.add_column("Jury mean", justify="right")
    for row in result.categories:
        table.add_row(row.category, str(row.n), f"{row.jury_mean:.1f}")
    return table


def leaderboard_table(
    rows: list[LeaderboardRow],
    *,
    split: str,
    field: str,
    iterations: int,
    seed: int,
    ci_method: str = "published",
) -> RenderableType:
    """The ranked models; rows added with ``--add`` are marked and bold."""
    caption = (
        f"stratified-bootstrap PPI++, {iterations:,} iterations, seed {seed}; "
        "score ± half-width of the 95% percentile interval, in percentage points; "
        f"{CI_WORDS[ci_method]}; rank spread from this interval"
    )
    if any(row.excluded for row in rows):
        caption += (
            "\n† scored without riddles whose jury value no other provider's labelled row has "
            "(--skip-uncalibrated)"
        )
    if any(row.not_comparable for row in rows):
        caption += (
            "\n‡ not strictly comparable with the published models: prompted or judged with "
            f"other than the official prompt files ({fixes.official_prompts()})"
        )
    # model names are never broken: what follows a name ("(yours)", "†") wraps at its spaces
    longest = max((len(row.model) for row in rows), default=5)

    def build(dropped: frozenset[str]) -> Table:
        compact = "wide" in dropped  # narrow: short headers, "1–2" spreads, tighter padding
        cells = _leaderboard_cells(rows, compact=compact)
        table = Table(
            title=f"layton-eval leaderboard · {split} · {field}",
            caption=caption + (_COMPACT_NOTE if compact else ""),
            caption_style="dim",
            header_style="bold cyan",
            box=box.SIMPLE_HEAD,
            pad_edge=not compact,
            show_edge=not compact,
            collapse_padding=compact,
        )
        names = [name for name in _LEADERBOARD_COLUMNS if name not in dropped]
        for name in names:
            header = _COMPACT_HEADERS.get(name, name) if compact else name
            if name == "Model":
                table.add_column(header, min_width=longest)
            else:
                width = width_of(header, (cell[name] for cell in cells))
                justify = _LEADERBOARD_COLUMNS[name]
                table.add_column(header, justify=justify, no_wrap=True, width=width)
        for row, cell in zip(rows, cells, strict=True):
            style = "bold yellow" if row.is_yours else None
            table.add_row(*(cell[name] for name in names), style=style)
        return table

    # give way, in turn: the provider, the wide layout, then the rank spread
    return Fitted(build, optional=("Provider", "wide", "Rank spread"))


#: The headers of a leaderboard too narrow for the wide ones, and what the caption then says.
_COMPACT_HEADERS = {"Rank": "#", "± 95%": "±", "Rank spread": "Ranks"}
_COMPACT_NOTE = "\n#: rank; ±: 95% half-width; Ranks: rank spread, best–worst (narrow terminal)"


_LEADERBOARD_COLUMNS: dict[str, t.Literal["left", "center", "right"]] = {
    "Rank": "right",
    "Model": "left",
    "Score": "right",
    "± 95%": "right",
    "Rank spread": "center",
    "Provider": "left",
}


def _leaderboard_cells(rows: list[LeaderboardRow], *, compact: bool) -> list[dict[str, str]]:
    """Each row's cells, by column name (``compact``: the rank spread as ``1–2``)."""
    models = [row.model for row in rows]
    return [
        {
            "Rank": str(row.rank),
            "Model": _model_cell(row, twice=models.count(row.model) > 1),
            "Score": f"{row.score:.1f}",
            "± 95%": f"{row.ci95:.1f}",
            "Rank spread": f"{row.best_rank}–{row.worst_rank}" if compact else row.rank_spread,
            "Provider": row.provider,
        }
        for row in rows
    ]


def _model_cell(row: LeaderboardRow, *, twice: bool = False) -> str:
    """The model's name and its marks; a run of a model that is on the board twice is named."""
    yours = f"yours: {row.run}" if twice and row.run else "yours"
    model = f"{row.model} ({yours})" if row.is_yours else row.model
    if row.excluded:
        model += f" † ({len(row.excluded)} left out)"
    if row.not_comparable:
        model += " ‡"
    return model
