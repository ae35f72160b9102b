"""A submission's adapter and its failures: batchling's adapter held with its fixes, the
progress of its calls, and one mapping of what it raises to what the user reads.

batchling's ``process_batch`` runs the upload and create calls in one go; layton wraps them on
the adapter instance so that, when the submission fails, it knows whether the paid create
call had started (see :class:`~layton_eval.providers.batch_types.SubmitTrace`), and
:func:`submit_error` says so.
"""

from __future__ import annotations

import functools
import typing as t
from collections.abc import Awaitable, Callable, Mapping

from layton_eval.errors import BatchError, SubmitError
from layton_eval.providers._http import HttpCalls, redact, short
from layton_eval.providers.batch_types import SubmitTrace

__all__ = ["held_adapter", "submit_error", "submit_failures", "tagged_payload", "trace_calls"]

#: A fix of one adapter method: ``fix(the adapter's own method, **batchling's arguments)``.
Fix = Callable[..., t.Any]


def held_adapter(adapter_class: type[t.Any], fixes: Mapping[str, Fix]) -> t.Any:
    """A fresh batchling adapter with each fix called instead of the method it names (the
    adapter's own method passed first, for the fixes that build on it)."""
    adapter = adapter_class()
    for method, fix in fixes.items():
        setattr(adapter, method, functools.partial(fix, getattr(adapter, method)))
    return adapter


def tagged_payload(metadata: Mapping[str, str] | None) -> Fix:
    """The fix of ``build_file_based_batch_payload`` sending layton's ``metadata`` instead of
    batchling's fixed ``{"description": ...}`` (OpenAI-shaped create calls, whose payload has a
    ``metadata`` field; ``list_batches`` reads it back)."""

    async def fix(own: Callable[..., Awaitable[dict[str, t.Any]]], **kwargs: t.Any) -> t.Any:
        payload = await own(**kwargs)
        if metadata:
            payload["metadata"] = dict(metadata)
        else:
            payload.pop("metadata", None)
        return payload

    return fix


#: The adapter calls of a submission, and the stage each one belongs to (see SubmitTrace).
_STAGES = {
    "_upload_batch_file": "upload",
    "_create_batch_container": "upload",  # xAI: an empty container, nothing billed
    "_create_file_based_batch_job": "create",
    "_create_inline_batch_job": "create",
    "_add_requests_to_batch": "create",  # xAI: the requests go into the container
}


def trace_calls(adapter: t.Any, trace: SubmitTrace) -> None:
    """Make ``adapter``'s submission calls record their stage and ids in ``trace``."""
    for method, stage in _STAGES.items():
        original = getattr(adapter, method, None)
        if original is not None:
            setattr(adapter, method, _traced(original, method, stage, trace))


def _traced(
    original: Callable[..., Awaitable[t.Any]], method: str, stage: str, trace: SubmitTrace
) -> Callable[..., Awaitable[t.Any]]:
    async def call(**kwargs: t.Any) -> t.Any:
        trace.stage = stage
        value = await original(**kwargs)
        if method == "_upload_batch_file":
            trace.file_id = str(value)
        elif method == "_create_batch_container":
            trace.container_id = str(value)
            if trace.on_container is not None:
                trace.on_container(trace.container_id)
        return value

    return call


def submit_failures() -> tuple[type[Exception], ...]:
    """What batchling's ``process_batch`` raises when a call fails or an answer has a shape it
    does not expect; :func:`submit_error` maps each. (Its ``DryRunEarlyExit`` belongs to its
    request interception, which layton does not use; a :class:`BatchError` raised by a fix
    already says what happened.)"""
    import httpx

    return (httpx.HTTPError, ValueError, KeyError, TypeError, RuntimeError)


def submit_error(exc: Exception, http: HttpCalls, *, api_key: str, stage: str) -> BatchError:
    """The error the user gets for ``exc`` (one of :func:`submit_failures`), raised while the
    submission was at ``stage``; once the paid create call has started, an outcome that is not
    a refusal adds that the batch may or may not exist.

    - an HTTP error status: ``<provider> answered <code>: <its message>`` and what to do
      (:meth:`HttpCalls.http_error`), a :class:`ProviderHTTPError`;
    - a network failure: ``<provider>: <ConnectError...> while submitting``;
    - anything else: ``<provider> gave an unexpected answer while submitting (<type>:
      <message>)``, the key removed.
    """
    import httpx

    maybe = "; the batch may or may not exist" if stage == "create" else ""
    if isinstance(exc, httpx.HTTPStatusError):
        error = http.http_error(exc.response, api_key=api_key)
        if error.status_code >= 500 and maybe:  # it may have gone through
            error.args = (f"{error}{maybe}",)
        return error
    name = http.name
    if isinstance(exc, httpx.HTTPError):
        said = f"{name}: {type(exc).__name__} while submitting"
    else:
        detail = short(redact(str(exc), api_key))
        said = f"{name} gave an unexpected answer while submitting ({type(exc).__name__}: {detail})"
    return SubmitError(said + maybe, provider=name)
