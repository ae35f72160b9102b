"""Rough tokens and cost of requests before anything runs: what a card shows before spending.

Input tokens are guessed from the text (about 4 characters a token) and each picture's size
(read from its JPEG header); every request is assumed to answer in
:data:`~layton_eval.pricing.ASSUMED_OUTPUT_TOKENS` tokens; the cost is those tokens at
:mod:`~layton_eval.pricing`'s batch price, request by request.
"""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass

from layton_eval.neutral import ImagePart, NeutralRequest, TextPart, Usage
from layton_eval.pricing import ASSUMED_OUTPUT_TOKENS, UserPrice, pricing

__all__ = ["Estimate", "estimate_cost", "estimate_input_tokens", "jpeg_size"]


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
    usd: float | None  # None when the price is unknown
    source: str  # where the price comes from, or why it is unknown


def estimate_cost(
    provider: str | None,
    model: str | None,
    requests: list[NeutralRequest],
    user: UserPrice | None = None,
) -> Estimate:
    """Estimated tokens of ``requests`` and their cost at batch prices (each request priced on
    its own, with :data:`ASSUMED_OUTPUT_TOKENS` output tokens)."""
    inputs = [estimate_input_tokens(request) for request in requests]
    price = pricing(provider, model, user)
    usd = price.cost((Usage(input_tokens=n, output_tokens=ASSUMED_OUTPUT_TOKENS), None)
                     for n in inputs)  # fmt: skip
    return Estimate(sum(inputs), ASSUMED_OUTPUT_TOKENS * len(requests), usd, price.source)
