"""The verdicts of a panel as a matrix: riddles x judges, per field, and the jury values."""

from __future__ import annotations

import dataclasses
import typing as t

import numpy as np
import numpy.typing as npt

from layton_eval.choices import VerdictField
from layton_eval.errors import JuryError
from layton_eval.stats import ppi

if t.TYPE_CHECKING:
    from layton_eval.answers import Verdict
    from layton_eval.score.judge_files import JudgeFile

__all__ = ["JuryTable"]


@dataclasses.dataclass(frozen=True)
class JuryTable:
    """The verdicts of a panel: riddles x judges, per field.

    Attributes
    ----------
    riddle_ids : tuple of str, length R
    judges : tuple of str, length J
    answer, justification : ndarray of float, shape (R, J)
        ``is_answer_correct`` / ``is_justification_correct`` as 1.0/0.0; NaN where the judge's
        verdict is missing or unreadable.
    """

    riddle_ids: tuple[str, ...]
    judges: tuple[str, ...]
    answer: npt.NDArray[np.float64]
    justification: npt.NDArray[np.float64]

    def __post_init__(self) -> None:
        shape = (len(self.riddle_ids), len(self.judges))
        if self.answer.shape != shape or self.justification.shape != shape:
            raise ValueError(f"verdict matrices must have shape {shape}")

    @classmethod
    def from_verdicts(cls, verdicts: t.Mapping[str, t.Mapping[str, Verdict | None]]) -> JuryTable:
        """Build from ``{judge: {riddle_id: verdict or None}}``; riddles in first-seen order."""
        judges = tuple(verdicts)
        riddle_ids = tuple(dict.fromkeys(rid for per in verdicts.values() for rid in per))
        row = {rid: i for i, rid in enumerate(riddle_ids)}
        answer = np.full((len(riddle_ids), len(judges)), np.nan)
        justification = np.full_like(answer, np.nan)
        for j, judge in enumerate(judges):
            for rid, verdict in verdicts[judge].items():
                if verdict is not None:
                    answer[row[rid], j] = float(verdict.is_answer_correct)
                    justification[row[rid], j] = float(verdict.is_justification_correct)
        return cls(riddle_ids, judges, answer, justification)

    @classmethod
    def from_judge_files(cls, files: t.Sequence[JudgeFile]) -> JuryTable:
        """One column per judge file.

        Raises
        ------
        JuryError
            If two files come from the same judge.
        """
        by_judge: dict[str, JudgeFile] = {}
        for judge_file in files:
            other = by_judge.get(judge_file.judge)
            if other is not None:
                raise JuryError(
                    f"{other.path.name} and {judge_file.path.name} are both from judge "
                    f"{judge_file.judge}: pass one file per judge"
                )
            by_judge[judge_file.judge] = judge_file
        return cls.from_verdicts({judge: f.verdicts for judge, f in by_judge.items()})

    def verdicts(self, field: VerdictField) -> npt.NDArray[np.float64]:
        """Verdicts of ``field``, shape (R, J); ``both_correct`` is answer AND justification."""
        match VerdictField(field):
            case VerdictField.is_answer_correct:
                return self.answer
            case VerdictField.is_justification_correct:
                return self.justification
            case VerdictField.both_correct:
                return self.answer * self.justification  # NaN stays NaN

    def jury_values(self, field: VerdictField) -> npt.NDArray[np.float64]:
        """Jury value per riddle, shape (R,): mean over the judges that answered (NaN: none)."""
        return ppi.jury_values(self.verdicts(field))

    def missing(self) -> dict[str, list[str]]:
        """Riddles lacking a verdict from some judge: ``{riddle_id: [judge, ...]}``."""
        absent = np.isnan(self.answer) | np.isnan(self.justification)
        return {
            rid: [self.judges[j] for j in np.flatnonzero(absent[i])]
            for i, rid in enumerate(self.riddle_ids)
            if absent[i].any()
        }
