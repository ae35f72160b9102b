"""What the faster fetch (issue 24) keeps exactly as it was: the lines it writes by hand are the
ones ``json`` and pydantic write, and the counts read from its index are the records' counts."""

from __future__ import annotations

import json
import typing as t

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


def _decoded(content: str, **message: t.Any) -> tuple[OutputRecord, int]:
    from layton_eval.providers import get_provider
    from layton_eval.providers.batch_types import RawResult
    from layton_eval.runs.manifest import BatchPhase, BatchRecord
    from layton_eval.runs.outputs import decoded_output

    body = {
        "choices": [{"message": {"content": content, **message}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 4},
    }
    record = BatchRecord(
        phase=BatchPhase.submitted, provider="openai", model="gpt-5-mini",
        endpoint="/v1/chat/completions", custom_ids=["r1"], request_count=1, bytes=0,
        batch_id="b1",
    )  # fmt: skip
    impl = get_provider("openai")
    return decoded_output("r1", RawResult(200, body), record, impl, "llm")


@pytest.mark.parametrize(
    ("content", "refusal", "replaced", "answer", "text"),
    [
        ('{"answer": "4", "justification": "ok"}', None, 0, "4", None),
        ('{"answer": "4é", "justification": "ça"}', None, 0, "4é", None),
        # escaped in the model's JSON: the parsed answer holds the surrogate, not the text
        ('{"answer": "\\ud800", "justification": "é"}', None, 1, "\ufffd", None),
        ('{"answer": "\\ud800", "justification": "ok"}', None, 1, "\ufffd", None),
        ('{"answer": "x\ud800", "justification": "\udfff"}', None, 2, "x\ufffd", "\ufffd"),
        ("no JSON here \ud800", "declined \udc00", 2, None, "no JSON here \ufffd"),
    ],
)
def test_every_lone_surrogate_is_replaced_and_counted(
    content: str, refusal: str | None, replaced: int, answer: str | None, text: str | None
):
    """Texts are checked only when they are not ASCII: what is replaced, and the count, are
    those of a check of every text."""
    output, count = _decoded(content, refusal=refusal)
    assert count == replaced
    written = output.__pydantic_serializer__.to_json(output)  # UTF-8: no surrogate left
    assert b"\xed\xa0" not in written and b"\xed\xb0" not in written
    if answer is not None:
        assert isinstance(output.parsed, Answer) and output.parsed.answer == answer
    if text is not None:
        assert text in output.text + (output.parsed.justification if output.parsed else "")
    if refusal is not None:
        assert output.refusal == "declined \ufffd" and output.status == "refused"


@pytest.mark.parametrize("line", [b"", b"\n", b"  \t\r\n", "\u2028\n", " \x0b\x0c "])
def test_a_blank_result_line_is_skipped_and_not_counted_unreadable(line: bytes | str):
    from layton_eval.providers import get_provider
    from layton_eval.providers._results import LineCheck

    check = LineCheck()
    good = b'{"custom_id": "r1", "response": {"status_code": 200, "body": {}}}\n'
    found = list(get_provider("openai").decode_lines([line, good], check))
    assert [cid for cid, _ in found] == ["r1"] and check.unreadable == 0
