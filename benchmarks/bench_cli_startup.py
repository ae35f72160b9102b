"""Time `layton --help` and TAB completion against a minimal Typer app with the same commands.

Usage: .venv/bin/python benchmarks/bench_cli_startup.py [ROUNDS]

The baseline is generated from layton's own command tree: the same commands and options, each
a plain string option (or flag) with no help text and no import but typer. Each case runs as a
fresh process ROUNDS times (default 15), alternating layton and the baseline; the script prints
the median wall time of each and their ratio (the house rule: within about 1.2x). Completion runs
in a runs folder holding 20 runs, so that run-name completion reads real folders.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from _env import with_bytecode  # noqa: E402 (beside this script)

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 15

#: (label, arguments, completion words or None)
CASES = [
    ("layton --help", ["--help"], None),
    ("layton prepare --help", ["prepare", "--help"], None),
    ("TAB: layton score <run>", [], "layton score "),
    ("TAB: layton score --field", [], "layton score --field "),
    ("TAB: layton prepare --hints", [], "layton prepare --hints "),
    ("TAB: layton send --provider", [], "layton send --provider "),
]


def baseline_source() -> str:
    """A Typer app with layton's commands and option names, and nothing else."""
    import typer.main

    from layton_eval.cli import app

    group = typer.main.get_command(app)
    lines = ["import typer", "app = typer.Typer()", ""]
    for name, command in sorted(group.commands.items()):  # type: ignore[attr-defined]
        params = []
        for param in command.params:
            if param.param_type_name == "argument":
                params.append(f"{param.name}: list[str] = typer.Argument(None)")
            elif getattr(param, "is_flag", False):
                params.append(f"{param.name}: bool = typer.Option(False, {param.opts[0]!r})")
            else:
                params.append(f"{param.name}: str = typer.Option('', {param.opts[0]!r})")
        lines += [
            f"@app.command({name!r})",
            f"def cmd_{name}({', '.join(params)}) -> None:",
            "    pass",
            "",
        ]
    lines += ["", "if __name__ == '__main__':", "    app(prog_name='layton')"]
    return "\n".join(lines)


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def make_runs(root: Path) -> None:
    for i in range(20):
        folder = root / f"benchmark_openai_model-{i}_llm_hints_0"
        folder.mkdir(parents=True)
        manifest = {"name": folder.name, "provider": "openai", "model": f"model-{i}"}
        (folder / "run.json").write_text(json.dumps(manifest))


def main() -> None:
    layton = [str(Path(sys.executable).with_name("layton"))]
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "minimal.py"
        base.write_text(baseline_source())
        make_runs(Path(tmp) / "runs")
        minimal = [sys.executable, str(base)]
        common = with_bytecode(Path(tmp) / "pycache") | {
            "LAYTON_RUNS_DIR": str(Path(tmp) / "runs"),
            "COLUMNS": "80",
        }
        print(f"{'case':30} {'layton':>9} {'minimal':>9} {'ratio':>6}   ({ROUNDS} rounds)")
        for label, args, words in CASES:
            env = dict(common)
            if words is not None:
                env |= {
                    "_LAYTON_COMPLETE": "complete_bash",
                    "COMP_WORDS": words,
                    "COMP_CWORD": str(len(words.split(" ")) - 1),
                }
            ours, theirs = [], []
            for _ in range(ROUNDS):
                ours.append(timed(layton + args, env))
                theirs.append(timed(minimal + args, env))
            a, b = statistics.median(ours), statistics.median(theirs)
            print(f"{label:30} {a * 1000:7.0f}ms {b * 1000:7.0f}ms {a / b:6.2f}")


if __name__ == "__main__":
    main()
