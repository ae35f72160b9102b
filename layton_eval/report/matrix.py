"""The report's compare view: every pair of the page's models as a matrix of differences.

Each cell is the row model minus the column model, in points, on their common riddles (paired
bootstrap); significant differences (Holm-adjusted over every pair of the page) are tinted, and
the cell's title gives the interval, the share of resamples with the row model ahead, the
p-values and McNemar's counts.
"""

from __future__ import annotations

import typing as t
from html import escape

if t.TYPE_CHECKING:
    from layton_eval.score.compare import CompareResult, PairResult

__all__ = ["compare_matrix"]

_ALPHA = 0.05


def _cell(pair: PairResult, *, flip: bool) -> str:
    """The cell of ``row`` against ``column``: ``pair`` is (row, column), or (column, row)."""
    sign = -1.0 if flip else 1.0
    diff = sign * pair.diff
    lower, upper = sorted((sign * pair.lower, sign * pair.upper))
    row, column = (pair.b, pair.a) if flip else (pair.a, pair.b)
    better = 1 - pair.p_a_better if flip else pair.p_a_better
    significant = pair.p_adjusted < _ALPHA
    klass = "ns" if not significant else "up" if diff > 0 else "down"
    title = (
        f"{row} minus {column}: {diff:+.1f} points, 95% interval [{lower:+.1f}, {upper:+.1f}] "
        f"on {pair.n} riddles; {row} ahead in {better:.1%} of the resamples; p {pair.p_value:.3g}, "
        f"Holm-adjusted {pair.p_adjusted:.3g}; McNemar p {pair.mcnemar_p:.3g}; MDE "
        f"{pair.mde:.1f}"
    )
    if not pair.comparable:
        title += "; not strictly comparable: " + "; ".join(pair.notes)
    mark = "" if pair.comparable else "‡"
    return f'<td class="num pair {klass}" title="{escape(title)}">{diff:+.1f}{mark}</td>'


def compare_matrix(result: CompareResult) -> str:
    """The matrix as an HTML table, models in the order of ``result.subjects``."""
    names = [s.name for s in result.subjects]
    pairs = {(p.a, p.b): p for p in result.pairs}
    head = "".join(f'<th class="model">{escape(n)}</th>' for n in names)
    body = []
    for row in names:
        cells = []
        for column in names:
            if row == column:
                cells.append('<td class="num muted">–</td>')
            elif (row, column) in pairs:
                cells.append(_cell(pairs[row, column], flip=False))
            else:
                cells.append(_cell(pairs[column, row], flip=True))
        body.append(f'<tr><th class="cat">{escape(row)}</th>{"".join(cells)}</tr>')
    return (
        '<div class="table-wrap"><table id="compare-table" class="categories matrix"><thead>'
        f"<tr><th>Row − column</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        "</div>"
    )
