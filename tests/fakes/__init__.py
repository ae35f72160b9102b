"""In-process emulators of each provider's Batch API (respx routes on the real hosts).

Use ``with emulate("openai") as fake:`` around code that talks to the provider; ``fake`` is the
emulator (scripting attributes and counters: see :mod:`tests.fakes.base`). Its key is
:data:`TEST_KEY` unless ``key=`` says otherwise.
"""

from __future__ import annotations

import typing as t
from collections.abc import Iterator
from contextlib import contextmanager

from tests.fakes.anthropic import AnthropicEmulator
from tests.fakes.base import (
    MALFORMED_TEXT,
    TEST_KEY,
    Emulator,
    client_factory,
    default_responder,
)
from tests.fakes.gemini import GeminiEmulator
from tests.fakes.mistral import MistralEmulator
from tests.fakes.openai_like import (
    DoublewordEmulator,
    GroqEmulator,
    OpenAIEmulator,
    TogetherEmulator,
)
from tests.fakes.xai import XAIEmulator

__all__ = [
    "EMULATORS",
    "MALFORMED_TEXT",
    "TEST_KEY",
    "Emulator",
    "client_factory",
    "default_responder",
    "emulate",
]

#: Provider name -> emulator class.
EMULATORS: dict[str, type[Emulator]] = {
    cls.name: cls
    for cls in (
        OpenAIEmulator,
        AnthropicEmulator,
        GeminiEmulator,
        MistralEmulator,
        TogetherEmulator,
        GroqEmulator,
        XAIEmulator,
        DoublewordEmulator,
    )
}


@contextmanager
def emulate(provider: str, *, key: str = TEST_KEY, **options: t.Any) -> Iterator[Emulator]:
    """Emulate ``provider``'s Batch API for the duration of the block."""
    with EMULATORS[provider](key=key, **options) as emulator:
        yield emulator
