"""What each provider and model family accepts: reasoning effort, thinking, temperature.

:func:`check_options` is called by ``prepare`` (before anything is paid) and again by every
provider's ``build_body``; a rejected value is one :class:`~layton_eval.errors.UsageError` line
listing what is accepted. The rules and their sources are in docs/providers.md, "Options each
API accepts". A model of no known family is checked only for what its provider accepts at all.
``--param`` values are native fields passed as they are: they are not checked.

This module is cheap to import (no batchling, no httpx).
"""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass

from layton_eval.errors import UsageError

if t.TYPE_CHECKING:
    from layton_eval.neutral import SamplingOptions

__all__ = ["Family", "check_options", "family_of", "gemini_level"]

EFFORTS = ("none", "minimal", "low", "medium", "high")
NO_TEMPERATURE = "only the default temperature"


@dataclass(frozen=True)
class Family:
    """A group of models with the same accepted options.

    ``efforts``: accepted reasoning efforts (``None``: not checked, ``()``: none accepted).
    ``temperature``: accepted range (``None``: refused, with ``why``); ``temperature_only_without
    _reasoning``: accepted only when the reasoning effort is unset or ``none``.
    ``budget``: accepted thinking budgets (``None``: not checked).
    """

    name: str
    pattern: str = ""
    efforts: tuple[str, ...] | None = None
    temperature: tuple[float, float | None] | None = (0.0, 2.0)
    why: str = ""
    temperature_only_without_reasoning: bool = False
    budget: tuple[int, int] | None = None
    budget_zero: bool = False  # 0 (thinking off) is accepted besides the range


_REASONING_TEMPERATURE = "reasoning models accept " + NO_TEMPERATURE
_FAMILIES: dict[str, tuple[Family, ...]] = {
    "openai": (
        Family("gpt-5-pro", r"gpt-5-pro", ("high",), None, _REASONING_TEMPERATURE),
        Family("gpt-5-chat", r"gpt-5-chat", ()),
        Family("gpt-5.1 and later", r"gpt-5\.\d", ("none", "low", "medium", "high"),
               temperature_only_without_reasoning=True),
        Family("gpt-5", r"gpt-5", ("minimal", "low", "medium", "high"), None,
               _REASONING_TEMPERATURE),
        Family("o-series", r"o\d", ("low", "medium", "high"), None, _REASONING_TEMPERATURE),
        Family("gpt-4 and older", r"gpt-(4|3)", ()),
    ),
    "groq": (
        Family("gpt-oss", r"openai/gpt-oss", ("low", "medium", "high")),
        Family("qwen3", r"qwen/qwen3", ("none",)),
    ),
    "xai": (
        Family("grok-3-mini", r"grok-3-mini", ("low", "high")),
        Family("grok reasoning models", r"grok-(4(-0709|-latest|-fast|-1-fast|$)|code-fast)", ()),
        Family("grok-3", r"grok-3", ()),
    ),
    "anthropic": (
        Family("Claude 3", r"claude-3", (), (0.0, 1.0)),
        Family("Claude 4 to 4.6", r"claude-(opus|sonnet|haiku)-4(-[0-6])?(-\d{8})?$", (),
               (0.0, 1.0)),
    ),
    "gemini": (
        Family("gemini-3-pro", r"gemini-3(\.0)?-pro", ("low", "high")),
        Family("gemini-3.1-pro", r"gemini-3\.1-pro", ("low", "medium", "high")),
        Family("gemini-3 flash", r"gemini-3(\.\d)?-flash", ("minimal", "low", "medium", "high")),
        Family("gemini-3", r"gemini-3", ("minimal", "low", "medium", "high")),
        Family("gemini-2.5-pro", r"gemini-2\.5-pro", (), budget=(128, 32_768)),
        Family("gemini-2.5-flash-lite", r"gemini-2\.5-flash-lite", (), budget=(512, 24_576),
               budget_zero=True),
        Family("gemini-2.5-flash", r"gemini-2\.5-flash", (), budget=(0, 24_576)),
        Family("gemini before 3", r"gemini-", ()),
    ),
}  # fmt: skip
#: What a model of no known family accepts, per provider.
_DEFAULTS: dict[str, Family] = {
    "openai": Family("openai"),
    "groq": Family("groq", efforts=("none", "low", "medium", "high")),  # the SDK's values
    "together": Family("together", efforts=("low", "medium", "high"), temperature=(0.0, 1.0)),
    "xai": Family("xai"),
    "doubleword": Family("doubleword"),
    "mistral": Family("mistral", efforts=(), temperature=(0.0, None)),
    "anthropic": Family(
        "Claude after 4.6",
        efforts=(),
        temperature=None,
        why="Claude models after the 4.6 line reject a temperature",
    ),  # fmt: skip
    "gemini": Family("gemini"),
}
#: Providers that take a thinking budget (the others take a reasoning effort).
_BUDGET_PROVIDERS = ("anthropic", "gemini")
MIN_ANTHROPIC_BUDGET = 1024


def family_of(provider: str, model: str | None) -> Family:
    """The family of ``model`` at ``provider`` (its provider's default when unknown; with no
    model, what the provider accepts for some model)."""
    if model is None and provider == "anthropic":
        return Family("anthropic", efforts=(), temperature=(0.0, 1.0))
    bare = (model or "").removeprefix("models/").lower()
    for family in _FAMILIES.get(provider, ()):
        if bare and re.match(family.pattern, bare):
            return family
    return _DEFAULTS.get(provider, Family(provider))


def _accepted(values: t.Iterable[str]) -> str:
    return ", ".join(values) or "none"


def _check_effort(provider: str, model: str | None, effort: str, family: Family) -> None:
    if effort not in EFFORTS:
        raise UsageError(f"reasoning effort {effort!r} is not one of: {_accepted(EFFORTS)}")
    if provider in _BUDGET_PROVIDERS and provider != "gemini":
        raise UsageError(f"{provider} takes --thinking-budget, not --reasoning-effort")
    if family.efforts is None or effort in family.efforts:
        return
    if provider == "gemini" and effort == "none" and "minimal" in family.efforts:
        return  # sent as MINIMAL, Gemini 3's "as little thinking as possible"
    who = f"{provider} {model} ({family.name})" if model else provider
    if not family.efforts:
        hint = {
            "gemini": "; use --thinking-budget",
            "mistral": "; pass a native field with "
            "--param (e.g. prompt_mode=reasoning for Magistral models)",
        }.get(provider, "")
        raise UsageError(f"{who} accepts no --reasoning-effort{hint}")
    none_hint = " (it cannot turn thinking off)" if effort == "none" else ""
    raise UsageError(
        f"{who} does not accept reasoning effort {effort!r}{none_hint}; accepted: "
        f"{_accepted(family.efforts)}"
    )  # fmt: skip


def _check_budget(provider: str, model: str | None, options: SamplingOptions,
                  family: Family) -> None:  # fmt: skip
    budget = options.thinking_budget
    if budget is None:
        return
    if provider not in _BUDGET_PROVIDERS:
        raise UsageError(
            f"{provider} takes --reasoning-effort, not --thinking-budget (or pass native fields "
            "with --param)"
        )
    if options.reasoning_effort is not None:
        raise UsageError("give --thinking-budget or --reasoning-effort, not both")
    if provider == "anthropic" and budget < MIN_ANTHROPIC_BUDGET:
        raise UsageError(f"anthropic needs a thinking budget of at least {MIN_ANTHROPIC_BUDGET}")
    if family.budget is not None:
        _check_budget_range(model, budget, family, family.budget)
    if options.max_tokens is not None and options.max_tokens <= budget:
        raise UsageError(
            f"{provider} counts thinking tokens in the output limit: --max-tokens "
            f"({options.max_tokens}) must be above --thinking-budget ({budget})"
        )


def _check_budget_range(
    model: str | None, budget: int, family: Family, span: tuple[int, int]
) -> None:
    low, high = span
    if not (low <= budget <= high or (budget == 0 and family.budget_zero)):
        zero = " or 0 (off)" if family.budget_zero else ""
        raise UsageError(
            f"gemini {model} ({family.name}) accepts a thinking budget of {low}-{high}{zero}"
        )


def _check_temperature(provider: str, model: str | None, options: SamplingOptions,
                       family: Family) -> None:  # fmt: skip
    value = options.temperature
    if value is None:
        return
    who = f"{provider} {model}" if model else provider
    if provider == "anthropic" and options.thinking_budget is not None:
        raise UsageError("anthropic does not accept a temperature together with thinking")
    if family.temperature is None:
        raise UsageError(f"{who} does not accept --temperature ({family.why}); leave it out")
    if family.temperature_only_without_reasoning and options.reasoning_effort not in (None, "none"):
        raise UsageError(f"{who} accepts --temperature only with reasoning effort none (or unset)")
    low, high = family.temperature
    if value < low or (high is not None and value > high):
        span = f"{low:g}-{high:g}" if high is not None else f"{low:g} or more"
        raise UsageError(f"{who} accepts a temperature of {span}, not {value:g}")


def check_options(provider: str, options: SamplingOptions, model: str | None) -> None:
    """Refuse, in one line listing what is accepted, an option ``provider`` or the family of
    ``model`` would reject (``model`` ``None``: only what the provider accepts at all)."""
    family = family_of(provider, model)
    if options.reasoning_effort is not None:
        _check_effort(provider, model, options.reasoning_effort, family)
    _check_budget(provider, model, options, family)
    _check_temperature(provider, model, options, family)


def gemini_level(effort: str) -> str:
    """The Gemini 3 ``thinkingLevel`` for ``effort``, in the API's casing (``LOW``...);
    ``none`` is ``MINIMAL`` (checked by :func:`check_options` first)."""
    return "MINIMAL" if effort == "none" else effort.upper()
