"""Cards of ``layton judges``: the judges against the human labels, and a run's judges."""

from __future__ import annotations

import typing as t

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from layton_eval.cards.prepare import next_step
from layton_eval.choices import VerdictField

if t.TYPE_CHECKING:
    from layton_eval.score.judges import JudgesResult, RunJudges

__all__ = ["judges_card"]


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _kappa(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _table(title: str, caption: str, columns: list[str]) -> Table:
    table = Table(title=title, caption=caption, caption_style="dim", header_style="bold cyan")
    for i, name in enumerate(columns):
        table.add_column(name, justify="left" if i == 0 else "right", overflow="fold")
    return table


def _metrics_table(result: JudgesResult) -> Table:
    table = _table(
        f"Judges against the human labels · {result.split}",
        "Sens. (sensitivity): human-correct answers the judge passed; Spec. (specificity): "
        "human-incorrect answers it failed; κ: Cohen's kappa with the humans",
        ["Judge", "Rows", "Accuracy", "Sens.", "Spec.", "κ"],
    )
    for field in VerdictField:
        rows = [m for m in result.judges if m.field == field]
        if not rows:
            continue
        table.add_row(Text(str(field), style="bold"), end_section=False)
        for m in rows:
            table.add_row(f"  {m.judge}", str(m.n), _pct(m.accuracy), _pct(m.sensitivity),
                          _pct(m.specificity), _kappa(m.kappa))  # fmt: skip
        table.add_section()
    return table


def _providers_table(result: JudgesResult) -> Table:
    providers = list(dict.fromkeys(row.provider for row in result.by_provider))
    table = _table(
        f"Error rate by evaluated provider · {result.field}",
        "share of answers where judge and human differ (in brackets: the judge's pass rate "
        "minus the humans', in points; + is kinder than the humans); – not judged",
        ["Judge", *providers],
    )
    cells = {(r.judge, r.provider): r for r in result.by_provider}
    for judge in dict.fromkeys(row.judge for row in result.by_provider):
        row = []
        for provider in providers:
            r = cells.get((judge, provider))
            bias = None if r is None else 100 * (r.judge_rate - r.human_rate)
            row.append("–" if r is None else f"{100 * r.error_rate:.0f}% ({bias:+.0f})")
        table.add_row(judge, *row)
    return table


def _curve_table(result: JudgesResult) -> Table:
    table = _table(
        f"Calibration curve of the jury mean · {result.field}",
        "share of labelled answers the humans judged correct, per jury value, with its 95% "
        "Wilson interval",
        ["Jury value", "Rows", "Humans: correct", "95% interval"],
    )
    for b in result.calibration_curve:
        table.add_row(b.label, str(b.n), _pct(b.human_rate), f"[{_pct(b.lower)}, {_pct(b.upper)}]")
    return table


def _bins_table(result: JudgesResult) -> Table:
    """Per jury bin, the humans' pass rate of each evaluated provider's answers."""
    table = _table(
        f"Human pass rate by provider, per jury bin · {result.field}",
        "a score takes each bin's rate from other providers' answers: where the rates differ "
        "(p < 0.05, flagged), scores are pulled toward the pool's average; labels of your "
        "model's answers show where its provider stands",
        ["Provider", "Rows", "Correct", "95% interval"],
    )
    for b in result.bins_by_provider:
        if b.p_value is None:
            test = "one provider"
        else:
            test = f"{b.test} p = {b.p_value:.3f}" + (" ⚠ rates differ" if b.differs else "")
        table.add_row(Text(f"jury {b.label}", style="bold"), "", "", test, end_section=False)
        for r in b.providers:
            table.add_row(f"  {r.provider}", str(r.n), _pct(r.human_rate),
                          f"[{_pct(r.lower)}, {_pct(r.upper)}]")  # fmt: skip
        table.add_section()
    return table


def _run_tables(run: RunJudges, field: str) -> list[RenderableType]:
    judges = _table(
        f"Judges of run {run.run} · {field}",
        "each judge's pass rate here and on every calibration row it judged, and its record "
        "against the human labels; – not a judge of the calibration set",
        ["Judge", "Riddles", "Pass rate", "On calibration", "Accuracy", "κ"],
    )
    for j in run.judges:
        record = j.record
        judges.add_row(j.judge, str(j.n), _pct(j.pass_rate), _pct(j.calibration_pass_rate),
                       _pct(record.accuracy if record else None),
                       _kappa(record.kappa if record else None))  # fmt: skip
    pairs = _table(
        "Agreement between the judges",
        f"share of riddles both graded alike; Fleiss' kappa of the run {_kappa(run.fleiss_kappa)}",
        ["Judges", "This run", "Calibration set"],
    )
    for p in run.pairs:
        pairs.add_row(f"{p.a} · {p.b}", f"{_pct(p.run_agreement)} of {p.run_n}",
                      f"{_pct(p.calibration_agreement)} of {p.calibration_n}")  # fmt: skip
    return [judges, pairs]


def judges_card(result: JudgesResult) -> Group:
    """Every table of ``layton judges``."""
    parts: list[RenderableType] = [
        _metrics_table(result),
        _providers_table(result),
        _curve_table(result),
        _bins_table(result),
    ]
    if result.run is not None:
        parts += _run_tables(result.run, result.field)
    if result.next_command:
        parts.append(next_step(result.next_command))
    return Group(*parts)
