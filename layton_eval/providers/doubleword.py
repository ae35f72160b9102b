"""Doubleword's OpenAI-compatible Batch API (open-weight models, 1h or 24h windows)."""

from __future__ import annotations

from batchling.providers.doubleword import DoublewordProvider

from layton_eval.providers.openai import OpenAI

__all__ = ["Doubleword"]


class Doubleword(OpenAI):
    """Doubleword chat completions through ``/v1/batches``.

    The served open-weight models honour a JSON schema through guided decoding, but not all
    of them reliably, so the schema is also spelled out in the system prompt.
    """

    name = "doubleword"
    base_url = "https://api.doubleword.ai"
    adapter_class = DoublewordProvider
    max_requests_per_batch = 50_000
    max_bytes_per_batch = 200_000_000
    completion_windows = ("1h", "24h")
    structured_output = False
    max_tokens_field = "max_tokens"
