"""A real ``layton`` process killed with SIGKILL mid-flight, then recovered, nothing paid twice.

The emulator lives in this (the test's) process, behind a small HTTP server on 127.0.0.1; the
killed process is a separate interpreter whose provider talks to that server instead of the real
host. The emulator kills the process at the chosen call: right after the provider created the
batch (its answer never arrives, so the batch id is never recorded), or while the results are
downloaded. The recovery then runs in-process against the same emulator.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import typing as t
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from layton_eval.settings import get_settings
from tests.fakes import EMULATORS, TEST_KEY, Emulator, emulate
from tests.helpers import assert_one_line_error, invoke, invoke_json, prepare, rows

MODELS = {"openai": "gpt-5.1", "anthropic": "claude-sonnet-4-5"}
CREATE = {"openai": r"^POST /v1/batches$", "anthropic": r"^POST /v1/messages/batches$"}
RESULTS = {"openai": r"^GET /v1/files/[^/]+/content$"}
_HOP_HEADERS = {"content-length", "transfer-encoding", "connection", "content-encoding"}


def _serve(fake: Emulator) -> ThreadingHTTPServer:
    """An HTTP server on 127.0.0.1 handing every request to ``fake`` (as if on its host)."""

    class Handler(BaseHTTPRequestHandler):
        def _forward(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            request = httpx.Request(
                self.command,
                f"https://{fake.host}{self.path}",
                headers={k: v for k, v in self.headers.items() if k.lower() != "host"},
                content=self.rfile.read(length),
            )
            response = fake.router.handler(request)
            try:
                self.send_response(response.status_code)
                for key, value in response.headers.items():
                    if key.lower() not in _HOP_HEADERS:
                        self.send_header(key, value)
                self.send_header("content-length", str(len(response.content)))
                self.end_headers()
                self.wfile.write(response.content)
            except OSError:  # the client was killed while it waited for this answer
                pass

        do_GET = do_POST = _forward

        def log_message(self, *args: t.Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _layton(provider: str, port: int, runs_dir: Path, *args: str) -> subprocess.Popen:
    """``layton ARGS`` in a new interpreter whose ``provider`` is served on 127.0.0.1.

    The server stands in for the provider's public API: batches are recorded as sent there
    and asked about there, as in this process (whose emulator is on the public host)."""
    boot = (
        "import sys\n"
        "from layton_eval.providers import get_provider\n"
        "import layton_eval.batches._calls as calls, layton_eval.batches.submit as submit\n"
        f"cls = type(get_provider({provider!r}))\n"
        "public = cls.base_url\n"
        "calls.endpoint_of = submit.endpoint_of = lambda impl: public\n"
        f"cls.base_url = 'http://127.0.0.1:{port}'\n"
        "from layton_eval.cli import main\n"
        f"sys.argv = ['layton', *{list(args)!r}]\n"
        "main()\n"
    )
    env = {
        **os.environ,
        f"{provider.upper()}_API_KEY": TEST_KEY,
        "LAYTON_RUNS_DIR": str(runs_dir),
    }
    return subprocess.Popen(
        [sys.executable, "-c", boot],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _killer(holder: dict[str, subprocess.Popen]) -> t.Callable[..., None]:
    def kill(request: httpx.Request, response: httpx.Response) -> None:
        proc = holder["proc"]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    return kill


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for provider in MODELS:
        monkeypatch.setenv(f"{provider.upper()}_API_KEY", TEST_KEY)
    get_settings.cache_clear()


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_killed_between_create_and_recording_the_id(provider, keys, runs_dir: Path):
    prepare(provider, MODELS[provider], name="run", hints=1)
    fake = EMULATORS[provider](polls_until_done=1)  # not entered: only the server calls it
    holder: dict[str, subprocess.Popen] = {}
    server = _serve(fake)
    try:
        fake.after_call.append((CREATE[provider], _killer(holder)))
        holder["proc"] = proc = _layton(provider, server.server_address[1], runs_dir, "send", "run")
        proc.wait(timeout=120)
    finally:
        server.shutdown()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""
    manifest = json.loads((runs_dir / "run" / "run.json").read_text())
    assert manifest["state"] == "submitting" and manifest["batches"][0]["batch_id"] is None
    assert fake.batches_created == 1
    fake.after_call.clear()
    paid = list(fake.batches)
    fake.add_foreign(150)  # meanwhile, other tools' batches push it off the list's first page
    with fake:
        assert_one_line_error(invoke("send", "run"), code=1, contains="--reconcile")
        found = invoke_json("status", "run", "--reconcile")
        assert found[0]["found"] == paid
        fetched = invoke_json("fetch", "run")["run"]
    predictions = rows(runs_dir / "run" / "predictions.jsonl")
    assert fake.batches_created == 1  # paid once
    assert fetched["ok"] == 8 and len(predictions) == 8 and all(p["valid"] for p in predictions)


def test_killed_while_downloading_results(keys, runs_dir: Path):
    prepare("openai", MODELS["openai"], name="run", hints=1)
    with emulate("openai", polls_until_done=1) as fake:
        invoke_json("send", "run")
    holder: dict[str, subprocess.Popen] = {}
    server = _serve(fake)
    try:
        fake.after_call.append((RESULTS["openai"], _killer(holder)))
        holder["proc"] = proc = _layton(
            "openai", server.server_address[1], runs_dir, "fetch", "run"
        )
        proc.wait(timeout=120)
    finally:
        server.shutdown()
    assert proc.returncode == -signal.SIGKILL
    fake.after_call.clear()
    with fake:
        fetched = invoke_json("fetch", "run")["run"]
    assert fetched["ok"] == 8 and len(rows(runs_dir / "run" / "predictions.jsonl")) == 8
    assert fake.batches_created == 1
