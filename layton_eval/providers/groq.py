"""Groq's OpenAI-compatible Batch API (paths under ``/openai/v1``)."""

from __future__ import annotations

import typing as t

from batchling.providers.groq import GroqProvider

from layton_eval.neutral import NeutralRequest
from layton_eval.providers.openai import OpenAI

__all__ = ["Groq"]


class Groq(OpenAI):
    """Groq chat completions through ``/openai/v1/batches``.

    JSON-schema outputs exist on only a few Groq models (others answer 400), so the schema goes
    into the system prompt and ``response_format`` asks for JSON-object mode, which every chat
    model accepts. Override with a ``response_format`` param on models that support schemas.
    """

    name = "groq"
    base_url = "https://api.groq.com"
    adapter_class = GroqProvider
    endpoint_path = "/openai/v1/chat/completions"
    max_requests_per_batch = 50_000
    max_bytes_per_batch = 200_000_000
    completion_windows = ("24h", "48h", "72h", "7d")
    structured_output = False
    max_tokens_field = "max_tokens"
    list_path = "/openai/v1/batches"
    api_prefix = "/openai/v1"

    def response_format(self, request: NeutralRequest) -> dict[str, t.Any] | None:
        return {"type": "json_object"}
