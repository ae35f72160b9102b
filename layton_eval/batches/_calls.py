"""What every step of the lifecycle needs to call a provider: a client, a loop, the provider."""

from __future__ import annotations

import asyncio
import functools
import ssl
import typing as t

if t.TYPE_CHECKING:
    import httpx

    from layton_eval.providers.base import Provider

__all__ = ["ClientFactory", "default_client_factory", "impl_of", "run_async"]

ClientFactory = t.Callable[[], "httpx.AsyncClient"]


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def default_client_factory() -> httpx.AsyncClient:
    """A fresh HTTP client per call, as batchling's adapters expect (one shared SSL context:
    building a context costs ~35 ms, a client per HTTP call would pay it every time)."""
    import httpx

    return httpx.AsyncClient(timeout=httpx.Timeout(120.0, connect=15.0), verify=_ssl_context())


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
