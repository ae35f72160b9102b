"""Batch calls, bodies and responses checked against the providers' official SDK types.

Request bodies and batch lines are validated with pydantic against the SDKs' request
TypedDicts and models, and responses are built with the SDKs' response classes, so that a
change in an SDK (a field renamed, a value no longer accepted) shows up as a failing test
rather than as a failed batch. The SDKs are development dependencies only.
"""

from __future__ import annotations

import asyncio
import json

from layton_eval.providers import PROVIDERS
from tests.fakes import emulate
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
