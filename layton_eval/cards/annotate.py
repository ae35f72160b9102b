"""Card of ``layton annotate``: what the session wrote, and what the labels say."""

from __future__ import annotations

import typing as t

from rich.console import RenderableType
from rich.table import Table

from layton_eval.cards.prepare import card, fields_table

if t.TYPE_CHECKING:
    from layton_eval.annotate.main import AnnotateResult
    from layton_eval.annotate.summary import LabelSummary

__all__ = ["annotate_card"]

_SHOW = 5


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _kappa(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.2f}"


def _jury(summary: LabelSummary) -> str:
    if not summary.jury_items:
        return "no labelled item yet"
    return (
        f"the majority gives the human's both_correct label on {_pct(summary.jury_agreement)} "
        f"of {summary.jury_items} item(s) (Cohen's kappa {_kappa(summary.jury_kappa)})"
    )


def _pairs(summary: LabelSummary) -> RenderableType:
    if not summary.pairs:
        return "no item labelled by two annotators (--recheck FILE labels another's items)"
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="dim")
    for name in ("annotators", "items", "same both", "kappa answer", "kappa just.", "kappa both"):
        table.add_column(name, justify="left" if name == "annotators" else "right")
    for p in summary.pairs:
        table.add_row(
            f"{p.first} / {p.second}", str(p.items), _pct(p.both_agreement),
            _kappa(p.answer_kappa), _kappa(p.justification_kappa), _kappa(p.both_kappa),
        )  # fmt: skip
    return table


def _disagreements(summary: LabelSummary) -> str:
    found = summary.disagreements
    if not found:
        return "none"
    shown = ", ".join(f"{d.riddle_id} ({d.model}, jury {d.jury_label})" for d in found[:_SHOW])
    more = f" and {len(found) - _SHOW} more" if len(found) > _SHOW else ""
    return f"{len(found)}: {shown}{more} (the page's agreement view lists them)"


def annotate_card(result: AnnotateResult) -> RenderableType:
    """Labels written, where, why the session stopped, and the agreement view in short."""
    summary = result.summary
    who = ", ".join(f"{name} {count}" for name, count in summary.by_annotator.items())
    rows: list[tuple[str, RenderableType]] = [
        ("Labels file", result.labels_file),
        ("This session", f"{result.labelled} label(s) by {result.annotator}, "
                         f"{result.skipped} skipped"),
        ("In the file", f"{summary.labels} label(s)" + (f" ({who})" if who else "")),
        ("Stopped", f"{result.stopped}"),
        ("Jury vs humans", _jury(summary)),
        ("Annotators", _pairs(summary)),
        ("Disagreements", _disagreements(summary)),
    ]  # fmt: skip
    # the Next: line under the panel, whole: inside it, it would be cut at the border
    return card(
        fields_table(rows), title="layton annotate", border="cyan",
        next_command=result.next_command or None,
    )  # fmt: skip
