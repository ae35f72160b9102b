"""The report's view of several runs: the hint curves (one line per model over hint levels
0-4, with 95% error bars, and the same numbers as a table) and what the runs cost together.

Every string that comes from data goes through :func:`html.escape`; numbers are formatted here.
"""

from __future__ import annotations

import typing as t
from html import escape

from layton_eval.choices import MAX_HINTS
from layton_eval.next_step import fixes
from layton_eval.report.charts import PROVIDER_COLOURS

if t.TYPE_CHECKING:
    from layton_eval.report.model import ReportData
    from layton_eval.score.curve import HintCurve

__all__ = ["cost_section", "curve_section", "curve_svg", "curve_table"]

#: Line colours, one per model in order (colour-blind safe, Okabe-Ito then Paul Tol's).
_COLOURS = (*PROVIDER_COLOURS.values(), "#882255", "#44AA99", "#117733", "#332288")
_LEVELS = range(MAX_HINTS + 1)


def _colour(index: int) -> str:
    return _COLOURS[index % len(_COLOURS)]


def curve_svg(curves: list[HintCurve]) -> str:
    """Score (0-100) against hint level (0-4): a line per model, a whisker per point."""
    width, left, right, top, bottom = 760, 60, 560, 20, 250

    def x(level: int) -> float:
        return left + (right - left) * level / MAX_HINTS

    def y(score: float) -> float:
        return bottom - (bottom - top) * min(max(score, 0.0), 100.0) / 100

    out = [
        f'<svg class="chart" id="hint-chart" viewBox="0 0 {width} {bottom + 50}" role="img" '
        'aria-label="Score per hint level, one line per model, with 95% intervals">'
    ]
    for tick in range(0, 101, 20):
        out.append(
            f'<line class="grid" x1="{left}" x2="{right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>'
            f'<text class="tick" x="{left - 8}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick}'
            "</text>"
        )
    for level in _LEVELS:
        out.append(
            f'<text class="tick" x="{x(level):.1f}" y="{bottom + 20}" text-anchor="middle">'
            f"{level}</text>"
        )
    out.append(
        f'<text class="tick" x="{(left + right) / 2}" y="{bottom + 42}" text-anchor="middle">'
        "hints given</text>"
    )
    for index, curve in enumerate(curves):
        dodge = 6 * (index - (len(curves) - 1) / 2)  # models at one level side by side

        def shifted(level: int, dodge: float = dodge) -> float:
            return x(level) + dodge

        out.append(_line(curve, _colour(index), shifted, y))
        legend_y = top + 10 + 22 * index
        out.append(
            f'<g class="legend"><line x1="{right + 30}" x2="{right + 54}" y1="{legend_y}" '
            f'y2="{legend_y}" stroke="{_colour(index)}" stroke-width="3"/><text x="{right + 60}" '
            f'y="{legend_y + 4}">{escape(curve.model)}</text></g>'
        )
    return "".join(out) + "</svg>"


def _line(
    curve: HintCurve, colour: str, x: t.Callable[[int], float], y: t.Callable[[float], float]
) -> str:
    """One model: its polyline, then each point with its 95% whisker and a tooltip."""
    path = " ".join(f"{x(p.hints):.1f},{y(p.score):.1f}" for p in curve.points)
    parts = [f'<g class="curve"><polyline points="{path}" fill="none" stroke="{colour}" '
             'stroke-width="2"/>']  # fmt: skip
    for p in curve.points:
        tip = (
            f"{curve.model} ({curve.provider}), {p.hints} hint(s): {p.score:.1f} ± {p.ci95:.1f}, "
            f"95% interval [{p.score - p.ci95:.1f}, {p.score + p.ci95:.1f}], {p.n} riddles, "
            f"run {p.run}"
        )
        low, high = y(p.score - p.ci95), y(p.score + p.ci95)
        parts.append(
            f"<g><title>{escape(tip)}</title>"
            f'<path class="err" d="M{x(p.hints):.1f} {low:.1f}V{high:.1f}" stroke="{colour}"/>'
            f'<circle cx="{x(p.hints):.1f}" cy="{y(p.score):.1f}" r="4" fill="{colour}"/></g>'
        )
    return "".join(parts) + "</g>"


def curve_table(curves: list[HintCurve]) -> str:
    """Models (rows) x hint levels (columns): score ± half-width of the 95% interval."""
    head = "<tr><th>Model</th>" + "".join(
        f"<th>{level} hint{'' if level == 1 else 's'}</th>" for level in _LEVELS
    )
    body = []
    for curve in curves:
        cells = {p.hints: p for p in curve.points}
        row = "".join(
            f'<td class="num" title="run {escape(cells[level].run)}">'
            f"{cells[level].score:.1f} ± {cells[level].ci95:.1f}</td>"
            if level in cells
            else '<td class="num muted">–</td>'
            for level in _LEVELS
        )
        body.append(f'<tr><td class="model">{escape(curve.model)}</td>{row}</tr>')
    return (
        f'<div class="table-wrap"><table id="hint-table"><thead>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def curve_section(data: ReportData) -> str:
    """The section (empty when no model of the page has two hint levels)."""
    if not any(len({p.hints for p in c.points}) > 1 for c in data.curves):
        return ""
    return (
        '<section id="hints"><h2>Hints</h2><p class="lead">How each model\'s calibrated score '
        "moves with the hints it was given (your runs of one model that differ only by their "
        f"hint level), with the {escape(data.ci_method)} 95% interval of each point. The human "
        "labels that calibrate every point were given to answers made with 0 hints. To tell two "
        f"levels apart, compare their runs ({fixes.compare_runs()}): the paired test is sharper "
        f"than these intervals.</p>{curve_svg(data.curves)}{curve_table(data.curves)}</section>"
    )


def _usd(value: float | None) -> str:
    return "–" if value is None else f"${value:,.4f}"


def _sum(values: t.Iterable[float | None]) -> float | None:
    known = list(values)
    return None if None in known else sum(v for v in known if v is not None)


def cost_section(data: ReportData) -> str:
    """What the page's runs cost together, a row per run (its model and its judges) and the
    total (empty for fewer than two runs: the run's own section has it)."""
    if len(data.runs) < 2:
        return ""
    keys = ("cost_usd", "standard_cost_usd", "saving_usd", "estimated_usd")
    rows = [(run.name, [_sum(getattr(c, key) for c in run.costs) for key in keys],
             sum(c.input_tokens for c in run.costs), sum(c.output_tokens for c in run.costs))
            for run in data.runs]  # fmt: skip
    total = (
        "Total",
        [_sum(values[i] for _, values, _, _ in rows) for i in range(len(keys))],
        sum(r[2] for r in rows),
        sum(r[3] for r in rows),
    )
    body = [
        f'<tr class="{"total" if name == "Total" and i == len(rows) else ""}">'
        f'<td class="model">{escape(name)}</td><td class="num">{tokens_in:,}</td>'
        f'<td class="num">{tokens_out:,}</td>'
        + "".join(f'<td class="num">{_usd(v)}</td>' for v in values)
        + "</tr>"
        for i, (name, values, tokens_in, tokens_out) in enumerate([*rows, total])
    ]
    head = "".join(
        f"<th>{name}</th>"
        for name in (
            "Run (model and judges)",
            "Input",
            "Output",
            "Batch USD",
            "Standard USD",
            "Saved",
            "Estimate",
        )  # fmt: skip
    )
    return (
        '<section id="cost"><h2>What it cost</h2><p class="lead">Tokens of each run and of its '
        "judges, their cost at batch prices, the same tokens at standard prices, what batching "
        "saved, and the estimate made before sending.</p>"
        f'<div class="table-wrap"><table id="cost-table" class="cost"><thead><tr>{head}</tr>'
        f"</thead><tbody>{''.join(body)}</tbody></table></div></section>"
    )
