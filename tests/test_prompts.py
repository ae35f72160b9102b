from __future__ import annotations

from pathlib import Path

import pytest

from layton_eval.answers import Answer
from layton_eval.dataset import Riddle
from layton_eval.errors import UsageError
from layton_eval.neutral import ImagePart, TextPart
from layton_eval.prompts import PROMPT_FILES, benchmark_request, judge_request, load_prompts

RIDDLE = Riddle(
    id="T-1",
    description="How many?",
    split="vlm",
    img="aGVsbG8=",
    first_hint="h1",
    second_hint="h2",
    third_hint="h3",
    special_hint="sp",
    solution="Sol.",
    answer="4",
    justification="Because.",
)


def _texts(request):
    return [p.text for p in request.parts if isinstance(p, TextPart)]


def test_benchmark_request_parts_follow_hint_level():
    prompts = load_prompts()
    request = benchmark_request(RIDDLE, 2, prompts)
    assert request.custom_id == "T-1"
    assert _texts(request) == ["Riddle question: How many?", "First hint: h1", "Second hint: h2"]
    assert isinstance(request.parts[1], ImagePart) and request.parts[1].data == "aGVsbG8="
    assert request.system == prompts.system("benchmark", RIDDLE.split)
    assert request.json_schema["required"] == ["justification", "answer"]
    assert _texts(benchmark_request(RIDDLE, 4, prompts))[-1] == "Special hint: sp"
    assert _texts(benchmark_request(RIDDLE, 0, prompts)) == ["Riddle question: How many?"]
    with pytest.raises(UsageError):
        benchmark_request(RIDDLE, 5, prompts)


def test_text_riddle_has_no_image_part():
    riddle = RIDDLE.model_copy(update={"split": "llm", "img": None})
    request = benchmark_request(riddle, 1, load_prompts())
    assert not request.has_image
    assert "picture" not in request.system


def test_judge_request_has_all_hints_reference_and_participant():
    request = judge_request(RIDDLE, Answer(answer="4", justification="count"), load_prompts())
    texts = _texts(request)
    assert texts[:5] == [
        "Riddle question: How many?",
        "First hint: h1",
        "Second hint: h2",
        "Third hint: h3",
        "Special hint: sp",
    ]
    assert texts[5:] == [
        "Riddle answer: 4",
        "Riddle solution: Sol.",
        "Suggested justification: Because.",
        "Participant answer: 4",
        "Participant justification: count",
    ]
    assert request.has_image and set(request.json_schema["required"]) == {
        "is_answer_correct",
        "is_justification_correct",
    }


def test_judge_request_without_gold_uses_what_exists():
    riddle = RIDDLE.model_copy(update={"answer": None, "justification": None})
    texts = _texts(judge_request(riddle, Answer(answer="x", justification="y"), load_prompts()))
    assert not any(t.startswith("Riddle answer") for t in texts)
    assert "Riddle solution: Sol." in texts


def test_prompts_dir_overrides_and_changes_hash(tmp_path: Path):
    builtin = load_prompts()
    for rel in PROMPT_FILES.values():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(f"custom {rel}")
    custom = load_prompts(tmp_path)
    assert custom.system("benchmark", RIDDLE.split) == "custom benchmark/visual_riddle.txt"
    assert custom.sha256 != builtin.sha256
    (tmp_path / "benchmark_judge" / "text_riddle.txt").unlink()
    with pytest.raises(UsageError, match="benchmark_judge/text_riddle.txt"):
        load_prompts(tmp_path)
