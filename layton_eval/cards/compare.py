"""Card of ``layton compare``: the pairs, and in words what they allow one to conclude."""

from __future__ import annotations

import typing as t

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from layton_eval.cards.prepare import fields_table
from layton_eval.cards.score import CI_WORDS

if t.TYPE_CHECKING:
    from layton_eval.score.compare import CompareResult, PairResult

__all__ = ["compare_card", "conclusion"]

_ALPHA = 0.05
#: The question each comparison interval answers.
_QUESTION = {
    "full": "is A better on riddles like these (another sample of them)?",
    "labels": "is A better on these very riddles, as far as the human labels tell?",
}


def _p(value: float) -> str:
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _p_is(value: float) -> str:
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"


def conclusion(pair: PairResult, *, ci_method: str, pairs: int) -> str:
    """What the comparison of one pair allows one to say, in plain words."""
    scope = f"on these {pair.n} riddles" if ci_method == "labels" else "on riddles like these"
    p = pair.p_adjusted if pairs > 1 else pair.p_value
    test = _p_is(p) + (f" after Holm's adjustment for {pairs} comparisons" if pairs > 1 else "")
    found = p < _ALPHA
    if found:
        better, worse = (pair.a, pair.b) if pair.diff > 0 else (pair.b, pair.a)
        text = (
            f"{better} scores higher than {worse} {scope}, by {abs(pair.diff):.1f} points ({test})."
        )
    else:
        text = (
            f"No difference between {pair.a} and {pair.b} can be claimed {scope} ({test}). "
            f"That does not make them equal: with {pair.n} riddles, a true difference of "
            f"{pair.mde:.1f} points would be found only 80% of the time, and smaller ones "
            "could go unnoticed."
        )
    if ci_method == "labels":
        text += (
            " This interval keeps the riddles fixed and weighs only the human labels' "
            "uncertainty: --ci full asks whether the difference would hold on another sample "
            "of riddles."
        )
    if (pair.mcnemar_p < _ALPHA) != found:
        text += f" The jury-majority verdicts (McNemar, {_p_is(pair.mcnemar_p)}) " + (
            "do find a difference." if pair.mcnemar_p < _ALPHA else "do not confirm it."
        )
    if not pair.comparable:
        text += " ‡ Not strictly comparable: " + "; ".join(pair.notes) + "."
    return text


def _pair_block(pair: PairResult, *, ci_method: str, pairs: int) -> Group:
    """One pair: its numbers, then what they allow one to say."""
    p = pair.p_adjusted if pairs > 1 else pair.p_value
    p_text = _p(p) + (f" (Holm-adjusted for {pairs} comparisons)" if pairs > 1 else "")
    rows: list[tuple[str, RenderableType]] = [
        (
            "A − B",
            f"{pair.diff:+.1f} points, 95% interval [{pair.lower:+.1f}, {pair.upper:+.1f}]",
        ),
        ("A ahead", f"in {pair.p_a_better:.1%} of the resamples (ties count half)"),
        ("p", Text(p_text, style="bold green" if p < _ALPHA else "")),
        (
            "McNemar",
            f"{_p_is(pair.mcnemar_p)} on jury-majority verdicts ({pair.a_only} riddles "
            f"for A only, {pair.b_only} for B only)",
        ),
        (
            "MDE",
            f"{pair.mde:.1f} points (found 80% of the time at 5%, two-sided, by this "
            f"{ci_method} comparison)",
        ),
    ]
    if pair.excluded:
        rows.append(("Left out", f"{len(pair.excluded)} riddles without a calibration row"))
    title = Text.assemble(
        ("A ", "dim"), (pair.a, "bold"), ("  vs  B ", "dim"), (pair.b, "bold"),
        (f"  ({pair.n} common riddles)", "dim"),
    )  # fmt: skip
    words = Text("→ " + conclusion(pair, ci_method=ci_method, pairs=pairs), style="bold")
    return Group(title, fields_table(rows), words)


def _categories_table(pair: PairResult) -> Table | None:
    if not pair.categories:
        return None
    table = Table(
        title=f"Per category · {pair.a} − {pair.b}",
        caption="calibrated difference per category (no interval: categories are small); "
        "raw jury-mean difference beside it",
        caption_style="dim",
        header_style="bold cyan",
    )
    for name in ("Category", "Riddles", "A − B", "Jury A − B"):
        table.add_column(name, justify="left" if name == "Category" else "right")
    for row in pair.categories:
        table.add_row(row.category, str(row.n), f"{row.diff:+.1f}", f"{row.jury_diff:+.1f}")
    return table


def compare_card(result: CompareResult) -> Group:
    """One block per pair with its conclusion in words, and the categories of a single pair."""
    several = len(result.pairs)
    question = _QUESTION[result.ci_method]
    method = (
        f"Paired stratified bootstrap of the calibrated scores on the common riddles, "
        f"{result.iterations:,} iterations, seed {result.seed}; {CI_WORDS[result.ci_method]}. "
        f"It asks: {question} Differences in percentage points."
    )
    parts: list[RenderableType] = []
    for pair in result.pairs:
        parts += [_pair_block(pair, ci_method=result.ci_method, pairs=several), Text()]
    parts.append(Text(method, style="dim"))
    categories = _categories_table(result.pairs[0]) if several == 1 else None
    panel = Panel(
        Group(*parts),
        title=Text.assemble(("layton compare", "bold"), f" · {result.split} · {result.field}"),
        border_style="cyan",
        expand=False,
    )
    return Group(panel, categories) if categories is not None else Group(panel)
