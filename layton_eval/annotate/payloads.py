"""The JSON the labelling page and its session exchange, typed (one ``TypedDict`` per shape).

The page (``page.js``) reads :class:`PageState` from every answer of ``/api/state``,
``/api/label``, ``/api/next``, ``/api/skip``, ``/api/undo`` and ``/api/finish``, and
:class:`~layton_eval.annotate.summary.LabelSummary` from ``/api/summary``; it sends
:class:`PageRequest` bodies, whose fields the server checks one by one before the session sees
them. The dictionaries are the wire format as they are: ``json.dumps`` of one is the answer.
"""

from __future__ import annotations

import typing as t

__all__ = [
    "HintShown",
    "HumanLabel",
    "ItemShown",
    "PageRequest",
    "PageState",
    "Progress",
    "Reveal",
    "VerdictShown",
]


class PageRequest(t.TypedDict, total=False):
    """A POST body: the item on screen (``key``, its token), a label, and notes."""

    key: str
    answer: bool
    justification: bool
    notes: str


class HintShown(t.TypedDict):
    label: str
    text: str


class ItemShown(t.TypedDict):
    """The item before its label: the riddle, the gold answer and the model's answer; no model
    name and no verdict."""

    key: str
    riddle_id: str
    category: str | None
    description: str
    image: str | None  # a data: URL
    n_hints: int
    hints: list[HintShown]
    gold_answer: str | None
    gold_justification: str | None
    solution: str | None
    url: str | None
    answer: str
    justification: str


class HumanLabel(t.TypedDict):
    answer: bool
    justification: bool
    both: bool


class VerdictShown(t.TypedDict):
    judge: str
    answer: bool
    justification: bool
    both: bool


class Reveal(t.TypedDict):
    """What the page shows once the item is labelled: who answered, and the judges."""

    provider: str
    model: str
    source: str
    human: HumanLabel
    verdicts: list[VerdictShown]
    jury: float
    jury_label: str
    jury_agrees: bool | None  # None on a tied jury
    reason: str


class Progress(t.TypedDict):
    session: int
    budget: int | None
    left: int
    skipped: int


class PageState(t.TypedDict):
    """Every answer of a session action: the item on screen, its reveal once labelled,
    progress, and the agreement view once the session is done."""

    item: ItemShown | None
    labelled: bool
    notes: str
    reveal: Reveal | None
    progress: Progress
    can_undo: bool
    done: bool
    stopped: str | None
    summary: dict[str, t.Any] | None  # LabelSummary.model_dump(mode="json")
