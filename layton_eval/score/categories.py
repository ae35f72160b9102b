"""Jury means per riddle category (the dataset's ``category`` field): raw, uncalibrated."""

from __future__ import annotations

import typing as t
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field

from layton_eval.choices import Split
from layton_eval.errors import DatasetError

if t.TYPE_CHECKING:
    from layton_eval.dataset import LoadedSplit

__all__ = [
    "UNKNOWN_CATEGORY",
    "CategoryResult",
    "categories_of",
    "category_means",
    "local_categories",
]

#: Category shown for riddles whose category is unknown (absent from the dataset, or null).
UNKNOWN_CATEGORY = "(unknown)"


class CategoryResult(BaseModel):
    """Raw jury mean of one riddle category (the dataset's ``category`` field)."""

    category: str
    n: int = Field(description="Riddles of this category with a jury value.")
    jury_mean: float = Field(description="Mean jury value of these riddles (points).")


def categories_of(load: t.Callable[[], LoadedSplit]) -> dict[str, str | None]:
    """Riddle id -> category of the riddles ``load()`` returns; empty if they cannot be loaded."""
    try:
        return {riddle.id: riddle.category for riddle in load().riddles}
    except DatasetError:
        return {}


def category_means(
    riddle_ids: t.Sequence[str],
    yhat: npt.ArrayLike,
    categories: t.Mapping[str, str | None],
) -> list[CategoryResult]:
    """Raw jury mean per riddle category, most frequent category first (then by name).

    Parameters
    ----------
    riddle_ids : sequence of str, length N
    yhat : array_like, shape (N,)
        Jury value per riddle; NaN values (no verdict) are left out.
    categories : mapping of str to str or None
        Riddle id -> category; riddles absent from it (or with a null category) are counted
        under ``"(unknown)"``.
    """
    values = np.asarray(yhat, dtype=np.float64)
    if values.shape != (len(riddle_ids),):
        raise ValueError("riddle_ids and yhat must have the same length")
    groups: dict[str, list[float]] = {}
    for rid, value in zip(riddle_ids, values, strict=True):
        if not np.isnan(value):
            groups.setdefault(categories.get(rid) or UNKNOWN_CATEGORY, []).append(float(value))
    return [
        CategoryResult(category=name, n=len(group), jury_mean=100 * sum(group) / len(group))
        for name, group in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    ]


def local_categories(split: Split, data_dir: Path | None) -> dict[str, str | None]:
    """Categories from a local data folder only (``data_dir``, else ``LAYTON_DATA_DIR``): never
    wait for the Hub here. The riddles file is read lightly (ids and categories only, see
    :func:`layton_eval.dataset.read_categories`); an unreadable one gives no categories."""
    from layton_eval.dataset import read_categories, riddles_file_name

    if data_dir is None:  # pydantic-settings is slow to import: only when needed
        from layton_eval import envvars

        data_dir = envvars.data_dir()
    if not data_dir:
        return {}
    path = Path(data_dir).expanduser() / riddles_file_name(split)
    try:
        return read_categories(path)
    except DatasetError:
        return {}
