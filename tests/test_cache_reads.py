"""Input tokens read from a provider's prompt cache: read from each provider family's usage,
priced at the model's cache-read rate as genai-prices prices them, and left out of the files
when a provider reports none (docs/providers.md, "Batch prices")."""

from __future__ import annotations

import json
import typing as t

import pytest

from layton_eval.pricing import _PRICES_PROVIDER
from layton_eval.settings import get_settings
from tests.fakes import TEST_KEY, emulate
from tests.helpers import invoke, invoke_json, prepare

#: Cache-read tokens every emulated response reports: a share of its input tokens.
CACHED_SHARE = 0.5


def _openai(original: t.Callable[..., dict]) -> t.Callable[..., dict]:
    def completion(*args: t.Any) -> dict:
        answer = original(*args)
        usage = answer["usage"]
        usage["prompt_tokens_details"] = {
            "cached_tokens": int(usage["prompt_tokens"] * CACHED_SHARE)
        }
        return answer

    return completion


def _anthropic(original: t.Callable[..., dict]) -> t.Callable[..., dict]:
    def message(*args: t.Any) -> dict:
        answer = original(*args)
        usage = answer["usage"]  # input_tokens leaves cache reads out: they are added to it
        usage["cache_read_input_tokens"] = usage["input_tokens"]
        return answer

    return message


def _gemini(original: t.Callable[..., dict]) -> t.Callable[..., dict]:
    def response(*args: t.Any) -> dict:
        answer = original(*args)
        usage = answer["usageMetadata"]
        usage["cachedContentTokenCount"] = int(usage["promptTokenCount"] * CACHED_SHARE)
        return answer

    return response


FAMILIES = {
    "openai": ("gpt-5-mini", "OPENAI_API_KEY", "completion", _openai),
    "anthropic": ("claude-haiku-4-5", "ANTHROPIC_API_KEY", "message", _anthropic),
    "gemini": ("gemini-2.5-flash", "GEMINI_API_KEY", "response", _gemini),
}


def _fetch(monkeypatch, provider: str, *, cached: bool) -> dict:
    model, key, method, wrap = FAMILIES[provider]
    monkeypatch.setenv(key, TEST_KEY)
    get_settings.cache_clear()
    with emulate(provider, polls_until_done=1) as fake:
        if cached:
            monkeypatch.setattr(fake, method, wrap(getattr(fake, method)))
        prepare(provider, model)
        invoke_json("send", "run", "--yes")
        return invoke_json("fetch", "run")["run"]


def _genai_prices(provider: str, model: str, usage: dict, batch: bool) -> float:
    from genai_prices import Usage as PriceUsage
    from genai_prices import calc_price

    priced = calc_price(
        PriceUsage(
            input_tokens=usage["input_tokens"],
            output_tokens=usage["output_tokens"],
            cache_read_tokens=usage.get("cache_read_tokens", 0),
        ),
        model,
        provider_id=_PRICES_PROVIDER.get(provider, provider),
        price_context={"processing": "batch"} if batch else None,
    )
    return float(priced.total_price)


@pytest.mark.parametrize("provider", sorted(FAMILIES))
def test_cache_reads_cost_what_genai_prices_says(monkeypatch, runs_dir, provider: str) -> None:
    fetched = _fetch(monkeypatch, provider, cached=True)
    lines = (runs_dir / "run" / "outputs.jsonl").read_text().splitlines()
    usages = [json.loads(line)["usage"] for line in lines]
    assert all(0 < u["cache_read_tokens"] <= u["input_tokens"] for u in usages)
    model = FAMILIES[provider][0]
    batch = sum(_genai_prices(provider, model, u, batch=True) for u in usages)
    standard = sum(_genai_prices(provider, model, u, batch=False) for u in usages)
    assert fetched["cost_usd"] == pytest.approx(batch, rel=1e-9)
    assert fetched["standard_cost_usd"] == pytest.approx(standard, rel=1e-9)
    cached = sum(u["cache_read_tokens"] for u in usages)
    assert fetched["cache_read_tokens"] == cached
    assert f"({cached:,} from cache)" in invoke("fetch", "run").stdout  # the card's Tokens row
    uncached = [{**u, "cache_read_tokens": 0} for u in usages]
    assert batch < sum(_genai_prices(provider, model, u, batch=True) for u in uncached)


@pytest.mark.parametrize("provider", sorted(FAMILIES))
def test_no_cache_reads_write_no_cache_field(monkeypatch, runs_dir, provider: str) -> None:
    fetched = _fetch(monkeypatch, provider, cached=False)
    assert "cache_read_tokens" not in fetched
    assert "from cache" not in invoke("fetch", "run").stdout
    text = (runs_dir / "run" / "outputs.jsonl").read_text()
    assert text and "cache_read" not in text
    first = json.loads(text.splitlines()[0])["usage"]
    assert list(first) == ["input_tokens", "output_tokens", "reasoning_tokens"]
