"""Batch lifecycle through the emulators: submit, poll, results, list, errors, fixes.

batchling's real adapter code runs against the in-process emulators of ``tests.fakes``. The
tests named ``test_fix_*`` each fail when the matching batchling fix is removed.
"""

from __future__ import annotations

import asyncio
import io
import json
import typing as t
from contextlib import ExitStack
from enum import StrEnum

import pytest

from layton_eval.errors import BatchError, ProviderHTTPError, SubmitError, UsageError
from layton_eval.neutral import GenerationOptions, ImagePart, NeutralRequest, TextPart
from layton_eval.providers import NAMES, PROVIDERS, get_provider
from layton_eval.providers.base import Provider
from layton_eval.providers.batch_types import BatchSnapshot, BatchState, RawResult
from tests.fakes import EMULATORS, MALFORMED_TEXT, TEST_KEY, client_factory, emulate

IDS = ("005-3", "W07-108", "A12-7")
FILE_BASED = ("openai", "groq", "doubleword", "together", "mistral")
MODELS = {"gemini": "gemini-2.5-flash", "anthropic": "claude-sonnet-4-5"}


def model_for(name: str) -> str:
    return MODELS.get(name, "model-1")


def items_for(provider: Provider, ids: t.Sequence[str] = IDS, **opts: t.Any) -> list:
    options = GenerationOptions(model=model_for(provider.name), **opts)
    return [
        (
            custom_id,
            provider.build_body(
                NeutralRequest(
                    custom_id=custom_id,
                    system="You solve riddles.",
                    parts=[TextPart(text=f"Riddle {custom_id}?"), ImagePart(data="aGVsbG8=")],
                    schema_name="answer",
                    json_schema={"type": "object", "properties": {"answer": {"type": "string"}}},
                ),
                options,
            ),
        )
        for custom_id in ids
    ]


class Sleeps:
    """A fast, recording replacement for ``asyncio.sleep``."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def fresh(name: str, **kwargs: t.Any) -> Provider:
    """A new provider instance (registry instances stay untouched)."""
    return type(get_provider(name))(**kwargs)


async def submit(provider: Provider, ids: t.Sequence[str] = IDS, **kwargs: t.Any) -> str:
    return await provider.submit(
        items_for(provider, ids),
        model=model_for(provider.name),
        api_key=kwargs.pop("api_key", TEST_KEY),
        completion_window=provider.completion_windows[0],
        client_factory=client_factory,
        **kwargs,
    )


async def poll(provider: Provider, batch_id: str, total: int = len(IDS)) -> BatchSnapshot:
    return await provider.poll(
        batch_id, api_key=TEST_KEY, total=total, client_factory=client_factory
    )


async def until_terminal(provider: Provider, batch_id: str, total: int = len(IDS)):
    for _ in range(10):
        snapshot = await poll(provider, batch_id, total)
        if snapshot.terminal:
            return snapshot
    raise AssertionError("batch never became terminal")


async def results(provider: Provider, batch_id: str, snapshot: BatchSnapshot):
    """A finished batch's results by custom id, as fetch reads them (downloaded, then decoded
    line by line; the first success of an id kept)."""
    from layton_eval.providers._results import keep_result

    handle = io.BytesIO()
    await provider.download_to(
        batch_id, snapshot, handle, api_key=TEST_KEY, client_factory=client_factory
    )
    handle.seek(0)
    merged: dict[str, RawResult] = {}
    for custom_id, result in provider.decode_lines(handle):
        keep_result(merged, custom_id, result)
    return merged


async def round_trip(provider: Provider, ids: t.Sequence[str] = IDS):
    batch_id = await submit(provider, ids)
    snapshot = await until_terminal(provider, batch_id, len(ids))
    return batch_id, snapshot, await results(provider, batch_id, snapshot)


# --------------------------------------------------------------------------------- contract


def test_every_provider_has_an_emulator() -> None:
    assert set(EMULATORS) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_contract_submit_poll_results_parse(name: str) -> None:
    provider = PROVIDERS[name]
    with emulate(name) as fake:
        batch_id, snapshot, found = asyncio.run(round_trip(provider))
    assert snapshot.terminal and snapshot.state is BatchState.completed
    assert (snapshot.completed, snapshot.failed, snapshot.total) == (3, 0, 3)
    assert set(found) == set(IDS)
    for custom_id in IDS:
        output = provider.parse_response(found[custom_id])
        assert output.error is None
        assert output.text == fake.texts[custom_id]
        assert json.loads(output.text)["answer"] == f"answer-{custom_id}"
        assert output.usage.input_tokens > 0 and output.usage.output_tokens > 0
    assert fake.batches_created == 1 and fake.polls == 2
    assert fake.requests_seen == list(IDS)


@pytest.mark.parametrize("name", NAMES)
def test_first_poll_reports_running_with_progress(name: str) -> None:
    provider = PROVIDERS[name]

    async def scenario() -> BatchSnapshot:
        return await poll(provider, await submit(provider))

    with emulate(name, polls_until_done=3):
        snapshot = asyncio.run(scenario())
    assert not snapshot.terminal
    assert snapshot.state in (BatchState.pending, BatchState.running)
    assert snapshot.total == 3


@pytest.mark.parametrize("name", NAMES)
def test_per_request_error_is_reported_with_its_text(name: str) -> None:
    provider = PROVIDERS[name]
    with emulate(name, errors={"W07-108": "image too large"}):
        _, snapshot, found = asyncio.run(round_trip(provider))
    assert set(found) == set(IDS)
    failed = provider.parse_response(found["W07-108"])
    assert found["W07-108"].status_code >= 400
    assert "image too large" in (failed.error or "")
    assert provider.parse_response(found["A12-7"]).error is None
    assert snapshot.completed == 2 or name == "together"  # together reports a percentage


@pytest.mark.parametrize("name", NAMES)
def test_malformed_model_output_is_passed_through_as_text(name: str) -> None:
    provider = PROVIDERS[name]
    with emulate(name, malformed_output={"A12-7"}):
        _, _, found = asyncio.run(round_trip(provider))
    output = provider.parse_response(found["A12-7"])
    assert output.error is None and output.text == MALFORMED_TEXT


@pytest.mark.parametrize("name", NAMES)
def test_401_on_submit_names_the_variable_and_hides_the_key(name: str) -> None:
    provider = PROVIDERS[name]
    wrong = "wrong-secret-key-123456"
    with emulate(name) as fake, pytest.raises(ProviderHTTPError) as caught:
        asyncio.run(submit(provider, api_key=wrong))
    message = str(caught.value)
    assert provider.api_key_var in message
    assert message.startswith(f"{name} answered {caught.value.status_code}: ")
    assert caught.value.status_code in (400, 401)
    assert wrong not in message and wrong[-6:] not in message and "Bearer" not in message
    assert fake.batches_created == 0 and len(fake.calls) == 1


@pytest.mark.parametrize("name", NAMES)
def test_list_batches_finds_the_batch_with_its_metadata(name: str) -> None:
    provider = PROVIDERS[name]
    metadata = {"layton_run": "run-1", "layton_intent": "i-7"}

    async def scenario() -> tuple[str, list]:
        batch_id = await submit(provider, metadata=metadata)
        listed = await provider.list_batches(api_key=TEST_KEY, client_factory=client_factory)
        return batch_id, listed

    with emulate(name):
        if not provider.supports_listing:
            with pytest.raises(BatchError, match="cannot list batches"):
                asyncio.run(scenario())
            return
        batch_id, listed = asyncio.run(scenario())
    [remote] = [item for item in listed.batches if item.batch_id == batch_id]
    assert remote.created_at is not None
    if name not in ("anthropic", "together"):  # neither keeps batch metadata
        assert remote.metadata == metadata
        assert remote.request_count == 3


def test_emulators_of_all_providers_can_run_at_once() -> None:
    with ExitStack() as stack:
        fakes = {name: stack.enter_context(emulate(name)) for name in NAMES}
        for name, provider in PROVIDERS.items():
            _, _, found = asyncio.run(round_trip(provider))
            assert set(found) == set(IDS) and fakes[name].batches_created == 1


# ---------------------------------------------------------------------------- submit rules


@pytest.mark.parametrize(
    ("ids", "match"),
    [(("a/b",), "request id"), (("x", "x"), "appears twice"), ((), "nothing to submit")],
)
def test_submit_validates_ids_before_any_http(ids: tuple[str, ...], match: str) -> None:
    """batchling validates no custom id (providers.md §11.7): submit does, before HTTP."""
    provider = PROVIDERS["anthropic"]
    with emulate("anthropic") as fake, pytest.raises(BatchError, match=match):
        asyncio.run(submit(provider, ids))
    assert fake.calls == []


def test_submit_checks_count_bytes_and_window_before_any_http() -> None:
    small = fresh("openai")
    small.max_requests_per_batch = 2  # type: ignore[misc]
    with emulate("openai") as fake:
        with pytest.raises(BatchError, match="limit of 2 per batch"):
            asyncio.run(submit(small))
        tiny = fresh("openai")
        tiny.max_bytes_per_batch = 1000  # type: ignore[misc]
        with pytest.raises(BatchError, match="split it"):
            asyncio.run(submit(tiny))
        provider = PROVIDERS["openai"]
        with pytest.raises(UsageError, match="completion window '1h'"):
            asyncio.run(
                provider.submit(
                    items_for(provider),
                    model="m",
                    api_key=TEST_KEY,
                    completion_window="1h",
                    client_factory=client_factory,
                )
            )
    assert fake.calls == []


def test_submit_never_retries_a_server_error() -> None:
    with emulate("openai", fail_next=[503]) as fake, pytest.raises(ProviderHTTPError) as caught:
        asyncio.run(submit(fresh("openai", sleep=Sleeps())))
    assert caught.value.status_code == 503 and len(fake.calls) == 1


def test_network_failure_during_submit_is_an_unknown_outcome() -> None:
    # the upload succeeds, the create call times out: the batch may exist
    with (
        emulate("openai", fail_next=[None, "timeout"]) as fake,
        pytest.raises(SubmitError, match="may or may not exist"),
    ):
        asyncio.run(submit(PROVIDERS["openai"]))
    assert len(fake.calls) == 2


def test_batchling_key_error_on_an_odd_answer_is_a_submit_error() -> None:
    with emulate("together") as fake:
        fake.wrap_created = lambda obj: {"id": obj["id"]}  # type: ignore[method-assign]
        with pytest.raises(SubmitError, match=r"unexpected answer .*KeyError"):
            asyncio.run(submit(PROVIDERS["together"]))  # batchling reads job.id


def test_a_poll_answer_that_is_not_json_is_a_batch_error() -> None:
    provider = PROVIDERS["openai"]

    async def scenario() -> None:
        batch_id = await submit(provider)
        fake.fail_next = ["html"]
        await poll(provider, batch_id)

    with emulate("openai") as fake, pytest.raises(BatchError, match="not JSON"):
        asyncio.run(scenario())


def test_submitted_metadata_replaces_batchlings_description() -> None:
    with emulate("openai") as fake:
        asyncio.run(submit(PROVIDERS["openai"], metadata={"layton_run": "r"}))
        asyncio.run(submit(PROVIDERS["openai"]))
    first, second = fake.batches.values()
    assert first.metadata == {"layton_run": "r"} and second.metadata == {}


# ------------------------------------------------------------------------- retries, errors


def test_poll_retries_transient_failures_with_backoff() -> None:
    sleeps = Sleeps()
    provider = fresh("openai", sleep=sleeps, retry_delays=(1, 2, 4))

    async def scenario() -> BatchSnapshot:
        batch_id = await submit(provider)
        fake.fail_next = [503, 429, "transport"]
        return await poll(provider, batch_id)

    with emulate("openai") as fake:
        snapshot = asyncio.run(scenario())
    assert snapshot.status == "in_progress"
    assert sleeps.delays == [1, 2, 4]


def test_poll_gives_up_after_the_last_retry() -> None:
    provider = fresh("gemini", sleep=Sleeps(), retry_delays=(0, 0))

    async def scenario() -> None:
        batch_id = await submit(provider)
        fake.fail_next = ["transport"] * 3
        await poll(provider, batch_id)

    with emulate("gemini") as fake, pytest.raises(BatchError, match="could not reach"):
        asyncio.run(scenario())


@pytest.mark.parametrize(("status", "match"), [(401, "check MISTRAL_API_KEY"), (404, "unknown")])
def test_poll_stops_at_once_on_auth_and_not_found(status: int, match: str) -> None:
    sleeps = Sleeps()
    provider = fresh("mistral", sleep=sleeps)

    async def scenario() -> None:
        batch_id = await submit(provider)
        if status == 401:
            fake.key = "rotated"
        else:
            batch_id = "0000-missing"
        await poll(provider, batch_id)

    with emulate("mistral") as fake, pytest.raises(ProviderHTTPError, match=match) as caught:
        asyncio.run(scenario())
    assert caught.value.status_code == status and sleeps.delays == []


def test_poll_refuses_a_batch_id_that_is_not_one() -> None:
    with pytest.raises(BatchError, match="is not a valid openai batch id"):
        asyncio.run(poll(PROVIDERS["openai"], "../../v1/files"))


# --------------------------------------------------------------------- batch-level outcomes


@pytest.mark.parametrize(
    ("name", "state"),
    [
        ("openai", BatchState.expired),
        ("groq", BatchState.expired),
        ("doubleword", BatchState.expired),
        ("together", BatchState.expired),
        ("mistral", BatchState.expired),
        ("anthropic", BatchState.completed),  # ended; one request succeeded before expiry
        ("gemini", BatchState.expired),
        ("xai", BatchState.completed),
    ],
)
def test_expired_batch_is_terminal_and_keeps_finished_results(name: str, state: str) -> None:
    provider = PROVIDERS[name]
    with emulate(name, outcome="expired", succeed_before_end=1):
        _, snapshot, found = asyncio.run(round_trip(provider))
    assert snapshot.terminal and snapshot.state is state
    if name == "gemini":  # Google offers no partial results for an expired batch
        assert found == {}
        return
    assert provider.parse_response(found["005-3"]).error is None
    for custom_id in ("W07-108", "A12-7"):
        assert found[custom_id].status_code >= 400
        assert "expired" in (provider.parse_response(found[custom_id]).error or "")


def test_anthropic_fully_expired_and_cancelled_batches() -> None:
    provider = PROVIDERS["anthropic"]
    with emulate("anthropic", outcome="expired"):
        _, expired, _ = asyncio.run(round_trip(provider))
    with emulate("anthropic", outcome="cancelled"):
        _, cancelled, found = asyncio.run(round_trip(provider))
    assert expired.state is BatchState.expired and cancelled.state is BatchState.cancelled
    assert "canceled" in (provider.parse_response(found["A12-7"]).error or "")


@pytest.mark.parametrize("name", ["openai", "together", "mistral", "gemini"])
def test_failed_batch_is_terminal_with_no_results(name: str) -> None:
    provider = PROVIDERS[name]
    with emulate(name, outcome="failed"):
        _, snapshot, found = asyncio.run(round_trip(provider))
    assert snapshot.terminal and snapshot.state is BatchState.failed
    assert found == {}


@pytest.mark.parametrize("name", ["openai", "xai"])
def test_cancelled_batch_state(name: str) -> None:
    with emulate(name, outcome="cancelled"):
        _, snapshot, _ = asyncio.run(round_trip(PROVIDERS[name]))
    assert snapshot.terminal and snapshot.state is BatchState.cancelled


# ------------------------------------------------------------------- one test per fix


@pytest.mark.parametrize("name", FILE_BASED)
def test_fix_error_file_is_merged_with_output_file(name: str) -> None:
    """§11.3: batchling reads only the output file when both exist."""
    provider = PROVIDERS[name]
    with emulate(name, errors={"W07-108": (422, "bad image")}) as fake:
        _, snapshot, found = asyncio.run(round_trip(provider))
    assert snapshot.output_file_id and snapshot.error_file_id
    assert found["W07-108"].status_code == 422
    assert set(found) == set(IDS)
    assert sum("/content" in call for call in fake.calls) == 2


@pytest.mark.parametrize("name", [n for n in NAMES if n != "xai"])
def test_fix_one_malformed_line_does_not_lose_the_file(name: str) -> None:
    """§11.7: one undecodable JSONL line failed the whole decode."""
    provider = PROVIDERS[name]
    with emulate(name, broken_lines={"W07-108"}, junk_lines=2):
        _, _, found = asyncio.run(round_trip(provider))
    assert set(found) == set(IDS)
    assert found["W07-108"].status_code >= 400
    assert "could not be decoded" in (provider.parse_response(found["W07-108"]).error or "")
    assert provider.parse_response(found["A12-7"]).error is None


def test_fix_xai_one_malformed_item_does_not_lose_the_page() -> None:
    with emulate("xai", broken_lines={"W07-108"}):
        _, _, found = asyncio.run(round_trip(PROVIDERS["xai"]))
    assert found["W07-108"].status_code >= 400 and found["A12-7"].status_code == 200


def test_fix_anthropic_keeps_system_thinking_and_temperature() -> None:
    """§11.4: batchling kept only model, max_tokens and messages of each request."""
    provider = PROVIDERS["anthropic"]

    async def scenario() -> dict[str, RawResult]:
        batch_id = await provider.submit(
            items_for(provider, thinking_budget=2048),
            model=model_for("anthropic"),
            api_key=TEST_KEY,
            completion_window="24h",
            client_factory=client_factory,
        )
        snapshot = await until_terminal(provider, batch_id)
        return await results(provider, batch_id, snapshot)

    with emulate("anthropic") as fake:
        found = asyncio.run(scenario())
    body = fake.bodies["005-3"]
    assert body["system"].startswith("You solve riddles.")
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert body["max_tokens"] == 2048 + 8192
    assert provider.parse_response(found["005-3"]).text == fake.texts["005-3"]


def test_fix_mistral_timeout_exceeded_is_terminal_expired() -> None:
    """§11.2: TIMEOUT_EXCEEDED was not terminal, so the job was polled forever."""
    with emulate("mistral", outcome="expired") as fake:
        _, snapshot, _ = asyncio.run(round_trip(PROVIDERS["mistral"]))
    assert snapshot.status == "TIMEOUT_EXCEEDED" and snapshot.terminal
    assert snapshot.state is BatchState.expired and fake.polls == 2


def test_fix_gemini_progress_comes_from_metadata_batch_stats() -> None:
    """§11.5: batchling read a top-level batchStats, absent from the real operation."""
    provider = PROVIDERS["gemini"]

    async def scenario() -> BatchSnapshot:
        return await poll(provider, await submit(provider, ("a1", "a2", "a3", "a4")), 4)

    with emulate("gemini", polls_until_done=5):
        snapshot = asyncio.run(scenario())
    assert snapshot.state is BatchState.running and snapshot.completed == 2


def test_fix_gemini_failed_batch_downloads_nothing() -> None:
    """§11.5: a failed batch's error object became a garbage download path."""
    with emulate("gemini", outcome="failed") as fake:
        _, snapshot, found = asyncio.run(round_trip(PROVIDERS["gemini"]))
    assert snapshot.state is BatchState.failed and snapshot.error_file_id is None
    assert found == {}
    assert not any("download" in call for call in fake.calls)


def test_fix_gemini_per_request_error_keeps_its_status() -> None:
    """§11.5: per-request errors were always 500 (Google puts the code in `code`)."""
    with emulate("gemini", errors={"W07-108": (400, "Invalid image")}):
        _, _, found = asyncio.run(round_trip(PROVIDERS["gemini"]))
    assert found["W07-108"].status_code == 400
    grpc = get_provider("gemini").result_of({"key": "x", "error": {"code": 8, "message": "quota"}})
    assert grpc.status_code == 429


def test_fix_xai_follows_result_pagination() -> None:
    """§11.6: batchling read only the first page of results."""
    ids = [f"R{i:02d}" for i in range(5)]
    with emulate("xai", page_size=2) as fake:
        _, _, found = asyncio.run(round_trip(PROVIDERS["xai"], ids))
    assert set(found) == set(ids) and fake.pages_served == 3


def test_fix_xai_progress_and_status_from_real_counters() -> None:
    """§11.6: batchling read `success`/`num_completed`, so progress stayed 0 and never running."""
    provider = PROVIDERS["xai"]

    async def scenario() -> BatchSnapshot:
        return await poll(provider, await submit(provider, ("a1", "a2", "a3", "a4")), 4)

    with emulate("xai", polls_until_done=5):
        snapshot = asyncio.run(scenario())
    assert snapshot.status == "running" and not snapshot.terminal
    assert snapshot.completed == 2
    adapter = provider.adapter()
    empty = {"state": {"num_requests": 0, "num_pending": 0}}
    assert adapter.extract_batch_status(payload=empty) == "pending"  # not "ended"


def test_fix_xai_unwraps_chat_get_completion() -> None:
    """§11.6: success bodies stayed wrapped in `chat_get_completion`."""
    with emulate("xai"):
        _, _, found = asyncio.run(round_trip(PROVIDERS["xai"]))
    assert "choices" in found["005-3"].body and "chat_get_completion" not in found["005-3"].body


def test_fix_xai_add_requests_are_chunked_under_the_call_limit() -> None:
    """§11.6: batchling sent every request in one call, refused by xAI above 25 MB."""
    provider = fresh("xai")
    provider.max_add_bytes = 3000
    ids = [f"C{i:02d}" for i in range(6)]
    with emulate("xai", max_call_bytes=3000) as fake:
        _, _, found = asyncio.run(round_trip(provider, ids))
    assert len(fake.add_calls) > 1 and max(fake.add_calls) <= 3000
    assert fake.requests_seen == ids and set(found) == set(ids)


def test_xai_partial_container_is_reported_with_its_batch_id() -> None:
    provider = fresh("xai")
    provider.max_add_bytes = 3000
    ids = [f"C{i:02d}" for i in range(6)]
    # create, first add call answer normally; the second add call fails
    with emulate("xai", fail_next=[None, None, 500]) as fake, pytest.raises(SubmitError) as caught:
        asyncio.run(submit(provider, ids))
    [batch_id] = fake.batches
    assert caught.value.batch_id == batch_id and "holds only" in str(caught.value)


class _StrictTerminalMeta(type(StrEnum)):  # type: ignore[misc]
    """Python 3.11's enum ``in``: a non-member string raises TypeError."""

    def __contains__(cls, value: object) -> bool:
        if isinstance(value, str) and value not in cls._value2member_map_:
            raise TypeError("unsupported operand type(s) for 'in'")
        return super().__contains__(value)


class _StrictTerminal(StrEnum, metaclass=_StrictTerminalMeta):
    SUCCESS = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


def test_fix_terminal_check_uses_the_set_of_values(monkeypatch: pytest.MonkeyPatch) -> None:
    """§11.1: `status in StrEnum` raises TypeError on Python 3.11 for non-member statuses."""
    from batchling.providers.openai import OpenAIProvider

    monkeypatch.setattr(OpenAIProvider, "batch_terminal_states", _StrictTerminal)
    with pytest.raises(TypeError):
        _ = "in_progress" in _StrictTerminal
    with emulate("openai"):
        _, snapshot, _ = asyncio.run(round_trip(PROVIDERS["openai"]))
    assert snapshot.terminal


_COMPLETION = {"choices": [{"message": {"content": '{"answer": "4"}'}}], "usage": {}}
#: Result items of each shape, as batchling reads them where layton fixes nothing.
_PLAIN_ITEMS: dict[str, list[dict[str, t.Any]]] = {
    "openai": [
        {"custom_id": "a", "response": {"status_code": 200, "body": _COMPLETION}},
        {"custom_id": "b", "response": {"body": _COMPLETION}},  # no status: 200
        {"custom_id": "c", "error": {"status_code": 422, "message": "bad image"}},
        {"custom_id": "d", "response": None, "error": None},  # nothing: 500, missing
        {"custom_id": 7, "response": {"status_code": 200, "body": None}},  # id as a number
        {"response": {"status_code": 200, "body": _COMPLETION}},  # no id: skipped
    ],
    "anthropic": [
        {"custom_id": "a", "result": {"type": "succeeded", "message": {"content": []}}},
        {"custom_id": "b", "result": {"type": "weird"}},  # neither: 500, missing
        {"custom_id": "c"},
    ],
    "gemini": [
        {"key": "a", "response": {"candidates": [], "status_code": 200}},
        {"key": "b", "response": {"candidates": []}},
        {"key": "c"},
    ],
    "xai": [
        {"batch_request_id": "a", "batch_result": {"response": _COMPLETION}},
        {"batch_request_id": "b", "batch_result": {"error": {"message": "overloaded"}}},
        {"batch_request_id": "c", "batch_result": {}},
    ],
}


@pytest.mark.parametrize("name", NAMES)
def test_each_line_is_decoded_once_as_batchling_reads_it(name: str) -> None:
    """Each result line is read with one json.loads (no httpx.Response in between) and gives
    the status and body batchling's own adapter gives, wherever layton fixes nothing."""
    provider = PROVIDERS[name]
    shape = name if name in _PLAIN_ITEMS else "openai"
    items = _PLAIN_ITEMS[shape]
    adapter = provider.adapter()
    lines = [json.dumps({"results": items})] if name == "xai" else [json.dumps(i) for i in items]
    expected = {}
    for line in lines:  # batchling: JSON -> httpx.Response -> JSON
        for key, response in adapter.decode_results_content(batch_id="b", content=line).items():
            expected[key] = (response.status_code, json.loads(response.content))
    got = {key: (raw.status_code, raw.body) for key, raw in provider.decode_lines(lines)}
    assert got == expected and len(got) == len(items) - (shape == "openai")


def test_a_line_separator_inside_an_answer_does_not_split_its_line() -> None:
    """A JSON string may hold U+2028 or U+0085 unescaped; only \\n ends a JSONL line."""
    text = '{"answer": "four\u2028squares", "justification": "see\x85above"}'
    provider = PROVIDERS["openai"]
    with emulate("openai", responder=lambda cid, body: text) as fake:

        async def scenario() -> dict[str, RawResult]:
            batch_id = await submit(provider)
            snapshot = await until_terminal(provider, batch_id)
            assert snapshot.output_file_id is not None
            raw = fake.files[snapshot.output_file_id].decode()
            fake.files[snapshot.output_file_id] = "\n".join(
                json.dumps(json.loads(line), ensure_ascii=False) for line in raw.splitlines()
            ).encode()
            return await results(provider, batch_id, snapshot)

        found = asyncio.run(scenario())
    assert set(found) == set(IDS)
    assert all(provider.parse_response(raw).text == text for raw in found.values())


def test_decoding_reads_the_lines_of_a_file_without_a_trailing_newline() -> None:
    provider = PROVIDERS["openai"]
    first = json.dumps({"custom_id": "a", "response": {"status_code": 200, "body": {}}}).encode()
    second = json.dumps({"custom_id": "b", "error": {"status_code": 400}}).encode()
    found = dict(provider.decode_lines(io.BytesIO(first + b"\n\n" + second + b"\n{oops")))
    assert found == {"a": RawResult(200, {}), "b": RawResult(400, {"status_code": 400})}
