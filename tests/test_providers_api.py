"""Batch calls, bodies and responses checked against the providers' official SDK types.

Request bodies and batch lines are validated with pydantic against the SDKs' request
TypedDicts and models, and responses are built with the SDKs' response classes, so that a
change in an SDK (a field renamed, a value no longer accepted) shows up as a failing test
rather than as a failed batch. The SDKs are development dependencies only.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from layton_eval.errors import ConfigError
from layton_eval.providers import PROVIDERS
from layton_eval.settings import get_settings
from tests.fakes import emulate
from tests.fakes.openai_like import OpenAIEmulator
from tests.test_providers_batch import IDS, round_trip, submit


def test_fix_together_create_call_has_only_fields_together_defines() -> None:
    """D9: batchling sent OpenAI's `metadata`, which Together's create call does not define."""
    from together.types import batch_create_params

    allowed = set(batch_create_params.BatchCreateParams.__annotations__)
    with emulate("together") as fake:
        _, snapshot, found = asyncio.run(round_trip(PROVIDERS["together"]))
        asyncio.run(submit(PROVIDERS["together"], metadata={"layton_run": "r"}))
    assert snapshot.terminal and set(found) == set(IDS)
    for payload in fake.create_payloads:
        assert set(payload) <= allowed, payload
        assert payload["endpoint"] == "/v1/chat/completions"


def test_fix_mistral_batch_lines_are_custom_id_and_body() -> None:
    """D10: batchling wrote OpenAI's lines (`method`, `url`); Mistral's are {custom_id, body}."""
    from mistralai.client.models import BatchRequest

    with emulate("mistral") as fake:
        _, snapshot, found = asyncio.run(round_trip(PROVIDERS["mistral"]))
    assert snapshot.terminal and set(found) == set(IDS)
    content = next(iter(fake.files.values()))  # the input file, uploaded first
    lines = [json.loads(line) for line in content.decode().splitlines()]
    assert [line["custom_id"] for line in lines] == list(IDS)
    for line in lines:
        assert set(line) == set(BatchRequest.model_fields), line
        BatchRequest.model_validate(line)
        assert line["body"]["model"] == "model-1"
    [payload] = fake.create_payloads
    assert payload["endpoint"] == "/v1/chat/completions" and payload["model"] == "model-1"


# ---------------------------------------------------------------------------- endpoints


@pytest.mark.parametrize(
    ("name", "variable", "value", "expected"),
    [
        ("openai", "OPENAI_BASE_URL", "https://gateway.test/v1", "https://gateway.test"),
        ("openai", "LAYTON_OPENAI_BASE_URL", "https://gw.test/proxy/v1/", "https://gw.test/proxy"),
        (
            "groq",
            "LAYTON_GROQ_BASE_URL",
            "http://localhost:8080/openai/v1",
            "http://localhost:8080",
        ),
        ("gemini", "LAYTON_GEMINI_BASE_URL", "https://eu.test/v1beta", "https://eu.test"),
        ("anthropic", "LAYTON_ANTHROPIC_BASE_URL", "https://eu.test", "https://eu.test"),
    ],
)
def test_base_url_variables_override_the_endpoint(
    monkeypatch: pytest.MonkeyPatch, name: str, variable: str, value: str, expected: str
) -> None:
    assert PROVIDERS[name].api_base() == PROVIDERS[name].base_url
    monkeypatch.setenv(variable, value)
    get_settings.cache_clear()
    assert PROVIDERS[name].api_base() == expected


def test_layton_variable_wins_over_openai_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "https://sdk.test/v1")
    monkeypatch.setenv("LAYTON_OPENAI_BASE_URL", "https://layton.test")
    assert PROVIDERS["openai"].api_base() == "https://layton.test"
    assert PROVIDERS["groq"].api_base() == "https://api.groq.com"  # OPENAI_BASE_URL is openai's


@pytest.mark.parametrize("value", ["gateway.test", "ftp://gateway.test", "https://gw.test/?k=1"])
def test_a_bad_base_url_names_its_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("LAYTON_MISTRAL_BASE_URL", value)
    with pytest.raises(ConfigError, match="LAYTON_MISTRAL_BASE_URL=.* is not an endpoint"):
        PROVIDERS["mistral"].api_base()


class _GatewayEmulator(OpenAIEmulator):
    host = "gateway.test"


def test_a_whole_batch_goes_through_the_overridden_endpoint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "https://gateway.test/v1")
    with _GatewayEmulator() as gateway:
        _, snapshot, found = asyncio.run(round_trip(PROVIDERS["openai"]))
    assert snapshot.terminal and set(found) == set(IDS)
    assert gateway.calls[:2] == ["POST /v1/files", "POST /v1/batches"]


def test_env_example_documents_every_endpoint_variable() -> None:
    from layton_eval.settings import BASE_URL_VARS
    from tests.conftest import REPO

    text = (REPO / ".env.example").read_text()
    for variables in BASE_URL_VARS.values():
        for var in variables:
            assert f"\n{var}=" in text, var
