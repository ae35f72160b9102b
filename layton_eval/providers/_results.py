"""Result lines of a finished batch, decoded one by one into :class:`RawResult` objects."""

from __future__ import annotations

import dataclasses
import json
import re
import typing as t
from collections.abc import Callable, Iterable, Mapping

from layton_eval.providers._http import short
from layton_eval.providers.batch_types import RawResult

if t.TYPE_CHECKING:
    import httpx

__all__ = [
    "decode_each",
    "keep_result",
    "malformed_result",
    "merge_results",
    "raw_result",
    "salvage_id",
]

_MALFORMED = 502


def raw_result(response: httpx.Response) -> RawResult:
    """A batchling-decoded response as a :class:`RawResult`.

    batchling defect (docs/providers.md, D8): these responses have no
    ``.request``, so ``raise_for_status()`` raises RuntimeError; only ``status_code`` and the
    body are read.
    """
    try:
        body = json.loads(response.content)
    except ValueError:
        body = {"error": {"message": short(response.content.decode("utf-8", "replace"))}}
    return RawResult(status_code=response.status_code, body=body)


def malformed_result() -> RawResult:
    """The result kept for a result line that could not be decoded."""
    return RawResult(
        status_code=_MALFORMED,
        body={
            "error": {
                "type": "malformed_result",
                "message": "the provider returned a result line that could not be decoded",
            }
        },
    )


def decode_each(
    decode: Callable[[str], Mapping[str, httpx.Response]],
    pieces: Iterable[tuple[str, Callable[[], str | None]]],
) -> dict[str, RawResult]:
    """Decode result pieces one at a time, so that one bad piece loses only itself.

    Each piece is ``(content, id_of)``: ``decode(content)`` gives batchling's responses by id;
    when it fails, ``id_of()`` names the request (if it can) and it gets a malformed result.
    """
    decoded: dict[str, RawResult] = {}
    for content, id_of in pieces:
        try:
            responses = decode(content)
        except Exception:  # any bad piece must not lose the other results
            custom_id = id_of()
            if custom_id is not None:
                keep_result(decoded, custom_id, malformed_result())
            continue
        for custom_id, response in responses.items():
            keep_result(decoded, custom_id, raw_result(response))
    return decoded


def salvage_id(line: str, field: str) -> str | None:
    """The id in ``"field": "..."`` of a line that is not valid JSON, if it can be read."""
    match = re.search(rf'"{re.escape(field)}"\s*:\s*"((?:[^"\\]|\\.)*)"', line)
    if match is None:
        return None
    try:
        return str(json.loads(f'"{match.group(1)}"'))
    except ValueError:
        return None


def keep_result(merged: dict[str, RawResult], custom_id: str, result: RawResult) -> None:
    """Add one result line: the first success for an id is kept, whatever follows it.

    A later error never replaces a success (it was paid for and answered); a later, different
    success is not taken either, and is counted in the kept result's ``conflicts``. A failure
    is replaced by whatever comes next for the same id.
    """
    previous = merged.get(custom_id)
    if previous is None or previous.status_code >= 400:
        merged[custom_id] = result
    elif result.status_code < 400 and result.body != previous.body:
        merged[custom_id] = dataclasses.replace(
            previous, conflicts=previous.conflicts + 1 + result.conflicts
        )


def merge_results(merged: dict[str, RawResult], new: Mapping[str, RawResult]) -> None:
    """Add results (of another file or page) with :func:`keep_result`."""
    for custom_id, result in new.items():
        keep_result(merged, custom_id, result)
