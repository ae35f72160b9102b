"""Locks (issues 21 and 23): cross-platform (no ``fcntl`` needed), and a full disk at a run's
first lock is one ``cannot write`` line like every other write."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from layton_eval.settings import get_settings
from tests.fakes import TEST_KEY, emulate
from tests.helpers import assert_one_line_error, invoke, prepare

REPO = Path(__file__).resolve().parent.parent

_WITHOUT_FCNTL = """
import sys
sys.modules["fcntl"] = None  # as on Windows: there is no fcntl module
import json
from pathlib import Path
import filelock
from layton_eval.annotate.labels import LabelStore
from tests.fakes import emulate
from tests.helpers import invoke_json, prepare

prepare("openai", "gpt-5-mini", name="run")
with emulate("openai") as fake:
    invoke_json("send", "run")
    fetched = invoke_json("fetch", "run")["run"]
    if fetched["waiting_batches"]:
        fetched = invoke_json("fetch", "run")["run"]
store = LabelStore(Path("labels.jsonl"))
for annotator in ("ann", "other"):
    store.append({"riddle_id": "1", "provider": "openai", "model": "m1", "annotator": annotator})
print(json.dumps({
    "fcntl": sys.modules["fcntl"] is None,
    "lock": filelock.FileLock.__name__,
    "created": fake.batches_created,
    "ok": fetched["ok"],
    "labels": [row["annotator"] for row in store.rows()],
}))
"""


def test_prepare_send_fetch_and_a_label_work_without_fcntl(tmp_path: Path):
    env = {**os.environ, "OPENAI_API_KEY": TEST_KEY, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT_FCNTL],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["fcntl"] and result["lock"] != "UnixFileLock"  # no fcntl was used
    assert result["created"] == 1 and result["ok"] == 8
    assert result["labels"] == ["ann", "other"]


@contextlib.contextmanager
def _small_disk(where: Path) -> Iterator[Path]:
    """A real 256 KiB tmpfs at ``where`` (skipped where it cannot be mounted)."""
    where.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root and mount(8); the simulated case runs")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(where)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.decode().strip()})")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(disk: Path) -> None:
    """Write to ``disk`` until it is full."""
    with (disk / "filler").open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"x" * 1024)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC


def test_a_full_disk_at_a_runs_first_lock_is_one_line(tmp_path: Path, monkeypatch):
    with _small_disk(tmp_path / "disk") as disk:
        monkeypatch.setenv("LAYTON_RUNS_DIR", str(disk / "runs"))
        monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
        get_settings.cache_clear()
        prepare("openai", "gpt-5-mini", name="run")
        assert not (disk / "runs" / "run" / ".lock").exists()  # never locked yet
        _fill(disk)
        with emulate("openai") as fake:
            result = invoke("send", "run", "--json")
        assert_one_line_error(result, code=1, contains=f"cannot write {disk / 'runs' / 'run'}/")
        assert "no space left on device" in result.stderr
        assert fake.batches_created == 0  # nothing paid


def test_a_lock_file_that_cannot_be_written_is_one_line(tmp_path: Path, monkeypatch, runs_dir):
    from layton_eval.runs import locks

    prepare("openai", "gpt-5-mini", name="run")
    lock = runs_dir / "run" / ".lock"
    real_open = os.open

    def full(path, *args, **kwargs):
        if Path(path) == lock:  # creating the lock file finds the disk full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(lock))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(locks.os, "open", full)
    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
    get_settings.cache_clear()
    with emulate("openai") as fake:
        result = invoke("send", "run", "--json")
    assert_one_line_error(result, code=1, contains=f"cannot write {lock}: no space left on device")
    assert fake.batches_created == 0
