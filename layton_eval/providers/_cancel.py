"""Cancelling a batch: one call, the same for every provider but for its path.

Every Batch API cancels with a POST on the batch's own path plus a suffix: ``/cancel``
(OpenAI, Groq, Doubleword, Together, Mistral, Anthropic) or Google's custom-method ``:cancel``
(Gemini, xAI). The answer differs (the batch, an empty object), so the batch is polled right
after: the snapshot says whether it is cancelling, cancelled, or had finished before the cancel
arrived (the provider then refuses the cancel, and nothing changed).
"""

from __future__ import annotations

import typing as t

from layton_eval.errors import ProviderHTTPError

if t.TYPE_CHECKING:
    from layton_eval.providers.base import ClientFactory, Provider
    from layton_eval.providers.batch_types import BatchSnapshot

__all__ = ["Cancelling"]


class Cancelling:
    """The cancel call (mixed into ``Provider``)."""

    #: What the cancel call adds to the batch's poll path.
    cancel_suffix: t.ClassVar[str] = "/cancel"

    async def cancel(
        self, batch_id: str, *, api_key: str, total: int, client_factory: ClientFactory
    ) -> BatchSnapshot:
        """Ask the provider to stop ``batch_id``, then poll it.

        Requests already answered stay answered (and paid); the provider keeps their results
        for ``fetch``. A batch that finished before the cancel arrived is refused by the
        provider: its snapshot (terminal, not cancelled) is returned, and nothing changed.
        """
        provider = t.cast("Provider", self)
        adapter, base_url, headers = provider._for_batch(batch_id, api_key)
        url = base_url + adapter.build_batch_poll_path(batch_id=batch_id) + self.cancel_suffix
        try:
            await provider._send(
                "POST", url, headers, client_factory, api_key=api_key, batch_id=batch_id,
                doing="cancelling",
            )  # fmt: skip
            refused = None
        except ProviderHTTPError as exc:
            if exc.auth or exc.status_code == 404:
                raise
            refused = exc  # the batch finished meanwhile, or a real refusal: the poll says
        snapshot = await provider.poll(
            batch_id, api_key=api_key, total=total, client_factory=client_factory
        )
        if refused is not None and not snapshot.terminal:
            raise refused
        return snapshot
