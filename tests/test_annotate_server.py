"""The labelling server over real HTTP (no browser): loopback only, token, Host, CSP, API."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import re
import typing as t
from pathlib import Path

import pytest

from layton_eval.annotate.labels import LabelStore
from layton_eval.annotate.server import Server, serve
from layton_eval.annotate.session import Session
from layton_eval.choices import Split
from layton_eval.errors import UsageError
from tests.test_annotate import item

HOSTILE = "</script><script>alert(1)</script>"


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
