from __future__ import annotations

import json
from pathlib import Path

import pytest

from layton_eval.dataset import Riddle, Split, load_split, select_riddles
from layton_eval.errors import DatasetError, UsageError
from layton_eval.settings import Settings
from tests.conftest import SHARED_DATA, needs_shared_data


def _settings(**kwargs) -> Settings:
    return Settings(**kwargs)


def test_sample_splits_load_with_pictures_and_gaps():
    llm = load_split("llm", settings=_settings(), dataset="sample")
    vlm = load_split("vlm", settings=_settings(), dataset="sample")
    assert 6 <= len(llm.riddles) <= 10 and 6 <= len(vlm.riddles) <= 10
    assert all(r.img is None for r in llm.riddles)
    assert all(r.img for r in vlm.riddles)
    assert any(not r.has_gold for r in llm.riddles)  # a missing gold answer is allowed
    assert llm.source == "sample" and len(llm.sha256) == 64


def test_hint_levels_reveal_hints_in_order():
    riddle = Riddle(
        id="X-1",
        description="q",
        split="llm",
        first_hint="a",
        second_hint="b",
        third_hint=None,
        special_hint="s",
    )
    assert riddle.hints(0) == []
    assert riddle.hints(2) == [("First hint", "a"), ("Second hint", "b")]
    assert riddle.hints(3) == [("First hint", "a"), ("Second hint", "b")]
    assert riddle.hints(4)[-1] == ("Special hint", "s")


def test_data_dir_errors(tmp_path: Path):
    with pytest.raises(DatasetError, match="does not exist"):
        load_split("llm", settings=_settings(), data_dir=tmp_path / "nope")
    with pytest.raises(DatasetError, match="has no layton_eval_llm.jsonl"):
        load_split("llm", settings=_settings(), data_dir=tmp_path)


def test_malformed_line_names_file_line_and_field(tmp_path: Path):
    good = {"id": "A-1", "description": "q", "split": "llm"}
    bad = {"id": "A-2", "split": "llm"}  # no description
    (tmp_path / "layton_eval_llm.jsonl").write_text(
        json.dumps(good) + "\n" + json.dumps(bad) + "\n"
    )
    with pytest.raises(DatasetError) as info:
        load_split("llm", settings=_settings(), data_dir=tmp_path)
    assert "layton_eval_llm.jsonl:2" in str(info.value) and "description" in str(info.value)
    (tmp_path / "layton_eval_llm.jsonl").write_text(json.dumps(good) + "\n{not json\n")
    with pytest.raises(DatasetError, match=r"jsonl:2: not valid JSON"):
        load_split("llm", settings=_settings(), data_dir=tmp_path)


def test_vlm_riddle_without_picture_is_rejected(tmp_path: Path):
    row = {"id": "A-1", "description": "q", "split": "vlm", "img": None}
    (tmp_path / "layton_eval_vlm.jsonl").write_text(json.dumps(row) + "\n")
    with pytest.raises(DatasetError, match="picture"):
        load_split("vlm", settings=_settings(), data_dir=tmp_path)


def test_env_data_dir_is_used(tmp_path: Path):
    row = {"id": "A-1", "description": "q", "split": "llm"}
    (tmp_path / "layton_eval_llm.jsonl").write_text(json.dumps(row) + "\n")
    loaded = load_split("llm", settings=_settings(LAYTON_DATA_DIR=str(tmp_path)))
    assert [r.id for r in loaded.riddles] == ["A-1"] and loaded.source == "dir"


def test_unreachable_hub_names_the_offline_options():
    with pytest.raises(DatasetError) as info:
        load_split("llm", settings=_settings())
    assert "--data-dir" in str(info.value) and "--dataset sample" in str(info.value)


def test_select_riddles_by_ids_and_limit():
    riddles = load_split("llm", settings=_settings(), dataset="sample").riddles
    ids = [riddles[3].id, riddles[1].id]
    assert [r.id for r in select_riddles(riddles, ids=ids)] == [riddles[1].id, riddles[3].id]
    assert len(select_riddles(riddles, limit=2)) == 2
    with pytest.raises(UsageError, match="unknown riddle"):
        select_riddles(riddles, ids=["nope"])


@needs_shared_data
def test_real_data_counts():
    llm = load_split(Split.llm, settings=_settings(), data_dir=SHARED_DATA)
    vlm = load_split(Split.vlm, settings=_settings(), data_dir=SHARED_DATA)
    assert len(llm.riddles) == 186 and len(vlm.riddles) == 317
    assert sum(1 for r in llm.riddles if not r.has_gold) == 186 - 167


def test_hub_download_is_cached_and_revision_recorded(tmp_path: Path, monkeypatch):
    import huggingface_hub

    snapshot = tmp_path / "hub" / "snapshots" / ("ab" * 20)
    snapshot.mkdir(parents=True)
    row = {"id": "H-1", "description": "q", "split": "llm"}
    (snapshot / "layton_eval_llm.jsonl").write_text(json.dumps(row) + "\n")
    calls = []

    def fake_download(*, repo_id, filename, repo_type, revision, local_files_only):
        calls.append((repo_id, filename, repo_type, revision))
        return str(snapshot / filename)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", fake_download)
    loaded = load_split("llm", settings=_settings(LAYTON_REVISION="v1"))
    assert calls == [("rvienne/layton-eval", "layton_eval_llm.jsonl", "dataset", "v1")]
    assert loaded.source == "hub" and loaded.location == "rvienne/layton-eval@v1"
    assert loaded.revision == "v1"
    loaded = load_split("llm", settings=_settings())
    assert loaded.revision == "ab" * 20  # the cached snapshot's commit


@needs_shared_data
@pytest.mark.parametrize("split", ["llm", "vlm"])
def test_categories_are_read_lightly_and_match_the_loaded_riddles(split: str):
    from layton_eval.dataset import read_categories, riddles_file_name

    loaded = load_split(split, settings=Settings(), data_dir=SHARED_DATA)
    light = read_categories(SHARED_DATA / riddles_file_name(split))
    assert light == {riddle.id: riddle.category for riddle in loaded.riddles}


def test_reading_categories_never_builds_pictures_or_texts(tmp_path: Path):
    """Only ``id`` and ``category`` are checked: a picture or a text of the wrong type (which
    load_split refuses) does not matter, a line without an id does."""
    from layton_eval.dataset import read_categories

    path = tmp_path / "riddles.jsonl"
    lines = [
        {"id": "a", "category": "Matchsticks", "img": 12, "description": None, "split": "vlm"},
        {"id": "b", "img": ["not", "base64"]},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines) + "\n")
    assert read_categories(path) == {"a": "Matchsticks", "b": None}
    path.write_text(json.dumps({"category": "x"}) + "\n")
    with pytest.raises(DatasetError, match=r"riddles.jsonl:1: id: Field required"):
        read_categories(path)
