"""Shared fixtures: every test gets its own runs folder and a clean environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from layton_eval.settings import API_KEY_VARS, BASE_URL_VARS, get_settings

REPO = Path(__file__).resolve().parents[1]
#: Real benchmark data shipped beside the repository on the team's machines (never copied in).
SHARED_DATA = REPO.parent / "shared" / "layton-data"

needs_shared_data = pytest.mark.skipif(
    not (SHARED_DATA / "layton_eval_llm.jsonl").is_file(),
    reason=f"real data not found at {SHARED_DATA}",
)


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs go to a temporary folder; no key, data folder or .env leaks in from the machine."""
    monkeypatch.chdir(tmp_path)  # a stray .env in the working directory is not read
    monkeypatch.setenv("LAYTON_RUNS_DIR", str(tmp_path / "runs"))
    for var in [
        *API_KEY_VARS.values(),
        *{var for variables in BASE_URL_VARS.values() for var in variables},
        "LAYTON_DATA_DIR",
        "LAYTON_PROVIDER",
        "LAYTON_MODEL",
        "LAYTON_REVISION",
        "LAYTON_PPI_REVISION",
    ]:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def runs_dir(tmp_path: Path) -> Path:
    return tmp_path / "runs"


@pytest.fixture
def shared_data() -> Path:
    if not (SHARED_DATA / "layton_eval_llm.jsonl").is_file():
        pytest.skip(f"real data not found at {SHARED_DATA}")
    return SHARED_DATA
