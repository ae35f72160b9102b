"""Errors that reach the user as one line.

::

    LaytonError                 anything layton reports to the user (exit code 1)
    ├── UsageError              bad option value or combination (exit code 2)
    ├── ConfigError             missing API key, bad settings or jury config
    ├── DatasetError            riddle or calibration data cannot be loaded or parsed
    ├── RunError                unknown run, run exists, run locked, wrong run state
    ├── BatchError              a batch could not be submitted, polled or fetched
    │   ├── SubmitError         submission failed or its outcome is unknown
    │   └── ProviderHTTPError   the provider answered with an HTTP error
    ├── JuryError               the judge panel cannot be built or run
    └── ScoreError              verdicts cannot be scored

The CLI catches :class:`LaytonError` in one place, prints ``Error: <message>`` on stderr and
exits with :attr:`LaytonError.exit_code`. Messages say what to do next; they never contain an API
key or an Authorization header.
"""

from __future__ import annotations

__all__ = [
    "BatchError",
    "ConfigError",
    "DatasetError",
    "JuryError",
    "LaytonError",
    "ProviderHTTPError",
    "RunError",
    "ScoreError",
    "SubmitError",
    "UsageError",
]


class LaytonError(Exception):
    """Base class: a failure explained to the user in one line."""

    exit_code: int = 1


class UsageError(LaytonError):
    """A bad option value or combination."""

    exit_code = 2


class ConfigError(LaytonError):
    """Settings, API keys or a jury config are missing or invalid."""


class DatasetError(LaytonError):
    """Riddle or calibration data cannot be found, downloaded or parsed."""


class RunError(LaytonError):
    """A run cannot be found, created, locked or used in its current state."""

    def __init__(self, message: str, *, run: str | None = None) -> None:
        super().__init__(message)
        self.run = run


class BatchError(LaytonError):
    """A provider batch could not be submitted, polled or fetched."""

    def __init__(
        self, message: str, *, provider: str | None = None, batch_id: str | None = None
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.batch_id = batch_id


class SubmitError(BatchError):
    """A submission failed, or its outcome is unknown."""


class ProviderHTTPError(BatchError):
    """The provider answered with an HTTP error status."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        provider: str | None = None,
        batch_id: str | None = None,
        auth: bool = False,
    ) -> None:
        super().__init__(message, provider=provider, batch_id=batch_id)
        self.status_code = status_code
        self.auth = auth  # the key was refused (whatever the status code)


class JuryError(LaytonError):
    """The judge panel cannot be built, sent or collected."""


class ScoreError(LaytonError):
    """Verdicts cannot be turned into a score."""
