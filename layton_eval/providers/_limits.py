"""What a provider accepts in one batch: ids, windows, counts, bytes and metadata.

Checked before the first HTTP call of a submission, so that a batch the provider would refuse
is never half-sent.
"""

from __future__ import annotations

import json
import re
import typing as t
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from layton_eval.errors import BatchError, UsageError

__all__ = ["CUSTOM_ID_PATTERN", "Limits"]

#: What every provider accepts as a request id (Anthropic's rule, the strictest).
CUSTOM_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class Limits:
    """What one provider accepts in a batch (``Provider.limits``, built from its facts)."""

    name: str
    max_requests_per_batch: int
    max_bytes_per_batch: int
    completion_windows: tuple[str, ...] = ("24h",)
    #: Bytes a batch line adds around its body (ids, method, url, JSON punctuation).
    line_overhead: int = 200

    def request_size(self, body: dict[str, t.Any]) -> int:
        """Bytes this request adds to the batch file (an upper bound, for splitting)."""
        return len(json.dumps(body).encode("utf-8")) + self.line_overhead

    def validate_custom_id(self, custom_id: str) -> None:
        """Reject ids the provider would refuse (``^[A-Za-z0-9_-]{1,64}$``)."""
        if not isinstance(custom_id, str) or not CUSTOM_ID_PATTERN.fullmatch(custom_id):
            raise BatchError(
                f"request id {custom_id!r} is not accepted by batch APIs: use 1-64 letters, "
                "digits, '_' or '-'",
                provider=self.name,
            )

    def validate_completion_window(self, window: str) -> None:
        """Reject a completion window the provider does not offer."""
        if window not in self.completion_windows:
            allowed = ", ".join(self.completion_windows)
            raise UsageError(
                f"{self.name} does not offer completion window {window!r}; use one of: {allowed}"
            )

    def check_items(
        self, items: Sequence[tuple[str, dict[str, t.Any]]], metadata: Mapping[str, str] | None
    ) -> None:
        """Refuse an empty batch, bad or repeated ids, too many requests or bytes, and metadata
        the provider would refuse."""
        if not items:
            raise BatchError("nothing to submit: the batch has no requests", provider=self.name)
        seen: set[str] = set()
        for custom_id, _ in items:
            self.validate_custom_id(custom_id)
            if custom_id in seen:
                raise BatchError(
                    f"request id {custom_id!r} appears twice in one batch", provider=self.name
                )
            seen.add(custom_id)
        if len(items) > self.max_requests_per_batch:
            raise BatchError(
                f"{len(items)} requests exceed {self.name}'s limit of "
                f"{self.max_requests_per_batch} per batch; split them into several batches",
                provider=self.name,
            )
        size = sum(self.request_size(body) for _, body in items)
        if size > self.max_bytes_per_batch:
            raise BatchError(
                f"the batch is {size / 1e6:.1f} MB, over {self.name}'s limit of "
                f"{self.max_bytes_per_batch / 1e6:.0f} MB; split it into several batches",
                provider=self.name,
            )
        for key, value in (metadata or {}).items():
            if not isinstance(value, str) or len(key) > 64 or len(value) > 512:
                raise BatchError(
                    f"batch metadata {key!r} must be a string of at most 512 characters "
                    "under a key of at most 64",
                    provider=self.name,
                )
        if metadata and len(metadata) > 16:
            raise BatchError("batch metadata takes at most 16 keys", provider=self.name)
