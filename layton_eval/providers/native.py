"""Small helpers shared by the provider modules to build native bodies and read payloads."""

from __future__ import annotations

import json
import typing as t
from collections.abc import Mapping
from datetime import UTC, datetime

__all__ = [
    "as_int",
    "merge_params",
    "parse_time",
    "strict_schema",
    "with_json_instruction",
]


def with_json_instruction(system: str, schema: Mapping[str, t.Any]) -> str:
    """The system prompt plus an instruction to answer with JSON matching ``schema``."""
    instruction = (
        "Reply with a single JSON object and nothing else (no prose, no code fence). "
        "It must match this JSON schema:\n" + json.dumps(schema, ensure_ascii=False)
    )
    return f"{system.rstrip()}\n\n{instruction}" if system.strip() else instruction


def strict_schema(schema: Mapping[str, t.Any]) -> dict[str, t.Any]:
    """A copy of ``schema`` valid for strict structured outputs.

    Every object gets ``additionalProperties: false`` and lists all its properties as required
    (OpenAI's strict mode demands both), recursively.
    """

    def fix(node: t.Any) -> t.Any:
        if isinstance(node, list):
            return [fix(item) for item in node]
        if not isinstance(node, dict):
            return node
        out = {key: fix(value) for key, value in node.items()}
        if out.get("type") == "object" or "properties" in out:
            properties = out.get("properties") or {}
            out["properties"] = properties
            out["required"] = list(properties)
            out["additionalProperties"] = False
        return out

    return t.cast(dict[str, t.Any], fix(dict(schema)))


def merge_params(body: dict[str, t.Any], params: Mapping[str, t.Any]) -> dict[str, t.Any]:
    """``params`` applied last: nested dicts merge key by key, ``None`` removes a key."""
    for key, value in params.items():
        if value is None:
            body.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(body.get(key), dict):
            merge_params(body[key], value)
        else:
            body[key] = value
    return body


def parse_time(value: t.Any) -> datetime | None:
    """A timestamp from Unix seconds or an RFC 3339 string; ``None`` when unreadable."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def as_int(value: t.Any) -> int:
    """An int from a JSON number or numeric string (Google sends int64 as strings); else 0."""
    if type(value) is int:  # the usual case, read four times a result line at fetch
        return value if value > 0 else 0
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0
