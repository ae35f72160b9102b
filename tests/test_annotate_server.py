"""The labelling server over real HTTP (no browser): loopback only, token, Host, CSP, API."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest

from layton_eval.annotate.labels import LabelStore
from layton_eval.annotate.server import Server, serve
from layton_eval.annotate.session import Session
from layton_eval.choices import Split
from layton_eval.errors import UsageError
from tests.conftest import SHARED_DATA
from tests.test_annotate import item

HOSTILE = "</script><script>alert(1)</script>"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def running(tmp_path: Path) -> t.Iterator[Server]:
    items = [item("1", both=(1, 0, 0)), item("2")]
    session = Session(items, store=LabelStore(tmp_path / "labels.jsonl"), split=Split.llm,
                      annotator=HOSTILE, fixed=None)  # fmt: skip
    context = {"split": "llm", "labels": f"{tmp_path}/<b>.jsonl", "annotator": HOSTILE,
               "source": "x", "budget": None}  # fmt: skip
    server = serve(session, port=0, context=context)
    yield server
    server.stop()


def request(
    server: Server,
    method: str,
    path: str,
    body: t.Any = None,
    *,
    headers: dict[str, str] | None = None,
    token: bool = True,
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.httpd.server_address[1], timeout=5)
    sent = {"X-Layton-Token": server.token} if token else {}
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    sent.update(headers or {})
    connection.request(method, path, body=data, headers=sent)
    response = connection.getresponse()
    answer = response.status, dict(response.getheaders()), response.read()
    connection.close()
    return answer


def test_listens_on_the_loopback_interface_only(running: Server):
    assert running.httpd.server_address[0] == "127.0.0.1"
    assert running.url.startswith("http://127.0.0.1:")


def test_the_page_allows_only_its_own_inline_style_and_script(running: Server):
    status, headers, body = request(running, "GET", "/", token=False)
    page = body.decode()
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    csp = headers["Content-Security-Policy"]
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    [style] = re.findall(r"<style>(.*?)</style>", page, re.S)

    def digest(text: str) -> str:
        return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

    assert len(scripts) == 1
    assert f"script-src 'sha256-{digest(scripts[0])}';" in csp
    assert f"style-src 'sha256-{digest(style)}';" in csp
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp and "unsafe" not in csp
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing from elsewhere
    # data is escaped: the hostile annotator name cannot close the config or open a script
    assert HOSTILE not in page and "&lt;/script&gt;" in page and "&lt;b&gt;.jsonl" in page
    config = re.search(r'<script type="application/json" id="config">(.*?)</script>', page, re.S)
    assert config and json.loads(config.group(1))["annotator"] == HOSTILE
    assert headers["X-Frame-Options"] == "DENY" and headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "token", "status", "message"),
    [
        ("GET", "/api/state", None, {}, False, 403, "session token"),
        ("GET", "/api/state", None, {"X-Layton-Token": "wrong"}, False, 403, "session token"),
        ("GET", "/", None, {"Host": "evil.example:80"}, False, 403, "open the page at"),
        ("GET", "/api/state", None, {"Host": "rebound.example"}, True, 403, "open the page at"),
        ("POST", "/api/skip", None, {"Content-Type": "text/plain"}, True, 415, "application/json"),
        ("POST", "/api/skip", b"[1]", {}, True, 400, "JSON object"),
        ("POST", "/api/skip", {"key": 3}, {}, True, 400, "names no item"),
        ("POST", "/api/label", {"key": "k", "answer": "yes"}, {}, True, 400, "true or false"),
        ("POST", "/api/skip", b"x" * 70_000, {}, True, 413, "too large"),
        ("POST", "/api/nothing", {}, {}, True, 404, "not found"),
        ("GET", "/etc/passwd", None, {}, True, 404, "not found"),
    ],
)  # fmt: skip
def test_requests_that_are_refused(running, method, path, body, headers, token, status, message):
    got, _, data = request(running, method, path, body, headers=headers, token=token)
    assert got == status and message in json.loads(data)["error"]
    assert running.session.store.rows() == []


def test_label_through_the_api_and_a_stale_page(running: Server):
    status, _, data = request(running, "GET", "/api/state")
    state = json.loads(data)
    assert status == 200 and state["item"]["riddle_id"] == "1"
    status, _, data = request(running, "POST", "/api/skip", {"key": "not-on-screen"})
    assert status == 409 and "no longer on screen" in json.loads(data)["error"]
    key = state["item"]["key"]
    body = {"key": key, "answer": True, "justification": False, "notes": "  n  "}
    status, _, data = request(running, "POST", "/api/label", body)
    shown = json.loads(data)
    assert status == 200 and shown["reveal"]["human"]["both"] is False
    [row] = running.session.store.rows()
    assert row["notes"] == "n" and row["human_answer_correct"] is True
    status, _, data = request(running, "POST", "/api/next", {"key": key})
    assert status == 200 and json.loads(data)["item"]["riddle_id"] == "2"
    assert running.session.store.rows()[0]["notes"] == "n"  # no notes sent: kept
    status, _, data = request(running, "GET", "/api/summary")
    assert status == 200 and json.loads(data)["labels"] == 1
    status, _, data = request(running, "POST", "/api/finish", {})
    assert status == 200 and json.loads(data)["done"] and running.session.finished.is_set()


def test_a_port_in_use_is_a_usage_error(running: Server, tmp_path: Path):
    session = Session([item("1")], store=LabelStore(tmp_path / "l.jsonl"), split=Split.llm,
                      annotator="a", fixed=None)  # fmt: skip
    with pytest.raises(UsageError, match="cannot listen on 127.0.0.1:.*--port 0"):
        serve(session, port=running.httpd.server_address[1], context={})


def test_an_unknown_api_route_is_404_with_or_without_the_token(running: Server):
    for token in (True, False):
        status, _, data = request(running, "GET", "/api/nothing", token=token)
        assert status == 404 and json.loads(data)["error"] == "not found"


def test_a_label_of_the_same_annotator_from_another_process_is_refused(running: Server):
    status, _, data = request(running, "GET", "/api/state")
    shown = json.loads(data)["item"]
    store = running.session.store
    other = subprocess.run(  # another layton annotate on the same file labels it first
        [sys.executable, "-c", _LABEL_IN_ANOTHER_PROCESS, str(store.path), shown["riddle_id"],
         running.session.annotator],
        env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert other.returncode == 0, other.stderr
    body = {"key": shown["key"], "answer": True, "justification": True}
    status, _, data = request(running, "POST", "/api/label", body)
    assert status == 409 and "labelled this item already" in json.loads(data)["error"]
    assert len(store.rows()) == 1  # written once


_LABEL_IN_ANOTHER_PROCESS = """
import sys
from pathlib import Path
from layton_eval.annotate.labels import LabelStore, label_row
from layton_eval.choices import Split
from tests.test_annotate import item
path, riddle, annotator = sys.argv[1:]
LabelStore(Path(path)).append(label_row(item(riddle, both=(1, 0, 0)), answer=True,
    justification=True, annotator=annotator, notes="", split=Split.llm))
"""


def test_a_stale_temporary_file_of_a_killed_write_is_removed(tmp_path: Path):
    store = LabelStore(tmp_path / "labels.jsonl")
    store.append({"riddle_id": "1", "provider": "openai", "model": "m1", "annotator": "a"})
    left = tmp_path / ".labels.jsonl.k1ll3d.tmp"
    left.write_text('{"riddle_id": "1"')  # half a file
    other = tmp_path / ".other.jsonl.x.tmp"
    other.write_text("")
    assert store.clear_stale() == [left]
    assert not left.exists() and other.exists() and len(store.rows()) == 1


class _Annotate:
    """``layton annotate`` in its own process, on the calibration rows left unlabelled."""

    def __init__(self, root: Path) -> None:
        data = root / "data"
        data.mkdir()
        (data / "layton_eval_llm.jsonl").symlink_to(SHARED_DATA / "layton_eval_llm.jsonl")
        published = [json.loads(line) for line in (SHARED_DATA / "ppi_llm.jsonl").open()]
        labelled = [r for r in published if r["human_both_correct"] is not None]
        for row in labelled[:3]:  # three items to label
            row.update(dict.fromkeys(("human_answer_correct", "human_justification_correct",
                                      "human_both_correct")))  # fmt: skip
        (data / "ppi_llm.jsonl").write_text("".join(json.dumps(r) + "\n" for r in labelled))
        command = [sys.executable, "-c", "from layton_eval.cli import main; main()", "annotate",
                   "--no-browser", "--port", "0", "--json", "--split", "llm",
                   "--data-dir", str(data), "--labels",
                   str(root / "labels.jsonl")]  # fmt: skip
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}
        self.process = subprocess.Popen(command, cwd=root, env=env, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        assert self.process.stderr is not None
        line = self.process.stderr.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, line + self.process.stderr.read()
        self.port = int(match.group(1))

    def idle_sockets(self) -> list[socket.socket]:
        """What a browser holds: a preconnected socket that never sends, and a keep-alive
        connection after one request."""
        idle = socket.create_connection(("127.0.0.1", self.port))
        kept = socket.create_connection(("127.0.0.1", self.port))
        kept.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n")
        page = b""
        while b"</html>" not in page:
            page += kept.recv(65536)
        self.token = json.loads(re.search(rb'"token": ("[^"]+")', page).group(1))
        return [idle, kept]

    def ended(self) -> dict:
        """The JSON summary, once the process ended by itself (a hang fails here)."""
        out, err = self.process.communicate(timeout=20)
        assert self.process.returncode == 0, err
        return json.loads(out)


@pytest.mark.skipif(not (SHARED_DATA / "ppi_llm.jsonl").is_file(), reason="no real data")
def test_ctrl_c_ends_annotate_while_a_client_holds_idle_connections(tmp_path: Path):
    annotate = _Annotate(tmp_path)
    held = annotate.idle_sockets()
    try:
        annotate.process.send_signal(signal.SIGINT)
        assert "interrupted" in annotate.ended()["stopped"]
    finally:
        for sock in held:
            sock.close()


@pytest.mark.skipif(not (SHARED_DATA / "ppi_llm.jsonl").is_file(), reason="no real data")
def test_finish_ends_annotate_while_a_client_holds_idle_connections(tmp_path: Path):
    annotate = _Annotate(tmp_path)
    held = annotate.idle_sockets()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", annotate.port, timeout=5)
        headers = {"X-Layton-Token": annotate.token, "Content-Type": "application/json"}
        connection.request("POST", "/api/finish", body=b"{}", headers=headers)
        assert connection.getresponse().status == 200
        assert "finished it from the page" in annotate.ended()["stopped"]
    finally:
        for sock in held:
            sock.close()
