"""One person's labelling session: the items, the next one, labels, skips, undo, notes.

The session holds no label of its own: every label is in the labels file as soon as it is
given, and what is left to label is worked out from that file each time, so that a session
killed at any moment resumes where it stopped (only the item on screen is lost). The page talks
to it through :mod:`layton_eval.annotate.server`; every method is safe to call from several
threads.
"""

from __future__ import annotations

import dataclasses
import threading
import typing as t
from pathlib import Path

from layton_eval.annotate import select
from layton_eval.annotate.labels import AlreadyLabelled, LabelStore, label_row, row_key
from layton_eval.annotate.payloads import ItemShown, PageState, Reveal
from layton_eval.annotate.summary import LabelSummary, summarize
from layton_eval.choices import Split
from layton_eval.errors import UsageError
from layton_eval.next_step import fixes
from layton_eval.score.calibration import CalibrationSet, combine_calibration, read_calibration_file

if t.TYPE_CHECKING:
    from layton_eval.annotate.items import Item

__all__ = ["Session", "Stale"]

Key = tuple[str, str, str]


class Stale(UsageError):
    """The page acted on an item that is no longer the one on screen."""


@dataclasses.dataclass
class _Screen:
    """The item on screen, and whether it has been labelled (its verdicts are then shown)."""

    item: Item
    reason: str
    labelled: bool = False
    notes: str = ""
    reveal: Reveal | None = None


class Session:
    """A labelling session over ``items``, writing to ``store``.

    ``fixed`` is the calibration the labels join (the published set and ``--calibration``
    files), used to count labels per cell; ``recheck`` names the file whose labelled rows are
    the items (they are done once this labels file has them).
    """

    def __init__(
        self,
        items: t.Sequence[Item],
        *,
        store: LabelStore,
        split: Split,
        annotator: str,
        fixed: CalibrationSet | None,
        budget: int | None = None,
        recheck: tuple[str, list[dict[str, t.Any]]] | None = None,
    ) -> None:
        self.items = {item.key: item for item in items}
        self.store = store
        self.split = split
        self.annotator = annotator
        self.fixed = fixed
        self.budget = budget
        self.recheck = recheck
        self.finished = threading.Event()
        self.stopped: str | None = None
        self.labelled: list[Key] = []  # this session's labels, oldest first (for undo)
        self.skipped: set[Key] = set()
        self._screen: _Screen | None = None
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ what is left to do

    def _calibration(self, rows: list[dict[str, t.Any]]) -> CalibrationSet | None:
        """The fixed calibration with the labels file's rows."""
        parts = [self.fixed] if self.fixed is not None else []
        if rows:
            parts.append(read_calibration_file(self.store.path, self.split))
        return combine_calibration(parts) if parts else None

    def _left(self) -> tuple[list[Item], select.Counts]:
        rows = self.store.rows()
        calibration = self._calibration(rows)
        counts = select.count_labels(calibration)
        if self.recheck is not None:
            done = {row_key(row) for row in rows}
        elif calibration is None:
            done = set()
        else:
            labelled = calibration.human.get("both_correct")
            done = {
                key
                for key, value in zip(calibration.item_keys(), labelled, strict=True)
                if value == value  # not NaN
            } if labelled is not None else set()  # fmt: skip
        left = [item for key, item in self.items.items() if key not in done]
        return left, counts

    def left(self) -> int:
        """How many items are left to label (skipped ones included)."""
        with self._lock:
            return len(self._left()[0])

    def stop(self, reason: str) -> None:
        """End the session (the first reason given is kept)."""
        with self._lock:
            if self.stopped is None:
                self.stopped = reason
            self.finished.set()

    # ------------------------------------------------------------------ the page's actions

    def state(self) -> PageState:
        """What the page shows: the item on screen (choosing the next one), and progress."""
        with self._lock:
            left, counts = self._left()
            if self._screen is None and not self.finished.is_set():
                waiting = [item for item in left if item.key not in self.skipped]
                item = select.pick(waiting, counts)
                if item is None:
                    self.stop(
                        "every item is labelled" if not left else "only skipped items are left"
                    )
                else:
                    self._screen = _Screen(item, reason=select.reason(item, counts))
            return self._payload(len(left))

    def label(self, token: str, answer: bool, justification: bool, notes: str) -> PageState:
        """Write the label of the item on screen; its judges' verdicts come back."""
        with self._lock:
            screen = self._on_screen(token)
            if screen.labelled:
                raise Stale("this item is labelled already: undo (u) to change its label")
            justification = justification and answer  # a wrong answer has no correct reasoning
            row = label_row(screen.item, answer=answer, justification=justification,
                            annotator=self.annotator, notes=notes, split=self.split)  # fmt: skip
            try:
                self.store.append(row)
            except AlreadyLabelled as exc:  # by this annotator in another process
                raise Stale(f"{exc}: skip it (s)") from exc
            self.labelled.append(screen.item.key)
            screen.labelled, screen.notes = True, notes
            screen.reveal = _reveal(screen.item, answer, justification, screen.reason)
            if self.budget is not None and len(self.labelled) >= self.budget:
                self.stop(f"the budget of {self.budget} label(s) is reached")
            return self._payload(None)

    def next(self, token: str, notes: str | None = None) -> PageState:
        """Leave the labelled item on screen (keeping edited notes) for the next one."""
        with self._lock:
            screen = self._on_screen(token)
            if not screen.labelled:
                raise Stale("label this item first, or skip it (s)")
            if notes is not None and notes != screen.notes:
                self.store.amend_notes(screen.item.key, self.annotator, notes)
            self._screen = None
            return self.state()

    def skip(self, token: str) -> PageState:
        """Leave the item on screen unlabelled; it comes back in a later session."""
        with self._lock:
            screen = self._on_screen(token)
            if screen.labelled:
                raise Stale("this item is labelled already")
            self.skipped.add(screen.item.key)
            self._screen = None
            return self.state()

    def undo(self) -> PageState:
        """Take back this session's last label and show its item again."""
        with self._lock:
            if not self.labelled:
                raise UsageError("nothing to undo in this session")
            key = self.labelled.pop()
            removed = self.store.remove_last(key, self.annotator)
            notes = str(removed.get("notes") or "") if removed else ""
            self._screen = _Screen(self.items[key], reason="you took back its label", notes=notes)
            return self.state()

    def finish(self) -> PageState:
        """Stop the session (the command prints its summary)."""
        with self._lock:
            self.stop("you finished it from the page")
            return self._payload(None)

    def summary(self) -> LabelSummary:
        """The agreement view of the labels file (and of the file being rechecked)."""
        rows = self.store.rows()
        others = [self.recheck] if self.recheck is not None else []
        return summarize(rows, name=self.store.path.name, others=others)

    # ------------------------------------------------------------------ helpers

    def _on_screen(self, token: str) -> _Screen:
        if self.finished.is_set():
            raise Stale(
                f"the session has stopped ({self.stopped}); start {fixes.annotate_again()} again"
            )
        if self._screen is None or self._screen.item.token != token:
            raise Stale("this item is no longer on screen; the page shows the current one")
        return self._screen

    def _payload(self, left: int | None) -> PageState:
        if left is None:
            left = len(self._left()[0])
        screen = self._screen
        return {
            "item": _item_payload(screen.item) if screen else None,
            "labelled": bool(screen and screen.labelled),
            "notes": screen.notes if screen else "",
            "reveal": screen.reveal if screen and screen.labelled else None,
            "progress": {
                "session": len(self.labelled),
                "budget": self.budget,
                "left": left,
                "skipped": len(self.skipped),
            },
            "can_undo": bool(self.labelled) and not self.finished.is_set(),
            "done": self.finished.is_set(),
            "stopped": self.stopped,
            # the server stops after this answer: the page gets the agreement view with it
            "summary": self.summary().model_dump(mode="json") if self.finished.is_set() else None,
        }


def _item_payload(item: Item) -> ItemShown:
    """The item as the page shows it before the label: no model name, no verdict."""
    riddle = item.riddle
    return {
        "key": item.token,
        "riddle_id": item.riddle_id,
        "category": riddle.category,
        "description": riddle.description,
        "image": f"data:image/jpeg;base64,{riddle.img}" if riddle.img else None,
        "n_hints": item.n_hints,
        "hints": [{"label": label, "text": text} for label, text in riddle.hints(item.n_hints)],
        "gold_answer": riddle.answer,
        "gold_justification": riddle.justification,
        "solution": riddle.solution,
        "url": riddle.url,
        "answer": item.answer,
        "justification": item.justification,
    }


def _reveal(item: Item, answer: bool, justification: bool, reason: str) -> Reveal:
    """What the page shows once the item is labelled: who answered, and the judges."""
    both = answer and justification
    return {
        "provider": item.provider,
        "model": item.model,
        "source": item.source,
        "human": {"answer": answer, "justification": justification, "both": both},
        "verdicts": [
            {"judge": v.judge, "answer": v.answer, "justification": v.justification, "both": v.both}
            for v in item.verdicts
        ],  # fmt: skip
        "jury": item.jury,
        "jury_label": select.jury_label(item.jury),
        "jury_agrees": None if item.jury == 0.5 else (item.jury > 0.5) == both,
        "reason": reason,
    }


def labels_path(split: Split, given: Path | None) -> Path:
    """The labels file: ``--labels``, else ``layton-labels-{split}.jsonl`` here."""
    return (given if given is not None else Path(f"layton-labels-{split.value}.jsonl")).absolute()
