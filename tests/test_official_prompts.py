"""Official prompts: downloaded once and sha256-checked, recognised in a folder, recorded, and
runs made without them marked "not strictly comparable".

The official text never enters the repository: stand-in files play its part, with their own
sha256 patched in as the official ones, and a patched downloader serves them.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import httpx
import pytest
import respx

from layton_eval import prompts
from layton_eval.prompts import PROMPT_FILES, OfficialPrompts
from layton_eval.runs.manifest import PromptsRef
from layton_eval.settings import get_settings
from tests.conftest import SHARED_DATA, needs_shared_data
from tests.helpers import assert_one_line_error, invoke, invoke_json, prepare
from tests.test_cli_jury import MODELS, all_providers, keys  # noqa: F401 (a fixture)

STAND_INS = {rel: f"Stand-in for {rel}: solve the riddle.\n" for rel in PROMPT_FILES.values()}


@pytest.fixture
def official(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Stand-in official files; returns the list of downloaded URLs."""
    hashes = {rel: hashlib.sha256(text.encode()).hexdigest() for rel, text in STAND_INS.items()}
    monkeypatch.setattr(prompts, "OFFICIAL", OfficialPrompts("owner/repo", "c0ffee", hashes))
    monkeypatch.setenv("LAYTON_CACHE_DIR", str(tmp_path / "cache"))
    get_settings.cache_clear()
    served: list[str] = []

    def download(url: str) -> bytes:
        served.append(url)
        rel = url.split("/prompts/", 1)[1]
        return STAND_INS[rel].encode()

    monkeypatch.setattr(prompts, "download", download)
    return served


def _stand_in_folder(folder: Path, *, change: str | None = None) -> Path:
    for rel, text in STAND_INS.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text + ("edited\n" if rel == change else ""))
    return folder


def test_official_url_is_the_pinned_commit():
    assert prompts.OFFICIAL.url("benchmark/text_riddle.txt") == (
        "https://raw.githubusercontent.com/vienneraphael/layton-eval/"
        "468eb5db64b1c0d493db17902c6bd4995d9797fc/prompts/benchmark/text_riddle.txt"
    )
    assert set(prompts.OFFICIAL.sha256) == set(PROMPT_FILES.values())


def test_prepare_downloads_once_checks_and_records(official: list[str], tmp_path: Path):
    doc = prepare(name="first", extra=["--prompts", "official"])
    assert doc["prompts"]["source"] == "official"
    assert doc["prompts"]["files"] == prompts.OFFICIAL.sha256
    assert sorted(official) == sorted(
        f"https://raw.githubusercontent.com/owner/repo/c0ffee/prompts/{rel}" for rel in STAND_INS
    )
    request = json.loads(
        (tmp_path / "runs" / "first" / "requests.jsonl").read_text().split("\n")[0]
    )
    assert request["system"] == STAND_INS["benchmark/text_riddle.txt"]
    manifest = json.loads((tmp_path / "runs" / "first" / "run.json").read_text())
    assert manifest["prompts"]["source"] == "official"
    prepare(name="second", extra=["--prompts", "official"])
    assert len(official) == 4  # cached
    cached = tmp_path / "cache" / "prompts" / "c0ffee" / "benchmark" / "text_riddle.txt"
    cached.write_text("tampered\n")
    prepare(name="third", extra=["--prompts", "official"])
    assert len(official) == 5 and cached.read_text() == STAND_INS["benchmark/text_riddle.txt"]


def test_the_cache_folder_may_come_from_dot_env(official, tmp_path, monkeypatch):
    monkeypatch.delenv("LAYTON_CACHE_DIR")
    (tmp_path / ".env").write_text(f"LAYTON_CACHE_DIR={tmp_path / 'from-env-file'}\n")
    get_settings.cache_clear()
    prepare(name="cached", extra=["--prompts", "official"])
    kept = tmp_path / "from-env-file" / "prompts" / "c0ffee" / "benchmark" / "text_riddle.txt"
    assert kept.read_text() == STAND_INS["benchmark/text_riddle.txt"]


def test_a_download_with_other_content_is_refused(official, monkeypatch):
    monkeypatch.setattr(prompts, "download", lambda url: b"something else\n")
    result = invoke("prepare", "--split", "llm", "--hints", "0", "--dataset", "sample",
                    "--prompts", "official")  # fmt: skip
    assert_one_line_error(result, code=1, contains="does not hold the official prompt")


def test_offline_is_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LAYTON_CACHE_DIR", str(tmp_path / "cache"))
    with respx.mock:
        respx.get(url__startswith="https://raw.githubusercontent.com/").mock(
            side_effect=httpx.ConnectError("no route to host")
        )
        result = invoke("prepare", "--split", "llm", "--hints", "0", "--dataset", "sample",
                        "--prompts", "official")  # fmt: skip
    assert_one_line_error(result, code=1, contains="cannot download the official prompt files")
    assert "--prompts-dir" in result.stderr and "ConnectError" in result.stderr
    assert not (tmp_path / "runs").exists() and not (tmp_path / "cache" / "prompts").exists()


def test_a_folder_with_the_official_files_is_official(official, tmp_path: Path):
    same = prepare(name="same", extra=["--prompts-dir", str(_stand_in_folder(tmp_path / "a"))])
    assert same["prompts"]["source"] == "official" and official == []
    edited = _stand_in_folder(tmp_path / "b", change="benchmark_judge/visual_riddle.txt")
    other = prepare(name="other", extra=["--prompts-dir", str(edited)])
    assert other["prompts"]["source"] == "custom"
    assert other["prompts"]["location"] == str(edited.resolve())
    assert prepare(name="plain")["prompts"]["source"] == "builtin"
    both = invoke("prepare", "--split", "llm", "--hints", "0", "--dataset", "sample",
                  "--prompts", "official", "--prompts-dir", str(tmp_path / "a"))  # fmt: skip
    assert_one_line_error(both, code=2, contains="exclude each other")


def test_runs_of_layton_0_1_recorded_a_folder_as_source():
    ref = PromptsRef.model_validate({"source": "/home/me/prompts", "sha256": "ab"})
    assert (ref.source, ref.location, ref.files) == ("custom", "/home/me/prompts", {})
    assert PromptsRef.model_validate({"source": "builtin", "sha256": "ab"}).source == "builtin"


def _judged_run(name: str, extra: list[str]) -> None:
    """A run judged by the published pool (the calibration set's judges, so comparable)."""
    prepare("openai", MODELS["openai"], name=name, data_dir=SHARED_DATA, extra=extra)
    invoke_json("send", name)
    invoke_json("fetch", name)
    invoke_json("jury", name, "--jury-config", "published")
    invoke_json("fetch", name)


def _judge_systems(run_dir: Path) -> set[str]:
    return {
        json.loads(line)["system"]
        for path in (run_dir / "jury").glob("*/requests.jsonl")
        for line in path.read_text().splitlines()
    }


@needs_shared_data
def test_judges_follow_the_run_and_other_prompts_are_marked(official, keys, runs_dir: Path):  # noqa: F811
    with all_providers(polls_until_done=1):
        _judged_run("strict", ["--prompts", "official"])
        _judged_run("loose", [])
    assert _judge_systems(runs_dir / "strict") == {STAND_INS["benchmark_judge/text_riddle.txt"]}
    children = [json.loads(p.read_text()) for p in (runs_dir / "strict").glob("jury/*/run.json")]
    assert len(children) == 3 and {c["prompts"]["source"] for c in children} == {"official"}
    assert len(official) == 4  # the jury read the cached files
    args = ["--split", "llm", "--iterations", "300"]
    strict = [
        r for r in invoke_json("leaderboard", *args, "--add", "strict")["rows"] if r["is_yours"]
    ]
    loose = [
        r for r in invoke_json("leaderboard", *args, "--add", "loose")["rows"] if r["is_yours"]
    ]
    assert strict[0]["not_comparable"] == []
    assert loose[0]["not_comparable"] == [
        "model prompts are builtin, not the official files",
        "judge prompts are builtin, not the official files",
    ]
    table = invoke("leaderboard", *args, "--add", "loose")
    assert "‡" in table.stdout and "not strictly comparable" in table.stdout
    assert "‡" not in invoke("leaderboard", *args, "--add", "strict").stdout
    # two runs of one model on one board: each row names its run
    both = [*args, "--add", "strict", "--add", "loose"]
    rows = [r for r in invoke_json("leaderboard", *both)["rows"] if r["is_yours"]]
    assert sorted(r["run"] for r in rows) == ["loose", "strict"]
    assert rows[0]["model"] == rows[1]["model"]
    card = invoke("leaderboard", *both).stdout
    assert "(yours: strict)" in card and "(yours: loose)" in card
    scored = invoke_json("score", "loose", "--iterations", "300")
    assert any(w.startswith("not strictly comparable") for w in scored["warnings"])
    assert not invoke_json("score", "strict", "--iterations", "300")["warnings"]
