"""What a run cost, checked by hand against the usage numbers the emulators returned.

List prices (USD per million tokens, genai-prices 0.2.3), the hand computation's inputs:
groq openai/gpt-oss-120b 0.15 in / 0.60 out; openai gpt-5.1-2025-11-13 1.25 / 10.00; every
provider here bills batches at half the list price.
"""

from __future__ import annotations

import json
from contextlib import ExitStack

import pytest

from layton_eval.pricing import Spend
from layton_eval.settings import get_settings
from tests.fakes import TEST_KEY, emulate
from tests.helpers import invoke, invoke_json, prepare
from tests.test_cli_jury import responder

LIST_PRICES = {"openai/gpt-oss-120b": (0.15, 0.60), "gpt-5.1-2025-11-13": (1.25, 10.0)}


def _usage(fake) -> tuple[int, int, int]:
    """(prompt, completion, reasoning) tokens summed over every result line the emulator
    served (completion tokens include the reasoning tokens)."""
    prompt = completion = reasoning = 0
    for batch in fake.batches.values():
        content = fake.files.get(batch.extra.get("output_file_id", ""), b"")
        for line in content.decode().splitlines():
            usage = json.loads(line)["response"]["body"]["usage"]
            prompt += usage["prompt_tokens"]
            completion += usage["completion_tokens"]
            reasoning += usage["completion_tokens_details"]["reasoning_tokens"]
    return prompt, completion, reasoning


def _by_hand(model: str, prompt: int, completion: int) -> float:
    price_in, price_out = LIST_PRICES[model]
    return (prompt * price_in + completion * price_out) / 1e6


@pytest.fixture
def keys(monkeypatch):
    for var in ("GROQ_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.setenv(var, TEST_KEY)
    get_settings.cache_clear()


def test_cost_matches_a_hand_computation(keys):
    names = ("groq", "openai", "gemini", "anthropic")
    with ExitStack() as stack:
        fakes = {
            n: stack.enter_context(emulate(n, responder=responder, polls_until_done=1))
            for n in names
        }
        prepare("groq", "openai/gpt-oss-120b")
        planned = invoke_json("send", "run", "--dry-run")["plan"]
        invoke_json("send", "run")
        fetched = invoke_json("fetch", "run")["run"]
        prompt, completion, reasoning = _usage(fakes["groq"])
        assert reasoning > 0  # the groq emulator's model reasons: counted in the output
        assert (fetched["input_tokens"], fetched["output_tokens"]) == (prompt, completion)
        assert fetched["reasoning_tokens"] == reasoning
        standard = _by_hand("openai/gpt-oss-120b", prompt, completion)
        assert fetched["standard_cost_usd"] == pytest.approx(standard, rel=1e-9)
        assert fetched["cost_usd"] == pytest.approx(standard / 2, rel=1e-9)
        assert fetched["saving_usd"] == pytest.approx(standard / 2, rel=1e-9)
        # the estimate shown before sending is the one compared with what it cost
        assert fetched["estimate"] == {
            "input_tokens": planned["input_tokens"],
            "output_tokens": planned["assumed_output_tokens"],
            "usd": pytest.approx(planned["estimated_cost_usd"]),
        }
        card = invoke("fetch", "run").stdout
        assert "batching saved" in card and "before sending" in card

        invoke_json("jury", "run")
        family = invoke_json("fetch", "run")
    openai_judge = next(j for j in family["judges"] if j["run"].startswith("openai_"))
    prompt, completion, _ = _usage(fakes["openai"])
    judge_standard = _by_hand("gpt-5.1-2025-11-13", prompt, completion)
    assert openai_judge["cost_usd"] == pytest.approx(judge_standard / 2, rel=1e-9)
    parts = [family["run"], *family["judges"]]
    total = family["cost"]
    assert total["input_tokens"] == sum(p["input_tokens"] for p in parts)
    assert total["batch_usd"] == pytest.approx(sum(p["cost_usd"] for p in parts))
    assert total["standard_usd"] == pytest.approx(sum(p["standard_cost_usd"] for p in parts))
    assert total["saving_usd"] == pytest.approx(total["standard_usd"] - total["batch_usd"])
    assert total["estimated_usd"] == pytest.approx(sum(p["estimate"]["usd"] for p in parts))


def test_unknown_prices_stay_unknown():
    mixed = Spend.total(
        [Spend(batch_usd=1.0, standard_usd=2.0), Spend(batch_usd=None, standard_usd=None)]
    )
    assert mixed.batch_usd is None and mixed.saving_usd is None
    assert mixed.standard_usd is None
    # an estimate is summed only when every part has one
    assert Spend.total([Spend(estimated_usd=1.0), Spend()]).estimated_usd is None
    both = Spend.total([Spend(estimated_usd=1.0, estimated_input_tokens=5,
                              estimated_output_tokens=7)] * 2)  # fmt: skip
    assert (both.estimated_usd, both.estimated_input_tokens) == (2.0, 10)


def test_standard_price_of_a_given_price():
    from layton_eval.pricing import UserPrice, pricing

    given = UserPrice(input=1.0, output=2.0)
    assert pricing("openai", "my-model", given).standard(0.5) == 1.0  # over openai's share
    assert pricing("local", "my-model", given).standard(0.5) is None  # no known share
    unknown = pricing("local", "my-model")
    assert not unknown.known and "local is not a provider layton knows" in unknown.source
    assert pricing("doubleword", "m").standard(None) is None
