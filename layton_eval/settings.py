"""Configuration from the environment and a ``.env`` file (pydantic-settings).

The API key and endpoint variables are not listed here: one of each per provider of
:data:`layton_eval.choices.PROVIDER_CLASSES` (``OPENAI_API_KEY``, ``LAYTON_OPENAI_BASE_URL``...),
added to :class:`Settings` when the module loads.
"""

from __future__ import annotations

import functools
import typing as t
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, create_model
from pydantic_settings import BaseSettings, SettingsConfigDict

from layton_eval.choices import PROVIDER_CLASSES, key_var
from layton_eval.errors import ConfigError

__all__ = [
    "API_KEY_VARS",
    "BASE_URL_VARS",
    "Settings",
    "get_settings",
    "require_api_key",
    "require_api_keys",
]

#: Environment variable holding each provider's API key.
API_KEY_VARS: dict[str, str] = {name: key_var(name) for name in PROVIDER_CLASSES}
#: Environment variables overriding each provider's endpoint, the first set one winning
#: (``OPENAI_BASE_URL`` is the OpenAI SDK's own convention).
BASE_URL_VARS: dict[str, tuple[str, ...]] = {
    name: (f"LAYTON_{name.upper()}_BASE_URL", *(("OPENAI_BASE_URL",) if name == "openai" else ()))
    for name in PROVIDER_CLASSES
}


class _Settings(BaseSettings):
    """Everything layton reads from the environment (or ``.env`` in the working directory)."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        populate_by_name=True,
    )

    runs_dir: Path = Field(default=Path("runs"), alias="LAYTON_RUNS_DIR")
    data_dir: Path | None = Field(default=None, alias="LAYTON_DATA_DIR")
    cache_dir: Path | None = Field(default=None, alias="LAYTON_CACHE_DIR")
    dataset_repo: str = Field(default="rvienne/layton-eval", alias="LAYTON_DATASET_REPO")
    calibration_repo: str = Field(default="rvienne/layton-eval-ppi", alias="LAYTON_PPI_REPO")
    revision: str | None = Field(default=None, alias="LAYTON_REVISION")
    calibration_revision: str | None = Field(default=None, alias="LAYTON_PPI_REVISION")
    default_provider: str | None = Field(default=None, alias="LAYTON_PROVIDER")
    default_model: str | None = Field(default=None, alias="LAYTON_MODEL")
    max_cost_text: str | None = Field(default=None, alias="LAYTON_MAX_COST")

    def max_cost(self) -> float | None:
        """The spending limit of ``LAYTON_MAX_COST`` in USD (``None``: no limit), checked."""
        import math

        text = (self.max_cost_text or "").strip().removeprefix("$")
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not math.isfinite(value) or value < 0:
            raise ConfigError(
                f"LAYTON_MAX_COST={self.max_cost_text!r} is not an amount in USD (e.g. 5 or 0.50)"
            )
        return value

    def api_key(self, provider: str) -> SecretStr | None:
        """The API key of ``provider`` as read, or ``None``."""
        value: SecretStr | None = getattr(self, API_KEY_VARS[provider].lower(), None)
        return value

    def base_url(self, provider: str) -> str | None:
        """The endpoint override of ``provider`` (``None``: its public API), checked."""
        for var in BASE_URL_VARS.get(provider, ()):
            value: str | None = getattr(self, var.lower(), None)
            if value and value.strip():
                return _checked_url(var, value.strip())
        return None


def _checked_url(var: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(
            f"{var}={value!r} is not an endpoint: use http(s)://host[:port][/path], "
            "without query or fragment"
        )
    return value.rstrip("/")


if t.TYPE_CHECKING:
    Settings = _Settings
else:
    Settings = create_model(
        "Settings",
        __base__=_Settings,
        __doc__=_Settings.__doc__,
        **{
            var.lower(): (SecretStr | None, Field(default=None, alias=var))
            for var in API_KEY_VARS.values()
        },
        **{
            var.lower(): (str | None, Field(default=None, alias=var))
            for variables in BASE_URL_VARS.values()
            for var in variables
        },
    )


@functools.cache
def get_settings() -> Settings:
    """Settings of this process, read once (tests call ``get_settings.cache_clear()``)."""
    return Settings()


def require_api_key(provider: str, settings: Settings | None = None) -> str:
    """The API key of ``provider``, read at call time; a missing key names its variable."""
    var = API_KEY_VARS.get(provider)
    if var is None:
        raise ConfigError(f"unknown provider {provider!r}")
    secret = (settings or get_settings()).api_key(provider)
    if secret is None or not secret.get_secret_value().strip():
        raise ConfigError(f"{var} is not set: export it or add it to .env (see .env.example)")
    return secret.get_secret_value().strip()


def require_api_keys(providers: t.Iterable[str], settings: Settings | None = None) -> None:
    """Check the API key of each of ``providers`` before anything is sent: every missing one
    is named at once (not one per attempt)."""
    missing = []
    for provider in dict.fromkeys(providers):
        try:
            require_api_key(provider, settings)
        except ConfigError:
            if provider not in API_KEY_VARS:
                raise
            missing.append(API_KEY_VARS[provider])
    if missing:
        verb, them = ("is", "it") if len(missing) == 1 else ("are", "them")
        raise ConfigError(
            f"{', '.join(missing)} {verb} not set: export {them} or add {them} to .env "
            "(see .env.example)"
        )
