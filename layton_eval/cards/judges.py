"""Cards of ``layton judges``: the judges against the human labels, and a run's judges."""

from __future__ import annotations

import typing as t

from rich.console import Group, RenderableType
from rich.text import Text

from layton_eval.cards.fit import Fitted, Row, name_table
from layton_eval.cards.prepare import next_step
from layton_eval.choices import VerdictField

if t.TYPE_CHECKING:
    from layton_eval.score.judges import JudgesResult, RunJudges

__all__ = ["judges_card"]


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _kappa(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _metrics_table(result: JudgesResult) -> Fitted:
    rows: list[Row] = []
    for field in VerdictField:
        judged = [m for m in result.judges if m.field == field]
        if not judged:
            continue
        rows.append((Text(str(field), style="bold"), "", "", "", "", ""))
        rows += [(f"  {m.judge}", str(m.n), _pct(m.accuracy), _pct(m.sensitivity),
                  _pct(m.specificity), _kappa(m.kappa)) for m in judged]  # fmt: skip
        rows.append(None)
    return name_table(
        f"Judges against the human labels · {result.split}",
        "Sens. (sensitivity): human-correct answers the judge passed; Spec. (specificity): "
        "human-incorrect answers it failed; κ: Cohen's kappa with the humans",
        ["Judge", "Rows", "Accuracy", "Sens.", "Spec.", "κ"],
        rows[:-1],
        optional=("Rows",),
    )


def _providers_table(result: JudgesResult) -> Fitted:
    providers = list(dict.fromkeys(row.provider for row in result.by_provider))
    cells = {(r.judge, r.provider): r for r in result.by_provider}
    rows: list[Row] = []
    short: list[Row] = []
    for judge in dict.fromkeys(row.judge for row in result.by_provider):
        found = [cells.get((judge, provider)) for provider in providers]
        rows.append(
            (
                judge,
                *(
                    "–"
                    if r is None
                    else f"{100 * r.error_rate:.0f}% ({100 * (r.judge_rate - r.human_rate):+.0f})"
                    for r in found
                ),
            )
        )
        short.append((judge, *("–" if r is None else f"{100 * r.error_rate:.0f}%" for r in found)))
    return name_table(
        f"Error rate by evaluated provider · {result.field}",
        "share of answers where judge and human differ (in brackets: the judge's pass rate "
        "minus the humans', in points; + is kinder than the humans); – not judged",
        ["Judge", *providers],
        rows,
        short=short,
        short_note="the brackets left out for width (--json has them)",
    )  # fmt: skip


def _curve_table(result: JudgesResult) -> Fitted:
    return name_table(
        f"Calibration curve of the jury mean · {result.field}",
        "share of labelled answers the humans judged correct, per jury value, with its 95% "
        "Wilson interval",
        ["Jury value", "Rows", "Humans: correct", "95% interval"],
        [(b.label, str(b.n), _pct(b.human_rate), f"[{_pct(b.lower)}, {_pct(b.upper)}]")
         for b in result.calibration_curve],
    )  # fmt: skip


def _bins_table(result: JudgesResult) -> Fitted:
    """Per jury bin, the humans' pass rate of each evaluated provider's answers."""
    rows: list[Row] = []
    short: list[Row] = []
    for b in result.bins_by_provider:
        if b.p_value is None:
            test = brief = "one provider"
        else:
            test = f"{b.test} p = {b.p_value:.3f}" + (" ⚠ rates differ" if b.differs else "")
            brief = f"p = {b.p_value:.3f}" + (" ⚠" if b.differs else "")
        head = Text(f"jury {b.label}", style="bold")
        cells = [(f"  {r.provider}", str(r.n), _pct(r.human_rate),
                  f"[{_pct(r.lower)}, {_pct(r.upper)}]") for r in b.providers]  # fmt: skip
        rows += [(head, "", "", test), *cells, None]
        short += [(head, "", "", brief), *cells, None]
    return name_table(
        f"Human pass rate by provider, per jury bin · {result.field}",
        "a score takes each bin's rate from other providers' answers: where the rates differ "
        "(p < 0.05, flagged), scores are pulled toward the pool's average; labels of your "
        "model's answers show where its provider stands",
        ["Provider", "Rows", "Correct", "95% interval"],
        rows[:-1],
        short=short[:-1],
        short_note="⚠: the rates differ (the test's name left out for width)",
    )


def _run_tables(run: RunJudges, field: str) -> list[RenderableType]:
    judges = name_table(
        f"Judges of run {run.run} · {field}",
        "each judge's pass rate here and on every calibration row it judged, and its record "
        "against the human labels; – not a judge of the calibration set",
        ["Judge", "Riddles", "Pass rate", "On calibration", "Accuracy", "κ"],
        [(j.judge, str(j.n), _pct(j.pass_rate), _pct(j.calibration_pass_rate),
          _pct(j.record.accuracy if j.record else None),
          _kappa(j.record.kappa if j.record else None)) for j in run.judges],
        optional=("Riddles", "Accuracy", "κ"),
    )  # fmt: skip
    cells = [
        (
            f"{_pct(p.run_agreement)} of {p.run_n}",
            f"{_pct(p.calibration_agreement)} of {p.calibration_n}",
        )
        for p in run.pairs
    ]
    pairs = name_table(
        "Agreement between the judges",
        f"share of riddles both graded alike; Fleiss' kappa of the run {_kappa(run.fleiss_kappa)}",
        ["Judges", "This run", "Calibration set"],
        [(f"{p.a} · {p.b}", *c) for p, c in zip(run.pairs, cells, strict=True)],
        short=[(f"{p.a} ·\n{p.b}", *c) for p, c in zip(run.pairs, cells, strict=True)],
    )
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
