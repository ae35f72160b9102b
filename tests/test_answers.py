from __future__ import annotations

import pytest

from layton_eval.answers import extract_json_object, parse_answer, parse_verdict


@pytest.mark.parametrize(
    "text",
    [
        '{"justification": "j", "answer": "42"}',
        'Here you go:\n```json\n{"justification": "j", "answer": "42"}\n```',
        '<think>maybe {x}</think>{"justification": "j", "answer": "42"}',
        '{"justification": "j", "answer": "42",}',  # trailing comma
        "{'justification': 'j', 'answer': '42'}",  # single quotes
        '{"justification": "j", "answer": 42}',  # number
        '{"justification": "j", "answer": "42"',  # missing brace
    ],
)
def test_answer_survives_common_damage(text):
    answer = parse_answer(text)
    assert answer is not None and answer.answer == "42" and answer.justification == "j"


@pytest.mark.parametrize("text", [None, "", "I think it is 42.", "[1, 2]", '{"answer": null,'])
def test_unreadable_answers_give_none(text):
    assert parse_answer(text) is None


def test_verdicts_accept_json_and_python_booleans():
    v = parse_verdict('{"is_answer_correct": true, "is_justification_correct": False}')
    assert v is not None and v.is_answer_correct and not v.both_correct
    assert parse_verdict('{"is_answer_correct": "maybe", "is_justification_correct": true}') is None
    assert extract_json_object("no object here") is None


def test_json_repair_reads_unescaped_quotes_and_python_literals():
    answer = parse_answer('{"justification": "he said "left" twice", "answer": "the left door"}')
    assert answer is not None and answer.justification == 'he said "left" twice'
    assert answer.answer == "the left door"
    verdict = parse_verdict(
        "Verdict: {'is_answer_correct': True, 'is_justification_correct': False"
    )
    assert (
        verdict is not None and verdict.is_answer_correct and not verdict.is_justification_correct
    )


def test_without_repair_only_complete_json_is_read():
    cut = '{"justification": "a long chain of reasoning", "answer": "4'
    assert parse_answer(cut) is not None  # repaired: "4"
    assert parse_answer(cut, repair=False) is None
    whole = '```json\n{"justification": "j", "answer": "42"}\n```'
    assert parse_answer(whole, repair=False) == parse_answer(whole)


_ANSWER_TEXTS = [
    '{"answer": "4", "justification": "j"}',
    '  {"answer": 4, "justification": 2.5}  ',
    '{"answer": null, "justification": "j"}',
    '{"answer": "x", "justification": null}',
    '{"answer": " ", "justification": "j"}',
    '{"answer": ["a", 1], "justification": {"k": true}}',
    '{"answer": "x"}',
    '{"answer": "x", "justification": "j", "extra": 1}',
    '{"answer": "x", "justification": "j",}',
    "{'answer': 'x', 'justification': 'j'}",
    '{"answer": "\\ud83d", "justification": "j"}',
    '{"answer": "x", "answer": "y", "justification": "j"}',
    '{"answer": NaN, "justification": "j"}',
    '{"answer": "<think>x</think>", "justification": "j"}',
    "{}",
]
_VERDICT_TEXTS = [
    '{"is_answer_correct": true, "is_justification_correct": false}',
    '{"is_answer_correct": "yes", "is_justification_correct": "no"}',
    '{"is_answer_correct": 1, "is_justification_correct": 0}',
    '{"is_answer_correct": "True", "is_justification_correct": "incorrect"}',
    '{"is_answer_correct": null, "is_justification_correct": true}',
    '{"is_answer_correct": 2, "is_justification_correct": 0}',
]


@pytest.mark.parametrize("repair", [True, False])
def test_reading_a_whole_object_at_once_gives_what_the_tolerant_reader_gives(repair: bool):
    """A text that is one JSON object is read and checked in one step; the outcome is the
    tolerant reader's (extract the object, then validate it), valid or not."""
    from pydantic import ValidationError

    from layton_eval.answers import Answer, Verdict, extract_json_object, parse_output

    def tolerant(model, text):
        found = extract_json_object(text, repair=repair)
        try:
            return None if found is None else model.model_validate(found)
        except ValidationError:
            return None

    for kind, model, texts in (
        ("benchmark", Answer, _ANSWER_TEXTS),
        ("judge", Verdict, _VERDICT_TEXTS),
    ):
        for text in texts:
            assert parse_output(kind, text, repair=repair) == tolerant(model, text), text
