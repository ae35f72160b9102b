"""``layton -v``: one line per HTTP call on stderr, and never a key or token in it."""

from __future__ import annotations

import httpx
import pytest

from layton_eval.providers import NAMES, get_provider, key_var
from layton_eval.providers._verbose import call_line
from layton_eval.settings import get_settings
from tests.fakes import emulate
from tests.helpers import invoke, prepare
from tests.test_cli_batches import MODELS as BATCH_MODELS

SECRET = "sk-verysecret-0123456789abcdefXYZ"
MODELS = {
    **BATCH_MODELS,
    "xai": "grok-4-1-fast-reasoning",
    "doubleword": "Qwen/Qwen3-VL-235B-A22B-Instruct-FP8",
}


@pytest.mark.parametrize("provider", NAMES)
def test_each_call_is_one_line_without_the_key(provider: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(key_var(provider), SECRET)
    monkeypatch.setattr(get_provider(provider), "retry_delays", (0.01, 0.01))
    get_settings.cache_clear()
    prepare(provider, MODELS[provider], extra=["--limit", "2", "--price-in", "1",
                                                "--price-out", "1"])  # fmt: skip
    err = []
    with emulate(provider, key=SECRET, polls_until_done=1) as fake:
        for args in (("send", "run", "--yes"), ("status", "run"), ("fetch", "run")):
            if args[0] == "status":
                fake.fail_next = [503]  # one poll retried
            result = invoke("-v", *args)
            assert result.exit_code == 0, result.stderr
            assert SECRET not in result.stdout + result.stderr
            err += result.stderr.splitlines()
        calls = list(fake.calls)
    lines = [line for line in err if line.startswith("HTTP ")]
    assert len(lines) == len(calls)
    for line, call in zip(lines, calls, strict=True):
        method, path = call.split(" ", 1)
        assert line.startswith(f"HTTP {method} {fake.host} {path}"), (line, call)
    retried = [line for line in lines if "a retry, after waiting 0.01s" in line]
    assert len(retried) == 1 and " 503 " in lines[lines.index(retried[0]) - 1]


def test_without_v_nothing_is_written(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    get_settings.cache_clear()
    prepare("openai", "gpt-5.1", extra=["--limit", "2"])
    with emulate("openai", key=SECRET, polls_until_done=1):
        assert invoke("-v", "status", "--all").exit_code == 0  # -v once, then not
        for args in (("send", "run", "--yes"), ("fetch", "run")):
            result = invoke(*args)
            assert result.exit_code == 0 and result.stderr == "", result.stderr


def test_credentials_in_a_url_are_redacted():
    request = httpx.Request(
        "GET",
        f"https://generativelanguage.googleapis.com/v1beta/files/{SECRET}?key={SECRET}"
        "&pageSize=10&pageToken=abc&upload_id=session-1234&alt=media",
        headers={"Authorization": f"Bearer {SECRET}", "x-goog-api-key": "AIzaSyAnotherKey99"},
    )
    line = call_line(request, "200", 0.123, 2.0)
    assert SECRET not in line and "AIzaSy" not in line and "session-1234" not in line
    assert line == (
        "HTTP GET generativelanguage.googleapis.com /v1beta/files/[redacted]?key=[redacted]"
        "&pageSize=10&pageToken=[redacted]&upload_id=[redacted]&alt=media 200 0.12s "
        "(a retry, after waiting 2s)"
    )
