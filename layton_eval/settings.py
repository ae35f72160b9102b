"""Configuration from the environment and a ``.env`` file (pydantic-settings)."""

from __future__ import annotations

import functools
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from layton_eval.errors import ConfigError

__all__ = ["API_KEY_VARS", "Settings", "get_settings", "require_api_key"]

#: Environment variable holding each provider's API key.
API_KEY_VARS: dict[str, str] = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "gemini": "GEMINI_API_KEY",
    "mistral": "MISTRAL_API_KEY",
    "together": "TOGETHER_API_KEY",
    "groq": "GROQ_API_KEY",
    "xai": "XAI_API_KEY",
    "doubleword": "DOUBLEWORD_API_KEY",
}


class Settings(BaseSettings):
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
    dataset_repo: str = Field(default="rvienne/layton-eval", alias="LAYTON_DATASET_REPO")
    calibration_repo: str = Field(default="rvienne/layton-eval-ppi", alias="LAYTON_PPI_REPO")
    revision: str | None = Field(default=None, alias="LAYTON_REVISION")
    calibration_revision: str | None = Field(default=None, alias="LAYTON_PPI_REVISION")
    default_provider: str | None = Field(default=None, alias="LAYTON_PROVIDER")
    default_model: str | None = Field(default=None, alias="LAYTON_MODEL")

    openai_api_key: SecretStr | None = Field(default=None, alias="OPENAI_API_KEY")
    anthropic_api_key: SecretStr | None = Field(default=None, alias="ANTHROPIC_API_KEY")
    gemini_api_key: SecretStr | None = Field(default=None, alias="GEMINI_API_KEY")
    mistral_api_key: SecretStr | None = Field(default=None, alias="MISTRAL_API_KEY")
    together_api_key: SecretStr | None = Field(default=None, alias="TOGETHER_API_KEY")
    groq_api_key: SecretStr | None = Field(default=None, alias="GROQ_API_KEY")
    xai_api_key: SecretStr | None = Field(default=None, alias="XAI_API_KEY")
    doubleword_api_key: SecretStr | None = Field(default=None, alias="DOUBLEWORD_API_KEY")


@functools.cache
def get_settings() -> Settings:
    """Settings of this process, read once (tests call ``get_settings.cache_clear()``)."""
    return Settings()


def require_api_key(provider: str, settings: Settings | None = None) -> str:
    """The API key of ``provider``, read at call time; a missing key names its variable."""
    var = API_KEY_VARS.get(provider)
    if var is None:
        raise ConfigError(f"unknown provider {provider!r}")
    settings = settings or get_settings()
    secret: SecretStr | None = getattr(settings, var.lower())
    if secret is None or not secret.get_secret_value().strip():
        raise ConfigError(f"{var} is not set: export it or add it to .env (see .env.example)")
    return secret.get_secret_value().strip()
