"""What the report page shows, as data (drawn by :mod:`layton_eval.report.html`)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from layton_eval import __version__
from layton_eval.choices import CiMethod, Split, VerdictField
from layton_eval.score.categories import CategoryResult
from layton_eval.score.compare import CompareResult
from layton_eval.score.curve import HintCurve
from layton_eval.score.leaderboard import LeaderboardRow

__all__ = [
    "CostLine",
    "JudgeVerdict",
    "ModelCategories",
    "ReportData",
    "RiddleRow",
    "RunReport",
]


class JudgeVerdict(BaseModel):
    """One judge's verdict on one riddle (``None``: missing or unreadable)."""

    answer: bool | None = None
    justification: bool | None = None


class RiddleRow(BaseModel):
    """One riddle of a run, as the per-riddle table shows it."""

    id: str
    category: str
    description: str | None = None
    gold_answer: str | None = None
    url: str | None = None
    image: str | None = Field(default=None, description="Base64 JPEG, only with --images.")
    answer: str | None = None
    justification: str | None = None
    status: str = Field(description="ok, invalid (unreadable output), failed or missing.")
    detail: str | None = Field(default=None, description="Provider error or raw output.")
    verdicts: list[JudgeVerdict]
    jury: float | None = Field(description="Jury value of the report's field (0-1).")
    disagree: bool = Field(description="The judges' verdicts on the field differ.")


class CostLine(BaseModel):
    """Tokens and batch cost of the evaluated model or of one judge."""

    role: str
    provider: str | None
    model: str | None
    requests: int
    input_tokens: int
    output_tokens: int
    reasoning_tokens: int
    cost_usd: float | None = Field(description="At batch prices (None: price unknown).")
    standard_cost_usd: float | None = Field(
        default=None, description="The same tokens at standard (non-batch) prices."
    )
    saving_usd: float | None = None
    estimated_usd: float | None = Field(
        default=None, description="The estimate before sending (None: none recorded)."
    )


class RunReport(BaseModel):
    """A run's configuration, cost, leaderboard row and riddles."""

    name: str
    label: str = Field(description="Its name on the leaderboard.")
    config: dict[str, str]
    judges: list[str]
    costs: list[CostLine]
    row: LeaderboardRow | None = None
    note: str | None = Field(default=None, description="Why riddle texts are missing, if so.")
    not_comparable: list[str] = Field(
        default_factory=list, description="Why it is not strictly comparable, if so."
    )
    riddles: list[RiddleRow]


class ModelCategories(BaseModel):
    """Jury mean per category of one leaderboard model."""

    model: str
    provider: str
    is_yours: bool = False
    categories: list[CategoryResult]


class ReportData(BaseModel):
    """Everything the page shows."""

    split: Split
    field: VerdictField
    iterations: int
    seed: int
    ci_method: CiMethod = CiMethod.published
    generated_at: str
    layton_version: str = __version__
    calibration_source: str
    leaderboard: list[LeaderboardRow]
    category_counts: dict[str, int] = Field(description="Riddles per category, most first.")
    breakdown: list[ModelCategories] = Field(description="In leaderboard order.")
    categories_note: str | None = None
    comparison: CompareResult | None = Field(
        default=None, description="Every pair of the page's models, in leaderboard order."
    )
    runs: list[RunReport]
    curves: list[HintCurve] = Field(
        default_factory=list, description="Your runs' score per hint level, one curve per model."
    )
