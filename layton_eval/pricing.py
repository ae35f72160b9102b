"""Batch prices of known models and rough token estimates, for cost shown before spending.

Prices are USD per million tokens at *batch* rates (half the list price at each provider), as
listed by the providers on :data:`PRICES_AS_OF`. They go stale: an unknown model simply gets no
estimate, and every figure computed here is labelled an estimate.
"""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass

from layton_eval.neutral import ImagePart, NeutralRequest, TextPart, Usage

__all__ = [
    "ASSUMED_OUTPUT_TOKENS",
    "Estimate",
    "PRICES",
    "PRICES_AS_OF",
    "Price",
    "batch_price",
    "estimate_cost",
    "estimate_input_tokens",
    "jpeg_size",
]

PRICES_AS_OF = "2025-12-01"
#: Output tokens per request assumed by estimates made before anything ran.
ASSUMED_OUTPUT_TOKENS = 1_000


@dataclass(frozen=True)
class Price:
    """Batch price in USD per million tokens."""

    input: float
    output: float

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.input + output_tokens * self.output) / 1_000_000

    def cost_of(self, usage: Usage) -> float:
        # reasoning tokens are billed as output tokens and already counted in output_tokens
        return self.cost(usage.input_tokens, usage.output_tokens)


#: (provider, model or model prefix) -> batch price. The longest matching prefix wins.
PRICES: dict[tuple[str, str], Price] = {
    ("openai", "gpt-5.1"): Price(0.625, 5.0),
    ("openai", "gpt-5"): Price(0.625, 5.0),
    ("openai", "gpt-5-mini"): Price(0.125, 1.0),
    ("openai", "gpt-5-nano"): Price(0.025, 0.2),
    ("openai", "gpt-4.1"): Price(1.0, 4.0),
    ("openai", "gpt-4.1-mini"): Price(0.2, 0.8),
    ("openai", "gpt-4o"): Price(1.25, 5.0),
    ("openai", "gpt-4o-mini"): Price(0.075, 0.3),
    ("openai", "o3"): Price(1.0, 4.0),
    ("openai", "o4-mini"): Price(0.55, 2.2),
    ("anthropic", "claude-opus-4-5"): Price(2.5, 12.5),
    ("anthropic", "claude-opus-4-1"): Price(7.5, 37.5),
    ("anthropic", "claude-sonnet-4-5"): Price(1.5, 7.5),
    ("anthropic", "claude-sonnet-4"): Price(1.5, 7.5),
    ("anthropic", "claude-haiku-4-5"): Price(0.5, 2.5),
    ("gemini", "gemini-3-pro"): Price(1.0, 6.0),
    ("gemini", "gemini-2.5-pro"): Price(0.625, 5.0),
    ("gemini", "gemini-2.5-flash"): Price(0.15, 1.25),
    ("gemini", "gemini-2.5-flash-lite"): Price(0.05, 0.2),
    ("mistral", "mistral-large-2512"): Price(0.25, 0.75),
    ("mistral", "mistral-medium"): Price(0.2, 1.0),
    ("mistral", "mistral-small"): Price(0.05, 0.15),
    ("mistral", "magistral-medium"): Price(1.0, 2.5),
    ("xai", "grok-4"): Price(1.5, 7.5),
    ("xai", "grok-4-fast"): Price(0.1, 0.25),
    ("groq", "llama-3.3-70b-versatile"): Price(0.295, 0.395),
    ("groq", "openai/gpt-oss-120b"): Price(0.075, 0.3),
    ("together", "meta-llama/Llama-3.3-70B-Instruct-Turbo"): Price(0.44, 0.44),
    ("together", "deepseek-ai/DeepSeek-V3"): Price(0.625, 0.625),
}


def batch_price(provider: str | None, model: str | None) -> Price | None:
    """The batch price of ``model`` at ``provider``, or ``None`` when it is not in the table."""
    if not provider or not model:
        return None
    bare = model.removeprefix("models/")
    best: tuple[int, Price] | None = None
    for (prov, prefix), price in PRICES.items():
        if prov == provider and bare.startswith(prefix) and (best is None or len(prefix) > best[0]):
            best = (len(prefix), price)
    return best[1] if best else None


def jpeg_size(data_b64: str) -> tuple[int, int] | None:
    """``(width, height)`` of a base64 JPEG, read from its frame header; ``None`` if unreadable."""
    try:
        data = base64.b64decode(data_b64[: 64 * 1024], validate=False)
    except (binascii.Error, ValueError):
        return None
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        i += 2 + length
    return None


def _image_tokens(part: ImagePart) -> int:
    # ~ (width * height) / 750, capped near 1,600 tokens (images are downscaled beyond that)
    size = jpeg_size(part.data)
    if size is None:
        return 1_000
    width, height = size
    return max(85, min(1_600, width * height // 750))


def estimate_input_tokens(request: NeutralRequest) -> int:
    """Rough input tokens of ``request``: ~4 characters a token, plus each picture."""
    chars = len(request.system)
    tokens = 0
    for part in request.parts:
        if isinstance(part, TextPart):
            chars += len(part.text)
        else:
            tokens += _image_tokens(part)
    return tokens + chars // 4 + 16


@dataclass(frozen=True)
class Estimate:
    """Tokens and cost expected for a set of requests, before anything ran."""

    input_tokens: int
    output_tokens: int
    usd: float | None  # None when the model is not in the price table


def estimate_cost(
    provider: str | None, model: str | None, requests: list[NeutralRequest]
) -> Estimate:
    """Estimated tokens of ``requests`` and their cost at batch prices."""
    input_tokens = sum(estimate_input_tokens(request) for request in requests)
    output_tokens = ASSUMED_OUTPUT_TOKENS * len(requests)
    price = batch_price(provider, model)
    return Estimate(
        input_tokens, output_tokens, price.cost(input_tokens, output_tokens) if price else None
    )
