"""The judge pool as data: the published preset, the default, retired models and successors."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from layton_eval.errors import ConfigError
from layton_eval.jury.panel import (
    PRESETS,
    calibration_judges,
    load_jury_config,
    panel_note,
    preset,
    retirement,
    retirement_hint,
)
from layton_eval.providers._options import check_options
from tests.conftest import SHARED_DATA, needs_shared_data
from tests.helpers import assert_one_line_error, invoke, invoke_json, request_ids
from tests.test_cli_jury import _fetched_run, all_providers, keys  # noqa: F401 (fixture)


@needs_shared_data
@pytest.mark.parametrize("split", ["llm", "vlm"])
def test_published_preset_is_exactly_the_calibration_sets_judges(split: str) -> None:
    row = json.loads((SHARED_DATA / f"ppi_{split}.jsonl").open().readline())
    columns = {key.removeprefix("both_correct_") for key in row if key.startswith("both_correct_")}
    assert set(calibration_judges()) == columns


def test_default_preset_names_only_served_models_and_is_the_published_otherwise() -> None:
    published, default = preset("published"), preset("default")
    for judge in default.judges:
        assert retirement(judge.provider, judge.model) is None, judge.model
    for old, new in zip(published.judges, default.judges, strict=True):
        gone = retirement(old.provider, old.model)
        assert new.model == (gone.successor if gone else old.model)
        assert new.sampling == old.sampling  # asked the same way
    assert retirement("gemini", "gemini-3-pro-preview") is not None
    for judge in default.judges:  # every judge's options are accepted by its API
        check_options(judge.provider, judge.sampling, judge.model)


def test_jury_config_takes_a_preset_name_or_a_file(tmp_path: Path) -> None:
    assert load_jury_config("published") == preset("published")
    assert load_jury_config(None) == preset("default")
    with pytest.raises(ConfigError, match="presets: default, published"):
        load_jury_config(tmp_path / "nope.toml")
    assert set(PRESETS) == {"default", "published"}


def test_panel_note_says_when_the_panel_differs_from_the_calibration_judges() -> None:
    assert panel_note(j.model for j in preset("published").judges) is None
    note = panel_note(j.model for j in preset("default").judges)
    assert note is not None
    assert "gemini-3.1-pro-preview for the retired gemini-3-pro-preview" in note


def test_model_not_found_gets_the_successor_and_the_option() -> None:
    error = "gemini answered 404: NOT_FOUND: models/gemini-3-pro-preview is not found"
    hint = retirement_hint("gemini", "gemini-3-pro-preview", error)
    assert hint is not None and "gemini-3.1-pro-preview" in hint and "--jury-config default" in hint
    assert retirement_hint("gemini", "gemini-3-pro-preview", "answered 429: slow down") is None
    other = retirement_hint("openai", "gpt-9", "The model `gpt-9` does not exist")
    assert other is not None and "--jury-config" in other


def _not_found(status: int) -> httpx.Response:
    message = "models/gemini-3-pro-preview is not found for API version v1beta"
    return httpx.Response(404, json={"error": {"code": 404, "message": message,
                                               "status": "NOT_FOUND"}})  # fmt: skip


def test_a_retired_judge_fails_with_its_successor_and_the_option(keys, runs_dir: Path) -> None:  # noqa: F811
    with all_providers(polls_until_done=1) as fakes:
        _fetched_run("mistral", fakes)
        fakes["gemini"].server_error = _not_found  # type: ignore[method-assign]
        fakes["gemini"].fail_next = [None, None, 404]  # upload start, finalize, create
        result = invoke("jury", "run", "--jury-config", "published", "--yes")
        assert_one_line_error(result, code=1, contains="its successor is gemini-3.1-pro-preview")
        assert "--jury-config default" in result.stderr
        dry = invoke_json("jury", "run", "--dry-run")  # the default panel says it differs
    assert "differs from the judges of the calibration set" in dry["panel_note"]
    card = invoke("jury", "run", "--dry-run")
    assert "Calibration" in card.stdout


def test_judge_requests_failing_with_model_not_found_get_a_note(keys, runs_dir: Path) -> None:  # noqa: F811
    with all_providers(polls_until_done=1) as fakes:
        _fetched_run("mistral", fakes)
        missing = "models/gemini-3-pro-preview is not found for API version v1beta"
        fakes["gemini"].errors = {cid: (404, missing) for cid in request_ids(runs_dir / "run")}
        invoke_json("jury", "run", "--jury-config", "published")
        fetched = invoke_json("fetch", "run")
    [gemini] = [j for j in fetched["jury"]["judges"] if j["provider"] == "gemini"]
    assert (
        gemini["note"] is not None and "its successor is gemini-3.1-pro-preview" in gemini["note"]
    )
    assert fetched["jury"]["panel_note"] is None  # the published panel is the calibration's
