"""What the user reads when a submission fails: one mapping (``_submit.submit_error``) for
every exception batchling's ``process_batch`` raises, before and after the paid create call.

Each source exception is raised by the adapter itself, through the openai emulator, at the
create call (``stage`` "create": the batch may exist) or at the upload (nothing created).
"""

from __future__ import annotations

import asyncio
import typing as t

import httpx
import pytest
from batchling import DryRunEarlyExit

from layton_eval.errors import BatchError, ProviderHTTPError, SubmitError
from layton_eval.providers import get_provider
from layton_eval.providers._submit import submit_failures
from layton_eval.providers.base import Provider
from tests.fakes import TEST_KEY, emulate
from tests.test_providers_batch import submit

MAYBE = "; the batch may or may not exist"
_CREATE = httpx.Request("POST", "https://api.openai.com/v1/batches")


def _status(code: int, message: str) -> httpx.HTTPStatusError:
    response = httpx.Response(code, json={"error": {"message": message}}, request=_CREATE)
    return httpx.HTTPStatusError(f"{code}", request=_CREATE, response=response)


#: source exception -> (error class, message the user reads) when raised by the create call.
CASES: dict[str, tuple[BaseException, type[BatchError], str]] = {
    "ValueError": (
        ValueError("Expecting value: line 1 column 1 (char 0)"),
        SubmitError,
        "openai gave an unexpected answer while submitting "
        "(ValueError: Expecting value: line 1 column 1 (char 0))" + MAYBE,
    ),
    "RuntimeError": (
        RuntimeError("batch creation returned no id"),
        SubmitError,
        "openai gave an unexpected answer while submitting "
        "(RuntimeError: batch creation returned no id)" + MAYBE,
    ),
    "KeyError": (
        KeyError("id"),
        SubmitError,
        "openai gave an unexpected answer while submitting (KeyError: 'id')" + MAYBE,
    ),
    "TypeError": (
        TypeError(f"bad header {TEST_KEY}"),  # a key in an exception's text is removed
        SubmitError,
        "openai gave an unexpected answer while submitting "
        "(TypeError: bad header [redacted])" + MAYBE,
    ),
    "HTTPStatusError 503": (
        _status(503, "overloaded"),
        ProviderHTTPError,
        "openai answered 503: overloaded" + MAYBE,
    ),
    "HTTPStatusError 400": (
        _status(400, "invalid input file"),
        ProviderHTTPError,
        "openai answered 400: invalid input file",  # a refusal: nothing was created
    ),
    "HTTPStatusError 401": (
        _status(401, "bad key"),
        ProviderHTTPError,
        "openai answered 401: bad key (check OPENAI_API_KEY)",
    ),
    "ConnectError": (
        httpx.ConnectError("connection refused", request=_CREATE),
        SubmitError,
        "openai: ConnectError while submitting" + MAYBE,
    ),
    "ReadTimeout": (
        httpx.ReadTimeout("timed out", request=_CREATE),
        SubmitError,
        "openai: ReadTimeout while submitting" + MAYBE,
    ),
}


class _Raising(Provider):
    """The openai provider whose adapter raises ``error`` from one call of a submission."""

    def __init__(self, method: str, error: BaseException) -> None:
        super().__init__()
        self.method, self.error = method, error

    def adapter_fixes(self, **kwargs: t.Any) -> dict[str, t.Any]:
        def fail(own: t.Any, **_: t.Any) -> t.NoReturn:
            raise self.error

        return {**super().adapter_fixes(**kwargs), self.method: fail}


def _raising(method: str, error: BaseException) -> Provider:
    openai = type(get_provider("openai"))
    cls = type("RaisingOpenAI", (_Raising, openai), {})
    provider: Provider = cls(method, error)
    return provider


def _submit(provider: Provider) -> str:
    return asyncio.run(submit(provider))


@pytest.mark.parametrize("case", list(CASES))
def test_each_failure_of_the_create_call_reads_as_one_line(case: str) -> None:
    source, kind, message = CASES[case]
    provider = _raising("_create_file_based_batch_job", source)
    with emulate("openai"), pytest.raises(kind) as caught:
        _submit(provider)
    assert type(caught.value) is kind and str(caught.value) == message
    assert caught.value.provider == "openai" and caught.value.__cause__ is source


@pytest.mark.parametrize("case", ["ValueError", "HTTPStatusError 503", "ConnectError"])
def test_a_failed_upload_created_nothing_and_says_no_maybe(case: str) -> None:
    source, kind, message = CASES[case]
    provider = _raising("_upload_batch_file", source)
    with emulate("openai"), pytest.raises(kind) as caught:
        _submit(provider)
    assert str(caught.value) == message.removesuffix(MAYBE)


def test_the_mapping_leaves_layton_errors_and_dry_run_exits_alone() -> None:
    """A fix's own BatchError already says what happened; batchling's DryRunEarlyExit (a
    BaseException of its request interception, which layton does not use) is not mapped."""
    assert not issubclass(BatchError, submit_failures())
    assert not issubclass(DryRunEarlyExit, submit_failures())
    own = SubmitError("xai batch b holds only 2 of 6 requests", provider="xai", batch_id="b")
    with emulate("openai"), pytest.raises(SubmitError) as caught:
        _submit(_raising("_create_file_based_batch_job", own))
    assert caught.value is own
    exit_ = DryRunEarlyExit(
        source="s", provider="openai", endpoint="/v1/chat/completions", model="m",
        batch_id="b", custom_id="c",
    )  # fmt: skip
    with emulate("openai"), pytest.raises(DryRunEarlyExit):
        _submit(_raising("_create_file_based_batch_job", exit_))
