"""Who judges: the pool of judges, the panel of three, and the no-self-judging rule.

A panel of three judges is drawn from a pool. Pools are data (``layton_eval/data/juries``):
``published`` is exactly the pool that judged the calibration set (see
``docs/methodology.md``); ``default`` is the same pool with every judge that is no longer served
replaced by its successor (``retired.toml``: dated, with its source). The evaluated model's own
provider never judges it: its judge is replaced by the substitute (Mistral). A JSON or TOML file
can describe another pool.
"""

from __future__ import annotations

import functools
import json
import re
import tomllib
import typing as t
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError, model_validator

from layton_eval.choices import ReasoningEffort
from layton_eval.errors import ConfigError, JuryError
from layton_eval.neutral import SamplingOptions
from layton_eval.pricing import UserPrice
from layton_eval.runs.layout import sanitize_name

__all__ = [
    "DEFAULT_JURY",
    "PRESETS",
    "JudgeSpec",
    "JuryConfig",
    "Retirement",
    "calibration_judges",
    "choose_panel",
    "load_jury_config",
    "panel_note",
    "preset",
    "retirement",
    "retirement_hint",
]

#: The jury presets, by name (files ``layton_eval/data/juries/<name>.toml``).
PRESETS = ("default", "published")


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


def _data(name: str) -> dict[str, t.Any]:
    ref = resources.files("layton_eval") / "data" / "juries" / f"{name}.toml"
    return tomllib.loads(ref.read_text(encoding="utf-8"))


@functools.cache
def preset(name: str) -> JuryConfig:
    """The jury preset ``name`` (one of :data:`PRESETS`)."""
    return JuryConfig.model_validate(_data(name))


def __getattr__(attr: str) -> t.Any:
    # DEFAULT_JURY is read from its data file on first use, not when the module is imported
    if attr == "DEFAULT_JURY":
        return preset("default")
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")


if t.TYPE_CHECKING:
    DEFAULT_JURY: JuryConfig


def load_jury_config(value: Path | str | None) -> JuryConfig:
    """The default jury, a preset (``published``...) or the one a JSON or TOML file describes."""
    if value is None:
        return preset("default")
    path = Path(value)
    if not path.exists() and str(value) in PRESETS:
        return preset(str(value))
    try:
        text = path.read_text(encoding="utf-8")
        raw = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except FileNotFoundError as exc:
        raise ConfigError(
            f"jury config {path} does not exist (presets: {', '.join(PRESETS)})"
        ) from exc
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"jury config {path} is not valid JSON/TOML: {exc}") from exc
    try:
        return JuryConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "config"
        raise ConfigError(f"jury config {path}: {where}: {first['msg']}") from exc


class Retirement(BaseModel):
    """A judge model no longer served, and the model that replaces it."""

    provider: str
    model: str
    retired_on: str
    successor: str
    source: str


@functools.cache
def _retirements() -> tuple[Retirement, ...]:
    return tuple(Retirement.model_validate(row) for row in _data("retired")["retired"])


def retirement(provider: str, model: str) -> Retirement | None:
    """Whether ``model`` at ``provider`` is known to be no longer served."""
    return next((r for r in _retirements() if (r.provider, r.model) == (provider, model)), None)


_NOT_FOUND = re.compile(
    r"not[ _]?found|does not exist|no such model|unknown model|is not supported", re.I
)


def retirement_hint(provider: str, model: str, error: str) -> str | None:
    """What to do when a judge's batch failed with "model not found" (``None``: another error)."""
    if not _NOT_FOUND.search(error):
        return None
    gone = retirement(provider, model)
    if gone is None:
        return (
            f"{provider} does not serve {model} (retired or misspelled?): name another judge "
            "in a jury config (--jury-config FILE)"
        )
    return (
        f"{model} is no longer served ({gone.retired_on}; {gone.source}); its successor is "
        f"{gone.successor}: use --jury-config default, or a jury config naming it"
    )


def calibration_judges() -> list[str]:
    """The judge models of the calibration set (the ``published`` preset's pool)."""
    return [judge.model for judge in preset("published").judges]


def panel_note(models: t.Iterable[str], known: t.Sequence[str] | None = None) -> str | None:
    """How a panel of ``models`` differs from the calibration set's judges (``known``, by
    default the ``published`` pool) (``None``: it does not): the calibration assumes them."""
    known = list(known) if known is not None else calibration_judges()
    others = [model for model in models if model not in known]
    if not others:
        return None
    replaced = [
        f"{model} for the retired {r.model}"
        for model in others
        for r in _retirements()
        if r.successor == model
    ]
    detail = "; ".join(replaced) if replaced else ", ".join(others)
    return (
        f"the panel differs from the judges of the calibration set ({detail}): the calibration "
        "assumes those judges, so the score is less comparable with the published ones"
    )


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
