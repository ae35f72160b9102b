"""``layton -v``: one line per HTTP call on stderr, with nothing secret in it.

:class:`LoggedTransport` wraps the transport of every client the client factory makes (layton's
own calls and batchling's adapters alike): when a call's answer has been read, or the call
failed on the network, it writes ``HTTP <method> <host> <path> <status> <time>``, with the
wait before it when the call was a retry. Query parameters that can carry a credential (``key``,
``upload_id``, anything naming a token, secret, signature...) are printed as ``[redacted]``, and
the values of the request's credential headers are removed from the line wherever they appear;
headers themselves are never printed.

Imported only under ``-v`` (it needs httpx).
"""

from __future__ import annotations

import time
import typing as t
from collections.abc import AsyncIterator, Callable
from urllib.parse import parse_qsl, urlencode

import httpx

from layton_eval.providers._http import RETRY_WAIT

__all__ = ["LoggedTransport", "call_line"]

#: Parts of a query parameter's name that mark it as a credential.
_SECRET_PARAMS = ("key", "token", "secret", "signature", "sig", "credential", "password",
                  "auth", "upload_id", "session")  # fmt: skip
#: Request headers whose values are credentials.
_SECRET_HEADERS = ("authorization", "x-api-key", "x-goog-api-key", "api-key", "proxy-authorization")


def call_line(request: httpx.Request, outcome: str, seconds: float, waited: float | None) -> str:
    """The line of one call: method, host, path (credentials redacted), status, time."""
    path, _, query = request.url.raw_path.decode("ascii", "replace").partition("?")
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        shown = [(k, "[redacted]" if _secret(k) else v) for k, v in pairs]
        path += "?" + urlencode(shown, safe="[]")
    line = f"HTTP {request.method} {request.url.host} {path} {outcome} {seconds:.2f}s"
    if waited:
        line += f" (a retry, after waiting {waited:g}s)"
    for value in _secret_values(request):
        line = line.replace(value, "[redacted]")
    return line


def _secret(name: str) -> bool:
    lowered = name.lower()
    return any(part in lowered for part in _SECRET_PARAMS)


def _secret_values(request: httpx.Request) -> list[str]:
    """The credentials the request carries in its headers (``Bearer`` taken off), longest
    first."""
    values = []
    for name in _SECRET_HEADERS:
        value = request.headers.get(name, "")
        for part in (value, value.partition(" ")[2]):
            if len(part.strip()) >= 8:  # never blank out short common words
                values.append(part.strip())
    return sorted(set(values), key=len, reverse=True)


class _Closing(httpx.AsyncByteStream):
    """A response body that reports when it has been read and closed."""

    def __init__(self, stream: httpx.AsyncByteStream, done: Callable[[], None]) -> None:
        self._stream = stream
        self._done: Callable[[], None] | None = done

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        await self._stream.aclose()
        if self._done is not None:
            done, self._done = self._done, None
            done()


class LoggedTransport(httpx.AsyncBaseTransport):
    """``inner``, with a line written (by ``write``) for each call once its answer is read."""

    def __init__(self, inner: httpx.AsyncBaseTransport, write: Callable[[str], t.Any]) -> None:
        self._inner = inner
        self._write = write

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        start = time.perf_counter()
        waited = RETRY_WAIT.get()
        RETRY_WAIT.set(None)
        try:
            response = await self._inner.handle_async_request(request)
        except httpx.TransportError as exc:
            self._write(call_line(request, type(exc).__name__, time.perf_counter() - start, waited))
            raise
        stream = response.stream
        assert isinstance(stream, httpx.AsyncByteStream)

        def done() -> None:
            seconds = time.perf_counter() - start
            self._write(call_line(request, str(response.status_code), seconds, waited))

        response.stream = _Closing(stream, done)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()
