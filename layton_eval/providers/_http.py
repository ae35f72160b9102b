"""The HTTP side of every provider: retries with backoff, and errors the user can act on.

:class:`HttpCalls` is held by each :class:`~layton_eval.providers.base.Provider` (built from its
facts at each use, ``Provider.http``): read-only calls
(poll, results, list) are retried on 429, 5xx and network errors; an error status becomes a
:class:`~layton_eval.errors.ProviderHTTPError` whose message holds the provider's own words,
never a key (:func:`redact`) and never a header.
"""

from __future__ import annotations

import asyncio
import json
import re
import typing as t
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import urlsplit

from layton_eval.errors import BatchError, ProviderHTTPError

if t.TYPE_CHECKING:
    import httpx

    ClientFactory = Callable[[], httpx.AsyncClient]

__all__ = ["RETRY_WAIT", "TRANSIENT", "HttpCalls", "batch_error", "error_text", "redact", "short"]

#: Statuses worth retrying: the provider may answer the same call differently later.
TRANSIENT = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529})
_MASKED_KEY = re.compile(r"\S*\*{3,}\S*")
#: Seconds waited before the call about to be made, when it is a retry (read by ``layton -v``).
RETRY_WAIT: ContextVar[float | None] = ContextVar("layton_retry_wait", default=None)


@dataclass(frozen=True)
class HttpCalls:
    """Retried read-only calls and translated HTTP errors (see the module docstring)."""

    name: str
    #: The provider's public API (scheme and host).
    base_url: str
    #: The path every API path of the provider starts with; an endpoint override ending with it
    #: (the SDKs' convention, e.g. ``https://gateway.example/v1``) has it removed.
    api_prefix: str = "/v1"
    #: Words of a 400 answer that mean the key was refused (providers that answer so).
    auth_error_words: tuple[str, ...] = ()
    sleep: Callable[[float], Awaitable[t.Any]] = asyncio.sleep
    retry_delays: tuple[float, ...] = (1.0, 2.0, 4.0)

    def api_base(self) -> str:
        """Where calls go: the provider's public API, or the endpoint set by
        ``LAYTON_<PROVIDER>_BASE_URL`` (``OPENAI_BASE_URL`` for openai), read at call time.

        batchling appends the full API paths (``/v1/files``...) to it, so an override's trailing
        ``api_prefix`` is removed and any other path is kept as a gateway's prefix.
        """
        from layton_eval.settings import get_settings

        override = get_settings().base_url(self.name)
        if override is None:
            return self.base_url
        return (
            override.removesuffix(self.api_prefix)
            if override.endswith(self.api_prefix)
            else override
        )

    @property
    def api_key_var(self) -> str:
        """The environment variable of this provider's API key."""
        from layton_eval.choices import key_var

        return key_var(self.name)

    async def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        client_factory: ClientFactory,
        *,
        api_key: str,
        batch_id: str | None = None,
        doing: str,
        body_to: Callable[[httpx.Response], Awaitable[None]] | None = None,
    ) -> httpx.Response:
        """One read-only call, retried on 429, 5xx and network errors with backoff.

        Decoded batch responses have no ``.request``; this is only used on real responses,
        and 401/403/404 stop at once. ``body_to``: a successful answer's body is streamed to
        it instead of being read into the response (it starts over on each attempt).
        """
        import httpx

        attempt = 0
        while True:
            retry_after: float | None = None
            try:
                async with client_factory() as client:
                    if body_to is None:
                        response = await client.request(method, url, headers=dict(headers))
                    else:
                        async with client.stream(method, url, headers=dict(headers)) as response:
                            await (body_to(response) if response.is_success else response.aread())
                response.raise_for_status()
                return response
            except httpx.HTTPStatusError as exc:
                code = exc.response.status_code
                if code not in TRANSIENT or attempt >= len(self.retry_delays):
                    error = self.http_error(exc.response, api_key=api_key, batch_id=batch_id)
                    raise error from exc
                retry_after = _retry_after(exc.response)
            except httpx.TransportError as exc:
                if attempt >= len(self.retry_delays):
                    host = urlsplit(url).hostname
                    raise BatchError(
                        f"{self.name}: could not reach {host} while {doing} "
                        f"({type(exc).__name__}); check the network and try again",
                        provider=self.name,
                        batch_id=batch_id,
                    ) from exc
            wait = max(self.retry_delays[attempt], min(retry_after or 0.0, 60.0))
            await self.sleep(wait)
            RETRY_WAIT.set(wait)
            attempt += 1

    def http_error(
        self, response: httpx.Response, *, api_key: str, batch_id: str | None = None
    ) -> ProviderHTTPError:
        """``<provider> answered <code>: <provider's message>`` plus what to do; no headers."""
        code = response.status_code
        try:
            body: t.Any = response.json()
        except ValueError:
            body = response.text
        detail = short(redact(error_text(body) if body else response.reason_phrase, api_key))
        message = f"{self.name} answered {code}: {detail}"
        auth = code in (401, 403) or self._is_auth_error(code, body)
        if auth:
            message += f" (check {self.api_key_var})"
        elif code == 404:
            message += " (unknown batch or file id?)"
        elif code == 429:
            message += " (rate limited: wait and try again)"
        return ProviderHTTPError(
            message, status_code=code, provider=self.name, batch_id=batch_id, auth=auth
        )

    def _is_auth_error(self, status_code: int, body: t.Any) -> bool:
        """A 400 answer holding one of ``auth_error_words`` (Google, xAI answer a bad key so)."""
        if status_code != 400 or not self.auth_error_words:
            return False
        text = body if isinstance(body, str) else json.dumps(body)
        return any(word in text for word in self.auth_error_words)

    def read_json(self, response: httpx.Response, *, batch_id: str | None = None) -> t.Any:
        """The JSON of an answer; :class:`BatchError` when it is not JSON."""
        try:
            return response.json()
        except ValueError as exc:
            raise BatchError(
                f"{self.name} answered with something that is not JSON",
                provider=self.name,
                batch_id=batch_id,
            ) from exc


def batch_error(payload: t.Any) -> str | None:
    """The batch-level error message of a poll answer, in the shapes providers use.

    OpenAI-style ``errors: {"data": [{"message"}]}``, Mistral ``errors: [{"message"}]``,
    Gemini's operation ``error: {"message"}``, Together ``error: "..."``.
    """
    if not isinstance(payload, dict):
        return None
    found: list[str] = []
    for key in ("errors", "error"):
        value = payload.get(key)
        if isinstance(value, dict) and isinstance(value.get("data"), list):
            value = value["data"]
        items = value if isinstance(value, list) else [value]
        for item in items:
            message = item.get("message") if isinstance(item, dict) else item
            if isinstance(message, str) and message.strip() and message not in found:
                found.append(message.strip())
    return short("; ".join(found)) if found else None


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("retry-after", ""))
    except ValueError:
        return None


def short(text: str, limit: int = 300) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def redact(text: str, api_key: str | None) -> str:
    """Remove the API key, and masked echoes of it (``sk-ab***yz``), from a message."""
    if api_key:
        text = text.replace(api_key, "[redacted]")
    return _MASKED_KEY.sub("[redacted]", text)


def error_text(body: t.Any) -> str:
    """The most useful one-line message of a provider error body (any provider's shape)."""
    if isinstance(body, str):
        return body
    if isinstance(body, dict):
        inner = body.get("error")
        if isinstance(inner, dict) and inner:
            return error_text(inner)
        message = body.get("message") or body.get("detail") or (inner if inner else None)
        kind = body.get("type") or body.get("status") or body.get("code")
        if message:
            message = message if isinstance(message, str) else json.dumps(message)
            if kind and kind != "error" and str(kind) not in message:
                return f"{kind}: {message}"
            return message
    return short(json.dumps(body, default=str))
