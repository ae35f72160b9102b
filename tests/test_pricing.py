"""Prices: genai-prices batch prices per request (tiers apply), or its list prices times the
batch share where it has none; unknown models have no price, never a guess."""

from __future__ import annotations

import subprocess
import sys

import pytest

from layton_eval.neutral import Usage
from layton_eval.pricing import BATCH_SHARES, UserPrice, pricing
from layton_eval.providers import NAMES
from tests.helpers import assert_one_line_error, invoke, invoke_json

MILLION = Usage(input_tokens=1_000_000, output_tokens=1_000_000)
SMALL = Usage(input_tokens=100_000, output_tokens=100_000)  # under every long-context tier


@pytest.mark.parametrize(
    ("provider", "model", "batch_in", "batch_out", "source"),
    [
        # models the old hand-written table priced by prefix, ~12-20x off
        ("openai", "gpt-4.1-nano", 0.05, 0.20, "batch price"),  # was priced as gpt-4.1
        ("openai", "gpt-5-pro", 7.5, 60.0, "batch price"),  # was priced as gpt-5 (0.625 / 5.0)
        ("xai", "grok-4-1-fast-reasoning", 0.10, 0.25, "list price x 0.5, xai's batch share"),
        ("gemini", "gemini-3.1-pro-preview", 1.0, 6.0, "batch price"),  # had no price
        ("gemini", "models/gemini-2.5-flash", 0.15, 1.25, "batch price"),
        ("anthropic", "claude-opus-4-5-20251101", 2.5, 12.5, "batch price"),
        ("mistral", "mistral-large-2512", 0.25, 0.75, "batch price"),
        ("mistral", "mistral-large-latest", 1.0, 3.0, "list price x 0.5, mistral's batch share"),
    ],
)
def test_known_models_cost_their_batch_price(
    provider: str, model: str, batch_in: float, batch_out: float, source: str
) -> None:
    """genai-prices' batch price where it has one, else its list price times the share."""
    price = pricing(provider, model)
    assert price.known and price.source == f"genai-prices 0.2.3 {source}"
    expected = (batch_in + batch_out) * SMALL.input_tokens / 1e6
    assert price.request_cost(SMALL) == pytest.approx(expected)
    batch, standard = price.costs([(SMALL, None)])
    assert batch == pytest.approx(expected) and standard == pytest.approx(2 * expected)


def test_an_empty_batch_variant_is_no_batch_price() -> None:
    # genai-prices lists a batch variant of gpt-3.5-turbo-1106 that sets no price
    price = pricing("openai", "gpt-3.5-turbo-1106")
    assert price.known and "openai's batch share" in price.source


def test_each_request_is_priced_on_its_own_so_long_context_tiers_apply() -> None:
    price = pricing("gemini", "gemini-3.1-pro-preview")
    short = Usage(input_tokens=150_000, output_tokens=0)
    long = Usage(input_tokens=250_000, output_tokens=0)  # above the 200k tier
    assert price.request_cost(long) > price.request_cost(short) * 250 / 150 * 1.5
    # two short requests cost less than one request of the same total size
    both = price.cost([(short, None), (short, None)])
    one = price.request_cost(Usage(input_tokens=300_000, output_tokens=0))
    assert both is not None and one is not None and both < one


@pytest.mark.parametrize(
    ("provider", "model"),
    [("openai", "gpt-4.1-turbo-ultra"), ("openai", "gpt-9"), ("together", "made/up-model")],
)
def test_an_unknown_model_has_no_price_and_says_what_to_do(provider: str, model: str) -> None:
    price = pricing(provider, model)
    assert not price.known and price.request_cost(MILLION) is None
    assert price.source.startswith("price unknown: pass --price-in/--price-out USD per M tokens")
    assert price.cost([(MILLION, None)]) is None


def test_doubleword_batch_prices_are_not_a_share_of_its_list_prices() -> None:
    assert BATCH_SHARES["doubleword"] is None and set(BATCH_SHARES) == set(NAMES)
    price = pricing("doubleword", "Qwen/Qwen3-VL-235B-A22B-Instruct-FP8")
    assert not price.known and "not a fixed share" in price.source


def test_a_users_price_wins_and_is_linear() -> None:
    price = pricing("doubleword", "any-model", UserPrice(input=0.1, output=0.4))
    assert price.known and price.request_cost(MILLION) == pytest.approx(0.5)
    assert "your batch price" in price.source


def test_importing_pricing_does_not_import_genai_prices() -> None:
    code = "import sys, layton_eval.pricing; print('genai_prices' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_prepare_json_gives_null_for_an_unknown_price_and_the_users_price_when_given() -> None:
    base = ("prepare", "--split", "llm", "--hints", "0", "--dataset", "sample", "--limit", "2",
            "--provider", "openai", "--model", "gpt-9")  # fmt: skip
    doc = invoke_json(*base)
    assert doc["estimated_cost_usd"] is None
    assert doc["price_source"].startswith("price unknown: pass --price-in/--price-out")
    doc = invoke_json(*base, "--price-in", "1", "--price-out", "2", "--force")
    assert doc["estimated_cost_usd"] > 0 and "your batch price" in doc["price_source"]
    card = invoke(*base, "--force")
    assert card.exit_code == 0 and "price unknown: pass --price-in/--price-out" in card.stdout
    assert_one_line_error(invoke(*base, "--price-in", "1", "--force"), code=2,
                          contains="--price-in and --price-out go together")  # fmt: skip


def test_fetch_names_an_unknown_price_and_takes_one_afterwards(monkeypatch) -> None:
    from layton_eval.settings import get_settings
    from tests.fakes import TEST_KEY, emulate
    from tests.helpers import prepare

    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
    get_settings.cache_clear()
    prepare("openai", "gpt-9-experimental", extra=["--limit", "2"])
    with emulate("openai", polls_until_done=1):
        invoke_json("send", "run")
        fetched = invoke_json("fetch", "run")["run"]
        assert fetched["cost_usd"] is None
        assert fetched["price_source"].startswith("price unknown: pass --price-in/--price-out")
        priced = invoke_json("fetch", "run", "--price-in", "2", "--price-out", "8")["run"]
    tokens = priced["input_tokens"] * 2 + priced["output_tokens"] * 8
    assert priced["cost_usd"] == pytest.approx(tokens / 1e6)
    assert "your batch price" in priced["price_source"]


@pytest.mark.parametrize(
    ("provider", "model"),
    [
        ("gemini", "gemini-3.1-pro-preview"),  # a long-context tier at 200k input tokens
        ("gemini", "gemini-2.5-pro"),
        ("gemini", "gemini-2.5-flash"),
        ("anthropic", "claude-sonnet-4-5-20250929"),
        ("openai", "gpt-5-mini"),
        ("mistral", "mistral-large-2512"),
    ],
)
def test_a_request_costs_what_genai_prices_says(provider: str, model: str) -> None:
    """The per-tier rates read once give genai-prices' own price of every request, on both
    sides of each tier's start."""
    import random

    from genai_prices import Usage as PriceUsage
    from genai_prices import calc_price

    from layton_eval.pricing import _PRICES_PROVIDER

    price = pricing(provider, model)
    assert price.known and price.listed
    draw = random.Random(20251126)
    sizes = [0, 1, 199_999, 200_000, 200_001, 128_000, 128_001, 1_000_000]
    usages = [(n, draw.randint(0, 64_000)) for n in sizes]
    usages += [(draw.randint(0, 400_000), draw.randint(0, 64_000)) for _ in range(40)]
    for input_tokens, output_tokens in usages:
        for cached in {0, draw.randint(0, input_tokens), input_tokens}:  # cache reads: of input
            expected = calc_price(
                PriceUsage(
                    input_tokens=input_tokens, cache_read_tokens=cached, output_tokens=output_tokens
                ),
                model,
                provider_id=_PRICES_PROVIDER.get(provider, provider),
                price_context={"processing": "batch"},
            ).total_price
            used = Usage(input_tokens=input_tokens, output_tokens=output_tokens,
                         cache_read_tokens=cached)  # fmt: skip
            got = price.request_cost(used)
            assert got == pytest.approx(float(expected), rel=1e-9, abs=1e-12), (
                input_tokens,
                output_tokens,
                cached,
            )
