"""The report's charts as inline SVG: leaderboard bars with 95% whiskers, category heat-map.

Every string that comes from data goes through :func:`html.escape`; numbers are formatted here.
"""

from __future__ import annotations

import typing as t
import zlib
from fractions import Fraction
from html import escape

from layton_eval.providers import NAMES

if t.TYPE_CHECKING:
    from layton_eval.report.model import ReportData
    from layton_eval.score.leaderboard import LeaderboardRow

__all__ = [
    "PROVIDER_COLOURS",
    "fraction",
    "heatmap_svg",
    "leaderboard_svg",
    "provider_colour",
    "viridis",
]

#: Okabe-Ito colours (colour-blind safe), one per provider of ``NAMES`` in order.
_OKABE_ITO = ("#009E73", "#D55E00", "#0072B2", "#E69F00", "#CC79A7", "#56B4E9", "#4D4D4D",
              "#999933")  # fmt: skip
#: Colour of each known provider; others get a spare colour.
PROVIDER_COLOURS: dict[str, str] = dict(zip(NAMES, _OKABE_ITO, strict=True))
_SPARE = ("#882255", "#44AA99", "#117733", "#332288", "#AA4499", "#6699CC")  # Paul Tol's
_VIRIDIS = ("#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962",
            "#addc30", "#fde725")  # fmt: skip


def provider_colour(provider: str) -> str:
    """Fixed colour of a provider (an unknown provider gets a stable spare colour)."""
    known = PROVIDER_COLOURS.get(provider.lower())
    return known or _SPARE[zlib.crc32(provider.encode()) % len(_SPARE)]


def viridis(x: float) -> str:
    """Viridis colour of ``x`` in [0, 1] (linear between 9 anchors), as ``#rrggbb``."""
    x = min(max(x, 0.0), 1.0) * (len(_VIRIDIS) - 1)
    i = min(int(x), len(_VIRIDIS) - 2)
    a, b = (tuple(int(c[k : k + 2], 16) for k in (1, 3, 5)) for c in _VIRIDIS[i : i + 2])
    f = x - i
    return "#" + "".join(f"{round(p + (q - p) * f):02x}" for p, q in zip(a, b, strict=True))


def fraction(value: float) -> str:
    fraction = Fraction(value).limit_denominator(12)
    return str(fraction) if abs(float(fraction) - value) < 1e-6 else f"{value:.2f}"


def _tip(text: str) -> str:
    return f"<title>{escape(text)}</title>"


def leaderboard_svg(rows: list[LeaderboardRow]) -> str:
    """Horizontal score bars with 95% CI whiskers, rank and rank spread, one row per model."""
    width, left, right, top, step = 1000, 360, 880, 34, 30
    height = top + step * len(rows) + 30

    def x(value: float) -> float:
        return left + (right - left) * min(max(value, 0.0), 100.0) / 100

    out = [
        f'<svg class="chart" id="leaderboard-chart" viewBox="0 0 {width} {height}" role="img" '
        'aria-label="Leaderboard: score and 95% interval per model">',
        f'<text class="tick" x="30" y="{top - 14}" text-anchor="end">rank</text>'
        f'<text class="tick" x="84" y="{top - 14}" text-anchor="end">spread</text>'
        f'<text class="tick" x="{left}" y="{top - 14}">score (points)</text>',
    ]
    for tick in range(0, 101, 20):
        out.append(
            f'<line class="grid" x1="{x(tick)}" x2="{x(tick)}" y1="{top - 6}" y2="{height - 26}"/>'
            f'<text class="tick" x="{x(tick)}" y="{height - 10}" text-anchor="middle">{tick}</text>'
        )
    for i, row in enumerate(rows):
        y, mid = top + i * step, top + i * step + step / 2
        lo, hi = row.score - row.ci95, row.score + row.ci95
        tip = (
            f"{row.model} ({row.provider})\nscore {row.score:.1f} ± {row.ci95:.1f}, 95% interval "
            f"[{lo:.1f}, {hi:.1f}]\nrank {row.rank}, spread {row.best_rank}–{row.worst_rank}\n"
            f"raw jury mean {row.jury_mean:.1f} over {row.n} riddles"
        )
        out.append(f'<g class="bar-row{" yours" if row.is_yours else ""}">{_tip(tip)}')
        if row.is_yours:
            out.append(f'<rect class="band" x="0" y="{y}" width="{width}" height="{step}"/>')
        name = escape(row.model) + (" ★" if row.is_yours else "")
        out.append(
            f'<text class="rank" x="30" y="{mid + 5}" text-anchor="end">{row.rank}</text>'
            f'<text class="spread" x="84" y="{mid + 4}" text-anchor="end">'
            f"{row.best_rank}–{row.worst_rank}</text>"
            f'<text class="name" x="{left - 10}" y="{mid + 5}" text-anchor="end">{name}</text>'
            f'<rect x="{left}" y="{y + 7}" width="{x(row.score) - left:.1f}" height="{step - 14}" '
            f'rx="2" fill="{provider_colour(row.provider)}"/>'
            f'<path class="whisker" d="M{x(lo):.1f} {mid}H{x(hi):.1f}M{x(lo):.1f} {mid - 6}'
            f'V{mid + 6}M{x(hi):.1f} {mid - 6}V{mid + 6}"/>'
            f'<text class="value" x="{x(hi) + 8:.1f}" y="{mid + 5}">{row.score:.1f} '
            f'<tspan class="pm">± {row.ci95:.1f}</tspan></text></g>'
        )
    return "".join(out) + "</svg>"


def heatmap_svg(data: ReportData) -> str:
    """Models (rows, leaderboard order) x categories (columns): jury mean as viridis cells."""
    cats = list(data.category_counts)
    left, top, cell_h = 300, 150, 26
    cell_w = max(30, min(60, 680 // max(len(cats), 1)))
    width = left + cell_w * len(cats) + 110  # room for the last rotated label
    height = top + cell_h * len(data.breakdown) + 50
    out = [
        f'<svg class="chart" id="category-chart" viewBox="0 0 {width} {height}" role="img" '
        'aria-label="Jury mean per category and model">'
    ]
    for j, cat in enumerate(cats):
        cx = left + j * cell_w + cell_w / 2
        out.append(
            f'<text class="col" transform="translate({cx + 4} {top - 8}) rotate(-50)">'
            f"{escape(cat)} ({data.category_counts[cat]})</text>"
        )
    for i, model in enumerate(data.breakdown):
        y = top + i * cell_h
        by_cat = {c.category: c for c in model.categories}
        out.append(
            f'<text class="name{" yours" if model.is_yours else ""}" x="{left - 8}" '
            f'y="{y + cell_h / 2 + 4}" text-anchor="end">'
            f"{escape(model.model)}{' ★' if model.is_yours else ''}</text>"
        )
        for j, cat in enumerate(cats):
            c, cx = by_cat.get(cat), left + j * cell_w
            if c is None:
                tip, fill, text, ink = f"{model.model} · {cat}: no riddle", "#eeeeee", "–", "dim"
            else:
                tip = f"{model.model} · {cat}: jury mean {c.jury_mean:.1f} over {c.n} riddle(s)"
                fill, text = viridis(c.jury_mean / 100), f"{c.jury_mean:.0f}"
                ink = "dark" if c.jury_mean >= 55 else "light"  # readable on the cell
            out.append(
                f'<g>{_tip(tip)}<rect x="{cx}" y="{y}" width="{cell_w - 2}" '
                f'height="{cell_h - 2}" fill="{fill}"/><text class="cell {ink}" '
                f'x="{cx + (cell_w - 2) / 2}" y="{y + cell_h / 2 + 3}" text-anchor="middle">'
                f"{text}</text></g>"
            )
    y = height - 30
    out.extend(
        f'<rect x="{left + k * 24}" y="{y}" width="24" height="10" fill="{viridis(k / 10)}"/>'
        for k in range(11)
    )
    out.append(
        f'<text class="tick" x="{left - 8}" y="{y + 9}" text-anchor="end">jury mean 0</text>'
        f'<text class="tick" x="{left + 270}" y="{y + 9}">100</text></svg>'
    )
    return "".join(out)
