"""Run ``layton ARGS`` in this process, with one run's batches on a provider emulator.

Usage: python tests/fakes/cli_child.py RUN_DIR|- {running|done} [--modules FILE] -- ARGS...

Every batch of the run (``RUN_DIR/run.json``) that has an id is registered on the emulator of
its provider, one plain request per riddle: ``running`` batches answer that they are in progress,
``done`` ones have finished and hold an answer per request. The key is the emulator's test key.
With ``--modules FILE``, the heavy modules the command imported (those loaded after the
emulator was set up) and the SSL contexts it built are written to FILE as JSON when it exits,
so that a test can say which libraries a command pulls in.

Run by path, it takes the emulators from its own repository and ``layton_eval`` from wherever
Python finds it: ``PYTHONPATH`` may name another checkout (a benchmark's baseline).
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import ssl
import sys
from pathlib import Path


def _tests_package() -> None:
    """Import this repository's ``tests`` package by its path (not ``sys.path``, whose first
    entry, this script's folder, is dropped: its modules would shadow the SDKs' names)."""
    if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
        del sys.path[0]
    folder = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location(
        "tests", folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    assert spec is not None and spec.loader is not None
    package = importlib.util.module_from_spec(spec)
    sys.modules["tests"] = package
    spec.loader.exec_module(package)


#: Libraries whose import a command should pay only when it uses them.
HEAVY = ("numpy", "genai_prices", "pydantic_settings", "aiohttp", "batchling", "httpx",
         "huggingface_hub", "scipy", "respx")  # fmt: skip


def _answer(custom_id: str, body: dict[str, object]) -> str:
    """An answer of realistic length, a little different for each request."""
    words = sum(map(ord, custom_id)) * 7919 % 131
    return json.dumps({"justification": "Counting the matchsticks row by row. " * 6
                       + "so " * words, "answer": "4"})  # fmt: skip


def _count_contexts() -> list[int]:
    built = [0]
    new = ssl.SSLContext.__new__

    def counted(cls: type[ssl.SSLContext], *args: object, **kwargs: object) -> ssl.SSLContext:
        built[0] += 1
        return new(cls, *args, **kwargs)

    ssl.SSLContext.__new__ = counted  # type: ignore[method-assign, assignment]
    return built


def _report(path: str, before: set[str], built: list[int]) -> None:
    def top(name: str) -> str:
        return name.split(".")[0]

    loaded = {top(m) for m in sys.modules} - {top(m) for m in before}
    report = {"imported": sorted(loaded & set(HEAVY)),
              "before": sorted({top(m) for m in before} & set(HEAVY)),
              "ssl_contexts": built[0]}  # fmt: skip
    Path(path).write_text(json.dumps(report))


def main() -> None:
    args = sys.argv[1:]
    split = args.index("--")
    own, layton_args = args[:split], args[split + 1 :]
    run_dir, state = Path(own[0]), own[1]
    modules = own[own.index("--modules") + 1] if "--modules" in own else None
    manifest = json.loads((run_dir / "run.json").read_text()) if own[0] != "-" else {}
    _tests_package()
    from tests.fakes import TEST_KEY, emulate

    fakes = {}
    for record in manifest.get("batches", []):
        if not record.get("batch_id"):
            continue
        provider = record["provider"]
        if provider not in fakes:
            os.environ[f"{provider.upper()}_API_KEY"] = TEST_KEY
            polls = 1 if state == "done" else 10**6
            emulator = emulate(provider, polls_until_done=polls, responder=_answer)
            fakes[provider] = emulator.__enter__()
        fake = fakes[provider]
        body = {"model": record["model"], "messages": [{"role": "user", "content": "riddle"}]}
        pairs = [(cid, body) for cid in record["custom_ids"]]
        fake.register(record["batch_id"], pairs, model=record["model"])
    before = set(sys.modules)
    built = _count_contexts()
    if modules:
        atexit.register(_report, modules, before, built)
    sys.argv = ["layton", *layton_args]
    from layton_eval.cli import main as layton

    layton()


if __name__ == "__main__":
    main()
