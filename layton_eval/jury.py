"""The jury: which judges grade a run, their requests, and their verdicts.

A panel of three judges is drawn from a pool (default: methodology of layton-eval). The
evaluated model's own provider never judges it: its judge is replaced by the substitute
(Mistral by default). Each judge is a child run ``<run>/jury/<judge key>/`` with its own requests
and batches, sent and fetched by :mod:`layton_eval.batches` like any run. A riddle whose
prediction failed or could not be read is not sent to judges: it counts as incorrect on every
field. After fetching, each judge's verdicts are written as an interchange judge file
(``<run>/jury/judge_..._by_....jsonl``) and the per-riddle summary as ``<run>/jury.jsonl``.
"""

from __future__ import annotations

import json
import tomllib
import typing as t
from itertools import combinations
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError, model_validator

from layton_eval.answers import Answer, Verdict, parse_verdict
from layton_eval.batches import SendResult, plan_requests, send_run
from layton_eval.benchmark import load_run_dataset
from layton_eval.errors import ConfigError, JuryError, RunError
from layton_eval.neutral import GenerationOptions, SamplingOptions
from layton_eval.predictions import Prediction, load_predictions
from layton_eval.prompts import judge_request, load_prompts
from layton_eval.results import load_outputs, retry_ids
from layton_eval.runs import (
    JudgeRef,
    Run,
    RunManifest,
    RunState,
    atomic_write_jsonl,
    sanitize_name,
    write_run,
)
from layton_eval.settings import Settings, require_api_key

__all__ = [
    "DEFAULT_JURY",
    "JudgeSpec",
    "JuryConfig",
    "JuryStart",
    "JurySummary",
    "choose_panel",
    "collect_jury",
    "judge_files",
    "load_jury_config",
    "start_jury",
]

JURY_DIR = "jury"
JURY_FILE = "jury.jsonl"
FIELDS = ("is_answer_correct", "is_justification_correct", "both_correct")


class JudgeSpec(BaseModel):
    """One judge of the pool and how it is asked."""

    provider: str
    model: str
    key: str = ""
    max_tokens: int | None = None
    temperature: float | None = None
    reasoning_effort: str | None = None
    thinking_budget: int | None = None
    params: dict[str, t.Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _default_key(self) -> JudgeSpec:
        if not self.key:
            self.key = sanitize_name(f"{self.provider}_{self.model}")
        return self

    @property
    def sampling(self) -> SamplingOptions:
        return SamplingOptions(
            max_tokens=self.max_tokens,
            temperature=self.temperature,
            reasoning_effort=self.reasoning_effort,  # type: ignore[arg-type]
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


# ---------------------------------------------------------------------------------- start


class JudgeSend(BaseModel):
    judge: JudgeSpec
    send: SendResult


class JuryStart(BaseModel):
    """What ``layton jury`` sent (or, with ``--dry-run``, would send)."""

    run: str
    panel: list[JudgeSpec]
    judged: int
    not_judged: list[str]
    without_gold: list[str]
    judges: list[JudgeSend]
    already_sent: list[str] = Field(default_factory=list)  # judges left alone, sent before
    estimated_cost_usd: float | None
    dry_run: bool
    next_command: str


def _child_manifest(run: Run, judge: JudgeSpec, ids: list[str]) -> RunManifest:
    parent = run.manifest
    return RunManifest(
        name=judge.key,
        kind="judge",
        split=parent.split,
        hints=parent.hints,
        provider=judge.provider,
        model=judge.model,
        sampling=judge.sampling,
        dataset=parent.dataset,
        prompts=parent.prompts,
        ids=ids,
        parent=parent.name,
        judge=JudgeRef(key=judge.key, provider=judge.provider, model=judge.model),
    )


def start_jury(
    run: Run,
    *,
    settings: Settings,
    config: JuryConfig = DEFAULT_JURY,
    allow_self_judging: bool = False,
    dry_run: bool = False,
    force: bool = False,
    retry_missing: bool = False,
    completion_window: str = "24h",
    data_dir: Path | None = None,
    prompts_dir: Path | None = None,
    client_factory: t.Any = None,
) -> JuryStart:
    """Build each judge's requests and send them (``retry_missing``: only missing verdicts)."""
    manifest = run.manifest
    if manifest.kind != "benchmark" or not manifest.provider:
        raise RunError(f"run {run.name} is not an evaluated run", run=run.name)
    if manifest.derived_state() is not RunState.fetched:
        raise RunError(
            f"run {run.name} is {manifest.derived_state()}: fetch its predictions first "
            f"(layton fetch {run.name})",
            run=run.name,
        )
    predictions = load_predictions(run)
    judged = [cid for cid in manifest.ids if cid in predictions and predictions[cid].valid]
    not_judged = [cid for cid in manifest.ids if cid not in judged]
    panel = choose_panel(config, manifest.provider, allow_self_judging=allow_self_judging)
    children = {child.manifest.judge.key: child for child in run.children() if child.manifest.judge}
    if retry_missing:
        sends = _retry_missing(
            run, panel, children, settings, dry_run, completion_window, client_factory
        )
        without_gold: list[str] = []
        already_sent = []
    else:
        # judges already sent are left alone (a jury interrupted by one judge's failure
        # resumes with the others); --force sends every judge again
        already_sent = [
            judge.key
            for judge in panel
            if judge.key in children and children[judge.key].manifest.live_batches
        ]
        if already_sent and not force and len(already_sent) == len(panel):
            raise RunError(
                f"run {run.name} already has judge batches ({', '.join(already_sent)}); follow "
                f"them with 'layton status {run.name}', or use --retry-missing",
                run=run.name,
            )
        if force:
            already_sent = []
        panel_to_send = [judge for judge in panel if judge.key not in already_sent]
        if not judged:
            raise JuryError(f"run {run.name} has no valid prediction to judge")
        loaded = load_run_dataset(run, settings=settings, data_dir=data_dir)
        riddles = loaded.by_id
        without_gold = [cid for cid in judged if not riddles[cid].has_gold]
        source = manifest.prompts.source
        prompts = load_prompts(prompts_dir or (None if source == "builtin" else Path(source)))
        requests = [
            judge_request(riddles[cid], _answer(predictions[cid]), prompts) for cid in judged
        ]
        if not dry_run:
            for judge in panel_to_send:  # every key before the first batch: no half-sent jury
                require_api_key(judge.provider, settings)
            with run.lock():  # jury.jsonl flags these riddles
                run.manifest.notes["without_gold"] = without_gold
                run.save()
        sends = []
        for judge in panel_to_send:
            if dry_run:
                plan, _ = plan_requests(
                    judge.key,
                    requests,
                    GenerationOptions(model=judge.model, **judge.sampling.model_dump()),
                    provider=judge.provider,
                    completion_window=completion_window,
                )
                sends.append(
                    JudgeSend(
                        judge=judge,
                        send=SendResult(
                            plan=plan, dry_run=True, next_command=f"layton jury {run.name}"
                        ),
                    )
                )
                continue
            child = write_run(
                run.path / JURY_DIR / judge.key,
                _child_manifest(run, judge, judged),
                requests,
                force=True,
            )
            sends.append(
                JudgeSend(
                    judge=judge,
                    send=send_run(
                        child,
                        settings=settings,
                        completion_window=completion_window,
                        client_factory=client_factory,
                    ),
                )
            )
    costs = [s.send.plan.estimated_cost_usd for s in sends]
    return JuryStart(
        run=run.name,
        panel=panel,
        judged=len(judged),
        not_judged=not_judged,
        without_gold=without_gold,
        judges=sends,
        already_sent=already_sent,
        estimated_cost_usd=None if None in costs else sum(c for c in costs if c is not None),
        dry_run=dry_run,
        next_command=f"layton jury {run.name}" if dry_run else f"layton status {run.name}",
    )


def _answer(prediction: Prediction) -> Answer:
    return Answer(answer=prediction.answer or "", justification=prediction.justification or "")


def _retry_missing(
    run: Run,
    panel: list[JudgeSpec],
    children: dict[str, Run],
    settings: Settings,
    dry_run: bool,
    completion_window: str,
    client_factory: t.Any,
) -> list[JudgeSend]:
    sends = []
    for judge in panel:
        child = children.get(judge.key)
        if child is None:
            raise JuryError(
                f"judge {judge.key} was never sent for run {run.name}; run 'layton jury "
                f"{run.name}' first"
            )
        if not retry_ids(child):
            continue
        sends.append(
            JudgeSend(
                judge=judge,
                send=send_run(
                    child,
                    settings=settings,
                    retry_failed=True,
                    dry_run=dry_run,
                    completion_window=completion_window,
                    client_factory=client_factory,
                ),
            )
        )
    if not sends:
        raise JuryError(f"every judge of run {run.name} has a verdict for every riddle")
    return sends


# -------------------------------------------------------------------------------- collect


class JudgeStats(BaseModel):
    key: str
    provider: str
    model: str
    verdicts: int
    missing: int
    answer_rate: float | None
    justification_rate: float | None
    both_rate: float | None
    file: str


class JurySummary(BaseModel):
    """The jury's verdicts on a run, after fetching the judges."""

    run: str
    riddles: int
    judged: int
    not_judged: int
    judges: list[JudgeStats]
    pairwise_agreement: dict[str, float]
    fleiss_kappa: float | None
    missing: dict[str, list[str]]  # riddle id -> judge keys without a verdict
    waiting: list[str] = Field(default_factory=list)  # judges whose batches are still out
    jury_mean: float | None  # raw (uncalibrated) mean of both_correct jury values
    files: dict[str, str]
    next_command: str


def judge_files(run: Run) -> list[Path]:
    """The run's interchange judge files, one per judge of the panel that has results."""
    folder = run.path / JURY_DIR
    return sorted(folder.glob("judge_*.jsonl")) if folder.is_dir() else []


def _rate(values: list[bool]) -> float | None:
    return sum(values) / len(values) if values else None


def fleiss_kappa(ratings: list[list[bool]]) -> float | None:
    """Fleiss' kappa of binary ratings (rows: riddles rated by every judge)."""
    import numpy as np

    if not ratings or len(ratings[0]) < 2:
        return None
    data = np.asarray(ratings, dtype=float)
    n_raters = data.shape[1]
    yes = data.sum(axis=1)
    counts = np.stack([yes, n_raters - yes], axis=1)
    p_i = ((counts**2).sum(axis=1) - n_raters) / (n_raters * (n_raters - 1))
    p_bar = p_i.mean()
    p_j = counts.sum(axis=0) / counts.sum()
    p_e = (p_j**2).sum()
    if p_e >= 1.0:
        return None  # everyone always agrees on one class: kappa is undefined
    return float((p_bar - p_e) / (1 - p_e))


def collect_jury(run: Run) -> JurySummary | None:
    """Write the judge files and ``jury.jsonl`` from the fetched judges (``None``: no judge)."""
    from layton_eval.verdicts import JudgeRecord, judge_file_name, write_judge_file

    children = [c for c in run.children() if c.manifest.judge is not None]
    if not children:
        return None
    manifest = run.manifest
    predictions = load_predictions(run)
    verdicts: dict[str, dict[str, Verdict | None]] = {cid: {} for cid in manifest.ids}
    stats: list[JudgeStats] = []
    files: dict[str, str] = {}
    failed = Verdict(is_answer_correct=False, is_justification_correct=False)
    for child in children:
        judge = child.manifest.judge
        assert judge is not None
        outputs = load_outputs(child)
        records = []
        for cid in manifest.ids:
            if cid not in child.manifest.ids:  # not judged: the prediction failed
                verdicts[cid][judge.key] = failed
                records.append(JudgeRecord.from_verdict(cid, failed, model=judge.model))
                continue
            output = outputs.get(cid)
            verdict = parse_verdict(output.text) if output and not output.error else None
            verdicts[cid][judge.key] = verdict
            records.append(
                JudgeRecord(
                    custom_id=cid, answer=output.text if output else None, model=judge.model
                )
            )
        name = judge_file_name(
            provider=manifest.provider or "unknown",
            model=manifest.model or "unknown",
            split=str(manifest.split),
            n_hints=manifest.hints,
            judge_provider=judge.provider,
            judge_model=judge.model,
        )
        path = write_judge_file(run.path / JURY_DIR / name, records)
        files[judge.key] = str(path)
        mine = [verdicts[cid][judge.key] for cid in child.manifest.ids]
        present = [v for v in mine if v is not None]
        stats.append(
            JudgeStats(
                key=judge.key,
                provider=judge.provider,
                model=judge.model,
                verdicts=len(present),
                missing=len(mine) - len(present),
                answer_rate=_rate([v.is_answer_correct for v in present]),
                justification_rate=_rate([v.is_justification_correct for v in present]),
                both_rate=_rate([v.both_correct for v in present]),
                file=str(path),
            )
        )
    keys = [c.manifest.judge.key for c in children if c.manifest.judge]
    without_gold = set(manifest.notes.get("without_gold", []))
    waiting = [
        c.manifest.judge.key
        for c in children
        if c.manifest.judge and any(not b.fetched_at for b in c.manifest.live_batches)
    ]
    rows, missing, complete, jury_values = [], {}, [], []
    for cid in manifest.ids:
        judged = cid in predictions and predictions[cid].valid
        per = verdicts[cid]
        absent = [key for key in keys if per.get(key) is None]
        if absent:
            missing[cid] = absent
        given = {key: v for key, v in per.items() if v is not None}
        values = {
            field: (sum(getattr(v, field) for v in given.values()) / len(given)) if given else None
            for field in FIELDS
        }
        if judged and not absent:
            complete.append([per[key].both_correct for key in keys])  # type: ignore[union-attr]
        if values["both_correct"] is not None and not absent:
            jury_values.append(values["both_correct"])
        rows.append(
            {
                "id": cid,
                "judged": judged,
                "reason": None if judged else "prediction failed or unreadable: counted incorrect",
                "without_gold": cid in without_gold,
                "verdicts": {key: (v.model_dump() if v else None) for key, v in per.items()},
                "jury": values,
                "agreed": len(
                    {(v.is_answer_correct, v.is_justification_correct) for v in given.values()}
                )
                <= 1
                and not absent,
                "missing": absent,
            }
        )
    atomic_write_jsonl(run.file(JURY_FILE), rows)
    files["jury"] = str(run.file(JURY_FILE))
    agreement = {
        f"{a} / {b}": sum(r[i] == r[j] for r in complete) / len(complete)
        for (i, a), (j, b) in combinations(enumerate(keys), 2)
        if complete
    }
    return JurySummary(
        run=run.name,
        riddles=len(manifest.ids),
        judged=sum(1 for r in rows if r["judged"]),
        not_judged=sum(1 for r in rows if not r["judged"]),
        judges=stats,
        pairwise_agreement=agreement,
        fleiss_kappa=fleiss_kappa(complete),
        missing=missing,
        jury_mean=sum(jury_values) / len(jury_values) if jury_values else None,
        files=files,
        waiting=waiting,
        next_command=(
            f"layton status {run.name} --watch 60"
            if waiting
            else f"layton jury {run.name} --retry-missing"
            if missing
            else f"layton score {run.name}"
        ),
    )
