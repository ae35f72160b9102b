"""Prompt templates and the neutral requests built from a riddle.

Four system-prompt files, named as in the layton-eval repository's ``prompts/`` folder:
``benchmark/{text,visual}_riddle.txt`` for the evaluated model and
``benchmark_judge/{text,visual}_riddle.txt`` for the judges. They come from one of three
sources: ``builtin`` (layton's own wording, shipped with it), ``official`` (the layton-eval
repository's files at the commit of :data:`OFFICIAL`, downloaded once into a cache and checked
against their sha256, or a ``--prompts-dir`` holding exactly those files) or ``custom`` (any other
folder). The user turn is a list of content parts with fixed labels (``Riddle question: ...``,
the picture, ``First hint: ...``), as in the reference.
"""

from __future__ import annotations

import hashlib
import os
import typing as t
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from layton_eval.answers import ANSWER_SCHEMA, VERDICT_SCHEMA, Answer
from layton_eval.choices import MAX_HINTS, Split
from layton_eval.dataset import Riddle
from layton_eval.errors import DatasetError, UsageError
from layton_eval.neutral import ContentPart, ImagePart, NeutralRequest, TextPart

__all__ = [
    "OFFICIAL",
    "PROMPT_FILES",
    "OfficialPrompts",
    "PromptSet",
    "benchmark_request",
    "download",
    "fetch_official_prompts",
    "judge_request",
    "load_prompts",
]

#: (role, split) -> file path relative to the prompts folder.
PROMPT_FILES: dict[tuple[str, Split], str] = {
    ("benchmark", Split.llm): "benchmark/text_riddle.txt",
    ("benchmark", Split.vlm): "benchmark/visual_riddle.txt",
    ("judge", Split.llm): "benchmark_judge/text_riddle.txt",
    ("judge", Split.vlm): "benchmark_judge/visual_riddle.txt",
}


@dataclass(frozen=True)
class OfficialPrompts:
    """Where the official prompt files are, and the sha256 of each."""

    repository: str
    commit: str
    sha256: dict[str, str]

    def url(self, rel: str) -> str:
        """Raw download address of ``prompts/{rel}`` at :attr:`commit`."""
        return f"https://raw.githubusercontent.com/{self.repository}/{self.commit}/prompts/{rel}"


#: The layton-eval repository's prompt files used for the published leaderboard.
OFFICIAL = OfficialPrompts(
    repository="vienneraphael/layton-eval",
    commit="468eb5db64b1c0d493db17902c6bd4995d9797fc",
    sha256={
        "benchmark/text_riddle.txt": (
            "3fbc2d05d5bf001be4726212aa82b33d39b12e42c4bb3ec3cf1d5f6f87b844e1"
        ),
        "benchmark/visual_riddle.txt": (
            "61ddc046ed13ee1ac075ece631c7ac9c30ea36ffabdd67bce3f897c5b174915a"
        ),
        "benchmark_judge/text_riddle.txt": (
            "3f9409786b4552afd5bfcd31f2574f515c2cd8cfd8204ff5cfeea6545ae4b620"
        ),
        "benchmark_judge/visual_riddle.txt": (
            "b7f51a76acec000bf370cb291bd6a1b140cda42b4ffca2b407da8d1eafc472da"
        ),
    },
)

PromptSource = t.Literal["official", "builtin", "custom"]


@dataclass(frozen=True)
class PromptSet:
    """The four system prompts, where they came from and hashes of their text."""

    texts: dict[tuple[str, Split], str]
    source: PromptSource
    location: str | None = None  # the folder they were read from (None: built in)
    files: dict[str, str] = field(default_factory=dict)  # relative path -> sha256 of its bytes

    @property
    def sha256(self) -> str:
        digest = hashlib.sha256()
        for key in sorted(PROMPT_FILES, key=lambda k: PROMPT_FILES[k]):
            digest.update(PROMPT_FILES[key].encode() + b"\0" + self.texts[key].encode() + b"\0")
        return digest.hexdigest()

    def system(self, role: str, split: Split) -> str:
        return self.texts[(role, split)]


def load_prompts(prompts_dir: Path | None = None, *, official: bool = False) -> PromptSet:
    """The built-in prompts, the official ones (``official``), or the four files of a folder.

    A folder whose four files have the official sha256 is recognised as ``official``.

    Raises
    ------
    UsageError
        If the folder or one of its files is missing or empty.
    DatasetError
        If the official files cannot be downloaded or differ from their sha256.
    """
    if official:
        prompts_dir = fetch_official_prompts()
    if prompts_dir is None:
        root = resources.files("layton_eval") / "templates"
        raw = {key: (root / rel).read_bytes() for key, rel in PROMPT_FILES.items()}
        return PromptSet(texts=_decode(raw), source="builtin", files=_hashes(raw))
    folder = Path(prompts_dir).expanduser()
    if not folder.is_dir():
        raise UsageError(f"prompts folder {folder} does not exist")
    missing = [rel for rel in PROMPT_FILES.values() if not (folder / rel).is_file()]
    if missing:
        raise UsageError(f"prompts folder {folder} lacks {', '.join(missing)}")
    raw = {key: (folder / rel).read_bytes() for key, rel in PROMPT_FILES.items()}
    texts = _decode(raw)
    empty = [PROMPT_FILES[key] for key, text in texts.items() if not text.strip()]
    if empty:
        raise UsageError(f"prompt file(s) {', '.join(empty)} in {folder} are empty")
    files = _hashes(raw)
    source: PromptSource = "official" if files == OFFICIAL.sha256 else "custom"
    return PromptSet(texts=texts, source=source, location=str(folder.resolve()), files=files)


def _decode(raw: dict[tuple[str, Split], bytes]) -> dict[tuple[str, Split], str]:
    # universal newlines, as Path.read_text reads them
    return {
        key: data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
        for key, data in raw.items()
    }


def _hashes(raw: dict[tuple[str, Split], bytes]) -> dict[str, str]:
    return {PROMPT_FILES[key]: hashlib.sha256(data).hexdigest() for key, data in raw.items()}


def prompts_cache() -> Path:
    """Where the official files are kept: ``LAYTON_CACHE_DIR`` (environment or ``.env``), else
    ``$XDG_CACHE_HOME/layton``, else ``~/.cache/layton``; one folder per commit."""
    from layton_eval.settings import get_settings  # pydantic-settings: only when needed

    root = get_settings().cache_dir or Path(
        os.environ.get("XDG_CACHE_HOME") or "~/.cache", "layton"
    )
    return Path(root).expanduser() / "prompts" / OFFICIAL.commit


def fetch_official_prompts() -> Path:
    """The folder of the official prompt files, downloaded on first use and sha256-checked.

    A cached file whose sha256 is not the official one is downloaded again.

    Raises
    ------
    DatasetError
        If a file cannot be downloaded, or its content is not the official one.
    """
    folder = prompts_cache()
    for rel, digest in OFFICIAL.sha256.items():
        path = folder / rel
        if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == digest:
            continue
        data = download(OFFICIAL.url(rel))
        if hashlib.sha256(data).hexdigest() != digest:
            raise DatasetError(
                f"{OFFICIAL.url(rel)} does not hold the official prompt (sha256 "
                f"{hashlib.sha256(data).hexdigest()[:12]}, expected {digest[:12]})"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = path.with_name(f".{path.name}.{os.getpid()}.part")
        staging.write_bytes(data)
        os.replace(staging, path)
    return folder


def download(url: str) -> bytes:
    """The body of ``url``; :class:`DatasetError` with the offline way out on any failure."""
    import httpx  # only when a download is needed

    try:
        response = httpx.get(url, timeout=20.0, follow_redirects=True)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise DatasetError(
            f"cannot download the official prompt files ({type(exc).__name__} on {url}); "
            "check the network, or pass --prompts-dir DIR with a copy of the layton-eval "
            "prompts/ folder"
        ) from exc
    return response.content


def _riddle_parts(riddle: Riddle, hints: int) -> list[ContentPart]:
    parts: list[ContentPart] = [TextPart(text=f"Riddle question: {riddle.description}")]
    if riddle.split is Split.vlm and riddle.img:
        parts.append(ImagePart(data=riddle.img))
    parts.extend(TextPart(text=f"{label}: {text}") for label, text in riddle.hints(hints))
    return parts


def benchmark_request(riddle: Riddle, hints: int, prompts: PromptSet) -> NeutralRequest:
    """The request asking the evaluated model to solve ``riddle`` with ``hints`` hints.

    This is where a hint level is checked (0 to :data:`~layton_eval.choices.MAX_HINTS`); the
    CLI's ``--hints`` option says the same range.
    """
    if not 0 <= hints <= MAX_HINTS:
        raise UsageError(f"--hints must be between 0 and {MAX_HINTS}, not {hints}")
    return NeutralRequest(
        custom_id=riddle.id,
        system=prompts.system("benchmark", riddle.split),
        parts=_riddle_parts(riddle, hints),
        schema_name="riddle_answer",
        json_schema=ANSWER_SCHEMA,
    )


def judge_request(riddle: Riddle, answer: Answer, prompts: PromptSet) -> NeutralRequest:
    """The request asking a judge to grade ``answer`` to ``riddle``.

    The judge sees every hint, then the reference material that exists (a riddle without a gold
    answer is judged with its solution text alone), then the participant's answer.
    """
    parts = _riddle_parts(riddle, MAX_HINTS)
    reference = (
        ("Riddle answer", riddle.answer),
        ("Riddle solution", riddle.solution),
        ("Suggested justification", riddle.justification),
    )
    parts.extend(TextPart(text=f"{label}: {text}") for label, text in reference if text)
    parts.append(TextPart(text=f"Participant answer: {answer.answer}"))
    parts.append(TextPart(text=f"Participant justification: {answer.justification}"))
    return NeutralRequest(
        custom_id=riddle.id,
        system=prompts.system("judge", riddle.split),
        parts=parts,
        schema_name="jury_verdict",
        json_schema=VERDICT_SCHEMA,
    )
