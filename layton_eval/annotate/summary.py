"""What the labels say: humans against the jury, and annotators against each other.

- Humans vs. jury, over the labels of the labels file: how often the jury's majority on
  ``both_correct`` matches the human's, Cohen's kappa of each judge against the humans, the share
  of items humans found correct in each jury bin (what the calibration learns), and the items
  where humans and the jury's majority disagree.
- Annotators: Cohen's kappa of every pair of annotators on the items both labelled (the labels
  file, and the file given with ``--recheck``). A row without an ``annotator`` counts as the
  file's (``ppi_llm.jsonl`` for the published set).
"""

from __future__ import annotations

import collections
import itertools
import typing as t

import numpy as np
from pydantic import BaseModel, Field

from layton_eval.annotate.select import jury_label
from layton_eval.stats.agreement import cohen_kappa

__all__ = ["Disagreement", "JudgeAgreement", "LabelSummary", "PairAgreement", "summarize"]

Row = dict[str, t.Any]
Key = tuple[str, str, str]
#: (answer, justification, both) labels of an item.
Labels = tuple[bool, bool, bool]
_HUMAN = ("human_answer_correct", "human_justification_correct", "human_both_correct")
_BOTH = "both_correct_"
_SHOW = 200


class PairAgreement(BaseModel):
    """Two annotators on the items both labelled."""

    first: str
    second: str
    items: int
    both_agreement: float = Field(description="Share of items with the same both_correct label.")
    answer_kappa: float | None
    justification_kappa: float | None
    both_kappa: float | None


class JudgeAgreement(BaseModel):
    """One judge's ``both_correct`` verdicts against the human labels."""

    judge: str
    items: int
    agreement: float
    kappa: float | None


class BinRate(BaseModel):
    """Labelled items of one jury value, and the share humans found correct."""

    jury: float
    label: str
    items: int
    human_correct: float


class Disagreement(BaseModel):
    """A labelled item where the human and the jury's majority differ on ``both_correct``."""

    riddle_id: str
    provider: str
    model: str
    annotator: str
    human_answer: bool
    human_justification: bool
    jury: float
    jury_label: str
    notes: str


class LabelSummary(BaseModel):
    """The agreement view of a labels file."""

    labels: int = Field(description="Labels in the file.")
    by_annotator: dict[str, int]
    jury_items: int = Field(description="Labels whose jury has a majority (no tie).")
    jury_agreement: float | None = Field(description="Share where the jury majority agrees.")
    jury_kappa: float | None
    judges: list[JudgeAgreement]
    bins: list[BinRate]
    disagreements: list[Disagreement] = Field(description="Strongest disagreements first.")
    pairs: list[PairAgreement]


def _labels(row: Row) -> Labels | None:
    answer, justification, both = (row.get(column) for column in _HUMAN)
    if isinstance(answer, bool) and isinstance(justification, bool) and isinstance(both, bool):
        return (answer, justification, both)
    return None


def _verdicts(row: Row) -> dict[str, bool]:
    return {
        key.removeprefix(_BOTH): value
        for key, value in row.items()
        if key.startswith(_BOTH) and isinstance(value, bool)
    }


def summarize(
    rows: list[Row], *, name: str, others: t.Sequence[tuple[str, list[Row]]]
) -> LabelSummary:
    """The agreement view of the labels ``rows`` (of the file called ``name``) and of the
    ``others`` (``(file name, rows)``, e.g. the file being rechecked)."""
    labelled = [(row, labels) for row in rows if (labels := _labels(row)) is not None]
    by_annotator = collections.Counter(str(row.get("annotator") or name) for row, _ in labelled)
    jury = [(row, labels, _verdicts(row)) for row, labels in labelled]
    jury = [(row, labels, verdicts) for row, labels, verdicts in jury if verdicts]
    values = np.array([np.mean(list(v.values())) for _, _, v in jury], dtype=float)
    human = np.array([labels[2] for _, labels, _ in jury], dtype=bool)
    majority = values != 0.5
    agree = (values[majority] > 0.5) == human[majority]
    return LabelSummary(
        labels=len(labelled),
        by_annotator=dict(by_annotator.most_common()),
        jury_items=int(majority.sum()),
        jury_agreement=float(agree.mean()) if agree.size else None,
        jury_kappa=cohen_kappa(values[majority] > 0.5, human[majority]),
        judges=_judges(jury),
        bins=_bins(values, human),
        disagreements=_disagreements(jury, values, name),
        pairs=_pairs([(name, rows), *others]),
    )


def _judges(jury: list[tuple[Row, Labels, dict[str, bool]]]) -> list[JudgeAgreement]:
    names = dict.fromkeys(judge for _, _, verdicts in jury for judge in verdicts)
    found = []
    for judge in names:
        pairs = [(v[judge], labels[2]) for _, labels, v in jury if judge in v]
        verdict, human = np.array(pairs, dtype=bool).T
        found.append(
            JudgeAgreement(
                judge=judge,
                items=len(pairs),
                agreement=float(np.mean(verdict == human)),
                kappa=cohen_kappa(verdict, human),
            )
        )
    return found


def _bins(values: np.ndarray, human: np.ndarray) -> list[BinRate]:
    keys = np.round(values, 6)
    return [
        BinRate(
            jury=float(value),
            label=jury_label(float(value)),
            items=int((keys == value).sum()),
            human_correct=float(human[keys == value].mean()),
        )
        for value in np.unique(keys)
    ]


def _disagreements(
    jury: list[tuple[Row, Labels, dict[str, bool]]], values: np.ndarray, name: str
) -> list[Disagreement]:
    found = [
        Disagreement(
            riddle_id=row["riddle_id"],
            provider=row["provider"],
            model=row["model"],
            annotator=str(row.get("annotator") or name),
            human_answer=labels[0],
            human_justification=labels[1],
            jury=float(value),
            jury_label=jury_label(float(value)),
            notes=str(row.get("notes") or ""),
        )
        for (row, labels, _), value in zip(jury, values, strict=True)
        if value != 0.5 and (value > 0.5) != labels[2]
    ]
    found.sort(key=lambda d: -abs(d.jury - float(d.human_answer and d.human_justification)))
    return found[:_SHOW]


def _groups(sources: t.Sequence[tuple[str, list[Row]]]) -> dict[str, dict[Key, Labels]]:
    """Labels per annotator (a row's ``annotator``, else its file's name); the later of two
    labels of one item by one annotator wins."""
    groups: dict[str, dict[Key, Labels]] = collections.defaultdict(dict)
    for name, rows in sources:
        for row in rows:
            labels = _labels(row)
            if labels is not None:
                key = (row["riddle_id"], row["provider"], row["model"])
                groups[str(row.get("annotator") or name)][key] = labels
    return groups


def _pairs(sources: t.Sequence[tuple[str, list[Row]]]) -> list[PairAgreement]:
    groups = _groups(sources)
    found = []
    for first, second in itertools.combinations(sorted(groups), 2):
        common = sorted(groups[first].keys() & groups[second].keys())
        if not common:
            continue
        a = np.array([groups[first][key] for key in common], dtype=bool)
        b = np.array([groups[second][key] for key in common], dtype=bool)
        found.append(
            PairAgreement(
                first=first,
                second=second,
                items=len(common),
                both_agreement=float(np.mean(a[:, 2] == b[:, 2])),
                answer_kappa=cohen_kappa(a[:, 0], b[:, 0]),
                justification_kappa=cohen_kappa(a[:, 1], b[:, 1]),
                both_kappa=cohen_kappa(a[:, 2], b[:, 2]),
            )
        )
    return found
