"""Who judges: the pool of judges, the panel of three, and the no-self-judging rule.

A panel of three judges is drawn from a pool (by default the pool of layton-eval, see
``docs/methodology.md``). The evaluated model's own provider never judges it: its judge is
replaced by the substitute (Mistral by default). A JSON or TOML file can describe another pool.
"""

from __future__ import annotations

import json
import tomllib
import typing as t
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError, model_validator

from layton_eval.choices import ReasoningEffort
from layton_eval.errors import ConfigError, JuryError
from layton_eval.neutral import SamplingOptions
from layton_eval.pricing import UserPrice
from layton_eval.runs.layout import sanitize_name

__all__ = [
    "DEFAULT_JURY",
    "JudgeSpec",
    "JuryConfig",
    "choose_panel",
    "load_jury_config",
]


class JudgeSpec(BaseModel):
    """One judge of the pool and how it is asked."""

    provider: str
    model: str
    key: str = ""
    max_tokens: int | None = None
    temperature: float | None = None
    reasoning_effort: ReasoningEffort | None = None
    thinking_budget: int | None = None
    params: dict[str, t.Any] = Field(default_factory=dict)
    #: A batch price for a model genai-prices does not know (USD per M tokens).
    price: UserPrice | None = None

    @model_validator(mode="after")
    def _default_key(self) -> JudgeSpec:
        if not self.key:
            self.key = sanitize_name(f"{self.provider}_{self.model}")
        return self

    @property
    def sampling(self) -> SamplingOptions:
        """How this judge is asked, as a run's sampling options."""
        return SamplingOptions(
            max_tokens=self.max_tokens,
            temperature=self.temperature,
            reasoning_effort=self.reasoning_effort,
            thinking_budget=self.thinking_budget,
            params=self.params,
        )


class JuryConfig(BaseModel):
    """The judge pool, the default panel and the substitute for self-judging."""

    judges: list[JudgeSpec]
    panel: list[str]
    substitute: str | None = None

    @model_validator(mode="after")
    def _check(self) -> JuryConfig:
        keys = [judge.key for judge in self.judges]
        if len(set(keys)) != len(keys):
            raise ValueError("judge keys must be unique")
        unknown = [key for key in [*self.panel, self.substitute] if key and key not in keys]
        if unknown:
            raise ValueError(f"unknown judge key(s): {', '.join(unknown)}; pool: {', '.join(keys)}")
        if len(set(self.panel)) != len(self.panel) or not self.panel:
            raise ValueError("the panel must name distinct judges")
        return self

    def judge(self, key: str) -> JudgeSpec:
        """The judge of the pool called ``key``."""
        return next(judge for judge in self.judges if judge.key == key)


#: The pool and rule of layton-eval: three of four judges, never the evaluated provider's own.
DEFAULT_JURY = JuryConfig(
    judges=[
        JudgeSpec(provider="openai", model="gpt-5.1-2025-11-13", reasoning_effort="high"),
        JudgeSpec(provider="gemini", model="gemini-3-pro-preview", reasoning_effort="high"),
        JudgeSpec(
            provider="anthropic",
            model="claude-opus-4-5-20251101",
            thinking_budget=32_000,
            max_tokens=64_000,
        ),
        JudgeSpec(provider="mistral", model="mistral-large-2512"),
    ],
    panel=[
        "openai_gpt-5.1-2025-11-13",
        "gemini_gemini-3-pro-preview",
        "anthropic_claude-opus-4-5-20251101",
    ],
    substitute="mistral_mistral-large-2512",
)


def load_jury_config(path: Path | None) -> JuryConfig:
    """The default jury, or the one described by a JSON or TOML file."""
    if path is None:
        return DEFAULT_JURY
    try:
        text = Path(path).read_text(encoding="utf-8")
        raw = tomllib.loads(text) if Path(path).suffix == ".toml" else json.loads(text)
    except FileNotFoundError as exc:
        raise ConfigError(f"jury config {path} does not exist") from exc
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"jury config {path} is not valid JSON/TOML: {exc}") from exc
    try:
        return JuryConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "config"
        raise ConfigError(f"jury config {path}: {where}: {first['msg']}") from exc


def choose_panel(
    config: JuryConfig, evaluated_provider: str, *, allow_self_judging: bool = False
) -> list[JudgeSpec]:
    """The panel for a model of ``evaluated_provider`` (its own provider's judge replaced)."""
    panel = [config.judge(key) for key in config.panel]
    if config.substitute and not allow_self_judging:
        substitute = config.judge(config.substitute)
        panel = [substitute if judge.provider == evaluated_provider else judge for judge in panel]
    keys = [judge.key for judge in panel]
    if len(set(keys)) != len(keys):
        raise JuryError("the panel names one judge twice after substitution; check the config")
    selfish = [judge.key for judge in panel if judge.provider == evaluated_provider]
    if selfish and not allow_self_judging:
        raise JuryError(
            f"judge(s) {', '.join(selfish)} share the evaluated provider {evaluated_provider}; "
            "change the jury config or pass --allow-self-judging"
        )
    return panel
