"""What the faster fetch (issue 24) keeps exactly as it was: the lines it writes by hand are the
ones ``json`` and pydantic write, and the counts read from its index are the records' counts."""

from __future__ import annotations

import json

import pytest

from layton_eval.answers import Answer
from layton_eval.runs.outputs import OutputRecord
from layton_eval.runs.predictions import interchange_row

_TEXTS = [
    "4",
    'say "four"',
    "back\\slash / and a tab\there",
    "line\nbreak\r\n and \x00 \x1f controls",
    "accents: é, ß, 中文, emoji 🧩",
    "\u2028 \u0085 \ufeff separators",
    "\ufffd replaced",
]


@pytest.mark.parametrize("answer", _TEXTS)
@pytest.mark.parametrize("justification", ["", _TEXTS[4], _TEXTS[3]])
def test_the_results_file_answer_is_json_dumps_of_the_parsed_answer(
    answer: str, justification: str
):
    record = OutputRecord(
        id="r1", valid=True, parsed=Answer(answer=answer, justification=justification)
    )
    expected = json.dumps({"answer": answer, "justification": justification})
    assert interchange_row(record)["answer"] == expected
