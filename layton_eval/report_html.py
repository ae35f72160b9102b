"""Drawing the report page: SVG charts, HTML tables, inline CSS and JS (see :mod:`report`).

Everything here turns a :class:`~layton_eval.report.ReportData` into text. Every string that comes
from data (model names, riddles, model outputs, paths) goes through :func:`html.escape`; numbers
are formatted here. The page references no external resource: its Content-Security-Policy
forbids any fetch (images are ``data:`` URLs).
"""

from __future__ import annotations

import collections
import typing as t
import zlib
from fractions import Fraction
from html import escape
from pathlib import Path

if t.TYPE_CHECKING:
    from layton_eval.evaluation import LeaderboardRow
    from layton_eval.report import JudgeVerdict, ReportData, RiddleRow, RunReport

__all__ = ["PROVIDER_COLOURS", "provider_colour", "render_page", "viridis"]

#: Okabe-Ito colours (colour-blind safe) of the known providers; others get a spare colour.
PROVIDER_COLOURS: dict[str, str] = {
    "openai": "#009E73",
    "anthropic": "#D55E00",
    "gemini": "#0072B2",
    "mistral": "#E69F00",
    "together": "#CC79A7",
    "groq": "#56B4E9",
    "xai": "#4D4D4D",
    "doubleword": "#999933",
}
_SPARE = ("#882255", "#44AA99", "#117733", "#332288", "#AA4499", "#6699CC")  # Paul Tol's
_VIRIDIS = ("#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962",
            "#addc30", "#fde725")  # fmt: skip
_CLIP = 220  # characters of a justification shown before "more"
_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


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


def _fraction(value: float) -> str:
    fraction = Fraction(value).limit_denominator(12)
    return str(fraction) if abs(float(fraction) - value) < 1e-6 else f"{value:.2f}"


def _tip(text: str) -> str:
    return f"<title>{escape(text)}</title>"


# ------------------------------------------------------------------------------------ charts


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


# ------------------------------------------------------------------------------------ tables


def _table(ident: str, head: str, body: list[str], klass: str = "") -> str:
    return (
        f'<div class="table-wrap"><table id="{escape(ident)}" class="{klass}">'
        f"<thead>{head}</thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _swatch(provider: str) -> str:
    return f'<span class="swatch" style="background:{provider_colour(provider)}"></span>'


def leaderboard_table(rows: list[LeaderboardRow]) -> str:
    """The leaderboard as a table; each row carries its numbers as ``data-*`` attributes."""
    body = []
    for r in rows:
        mark = ' <span class="tag">your run</span>' if r.is_yours else ""
        if r.excluded:
            left_out = ", ".join(r.excluded)
            mark += (
                f' <span title="left out: no labelled row of another provider has their jury '
                f'value: {escape(left_out)}">† {len(r.excluded)} left out</span>'
            )
        body.append(
            f'<tr class="{"yours" if r.is_yours else ""}" data-model="{escape(r.model)}" '
            f'data-provider="{escape(r.provider)}" data-score="{r.score:.1f}" '
            f'data-ci95="{r.ci95:.1f}" data-rank="{r.rank}" data-yours="{int(r.is_yours)}">'
            f'<td class="num">{r.rank}</td><td class="model">{escape(r.model)}{mark}</td>'
            f"<td>{_swatch(r.provider)}{escape(r.provider)}</td>"
            f'<td class="num score">{r.score:.1f}</td><td class="num ci">± {r.ci95:.1f}</td>'
            f'<td class="num">[{r.score - r.ci95:.1f}, {r.score + r.ci95:.1f}]</td>'
            f'<td class="num spread">{r.best_rank}–{r.worst_rank}</td>'
            f'<td class="num">{r.jury_mean:.1f}</td><td class="num">{r.n}</td></tr>'
        )
    head = "".join(
        f"<th>{name}</th>"
        for name in (
            "Rank",
            "Model",
            "Provider",
            "Score",
            "95% CI",
            "Interval",
            "Rank spread",
            "Jury mean",
            "Riddles",
        )  # fmt: skip
    )
    return _table("leaderboard-table", f"<tr>{head}</tr>", body)


def category_table(data: ReportData) -> str:
    """Categories (rows) x models (columns): jury mean, with counts that differ from the split's."""
    models = "".join(
        f'<th class="model{" yours" if m.is_yours else ""}" title="{escape(m.provider)}">'
        f"{escape(m.model)}{' ★' if m.is_yours else ''}</th>"
        for m in data.breakdown
    )
    lookup = [{c.category: c for c in m.categories} for m in data.breakdown]
    body = []
    for cat, total in data.category_counts.items():
        cells = []
        for model, by_cat in zip(data.breakdown, lookup, strict=True):
            c = by_cat.get(cat)
            if c is None:
                cells.append('<td class="num muted">–</td>')
                continue
            count = f" <small>n={c.n}</small>" if c.n != total else ""
            cells.append(
                f'<td class="num" title="{escape(model.model)}: {c.jury_mean:.1f} over {c.n}">'
                f"{c.jury_mean:.1f}{count}</td>"
            )
        body.append(
            f'<tr data-category="{escape(cat)}"><th class="cat">{escape(cat)}</th>'
            f'<td class="num">{total}</td>{"".join(cells)}</tr>'
        )
    head = f"<tr><th>Category</th><th>Riddles</th>{models}</tr>"
    return _table("category-table", head, body, "categories")


def _mark(letter: str, value: bool | None) -> str:
    if value is None:
        return f'<span class="miss">{letter} ?</span>'
    return f'<span class="{"ok" if value else "ko"}">{letter} {"✓" if value else "✗"}</span>'


def _verdict_cell(v: JudgeVerdict, field: str) -> str:
    """A judge's answer (A) and justification (J) marks; the cell tint is the field's verdict."""
    if v.answer is None or v.justification is None:
        klass = "v missing"
    else:
        value = {"is_answer_correct": v.answer, "is_justification_correct": v.justification}
        klass = "v pass" if value.get(field, v.answer and v.justification) else "v fail"
    return f'<td class="{klass}">{_mark("A", v.answer)} {_mark("J", v.justification)}</td>'


def _riddle_cell(r: RiddleRow) -> str:
    parts = [
        f'<p class="desc">{escape(r.description)}</p>' if r.description else "",
        f"<p><b>Gold answer:</b> {escape(r.gold_answer)}</p>" if r.gold_answer else "",
        f'<img alt="picture of riddle {escape(r.id)}" '
        f'src="data:image/jpeg;base64,{escape(r.image)}">'
        if r.image
        else "",
        f'<p><a href="{escape(r.url)}" rel="noopener noreferrer">wiki page</a></p>'
        if r.url
        else "",
    ]
    details = "".join(parts)
    if not details:
        return escape(r.id)
    return f"<details><summary>{escape(r.id)}</summary>{details}</details>"


def _answer_cell(r: RiddleRow) -> str:
    if r.status != "ok":
        return (
            f'<span class="badge">{escape(r.status)}</span> '
            f'<span class="muted">{escape(r.detail or "")}</span>'
        )
    out = f'<div class="ans">{escape(r.answer or "")}</div>'
    just = r.justification or ""
    if len(just) > _CLIP:
        return (
            out + f'<details class="just"><summary>{escape(just[:_CLIP])}…</summary>'
            f"{escape(just)}</details>"
        )
    return out + (f'<div class="just">{escape(just)}</div>' if just else "")


def riddle_row(r: RiddleRow, field: str) -> str:
    """One row of a run's riddle table (``data-category`` and ``data-disagree`` for filters)."""
    if r.jury is None:
        jury, level = "–", "none"
    else:
        jury, level = _fraction(r.jury), "all" if r.jury == 1 else "zero" if r.jury == 0 else "mid"
    verdicts = "".join(_verdict_cell(v, field) for v in r.verdicts)
    return (
        f'<tr data-category="{escape(r.category)}" data-disagree="{int(r.disagree)}" '
        f'data-id="{escape(r.id)}"><td class="rid">{_riddle_cell(r)}</td>'
        f'<td>{escape(r.category)}</td><td class="answer">{_answer_cell(r)}</td>{verdicts}'
        f'<td class="jury {level}">{jury}</td></tr>'
    )


def _cost_table(run: RunReport) -> str:
    rows = [
        f"<tr><td>{escape(c.role)}</td><td>{escape(f'{c.provider}/{c.model}')}</td>"
        f'<td class="num">{c.requests:,}</td><td class="num">{c.input_tokens:,}</td>'
        f'<td class="num">{c.output_tokens:,}</td><td class="num">{c.reasoning_tokens:,}</td>'
        f'<td class="num">{"–" if c.cost_usd is None else f"${c.cost_usd:,.4f}"}</td></tr>'
        for c in run.costs
    ]
    known = [c.cost_usd for c in run.costs]
    total = "–" if None in known else f"${sum(c for c in known if c is not None):,.4f}"
    rows.append(
        '<tr class="total"><td colspan="6">Total (batch prices, estimate)</td>'
        f'<td class="num">{total}</td></tr>'
    )
    head = "".join(
        f"<th>{name}</th>"
        for name in ("Role", "Model", "Results", "Input", "Output", "Reasoning", "USD")
    )
    return _table(f"cost-{run.name}", f"<tr>{head}</tr>", rows, "cost")


def run_section(run: RunReport, data: ReportData) -> str:
    """A run's score, configuration, cost and filterable riddle table."""
    row, field = run.row, data.field
    headline = (
        f'<p class="headline">Score <b>{row.score:.1f}</b> ± {row.ci95:.1f} · rank {row.rank} '
        f"(spread {row.best_rank}–{row.worst_rank}) · raw jury mean {row.jury_mean:.1f} over "
        f"{row.n} riddles · shown on the leaderboard as <b>{escape(run.label)}</b></p>"
        if row
        else ""
    )
    config = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in run.config.items())
    config += f"<dt>Judges</dt><dd>{escape(', '.join(run.judges))}</dd><dt>Scored</dt><dd>"
    config += f"{escape(field)} · {data.iterations:,} bootstrap iterations · seed {data.seed}</dd>"
    counts = collections.Counter(r.category for r in run.riddles)
    options = f'<option value="">All categories ({len(run.riddles)})</option>' + "".join(
        f'<option value="{escape(c)}">{escape(c)} ({n})</option>' for c, n in counts.most_common()
    )
    judges = "".join(f'<th title="{escape(j)}">{escape(j.split("/")[-1])}</th>' for j in run.judges)
    head = f"<tr><th>Riddle</th><th>Category</th><th>Answer · justification</th>{judges}"
    table = _table(
        f"riddles-{run.name}",
        head + "<th>Jury</th></tr>",
        [riddle_row(r, field) for r in run.riddles],
        "riddles",
    )
    note = f'<p class="note">{escape(run.note)}</p>' if run.note else ""
    return (
        f'<section class="run" id="run-{escape(run.name)}"><h2>Your run: {escape(run.name)}</h2>'
        f'{headline}<div class="cols"><div><h3>Configuration</h3><dl>{config}</dl></div>'
        f"<div><h3>Tokens and cost</h3>{_cost_table(run)}</div></div><h3>Riddles</h3>{note}"
        '<div class="riddle-box"><div class="filters"><label>Category '
        f'<select class="cat-filter">{options}</select></label><label>'
        '<input type="checkbox" class="disagree-filter"> judges disagree on '
        f"<code>{escape(field)}</code> ({sum(r.disagree for r in run.riddles)})</label>"
        f'<span class="shown-count" aria-live="polite"></span></div>{table}</div></section>'
    )


# -------------------------------------------------------------------------------------- page


def render_page(data: ReportData) -> str:
    """The whole page as one HTML document."""
    providers = dict.fromkeys(r.provider for r in data.leaderboard)
    legend = "".join(f'<span class="item">{_swatch(p)}{escape(p)}</span>' for p in providers)
    if any(r.is_yours for r in data.leaderboard):
        legend += '<span class="item"><span class="swatch band"></span>★ your run</span>'
    title = f"layton-eval report · {data.split} · {data.field}"
    subtitle = (
        f"{data.iterations:,} bootstrap iterations · seed {data.seed} · generated "
        f"{data.generated_at} by layton {data.layton_version} · calibration set "
        f"{escape(_source_label(data.calibration_source))}"
    )
    if data.categories_note or not data.category_counts:
        categories = f'<p class="note">{escape(data.categories_note or "No category.")}</p>'
    else:
        categories = heatmap_svg(data) + category_table(data)
    nav = "".join(f'<a href="#run-{escape(r.name)}">{escape(r.name)}</a>' for r in data.runs)
    runs = "".join(run_section(r, data) for r in data.runs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="generator" content="layton {escape(data.layton_version)}">
<link rel="icon" href="data:,"><title>{escape(title)}</title><style>{_CSS}</style></head>
<body><header><div class="wrap"><h1>{escape(title)}</h1><p class="sub">{escape(subtitle)}</p>
<nav><a href="#leaderboard">Leaderboard</a><a href="#categories">Categories</a>{nav}</nav>
</div></header><main class="wrap">
<section id="leaderboard"><h2>Leaderboard</h2><p class="lead">Human-calibrated score (PPI++
with a stratified bootstrap) and its 95% interval, in percentage points. The rank spread is the
best and worst rank that the intervals allow.</p><div class="legend">{legend}</div>
{leaderboard_svg(data.leaderboard)}{leaderboard_table(data.leaderboard)}</section>
<section id="categories"><h2>Per category</h2><p class="lead">Raw jury mean of
<code>{escape(data.field)}</code> per riddle category (uncalibrated, percentage points); the
number of riddles follows each category.</p>{categories}</section>{runs}
</main><footer class="wrap">layton {escape(data.layton_version)} · riddles from the Professor
Layton Wiki (CC BY-SA) via layton-eval</footer><script>{_JS}</script></body></html>
"""


_CSS = """
:root{--ink:#1d2330;--muted:#667085;--line:#e4e7ec;--bg:#f7f8fa;--accent:#0072B2;
--yours:#fff4cc}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;
color:var(--ink);background:#fff}
.wrap{max-width:1240px;margin:0 auto;padding:0 24px}
header{background:var(--bg);border-bottom:1px solid var(--line);padding:18px 0 10px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:21px;margin:34px 0 8px}
h3{font-size:16px;margin:18px 0 6px}
.sub,.lead,.muted,footer{color:var(--muted)}.sub{margin:0;font-size:13px;word-break:break-all}
nav{margin-top:8px;display:flex;flex-wrap:wrap;gap:14px;font-size:14px}a{color:var(--accent)}
.chart{width:100%;height:auto;display:block;margin:8px 0 16px}
.chart text{font-size:13px;fill:var(--ink)}
.chart .tick,.chart .spread,.chart .pm{fill:var(--muted);font-size:12px}
.chart .grid{stroke:var(--line)}.chart .rank{font-weight:700}
.chart .whisker{stroke:#1d2330;stroke-width:1.6;fill:none}.chart .band{fill:var(--yours)}
.chart .yours .name,.chart .name.yours{font-weight:700}.chart .cell{font-size:11px}
.chart .cell.light{fill:#fff}.chart .cell.dim{fill:#888}
.legend{display:flex;flex-wrap:wrap;gap:16px;font-size:13px}
.swatch{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;
vertical-align:-1px}.swatch.band{background:var(--yours);border:1px solid #d9c36a}
.table-wrap{max-height:75vh;overflow:auto;border:1px solid var(--line);border-radius:6px;
margin:8px 0}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{position:sticky;top:0;background:var(--bg);z-index:2;white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.yours td{background:var(--yours);font-weight:600}
.tag{font-size:11px;background:#1d2330;color:#fff;border-radius:3px;padding:1px 5px;
margin-left:6px;font-weight:400}
table.categories th.model{white-space:normal;min-width:88px;
max-width:120px;font-size:12px;vertical-align:bottom;text-align:right}
table.categories th.cat{position:sticky;left:0;background:#fff;z-index:1;white-space:nowrap}
small{color:var(--muted)}.muted{font-size:13px}
.cols{display:grid;grid-template-columns:minmax(0,2fr) minmax(0,3fr);gap:28px}
@media (max-width:900px){.cols{grid-template-columns:minmax(0,1fr)}}
dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:4px 14px;margin:0;
font-size:14px}dt{color:var(--muted)}dd{margin:0;word-break:break-all}
tr.total td{font-weight:600}.headline{font-size:16px}
.filters{display:flex;flex-wrap:wrap;gap:18px;align-items:center;margin:8px 0;font-size:14px}
select{font:inherit;padding:3px 6px}.shown-count{color:var(--muted)}
table.riddles td.answer{min-width:280px;max-width:520px}
.ans{font-weight:600;white-space:pre-wrap}
.just{color:#3a4356;font-size:13px;white-space:pre-wrap}details summary{cursor:pointer}
td.rid{white-space:nowrap}td.rid details[open]{white-space:normal;min-width:320px}
.desc{white-space:pre-wrap;font-size:13px}td.rid img{max-width:320px;display:block}
td.v{white-space:nowrap;font-size:13px}td.v.pass{background:#e6f4ef}
td.v.fail{background:#fbe9e1}
.ok{color:#00785a}.ko{color:#b84a00}.miss{color:var(--muted)}
td.jury{font-weight:700;text-align:center}td.jury.all{background:#cdebdf}
td.jury.zero{background:#f7d5c4}td.jury.mid{background:#fbefc9}
.badge{background:#b84a00;color:#fff;border-radius:3px;padding:0 5px;font-size:12px}
.note{background:#fff8e1;border-left:3px solid #E69F00;padding:6px 10px}
footer{font-size:12px;padding-top:30px;padding-bottom:30px}
"""

_JS = """
(function () {
  function apply(box) {
    var cat = box.querySelector('select.cat-filter').value;
    var dis = box.querySelector('input.disagree-filter').checked;
    var rows = box.querySelectorAll('tbody tr'), shown = 0;
    rows.forEach(function (row) {
      var ok = (!cat || row.dataset.category === cat) && (!dis || row.dataset.disagree === '1');
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    box.querySelector('.shown-count').textContent = shown + ' of ' + rows.length + ' riddles';
  }
  document.querySelectorAll('.riddle-box').forEach(function (box) {
    box.querySelectorAll('select, input').forEach(function (el) {
      el.addEventListener('change', function () { apply(box); });
    });
    apply(box);
  });
})();
"""


def _source_label(source: str) -> str:
    """A short name for the calibration file: ``owner/name@commit`` for a Hub download (its
    cache path holds ``datasets--owner--name/snapshots/<commit>/``), else the file name."""
    parts = Path(source).parts
    if "snapshots" in parts:
        at = parts.index("snapshots")
        repo = parts[at - 1].removeprefix("datasets--").replace("--", "/")
        return f"{repo}@{parts[at + 1][:8]}" if at + 1 < len(parts) else repo
    return f"{Path(source).name} (local copy)"
