"""The provider registry: one module per provider, imported only when used.

``NAMES`` (and :func:`names`) list the providers without importing anything heavy; batchling
and httpx cost most of a second, so :func:`get_provider` imports one provider module on first
use and ``PROVIDERS`` (built on first access) imports them all.
"""

from __future__ import annotations

import importlib
import typing as t

from layton_eval.errors import UsageError

if t.TYPE_CHECKING:
    from layton_eval.providers.base import Provider

__all__ = ["NAMES", "PROVIDERS", "get_provider", "names"]

#: Provider name -> "module:class" of its implementation.
_REGISTRY: dict[str, str] = {
    "openai": "layton_eval.providers.openai:OpenAI",
    "anthropic": "layton_eval.providers.anthropic:Anthropic",
    "gemini": "layton_eval.providers.gemini:Gemini",
    "mistral": "layton_eval.providers.mistral:Mistral",
    "together": "layton_eval.providers.together:Together",
    "groq": "layton_eval.providers.groq:Groq",
    "xai": "layton_eval.providers.xai:XAI",
    "doubleword": "layton_eval.providers.doubleword:Doubleword",
}

#: Every provider name, in display order.
NAMES: tuple[str, ...] = tuple(_REGISTRY)

_instances: dict[str, Provider] = {}


def names() -> tuple[str, ...]:
    """Every provider name (cheap: imports nothing)."""
    return NAMES


def get_provider(name: str) -> Provider:
    """The provider called ``name``; :class:`UsageError` naming the known ones otherwise."""
    if name not in _REGISTRY:
        known = ", ".join(NAMES)
        raise UsageError(f"unknown provider {name!r}; known providers: {known}")
    if name not in _instances:
        module_name, class_name = _REGISTRY[name].split(":")
        cls = getattr(importlib.import_module(module_name), class_name)
        _instances[name] = cls()
    return _instances[name]


def __getattr__(attr: str) -> t.Any:
    # ``PROVIDERS`` is built on first access so that importing this package stays cheap.
    if attr == "PROVIDERS":
        return {name: get_provider(name) for name in NAMES}
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")


if t.TYPE_CHECKING:
    PROVIDERS: dict[str, Provider]
