"""calibration.py: both real schemas, discovered judges, field -> human column, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from layton_eval.errors import DatasetError, UsageError
from layton_eval.score import calibration as cal
from layton_eval.settings import get_settings
from tests.conftest import SHARED_DATA, needs_shared_data

DATA = SHARED_DATA  # LAYTON_TEST_DATA, else ../shared/layton-data
needs_ppi = needs_shared_data


def _row(rid: str, provider: str, model: str, *, judges: dict, human: bool | None) -> dict:
    row: dict = {"riddle_id": rid, "provider": provider, "model": model, "answer": "a"}
    for judge, (answer, justification) in judges.items():
        row[f"is_answer_correct_{judge}"] = answer
        row[f"is_justification_correct_{judge}"] = justification
        both = None if answer is None else answer and justification
        row[f"both_correct_{judge}"] = both
    row["human_answer_correct"] = human
    row["human_justification_correct"] = None if human is None else not human
    row["human_both_correct"] = None if human is None else False
    return row


def _write(path: Path, rows: list[dict | str]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def _small(tmp_path: Path) -> Path:
    judges_a = {"judge-x": (True, True), "judge.y": (True, False), "z_z": (None, None)}
    judges_b = {"judge-x": (False, False), "judge.y": (False, False), "z_z": (True, True)}
    return _write(
        tmp_path / "ppi_llm.jsonl",
        [
            _row("1", "openai", "m1", judges=judges_a, human=True),
            _row("2", "openai", "m1", judges=judges_b, human=None),
            _row("1", "mistral", "m2", judges=judges_b, human=False),
            "",
            _row("2", "mistral", "m2", judges=judges_a, human=None),
        ],
    )


def test_judges_are_discovered_and_fields_map_to_their_human_columns(tmp_path: Path):
    data = cal.read_calibration_file(_small(tmp_path), "llm")
    assert data.judges == ("judge-x", "judge.y", "z_z")
    assert len(data) == 4 and data.model_keys() == [("openai", "m1"), ("mistral", "m2")]
    np.testing.assert_allclose(data.jury_values("is_answer_correct"), [1, 1 / 3, 1 / 3, 1])
    np.testing.assert_allclose(data.jury_values("both_correct"), [1 / 2, 1 / 3, 1 / 3, 1 / 2])
    assert np.isnan(data.labels("is_answer_correct")[1])
    assert data.labels("is_answer_correct")[[0, 2]].tolist() == [1.0, 0.0]
    assert data.labels("is_justification_correct")[[0, 2]].tolist() == [0.0, 1.0]
    assert data.labels("both_correct")[[0, 2]].tolist() == [0.0, 0.0]
    assert cal.HUMAN_COLUMNS == {
        "both_correct": "human_both_correct",
        "is_answer_correct": "human_answer_correct",
        "is_justification_correct": "human_justification_correct",
    }


def test_pool_keeps_labelled_rows_of_other_providers(tmp_path: Path):
    data = cal.read_calibration_file(_small(tmp_path), "llm")
    pool = data.pool("is_answer_correct", exclude_provider="openai")
    assert pool.y.tolist() == [0.0] and pool.yhat.tolist() == pytest.approx([1 / 3])
    assert list(pool.rows_per_bin().items()) == [(round(1 / 3, 6), 1)]
    assert data.pool("both_correct", exclude_provider="together").y.size == 2
    rows = data.model_rows("mistral", "m2", "is_answer_correct")
    assert rows.riddle_ids == ("1", "2") and rows.yhat.tolist() == pytest.approx([1 / 3, 1])


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("{not json", "line 2: not valid JSON"),
        ("[1, 2]", "line 2: expected a JSON object"),
        (json.dumps({"riddle_id": "x", "provider": "p"}), "line 2, field 'model'"),
        (
            json.dumps({"riddle_id": "x", "provider": "p", "model": "m", "both_correct_j": "yes"}),
            "line 2, field 'both_correct_j': expected true, false or null",
        ),
        (
            json.dumps({"riddle_id": "x", "provider": "p", "model": "m", "human_both_correct": 1}),
            "field 'human_both_correct'",
        ),
    ],
)
def test_malformed_line_names_file_line_and_field(tmp_path: Path, line: str, fragment: str):
    good = json.dumps({"riddle_id": "a", "provider": "p", "model": "m", "both_correct_j": True})
    path = _write(tmp_path / "ppi_llm.jsonl", [good, line])
    with pytest.raises(DatasetError) as info:
        cal.read_calibration_file(path, "llm")
    assert str(path) in str(info.value) and fragment in str(info.value)


def test_file_without_judges_or_human_column_is_a_dataset_error(tmp_path: Path):
    path = _write(tmp_path / "ppi_llm.jsonl", [{"riddle_id": "a", "provider": "p", "model": "m"}])
    with pytest.raises(DatasetError, match="no judge columns"):
        cal.read_calibration_file(path, "llm")
    row = {"riddle_id": "a", "provider": "p", "model": "m", "both_correct_j": True}
    data = cal.read_calibration_file(_write(path, [row]), "llm")
    with pytest.raises(DatasetError, match="no human_both_correct column"):
        data.pool("both_correct", exclude_provider="x")


def test_data_dir_then_env_then_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    _small(tmp_path)
    assert cal.calibration_path("llm", data_dir=tmp_path) == tmp_path / "ppi_llm.jsonl"
    with pytest.raises(DatasetError, match="ppi_vlm.jsonl not found"):
        cal.calibration_path("vlm", data_dir=tmp_path)
    monkeypatch.setenv("LAYTON_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    assert cal.load_calibration("llm").source == str(tmp_path / "ppi_llm.jsonl")
    monkeypatch.delenv("LAYTON_DATA_DIR")
    monkeypatch.setenv("LAYTON_PPI_REPO", "someone/ppi")
    get_settings.cache_clear()
    calls = []

    def fake_download(repo_id: str, filename: str, *, revision=None, offline_hint="") -> Path:
        calls.append((repo_id, filename, revision))
        return tmp_path / "ppi_llm.jsonl"

    monkeypatch.setattr("layton_eval.hub.download_dataset_file", fake_download)
    assert len(cal.load_calibration("llm")) == 4
    assert calls == [("someone/ppi", "ppi_llm.jsonl", None)]


def test_offline_without_data_dir_says_what_to_do():
    with pytest.raises(DatasetError, match="--data-dir"):
        cal.load_calibration("llm")


def test_unknown_split_is_refused():
    with pytest.raises(DatasetError, match="unknown split"):
        cal.calibration_path("xlm")


@needs_ppi
def test_real_llm_file_new_schema():
    data = cal.read_calibration_file(DATA / "ppi_llm.jsonl", "llm")
    assert len(data) == 1674 and len(data.model_keys()) == 9
    assert set(data.judges) == {
        "mistral-large-2512",
        "claude-opus-4-5-20251101",
        "gpt-5.1-2025-11-13",
        "gemini-3-pro-preview",
    }
    assert int((~np.isnan(data.labels("both_correct"))).sum()) == 614
    jury = data.jury_values("both_correct")
    assert set(np.round(jury * 3).astype(int).tolist()) <= {0, 1, 2, 3}
    # OpenAI's own 83 + 73 labelled rows are left out of its pool
    assert data.pool("both_correct", exclude_provider="openai").y.size == 614 - 83 - 73
    assert data.pool("both_correct", exclude_provider="together").y.size == 614
    for provider, model in data.model_keys():
        assert len(data.model_rows(provider, model, "both_correct").riddle_ids) == 186


@needs_ppi
def test_real_vlm_file_old_schema_without_n_hints():
    data = cal.read_calibration_file(DATA / "ppi_vlm.jsonl", "vlm")
    assert len(data) == 2219 and len(data.model_keys()) == 7
    assert ("anthropic", "claude-opus-4-5_thinking_32k") in data.model_keys()
    assert int((~np.isnan(data.labels("is_answer_correct"))).sum()) == 1015
    raw = [json.loads(line) for line in (DATA / "ppi_vlm.jsonl").read_text().splitlines()]
    expected = [np.nan if r["human_answer_correct"] is None else r["human_answer_correct"]
                for r in raw]  # fmt: skip
    np.testing.assert_array_equal(data.labels("is_answer_correct"), np.array(expected, float))


# ---------------------------------------------------------------- extra files (--calibration)


def _label(row: dict, *, answer: bool, justification: bool, **more) -> dict:
    labelled = dict(row, human_answer_correct=answer, human_justification_correct=justification)
    return {**labelled, "human_both_correct": answer and justification, **more}


def test_extra_labels_fill_published_rows_in_place_and_only_calibrate_new_models(tmp_path):
    base = _small(tmp_path)
    unlabelled = _row("2", "openai", "m1", judges={"judge-x": (False, False)}, human=None)
    new_model = _row("1", "groq", "m3", judges={"other": (True, True)}, human=None)
    extra = _write(
        tmp_path / "mine.jsonl",
        [
            _label(unlabelled, answer=True, justification=True, annotator="ann", notes="hm"),
            _label(new_model, answer=True, justification=False, split="llm"),
        ],
    )
    data = cal.load_calibration("llm", data_dir=tmp_path, extra=[extra])
    assert data.source == f"{base} + {extra}"
    assert data.item_keys() == [("1", "openai", "m1"), ("2", "openai", "m1"),
                                ("1", "mistral", "m2"), ("2", "mistral", "m2"),
                                ("1", "groq", "m3")]  # fmt: skip
    assert data.judges == ("judge-x", "judge.y", "z_z", "other")
    assert data.labels("both_correct").tolist()[:2] == [0.0, 1.0]
    assert data.labels("is_justification_correct")[4] == 0.0
    # the extra row replaced the published one: its verdicts, its details
    np.testing.assert_array_equal(data.verdicts["both_correct"][1], [0, np.nan, np.nan, np.nan])
    assert data.details[1] == {"answer": "a", "annotator": "ann", "notes": "hm"}
    assert data.details[4]["split"] == "llm"
    # the groq model calibrates the others but is not ranked; its rows join every other pool
    assert data.model_keys() == [("openai", "m1"), ("mistral", "m2")]
    assert data.pool("both_correct", exclude_provider="mistral").y.tolist() == [0.0, 1.0, 0.0]
    assert data.model_rows("openai", "m1", "both_correct").riddle_ids == ("1", "2")


def test_calibration_only_uses_the_files_alone_and_the_later_label_wins(tmp_path):
    row = _row("7", "openai", "m1", judges={"j": (True, True)}, human=None)
    first = _write(tmp_path / "a.jsonl", [_label(row, answer=True, justification=True)])
    later = [_label(row, answer=False, justification=False),
             _label(row, answer=True, justification=False)]  # fmt: skip
    second = _write(tmp_path / "b.jsonl", later)
    data = cal.load_calibration("llm", extra=[first, second], only=True)
    assert len(data) == 1 and data.model_keys() == [("openai", "m1")]
    assert data.labels("is_answer_correct").tolist() == [1.0]
    assert data.labels("is_justification_correct").tolist() == [0.0]


def test_extra_file_errors_name_what_to_do(tmp_path):
    with pytest.raises(UsageError, match="--calibration-only needs at least one --calibration"):
        cal.load_calibration("llm", only=True)
    with pytest.raises(UsageError, match="calibration file not found: .*nowhere.jsonl"):
        cal.load_calibration("llm", extra=[tmp_path / "nowhere.jsonl"], only=True)
    row = _row("7", "openai", "m1", judges={"j": (True, True)}, human=True)
    vlm = _write(tmp_path / "vlm.jsonl", [dict(row, split="vlm")])
    with pytest.raises(DatasetError, match=r"line 1: a row of the vlm split.*--split vlm"):
        cal.load_calibration("llm", extra=[vlm], only=True)


@needs_ppi
def test_published_labels_taken_out_and_given_back_as_extra_rows_change_nothing(tmp_path):
    lines = (DATA / "ppi_llm.jsonl").read_text().splitlines()
    rows = [json.loads(line) for line in lines]
    labelled = [i for i, r in enumerate(rows) if r["human_both_correct"] is not None][::7]
    blank = {"human_answer_correct": None, "human_justification_correct": None,
             "human_both_correct": None}  # fmt: skip
    _write(tmp_path / "ppi_llm.jsonl", [dict(r, **blank) if i in labelled else r
                                        for i, r in enumerate(rows)])  # fmt: skip
    extra = _write(tmp_path / "labels.jsonl", [dict(rows[i], annotator="x") for i in labelled])
    published = cal.read_calibration_file(DATA / "ppi_llm.jsonl", "llm")
    combined = cal.load_calibration("llm", data_dir=tmp_path, extra=[extra])
    assert combined.item_keys() == published.item_keys()
    assert combined.model_keys() == published.model_keys()
    for field in cal.FIELDS:
        np.testing.assert_array_equal(combined.labels(field), published.labels(field))
        np.testing.assert_array_equal(combined.jury_values(field), published.jury_values(field))
