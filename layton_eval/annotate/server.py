"""The labelling page, served on 127.0.0.1 by the standard library's HTTP server.

One process, one session, one port on the loopback interface only. The page is one HTML
document with its style and script inline (allowed by their hashes in a strict
Content-Security-Policy: nothing is fetched from anywhere, not even from this server, but the
JSON API). The API answers only requests that carry the session's token in an
``X-Layton-Token`` header (which the page, and only the page, holds: another site cannot read
it, and cannot send that header across origins without a preflight this server never
answers), and only for a ``Host`` of ``127.0.0.1`` or ``localhost`` (no DNS rebinding).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hmac
import http.server
import json
import secrets
import threading
import typing as t
from urllib.parse import urlsplit

from pydantic import BaseModel

from layton_eval.annotate import page
from layton_eval.annotate.session import Session, Stale
from layton_eval.errors import LaytonError, UsageError

if t.TYPE_CHECKING:
    from layton_eval.annotate.payloads import PageRequest, PageState
    from layton_eval.annotate.summary import LabelSummary

__all__ = ["Server", "serve"]

_HOSTS = {"127.0.0.1", "localhost", "[::1]"}
_MAX_BODY = 64 * 1024
#: A connection that sends nothing for this long is closed (a browser's idle socket).
_IDLE_SECONDS = 10.0
#: How long stopping waits for the answers being written (a label, the finish).
_SETTLE_SECONDS = 1.0
_COMMON_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


class InFlight:
    """The requests being answered (an idle connection is not one)."""

    def __init__(self) -> None:
        self._done = threading.Condition()
        self._count = 0

    @contextlib.contextmanager
    def answering(self) -> t.Iterator[None]:
        with self._done:
            self._count += 1
        try:
            yield
        finally:
            with self._done:
                self._count -= 1
                self._done.notify_all()

    def settle(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the answers being written; whether they were."""
        with self._done:
            return self._done.wait_for(lambda: self._count == 0, timeout)


@dataclasses.dataclass
class Server:
    """A running labelling server."""

    httpd: http.server.ThreadingHTTPServer
    thread: threading.Thread
    session: Session
    token: str
    in_flight: InFlight

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def stop(self) -> None:
        """Stop serving at once, whatever clients do: an idle connection (a browser's
        preconnect) is not waited for; a label being written finishes first (up to a
        second)."""
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()
        self.in_flight.settle(_SETTLE_SECONDS)


def serve(session: Session, *, port: int, context: dict[str, t.Any]) -> Server:
    """Start serving ``session`` on ``127.0.0.1:port`` (0: any free port) in a thread.

    ``context`` is shown in the page's header (split, labels file, annotator...).

    Raises
    ------
    UsageError
        If the port cannot be used.
    """
    token = secrets.token_urlsafe(24)
    document = page.render(token=token, context=context)
    in_flight = InFlight()
    attributes = {"session": session, "token": token, "page": document, "in_flight": in_flight}
    handler = type("Handler", (_Handler,), attributes)
    try:
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise UsageError(
            f"cannot listen on 127.0.0.1:{port} ({exc.strerror}); pass another --port, "
            "or --port 0 for any free one"
        ) from exc
    httpd.daemon_threads = True  # an idle connection never keeps the process alive
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="layton-annotate",
        daemon=True,
    )  # fmt: skip
    thread.start()
    return Server(httpd=httpd, thread=thread, session=session, token=token, in_flight=in_flight)


class _Handler(http.server.BaseHTTPRequestHandler):
    session: Session
    token: str
    page: page.Page
    in_flight: InFlight
    server_version = "layton-annotate"
    sys_version = ""
    timeout = _IDLE_SECONDS

    def log_message(self, format: str, *args: t.Any) -> None:  # noqa: A002 - stdlib name
        """No request log on the terminal."""

    # ------------------------------------------------------------------ routing

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        with self.in_flight.answering():
            self._get()

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        with self.in_flight.answering():
            self._post()

    def _get(self) -> None:
        if not self._host_ok():
            return
        path = urlsplit(self.path).path
        if path == "/":
            self._send(200, self.page.html.encode(), "text/html; charset=utf-8", page=True)
        elif path == "/favicon.ico":
            self._send(204, b"", "text/plain")
        elif path in ("/api/state", "/api/summary"):
            if self._token_ok():
                self._answer(self.session.state if path == "/api/state" else self.session.summary)
        else:
            self._error(404, "not found")

    def _post(self) -> None:
        if not self._host_ok() or not self._token_ok():
            return
        body = self._body()
        if body is None:
            return
        actions: dict[str, t.Callable[[], PageState]] = {
            "/api/label": lambda: self.session.label(
                _key(body), _flag(body, "answer"), _flag(body, "justification"), _notes(body)
            ),
            "/api/next": lambda: self.session.next(
                _key(body), _notes(body) if "notes" in body else None
            ),
            "/api/skip": lambda: self.session.skip(_key(body)),
            "/api/undo": self.session.undo,
            "/api/finish": self.session.finish,
        }
        action = actions.get(urlsplit(self.path).path)
        if action is None:
            self._error(404, "not found")
        else:
            self._answer(action)

    # ------------------------------------------------------------------ checks

    def _host_ok(self) -> bool:
        host = self.headers.get("Host", "")
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if name.lower() not in _HOSTS:
            self._error(403, "open the page at http://127.0.0.1:PORT/")
            return False
        return True

    def _token_ok(self) -> bool:
        given = self.headers.get("X-Layton-Token", "")
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            self._error(403, "missing or wrong session token: reload the page")
            return False
        return True

    def _body(self) -> PageRequest | None:
        if self.headers.get_content_type() != "application/json":
            self._error(415, "send application/json")
            return None
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            self._error(413, "request too large")
            return None
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            self._error(400, "send a JSON object")
            return None
        return t.cast("PageRequest", body)  # each field is checked where it is read

    # ------------------------------------------------------------------ answers

    def _answer(self, action: t.Callable[[], PageState | LabelSummary]) -> None:
        try:
            result = action()
        except Stale as exc:
            self._error(409, str(exc))
            return
        except LaytonError as exc:  # a labels file that cannot be written, a bad request
            self._error(400, str(exc))
            return
        except Exception as exc:  # a bug: say so on the page, keep serving
            self._error(500, f"internal error: {type(exc).__name__}: {exc}")
            return
        answer = result.model_dump(mode="json") if isinstance(result, BaseModel) else result
        self._send(200, json.dumps(answer).encode(), "application/json")

    def _error(self, status: int, message: str) -> None:
        self._send(status, json.dumps({"error": message}).encode(), "application/json")

    def _send(self, status: int, data: bytes, kind: str, *, page: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        csp = self.page.csp if page else "default-src 'none'; frame-ancestors 'none'"
        self.send_header("Content-Security-Policy", csp)
        for name, value in _COMMON_HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _key(body: PageRequest) -> str:
    key = body.get("key")
    if not isinstance(key, str) or not key:
        raise UsageError("the request names no item")
    return key


def _flag(body: PageRequest, name: t.Literal["answer", "justification"]) -> bool:
    value = body.get(name)
    if not isinstance(value, bool):
        raise UsageError(f"{name} must be true or false")
    return value


def _notes(body: PageRequest) -> str:
    value = body.get("notes", "")
    if not isinstance(value, str):
        raise UsageError("notes must be text")
    return value.strip()[:4000]
