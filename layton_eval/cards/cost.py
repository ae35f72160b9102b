"""What it cost: the rows of a fetch card, and the table of a run family or a group."""

from __future__ import annotations

import typing as t

from rich import box
from rich.console import RenderableType
from rich.table import Table

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
    standard = _standard(result.standard_cost_usd, result.saving_usd)
    if standard is not None:
        rows.append(("Standard price", standard))
    versus = _versus(result.estimate, result.cost_usd)
    if versus is not None:
        rows.append(("Estimate", versus))
    return rows


def spend_table(rows: t.Sequence[tuple[str, Spend]], *, title: str) -> RenderableType:
    """Tokens and costs, one row per part (a run, its judges...) and a total row."""
    from layton_eval.pricing import Spend

    table = Table(title=title, box=box.SIMPLE_HEAD, header_style="bold", title_justify="left")
    for name, justify in (("", "left"), ("tokens in", "right"), ("out", "right"),
                          ("batch", "right"), ("standard", "right"), ("saved", "right"),
                          ("estimate", "right")):  # fmt: skip
        table.add_column(name, justify=t.cast(t.Any, justify), no_wrap=name != "", overflow="fold")
    total = Spend.total(spend for _, spend in rows)
    for index, (name, spend) in enumerate([*rows, ("total", total)]):
        table.add_row(
            name,
            f"{spend.input_tokens:,}",
            f"{spend.output_tokens:,}",
            usd(spend.batch_usd),
            usd(spend.standard_usd),
            usd(spend.saving_usd),
            usd(spend.estimated_usd) if spend.estimated_usd is not None else "-",
            end_section=index == len(rows) - 1,
            style="bold" if index == len(rows) else None,
        )
    return table


def family_cost_table(fetched: FamilyFetch) -> RenderableType:
    """What a run and its judges cost, in USD (unknown prices shown as such)."""
    from layton_eval.runs.outputs import spend

    rows = [(f"judge {judge.run}", spend(judge)) for judge in fetched.judges]
    if fetched.run is not None:
        rows.insert(0, ("evaluated model", spend(fetched.run)))
        title = f"What {fetched.run.run} cost (USD)"
    else:
        title = "What it cost (USD)"
    return spend_table(rows, title=title)
