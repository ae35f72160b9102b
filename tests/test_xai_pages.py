"""xAI's results pages, in both shapes found for its REST API: ``results[]`` of
``batch_result`` items, and ``succeeded[]``/``failed[]``; paging goes on in either, and a page
in neither shape is a clear error, never "0 riddles answered"."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from layton_eval.errors import BatchError
from layton_eval.providers import get_provider
from layton_eval.settings import get_settings
from tests.fakes import TEST_KEY, emulate
from tests.helpers import invoke, invoke_json, prepare, request_ids
from tests.test_providers_batch import round_trip

IDS = tuple(f"R{i:02d}" for i in range(5))


@pytest.mark.parametrize("shape", ["results", "succeeded"])
def test_both_page_shapes_are_read_and_paged_to_the_end(shape: str) -> None:
    provider = get_provider("xai")
    with emulate("xai", page_size=2, page_shape=shape, errors={"R03": "emulated refusal"}) as fake:
        _, _, found = asyncio.run(round_trip(provider, IDS))
    assert set(found) == set(IDS) and fake.pages_served == 3  # 2 + 2 + 1 items
    for custom_id in set(IDS) - {"R03"}:
        output = provider.parse_response(found[custom_id])
        assert json.loads(output.text or "")["answer"] == f"answer-{custom_id}"
    assert found["R03"].status_code >= 400
    assert "emulated refusal" in (provider.parse_response(found["R03"]).error or "")


def test_a_page_in_neither_shape_is_a_clear_error() -> None:
    with emulate("xai", page_shape="data"), pytest.raises(BatchError) as caught:
        asyncio.run(round_trip(get_provider("xai"), IDS))
    message = str(caught.value)
    assert "unknown shape (an object with data, pagination_token)" in message
    assert "results[] or succeeded[]/failed[]" in message


def test_an_empty_page_is_not_an_error() -> None:
    provider = get_provider("xai")
    lines = [b'{"pagination_token": null}\n', b"{}\n", b'{"succeeded": [], "failed": []}\n']
    assert list(provider.decode_lines(lines)) == []


def test_fetch_reports_a_page_in_neither_shape_and_keeps_nothing(
    runs_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XAI_API_KEY", TEST_KEY)
    get_settings.cache_clear()
    prepare("xai", "grok-4-fast", name="run", hints=1)
    with emulate("xai", polls_until_done=1, page_shape="data") as fake:
        invoke_json("send", "run")
        odd = invoke_json("fetch", "run")["run"]
        assert odd["ok"] == 0 and odd["fetched_batches"] == []
        [(batch, why)] = odd["unreachable"].items()
        assert "unknown shape" in why and batch in fake.batches
        fake.page_shape = "succeeded"  # a layton that reads it: nothing was lost
        again = invoke("fetch", "run", "--json")
    assert json.loads(again.stdout)["run"]["ok"] == len(request_ids(runs_dir / "run"))
