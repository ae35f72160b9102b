"""What every step of the lifecycle needs to call a provider: a client, a loop, the provider."""

from __future__ import annotations

import asyncio
import functools
import ssl
import typing as t

from layton_eval.errors import BatchError

if t.TYPE_CHECKING:
    import httpx

    from layton_eval.providers.base import Provider
    from layton_eval.runs.manifest import BatchRecord

__all__ = [
    "ClientFactory",
    "default_client_factory",
    "endpoint_of",
    "impl_for",
    "impl_of",
    "log_calls",
    "run_async",
]

ClientFactory = t.Callable[[], "httpx.AsyncClient"]


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    return ssl.create_default_context()


#: Where ``layton -v`` writes one line per HTTP call (empty: nowhere).
_call_log: list[t.Callable[[str], t.Any]] = []


def log_calls(write: t.Callable[[str], t.Any] | None) -> None:
    """Have every client made from now on write one line per HTTP call with ``write`` (see
    :mod:`layton_eval.providers._verbose`); ``None``: stop."""
    _call_log[:] = [write] if write is not None else []


def default_client_factory() -> httpx.AsyncClient:
    """A fresh HTTP client per call, as batchling's adapters expect (one shared SSL context:
    building a context costs ~35 ms, a client per HTTP call would pay it every time)."""
    import httpx

    timeout = httpx.Timeout(120.0, connect=15.0)
    if not _call_log:
        return httpx.AsyncClient(timeout=timeout, verify=_ssl_context())
    from layton_eval.providers._verbose import LoggedTransport

    inner = httpx.AsyncHTTPTransport(verify=_ssl_context())
    return httpx.AsyncClient(timeout=timeout, transport=LoggedTransport(inner, _call_log[0]))


def run_async[T](coro: t.Coroutine[t.Any, t.Any, T]) -> T:
    """Run one provider call to completion.

    The answer travels outside the main task: ``asyncio.run`` ends by testing the SIGINT
    handler, a ``functools.partial`` holding that task, against an enum, and the error it builds
    on the way holds the task's repr, so a task whose result is a large download would have
    that result turned into text (tens of MB, a few tenths of a second) for nothing.
    """
    answer: list[T] = []

    async def main() -> None:
        answer.append(await coro)

    asyncio.run(main())
    return answer[0]


def impl_of(name: str) -> Provider:
    """The provider called ``name`` (imported on first use)."""
    from layton_eval.providers import get_provider

    return get_provider(name)


def endpoint_of(impl: Provider) -> str:
    """Where ``impl``'s calls go now (see ``api_base``), without any user or password the URL
    may hold: what a batch record keeps."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(impl.api_base())
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def impl_for(record: BatchRecord) -> Provider:
    """The provider of ``record``'s batch, at the endpoint the batch was sent to.

    A batch lives where it was created: asked elsewhere (``LAYTON_<PROVIDER>_BASE_URL`` set,
    changed or unset since), the provider would answer that it does not know it, and the
    batch would look lost. Refused instead, naming both endpoints.
    """
    impl = impl_of(record.provider)
    if record.api_base is None:  # recorded by an older layton
        return impl
    current = endpoint_of(impl)
    if current != record.api_base:
        var = f"LAYTON_{record.provider.upper()}_BASE_URL"
        what = f"batch {record.batch_id}" if record.batch_id else "an interrupted submission"
        raise BatchError(
            f"{what} was sent to {record.api_base}, but {record.provider} calls now go to "
            f"{current}: set {var} back to {record.api_base} (or unset it if that is "
            f"{record.provider}'s own API) to reach it",
            provider=record.provider,
            batch_id=record.batch_id,
        )
    return impl
