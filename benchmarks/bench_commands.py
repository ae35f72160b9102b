"""Every command's whole-process CPU time and peak memory, this checkout against a base commit.

Both sides run the same commands on the same runs folder, in turn, each in a fresh interpreter
started by ``/usr/bin/time`` (the child's own peak resident set: nothing is inherited from this
process); its user + system CPU seconds are this process's children's, in microseconds. The
base is the commit given with ``--base`` (default: where this branch left ``main``), exported
with ``git archive`` to a temporary folder and put first on ``PYTHONPATH``. Compiled modules
are kept (``benchmarks/_env.py``) and one untimed run of each command on each side compiles
them.

The runs folder is built once, with this checkout, on the provider emulators: ``trial`` (the
186 llm riddles answered by gpt-5-mini, judged by the default jury) for ``score``, ``compare``,
``judges`` and ``report``; ``pending`` (a batch still running) for ``status``; ``ready`` (a
finished batch, no judges, restored before each fetch) for ``fetch``; ``unsent`` for ``send
--dry-run``. ``status`` and ``fetch`` run in ``tests/fakes/cli_child.py``, which puts the
run's batches on an emulator in the child (the same cost on both sides). The data folder comes
from ``LAYTON_DATA_DIR``.

Usage: .venv/bin/python benchmarks/bench_commands.py [--base REV] [--runs N] [--data DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHILD = REPO / "tests" / "fakes" / "cli_child.py"
LAYTON = "import sys; sys.argv[0] = 'layton'; from layton_eval.cli import main; main()"
JURY_PROVIDERS = ("openai", "anthropic", "gemini", "mistral")


def _responder(custom_id: str, body: dict) -> str:
    """An answer for a riddle, a verdict for a judge's request."""
    text = json.dumps(body)
    if "Participant answer" not in text:
        return json.dumps({"justification": "because " * 40, "answer": f"answer-{custom_id}"})
    seed = zlib.crc32((custom_id + text[:40]).encode())
    return json.dumps(
        {"is_answer_correct": seed % 3 != 0, "is_justification_correct": seed % 5 != 0}
    )


def _setup(root: Path, data: str) -> None:
    """The runs folder (see the module docstring), built in this process on the emulators."""
    from contextlib import ExitStack

    sys.path.insert(0, str(REPO))
    from tests.fakes import TEST_KEY, emulate
    from tests.helpers import invoke

    for provider in JURY_PROVIDERS:
        os.environ[f"{provider.upper()}_API_KEY"] = TEST_KEY
    os.environ |= {"LAYTON_RUNS_DIR": str(root / "runs"), "LAYTON_DATA_DIR": data}

    def layton(*args: str) -> None:
        result = invoke(*args)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)

    model = ("--split", "llm", "--hints", "0", "--provider", "openai", "--model", "gpt-5-mini")
    with ExitStack() as stack:
        for provider in JURY_PROVIDERS:
            stack.enter_context(emulate(provider, polls_until_done=1, responder=_responder))
        for name in ("trial", "pending", "ready", "unsent"):
            layton("prepare", *model, "--name", name)
        for name in ("trial", "pending", "ready"):
            layton("send", name)
        for step in ("fetch", "jury", "fetch"):
            layton(step, "trial")
    shutil.copytree(root / "runs" / "ready", root / "ready")


#: (label, arguments, cli_child run and state or None)
COMMANDS: list[tuple[str, list[str], tuple[str, str] | None]] = [
    ("--help", ["--help"], None),
    ("prepare", ["prepare", "--split", "llm", "--hints", "0", "--name", "{fresh}"], None),
    ("send --dry-run", ["send", "unsent", "--dry-run"], None),
    ("status", ["status", "pending"], ("pending", "running")),
    ("fetch (186 lines)", ["fetch", "ready"], ("ready", "done")),
    ("leaderboard", ["leaderboard", "--split", "llm"], None),
    ("score", ["score", "trial"], None),
    ("compare", ["compare", "trial", "gpt-5.1-2025-11-13-high"], None),
    ("judges", ["judges", "trial"], None),
    ("report", ["report", "trial", "--split", "llm", "--out", "{out}", "--force"], None),
]


class Side:
    """One checkout's ``layton_eval``, run in fresh interpreters."""

    def __init__(self, label: str, src: Path, root: Path, env: dict[str, str]) -> None:
        self.label, self.root = label, root
        self.env = env | {"PYTHONPATH": str(src)}
        self.count = 0

    def measure(self, args: list[str], emulated: tuple[str, str] | None) -> tuple[float, float]:
        """CPU seconds and peak MB of one run of ``layton ARGS``."""
        self.count += 1
        fresh = f"fresh-{self.label}-{self.count}"
        args = [a.format(fresh=fresh, out=self.root / "report.html") for a in args]
        if emulated is not None:
            run, state = emulated
            if run == "ready":  # each fetch starts from the batch not yet fetched
                shutil.rmtree(self.root / "runs" / "ready")
                shutil.copytree(self.root / "ready", self.root / "runs" / "ready")
            command = [sys.executable, str(CHILD), str(self.root / "runs" / run), state, "--"]
        else:
            command = [sys.executable, "-c", LAYTON]
        from _env import timed_run  # beside this script

        out = self.root / "time.txt"
        done, cpu = timed_run(
            ["/usr/bin/time", "-f", "%M", "-o", str(out), *command, *args],
            env=self.env, cwd=self.root, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"{self.label}: layton {' '.join(args)} failed:\n{done.stderr}")
        # the peak from time(1): the child's own high-water mark
        return cpu, int(out.read_text().split()[-1]) / 1024


def _base_commit(rev: str | None) -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True,
                              check=True).stdout.strip()  # fmt: skip

    return git("rev-parse", rev) if rev else git("merge-base", "HEAD", "main")


def _compare(label: str, command: list[str], emulated: tuple[str, str] | None,
             sides: list[Side], runs: int) -> None:  # fmt: skip
    """One line of the table: medians of ``runs`` runs on each side, in turn."""
    for side in sides:  # compile this command's modules, untimed
        side.measure(command, emulated)
    cpu: dict[str, list[float]] = {"before": [], "after": []}
    peak: dict[str, list[float]] = {"before": [], "after": []}
    for _ in range(runs):
        for side in sides:
            seconds, mb = side.measure(command, emulated)
            cpu[side.label].append(seconds)
            peak[side.label].append(mb)
    c0, c1 = statistics.median(cpu["before"]), statistics.median(cpu["after"])
    m0, m1 = statistics.median(peak["before"]), statistics.median(peak["after"])
    print(f"{label:20} {c0:9.2f}s {c1:6.2f}s {c1 / c0:5.2f}x   "
          f"{m0:13.0f}  {m1:6.0f} {m1 / m0:5.2f}x", flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", help="commit to compare with (default: merge-base with main)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command and side")
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "layton-data"))
    parser.add_argument("--setup", help=argparse.SUPPRESS)  # internal: build the runs folder
    args = parser.parse_args()
    if args.setup:
        _setup(Path(args.setup), args.data)
        return
    command_table(_base_commit(args.base), args.runs, args.data)


def command_table(base: str, runs: int, data: str) -> None:
    """Print every command's CPU time and peak memory at commit ``base`` and in this checkout
    (medians of ``runs`` runs each, in turn)."""
    from _env import with_bytecode  # beside this script

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        src = root / "base"
        src.mkdir()
        archive = subprocess.run(["git", "-C", str(REPO), "archive", base], check=True,
                                 capture_output=True).stdout  # fmt: skip
        subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
        subprocess.run([sys.executable, __file__, "--setup", str(root), "--data", data],
                       check=True)  # fmt: skip
        folders = {"LAYTON_RUNS_DIR": str(root / "runs"), "LAYTON_DATA_DIR": data}
        env = with_bytecode(root / "pycache") | folders | {"COLUMNS": "80"}
        env = {k: v for k, v in env.items() if not k.endswith("_API_KEY")}
        sides = [Side("before", src, root, env), Side("after", REPO, root, env)]
        print(f"before: {base[:10]}; after: this checkout; {runs} runs each, medians")
        print(f"{'command':20} {'CPU before':>10} {'after':>7} {'ratio':>6}   "
              f"{'peak MB before':>14} {'after':>6} {'ratio':>6}")  # fmt: skip
        for label, command, emulated in COMMANDS:
            _compare(label, command, emulated, sides, runs)


if __name__ == "__main__":
    main()
