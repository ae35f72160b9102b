"""Each command imports only the heavy libraries it uses (a fresh interpreter per command).

numpy only where statistics run, genai-prices only where a price is computed, pydantic-settings
not when the data and runs folders come from the environment, batchling's client stack
(aiohttp) never (layton calls providers through httpx), and one SSL context per process.
The command runs in ``tests/fakes/cli_child.py``, which reports what it imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA, needs_shared_data
from tests.fakes import TEST_KEY, emulate
from tests.helpers import invoke_json, prepare

CHILD = Path(__file__).parent / "fakes" / "cli_child.py"
DATA_ONLY = ("numpy", "genai_prices", "pydantic_settings", "aiohttp", "batchling", "httpx",
             "huggingface_hub")  # fmt: skip


def _imports(tmp_path: Path, run: str, state: str, *args: str, **env: str) -> dict:
    """What ``layton ARGS`` imported, run against the emulated batches of ``run``."""
    out = tmp_path / "modules.json"
    run_dir = str(tmp_path / "runs" / run) if run != "-" else "-"
    done = subprocess.run(
        [sys.executable, str(CHILD), run_dir, state, "--modules", str(out), "--", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert not {"numpy", "aiohttp", "genai_prices", "pydantic_settings"} & set(report["before"])
    return report


@pytest.fixture
def sent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A run of three sample riddles sent to the openai emulator."""
    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
    prepare("openai", "gpt-5-mini", name="run", extra=["--limit", "3"])
    with emulate("openai"):
        invoke_json("send", "run")
    return "run"


def test_help_imports_no_heavy_library(tmp_path: Path):
    assert _imports(tmp_path, "-", "done", "--help")["imported"] == []


def test_prepare_imports_no_statistics_prices_or_http(tmp_path: Path):
    report = _imports(tmp_path, "-", "done", "prepare", "--split", "llm", "--hints", "0",
                      "--dataset", "sample", "--limit", "2", "--name", "p")  # fmt: skip
    assert not {"numpy", "genai_prices", "aiohttp", "batchling", "httpx"} & set(report["imported"])


def test_status_imports_neither_prices_nor_aiohttp(tmp_path: Path, sent: str):
    report = _imports(tmp_path, sent, "running", "status", sent)
    assert not {"numpy", "genai_prices", "aiohttp"} & set(report["imported"])
    assert "batchling" in report["imported"]  # its adapters: the run's provider is called
    assert report["ssl_contexts"] == 1


def test_fetch_without_judges_imports_no_numpy_nor_aiohttp(tmp_path: Path, sent: str):
    report = _imports(tmp_path, sent, "done", "fetch", sent)
    assert not {"numpy", "aiohttp"} & set(report["imported"])
    assert "genai_prices" in report["imported"]  # the answers' cost
    assert report["ssl_contexts"] == 1


def test_dry_run_send_imports_no_aiohttp(tmp_path: Path):
    prepare("openai", "gpt-5-mini", name="run", extra=["--limit", "2"])
    report = _imports(tmp_path, "-", "done", "send", "run", "--dry-run")
    assert "aiohttp" not in report["imported"]
    assert "genai_prices" in report["imported"]  # the estimate


@needs_shared_data
@pytest.mark.parametrize(
    "args",
    [
        ("leaderboard", "--split", "llm", "--iterations", "50"),
        ("judges", "--split", "llm"),
        (
            "compare",
            "gpt-5.1-2025-11-13-high",
            "mistral-large-2512",
            "--split",
            "llm",
            "--iterations",
            "50",
        ),
    ],  # fmt: skip
    ids=lambda args: args[0],
)
def test_scoring_with_data_dir_from_environment_reads_no_settings(tmp_path: Path, args):
    report = _imports(tmp_path, "-", "done", *args, LAYTON_DATA_DIR=str(SHARED_DATA))
    assert set(report["imported"]) == {"numpy"}, report


def test_folders_from_the_environment_read_as_settings_reads_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from layton_eval import envvars
    from layton_eval.settings import Settings

    monkeypatch.delenv("LAYTON_RUNS_DIR")
    assert envvars.data_dir() is None and envvars.runs_dir() == Path("runs")
    (tmp_path / ".env").write_text("LAYTON_DATA_DIR=from-dotenv\nLAYTON_RUNS_DIR=r\n")
    assert envvars.data_dir() == Settings().data_dir == Path("from-dotenv")
    assert envvars.runs_dir() == Path("r")
    monkeypatch.setenv("layton_data_dir", "")  # empty: as unset
    assert envvars.data_dir() == Settings().data_dir == Path("from-dotenv")
    monkeypatch.setenv("LAYTON_DATA_DIR", "from-env")
    assert envvars.data_dir() == Settings().data_dir == Path("from-env")


@needs_shared_data
def test_reading_a_judged_run_reads_no_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from layton_eval.providers import key_var
    from layton_eval.settings import get_settings
    from tests.test_cli_jury import PROVIDERS, all_providers

    for provider in PROVIDERS:
        monkeypatch.setenv(key_var(provider), TEST_KEY)
    monkeypatch.setenv("LAYTON_DATA_DIR", str(SHARED_DATA))
    get_settings.cache_clear()
    prepare("openai", "gpt-5-mini", name="run", data_dir=SHARED_DATA, extra=["--limit", "20"])
    with all_providers(polls_until_done=1):
        for step in ("send", "fetch", "jury", "fetch"):
            invoke_json(step, "run")
    few = ("--iterations", "50")
    for args in (
        ("score", "run", *few),
        ("judges", "run"),
        ("leaderboard", "--split", "llm", "--add", "run", *few),
        ("compare", "run", "gpt-5.1-2025-11-13-high", "--split", "llm", *few),
        ("report", "run", "--split", "llm", "--out", "r.html", *few),
    ):
        report = _imports(tmp_path, "-", "done", *args)
        assert not {"pydantic_settings", "aiohttp", "batchling"} & set(report["imported"]), args


@pytest.mark.parametrize(("asked", "threads"), [(None, 1), ("2", 2)])
def test_numpy_gets_one_blas_thread_unless_the_environment_asks(asked: str | None, threads: int):
    """A second BLAS thread spins on layton's small arrays (it doubled the CPU time of the
    report's comparison matrix); a user's own setting wins. Fails without cli.main's default
    on a machine with more than one core."""
    code = (
        "import json, sys\n"
        "from layton_eval.cli import main\n"
        "sys.argv = ['layton', '--version']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "import numpy\n"
        "from threadpoolctl import threadpool_info\n"
        "blas = [i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas']\n"
        "print(json.dumps(blas))"
    )
    env = {
        k: v for k, v in os.environ.items() if k not in {"OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"}
    }
    if asked is not None:
        env["OPENBLAS_NUM_THREADS"] = asked
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True)  # fmt: skip
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [threads]
