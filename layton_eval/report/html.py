"""The report page as HTML: tables, each run's section, and the whole document.

Everything here turns a :class:`~layton_eval.report.model.ReportData` into text. Every string
that comes from data (model names, riddles, model outputs, paths) goes through
:func:`html.escape`; numbers are formatted here. The page references no external resource: its
Content-Security-Policy forbids any fetch (images are ``data:`` URLs), and its CSS and script
(``page.css``, ``page.js`` beside this module) are inlined.
"""

from __future__ import annotations

import collections
import functools
import typing as t
from html import escape
from importlib import resources
from pathlib import Path

from layton_eval.pricing import ASSUMED_OUTPUT_TOKENS
from layton_eval.report.charts import fraction, heatmap_svg, leaderboard_svg, provider_colour
from layton_eval.report.matrix import compare_matrix
from layton_eval.report.sweep import cost_section, curve_section

if t.TYPE_CHECKING:
    from layton_eval.report.model import JudgeVerdict, ReportData, RiddleRow, RunReport
    from layton_eval.score.leaderboard import LeaderboardRow

__all__ = ["render_page"]

_CLIP = 220  # characters of a justification shown before "more"
#: What the page's interval covers, in words.
_CI_LEAD = {
    "published": "published interval: it reproduces the published ± (per jury bin, as many "
    "human labels redrawn as the model has riddles there) and is not a measure of how well the "
    "labels or the riddles pin the score down.",
    "labels": "labels interval: these riddles fixed, each jury bin's human-labelled rows "
    "resampled at their own size, so it is the uncertainty that more labels would shrink.",
    "full": "full interval: the riddles and the human-labelled rows are both resampled, so it "
    "covers what another sample of riddles like these could give.",
}
#: The question each comparison interval answers.
_COMPARE_SCOPE = {
    "labels": "on these riddles, as far as the human labels can tell",
    "full": "on riddles like these",
}
_COST_NOTE = (
    '<p class="note">Batch USD: the tokens at batch prices; standard USD: the same tokens '
    "without the Batch API; estimate: what layton estimated before sending (input tokens "
    f"counted, {ASSUMED_OUTPUT_TOKENS:,} output tokens assumed per request).</p>"
)
_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


@functools.cache
def _asset(name: str) -> str:
    """``page.css`` or ``page.js``, inlined in the page."""
    return (resources.files("layton_eval.report") / name).read_text(encoding="utf-8")


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
        if r.not_comparable:
            mark += (
                f' <span title="not strictly comparable with the published models: '
                f'{escape("; ".join(r.not_comparable))}">‡ not strictly comparable</span>'
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
        jury, level = fraction(r.jury), "all" if r.jury == 1 else "zero" if r.jury == 0 else "mid"
    verdicts = "".join(_verdict_cell(v, field) for v in r.verdicts)
    return (
        f'<tr data-category="{escape(r.category)}" data-disagree="{int(r.disagree)}" '
        f'data-id="{escape(r.id)}"><td class="rid">{_riddle_cell(r)}</td>'
        f'<td>{escape(r.category)}</td><td class="answer">{_answer_cell(r)}</td>{verdicts}'
        f'<td class="jury {level}">{jury}</td></tr>'
    )


def _usd(value: float | None) -> str:
    return "–" if value is None else f"${value:,.4f}"


def _total(values: t.Iterable[float | None]) -> float | None:
    known = list(values)
    return None if None in known else sum(v for v in known if v is not None)


def _cost_table(run: RunReport) -> str:
    rows = [
        f"<tr><td>{escape(c.role)}</td><td>{escape(f'{c.provider}/{c.model}')}</td>"
        f'<td class="num">{c.requests:,}</td><td class="num">{c.input_tokens:,}</td>'
        f'<td class="num">{c.output_tokens:,}</td><td class="num">{c.reasoning_tokens:,}</td>'
        f'<td class="num">{_usd(c.cost_usd)}</td><td class="num">{_usd(c.standard_cost_usd)}'
        f'</td><td class="num">{_usd(c.saving_usd)}</td>'
        f'<td class="num">{_usd(c.estimated_usd)}</td></tr>'
        for c in run.costs
    ]
    totals = [
        _total(getattr(c, key) for c in run.costs)
        for key in ("cost_usd", "standard_cost_usd", "saving_usd", "estimated_usd")
    ]
    rows.append(
        '<tr class="total"><td colspan="6">Total</td>'
        + "".join(f'<td class="num">{_usd(value)}</td>' for value in totals)
        + "</tr>"
    )
    head = "".join(
        f"<th>{name}</th>"
        for name in (
            "Role",
            "Model",
            "Results",
            "Input",
            "Output",
            "Reasoning",
            "Batch USD",
            "Standard USD",
            "Saved",
            "Estimate",
        )  # fmt: skip
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
    if run.not_comparable:
        headline += (
            '<p class="note">Not strictly comparable with the published models: '
            f"{escape('; '.join(run.not_comparable))}. Prepare with --prompts official for "
            "strict parity.</p>"
        )
    return (
        f'<section class="run" id="run-{escape(run.name)}"><h2>Your run: {escape(run.name)}</h2>'
        f'{headline}<div class="cols"><div><h3>Configuration</h3><dl>{config}</dl></div>'
        f"<div><h3>Tokens and cost</h3>{_cost_table(run)}{_COST_NOTE}</div></div>"
        f"<h3>Riddles</h3>{note}"
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
        f"{data.ci_method} interval · {data.iterations:,} bootstrap iterations · seed "
        f"{data.seed} · generated "
        f"{data.generated_at} by layton {data.layton_version} · calibration set "
        f"{escape(_source_label(data.calibration_source))}"
    )
    if data.categories_note or not data.category_counts:
        categories = f'<p class="note">{escape(data.categories_note or "No category.")}</p>'
    else:
        categories = heatmap_svg(data) + category_table(data)
    nav = "".join(f'<a href="#run-{escape(r.name)}">{escape(r.name)}</a>' for r in data.runs)
    hints, cost = curve_section(data), cost_section(data)
    nav = (
        ('<a href="#hints">Hints</a>' if hints else "")
        + ('<a href="#cost">Cost</a>' if cost else "")
        + nav
    )
    comparisons = _comparisons(data) + hints + cost
    runs = "".join(run_section(r, data) for r in data.runs)
    css, js = _asset("page.css"), _asset("page.js")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="generator" content="layton {escape(data.layton_version)}">
<link rel="icon" href="data:,"><title>{escape(title)}</title><style>{css}</style></head>
<body><header><div class="wrap"><h1>{escape(title)}</h1><p class="sub">{escape(subtitle)}</p>
<nav><a href="#leaderboard">Leaderboard</a><a href="#compare">Comparisons</a>
<a href="#categories">Categories</a>{nav}</nav>
</div></header><main class="wrap">
<section id="leaderboard"><h2>Leaderboard</h2><p class="lead">Human-calibrated score (PPI++
with a stratified bootstrap) and its 95% interval, in percentage points: the
{_CI_LEAD[data.ci_method]} The rank spread is the best and worst rank that the intervals
allow.</p><div class="legend">{legend}</div>
{leaderboard_svg(data.leaderboard)}{leaderboard_table(data.leaderboard)}</section>{comparisons}
<section id="categories"><h2>Per category</h2><p class="lead">Raw jury mean of
<code>{escape(data.field)}</code> per riddle category (uncalibrated, percentage points); the
number of riddles follows each category.</p>{categories}</section>{runs}
</main><footer class="wrap">layton {escape(data.layton_version)} · riddles from the Professor
Layton Wiki (CC BY-SA) via layton-eval</footer><script>{js}</script></body></html>
"""


def _comparisons(data: ReportData) -> str:
    """The compare section: what a cell means, then the matrix."""
    if data.comparison is None or not data.comparison.pairs:
        return ""
    pairs = len(data.comparison.pairs)
    return (
        '<section id="compare"><h2>Comparisons</h2><p class="lead">Each cell is the row model '
        "minus the column model, in points, on the riddles both answered: a paired bootstrap "
        f"({data.comparison.ci_method} interval: does the row model beat the column model "
        f"{_COMPARE_SCOPE[data.comparison.ci_method]}?). Tinted "
        f"cells are differences that hold after Holm's adjustment over the {pairs} pairs "
        "(5%); grey ones cannot be told from zero. Hover a cell for its interval, "
        "the share of resamples in which the row model is ahead, McNemar's test on the "
        "jury-majority verdicts and the smallest difference these riddles could reveal. ‡ not "
        f"strictly comparable (other prompt files).</p>{compare_matrix(data.comparison)}</section>"
    )


def _source_label(source: str) -> str:
    """A short name for the calibration file: ``owner/name@commit`` for a Hub download (its
    cache path holds ``datasets--owner--name/snapshots/<commit>/``), else the file name."""
    parts = Path(source).parts
    if "snapshots" in parts:
        at = parts.index("snapshots")
        repo = parts[at - 1].removeprefix("datasets--").replace("--", "/")
        return f"{repo}@{parts[at + 1][:8]}" if at + 1 < len(parts) else repo
    return f"{Path(source).name} (local copy)"
