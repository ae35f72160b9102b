"""Shared fixtures: every test gets its own runs folder and a clean environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from layton_eval.settings import API_KEY_VARS, BASE_URL_VARS, get_settings

REPO = Path(__file__).resolve().parents[1]
#: Where the real benchmark data is looked for: ``LAYTON_TEST_DATA`` when set, else beside the
#: repository (``../shared/layton-data`` on the team's machines; never copied in).
DATA_VAR = "LAYTON_TEST_DATA"
DEFAULT_SHARED_DATA = REPO.parent / "shared" / "layton-data"
SHARED_DATA = Path(os.environ.get(DATA_VAR) or DEFAULT_SHARED_DATA).expanduser().resolve()
#: Why tests that need the real data are skipped, naming both places they look.
NO_DATA = (
    f"real data not found at {SHARED_DATA}, named by {DATA_VAR} (unset, the tests look at "
    f"{DEFAULT_SHARED_DATA})"
    if os.environ.get(DATA_VAR)
    else f"real data not found: set {DATA_VAR} to its folder, or put it at {DEFAULT_SHARED_DATA}"
) + " (layton_eval_{llm,vlm}.jsonl, ppi_{llm,vlm}.jsonl)"

#: The files the tests read there.
DATA_FILES = ("layton_eval_llm.jsonl", "layton_eval_vlm.jsonl", "ppi_llm.jsonl", "ppi_vlm.jsonl")
HAS_DATA = all((SHARED_DATA / name).is_file() for name in DATA_FILES)
#: The mark of every test that reads the real data: skipped, saying where it looked, without
#: it (``.ci/run`` runs the suite once more with the data hidden, as on a bare clone).
needs_shared_data = pytest.mark.skipif(not HAS_DATA, reason=NO_DATA)


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
        "LAYTON_MAX_COST",
    ]:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    get_settings.cache_clear()
    _fresh_consoles()  # a console made under a test's COLUMNS would keep its width
    yield
    get_settings.cache_clear()
    _fresh_consoles()


def _fresh_consoles() -> None:
    from layton_eval.console import err_console, out_console

    out_console.cache_clear()
    err_console.cache_clear()


@pytest.fixture
def runs_dir(tmp_path: Path) -> Path:
    return tmp_path / "runs"


@pytest.fixture
def shared_data() -> Path:
    if not HAS_DATA:
        pytest.skip(NO_DATA)
    return SHARED_DATA
