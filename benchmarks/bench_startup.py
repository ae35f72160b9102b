"""Start-up of ``layton``: ``--help`` and TAB completion against a minimal Typer app with the same
number of commands, and the whole-process ``leaderboard --split llm``, in one run.

Every figure is the median wall time of fresh processes, the two sides run in turn so that a
busy machine slows both alike. The minimal app has the same commands and root options as
``layton`` (one option each, no imports of its own): the ratio is what layton's own start-up
adds to Typer's. The leaderboard is timed whole (``--json``, default 10,000 iterations), with
the share of it spent importing the modules it uses.

Usage: .venv/bin/python benchmarks/bench_startup.py [DATA_DIR] [--runs N] [--src DIR]
(``--src`` times another checkout's ``layton_eval``, e.g. an export of the main branch.)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _layton_commands(src: str) -> tuple[str, ...]:
    """The names of layton's commands, read from its app (in a child process, so that this
    one stays free of layton's imports)."""
    code = (
        "import typer.main; from layton_eval.cli import app; "
        "print(' '.join(typer.main.get_command(app).commands))"
    )
    env = dict(os.environ, PYTHONPATH=src)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    return tuple(out.stdout.split())


MINIMAL = '''
import typer

app = typer.Typer(name="minimal", no_args_is_help=True, rich_markup_mode="rich")


@app.callback()
def _root(version: bool = typer.Option(False, "--version"),
          debug: bool = typer.Option(False, "--debug")) -> None:
    """A minimal app."""


def _command(name: str) -> None:
    def command(option: str = typer.Option("", help="An option.")) -> None:
        typer.echo(option)

    command.__doc__ = "The " + name + " command."
    app.command(name)(command)


for _name in COMMANDS:
    _command(_name)

if __name__ == "__main__":
    app(prog_name="minimal")
'''
LAYTON = "import sys; sys.argv[0] = 'layton'; from layton_eval.cli import main; main()"
IMPORTS = (
    "import layton_eval.cli, layton_eval.score.calibration, layton_eval.score.leaderboard, "
    "layton_eval.score.score, layton_eval.cards.score, layton_eval.console"
)


def _wall(command: list[str], env: dict[str, str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def _pair(layton: list[str], minimal: list[str], env: dict[str, str], runs: int,
          extra: dict[str, dict[str, str]] | None = None) -> tuple[float, float]:  # fmt: skip
    """Median wall times of the two commands, run in turn."""
    both: dict[str, list[float]] = {"layton": [], "minimal": []}
    for _ in range(runs):
        for key, command in (("layton", layton), ("minimal", minimal)):
            both[key] += _wall(command, env | (extra or {}).get(key, {}), 1)
    return statistics.median(both["layton"]), statistics.median(both["minimal"])


def _completion_env(prog: str, words: str) -> dict[str, str]:
    return {
        f"_{prog.upper()}_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", nargs="?", default=str(REPO.parent / "shared" / "layton-data"))
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--src", default=str(REPO), help="checkout whose layton_eval is timed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        from _env import with_bytecode  # beside this script

        env = with_bytecode(Path(tmp) / "pycache")
        env["PYTHONPATH"] = str(Path(args.src).resolve())
        minimal_py = Path(tmp) / "minimal.py"
        commands = _layton_commands(str(Path(args.src).resolve()))
        minimal_py.write_text(f"COMMANDS = {commands!r}\n{MINIMAL}")
        layton = [sys.executable, "-c", LAYTON]
        minimal = [sys.executable, str(minimal_py)]
        help_l, help_m = _pair([*layton, "--help"], [*minimal, "--help"], env, args.runs)
        comp_l, comp_m = _pair(layton, minimal, env, args.runs, {
            "layton": _completion_env("layton", "layton lea"),
            "minimal": _completion_env("minimal", "minimal lea"),
        })  # fmt: skip
        bare = _wall([sys.executable, "-c", "import typer"], env, args.runs)
        board = [*layton, "leaderboard", "--split", "llm", "--data-dir", args.data, "--json"]
        whole = statistics.median(_wall(board, env, max(3, args.runs // 3)))
        imports = statistics.median(_wall([sys.executable, "-c", IMPORTS], env, args.runs))
        python = statistics.median(_wall([sys.executable, "-c", "pass"], env, args.runs))
    print(f"layton_eval from {args.src}; {args.runs} runs each, medians")
    print(f"--help:     layton {help_l * 1000:.0f} ms, minimal Typer app ({len(commands)} "
          f"commands) {help_m * 1000:.0f} ms: {help_l / help_m:.2f}x (target ~1.2x); "
          f"'import typer' alone {statistics.median(bare) * 1000:.0f} ms")  # fmt: skip
    print(f"completion: layton {comp_l * 1000:.0f} ms, minimal {comp_m * 1000:.0f} ms: "
          f"{comp_l / comp_m:.2f}x")  # fmt: skip
    print(f"leaderboard --split llm (whole process, --json): {whole:.2f} s; importing its "
          f"modules {imports:.2f} s ({imports / whole:.0%}, of which Python itself "
          f"{python:.2f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
