"""What it cost: the rows of a fetch card, and the table of a run family or a group."""

from __future__ import annotations

import typing as t

from rich import box
from rich.console import RenderableType
from rich.table import Table

from layton_eval.cards.fit import Fitted, width_of
from layton_eval.cards.prepare import usd

if t.TYPE_CHECKING:
    from layton_eval.family import FamilyFetch
    from layton_eval.pricing import EstimateRecord, Spend
    from layton_eval.runs.outputs import FetchResult

__all__ = ["cost_rows", "family_cost_table", "spend_table"]


def _share(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def _standard(standard: float | None, saving: float | None) -> str | None:
    """``$X at standard prices; batching saved $Y (Z%)``, or ``None`` when unknown."""
    if standard is None or saving is None:
        return None
    return f"{usd(standard)} without the Batch API: batching saved {usd(saving)} " + (
        f"({_share(saving, standard)})"
    )


def _versus(estimate: EstimateRecord | None, actual: float | None) -> str | None:
    """The estimate made before sending, and how the actual cost compares with it."""
    if estimate is None or estimate.usd is None:
        return None
    said = (
        f"{usd(estimate.usd)} before sending (~{estimate.input_tokens:,} in, "
        f"{estimate.output_tokens:,} out assumed)"
    )
    if actual is None:
        return said
    if not estimate.usd:
        return f"{said}: actual {usd(actual)}"
    return f"{said}: actual {_share(actual, estimate.usd)} of it"


def cost_rows(result: FetchResult) -> list[tuple[str, RenderableType]]:
    """The fetch card's rows after its cost: standard prices and saving, the estimate."""
    rows: list[tuple[str, RenderableType]] = []
    fetched = result.total > result.missing  # nothing fetched yet: nothing to compare
    standard = _standard(result.standard_cost_usd, result.saving_usd) if fetched else None
    if standard is not None:
        rows.append(("Standard price", standard))
    versus = _versus(result.estimate, result.cost_usd if fetched else None)
    if versus is not None:
        rows.append(("Estimate", versus))
    return rows


def spend_table(rows: t.Sequence[tuple[str, Spend]], *, title: str) -> RenderableType:
    """Tokens and costs, one row per part (a run, its judges...) and a total row; the names
    are never cut (on a narrow terminal the estimate, then the saving, give way)."""
    from layton_eval.pricing import Spend

    total = Spend.total(spend for _, spend in rows)
    cells = [
        {
            "": name,
            "tokens in": f"{spend.input_tokens:,}",
            "out": f"{spend.output_tokens:,}",
            "batch": usd(spend.batch_usd),
            "standard": usd(spend.standard_usd),
            "saved": usd(spend.saving_usd),
            "estimate": usd(spend.estimated_usd) if spend.estimated_usd is not None else "-",
        }
        for name, spend in [*rows, ("total", total)]
    ]

    def build(dropped: frozenset[str]) -> Table:
        table = Table(title=title, box=box.SIMPLE_HEAD, header_style="bold", title_justify="left")
        names = [name for name in cells[0] if name not in dropped]
        for name in names:
            width = width_of(name, (cell[name] for cell in cells))
            table.add_column(
                name, justify="left" if not name else "right", no_wrap=True, width=width
            )
        for index, cell in enumerate(cells):
            table.add_row(
                *(cell[name] for name in names),
                end_section=index == len(cells) - 2,
                style="bold" if index == len(cells) - 1 else None,
            )
        return table

    return Fitted(build, optional=("estimate", "saved", "tokens in", "out"))


def family_cost_table(fetched: FamilyFetch) -> RenderableType:
    """What a run and its judges cost, in USD (unknown prices shown as such)."""
    from layton_eval.runs.outputs import spend

    rows = [(judge.run, spend(judge)) for judge in fetched.judges]
    if fetched.run is not None:
        rows.insert(0, ("the model", spend(fetched.run)))
        title = f"What {fetched.run.run} cost (USD): the model, then its judges"
    else:
        title = "What it cost (USD)"
    return spend_table(rows, title=title)
