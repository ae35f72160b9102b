"""The edges of the CLI: help that teaches, completion, checks where a value enters, errors on
disk, file permissions, and tables at 80 columns."""

from __future__ import annotations

import errno
import json
import os
import shlex
import stat
import tempfile
from pathlib import Path

import pytest
import typer.main

from layton_eval.cli import app
from layton_eval.commands.help import example_lines
from layton_eval.console import err_console, out_console
from layton_eval.providers import NAMES
from layton_eval.runs.store import RunStore
from tests.conftest import SHARED_DATA, needs_shared_data
from tests.helpers import assert_one_line_error, invoke, prepare
from tests.test_cli_jury import keys  # noqa: F401 (a fixture)

GROUP = typer.main.get_command(app)
COMMANDS = sorted(GROUP.commands)  # type: ignore[attr-defined]


@pytest.fixture
def columns_80(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("COLUMNS", "80")
    out_console.cache_clear()
    err_console.cache_clear()
    yield
    out_console.cache_clear()
    err_console.cache_clear()


def _help(*argv: str) -> str:
    result = invoke(*argv, "--help")
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _flat(text: str) -> str:
    """The help's words in one line, without the panels' borders."""
    return " ".join(text.translate({ord(c): " " for c in "│╭╮╰╯─"}).split())


# -------------------------------------------------------------------------------------- help


@pytest.mark.parametrize("name", COMMANDS)
def test_help_lists_every_choice(name: str, columns_80):
    """An option with choices lists them: as its metavar (``llm|vlm``), else at the end of its
    help (--ci, --field, --prompts)."""
    text = _flat(_help(name))
    command = GROUP.commands[name]  # type: ignore[attr-defined]
    for param in command.params:
        descriptor = getattr(param, "type_descriptor", None)
        choices = [str(getattr(c, "value", c)) for c in getattr(descriptor, "choices", None) or ()]
        if choices:
            listed = f"Choices: {', '.join(choices)}." in text or "|".join(choices) in text
            assert listed, (name, param.name, choices)


@pytest.mark.parametrize("name", COMMANDS)
def test_help_shows_no_types_cuts_nothing_and_ends_with_examples(name: str, columns_80):
    text = _help(name)
    for leftover in ("<bool>", "<str>", "<int", "<float", "<list", "<path", "<Path", "…"):
        assert leftover not in text, (name, leftover)
    assert all(len(line) <= 80 for line in text.splitlines())
    lines = [line.strip() for line in text.strip().splitlines()]
    examples = example_lines(_callback(name))
    assert 2 <= len(examples) <= 4
    assert lines[-len(examples) - 1] == "Examples:"
    assert lines[-len(examples) :] == [f"$ {example}" for example in examples]


def _callback(name: str):
    return next(c.callback for c in app.registered_commands if c.name == name)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_help_example_parses(name: str):
    """Each example names options that exist, with values they accept."""
    for example in example_lines(_callback(name)):
        words = shlex.split(example)
        assert words[:2] == ["layton", name], example
        context = GROUP.make_context("layton", [name])  # type: ignore[attr-defined]
        command = GROUP.get_command(context, name)  # type: ignore[attr-defined]
        command.make_context(name, words[2:], parent=context)  # raises on a bad option


def test_flags_take_no_value_and_metavars_read_well(columns_80):
    send = _help("send")
    assert "--force " in send and "--dry-run " in send
    forced = invoke("send", "--force", "true")  # a flag: 'true' is taken as the run name
    assert "Error: no run" in forced.stderr or "no runs yet" in forced.stderr
    prepare_help = _flat(_help("prepare"))
    for metavar in ("ID[,ID...]", "KEY=VALUE", "N[-M][,N...]", "llm|vlm", "PROVIDER", "MODEL"):
        assert metavar in prepare_help, metavar
    assert "read as JSON when it is JSON" in prepare_help


def test_provider_options_list_every_provider(columns_80):
    for name in ("prepare", "send", "score"):
        assert ", ".join(NAMES) in _flat(_help(name)), name


def test_run_arguments_are_called_run_everywhere():
    context = GROUP.make_context("layton", ["status"])  # type: ignore[attr-defined]
    for name in COMMANDS:
        command = GROUP.get_command(context, name)  # type: ignore[attr-defined]
        for param in command.params:
            if param.param_type_name == "argument":  # compare also takes calibration models
                expected = {"compare": "SUBJECT", "import": "FILE"}.get(name, "RUN")
                assert param.metavar == expected, name
        assert "run_name" not in command.get_usage(context).lower()


# -------------------------------------------------------------------------------- completion


def complete(line: str) -> list[str]:
    """What TAB offers after ``line`` (bash protocol)."""
    env = {"_LAYTON_COMPLETE": "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(
        len(line.split(" ")) - 1)}  # fmt: skip
    result = invoke_env(env)
    assert result.exit_code == 0, result.stderr
    return result.stdout.split()


def invoke_env(env: dict[str, str]):
    from typer.testing import CliRunner

    return CliRunner().invoke(app, [], env=env, prog_name="layton")


def test_every_run_argument_completes_run_names(runs_dir: Path):
    prepare(name="alpha")
    prepare(name="beta")
    context = GROUP.make_context("layton", ["status"])  # type: ignore[attr-defined]
    takes_runs = [
        name
        for name in COMMANDS
        if any(p.param_type_name == "argument" for p in GROUP.get_command(context, name).params)  # type: ignore[attr-defined]
        and name != "import"  # its arguments are files; --into takes the run
    ]
    assert set(takes_runs) >= {"send", "status", "fetch", "jury", "score", "report"}
    for name in takes_runs:
        assert complete(f"layton {name} ") == ["alpha", "beta"], name
        assert complete(f"layton {name} al") == ["alpha"], name
    assert complete("layton leaderboard --split llm --add b") == ["beta"]
    assert complete("layton import out.jsonl --into a") == ["alpha"]


def test_options_complete_their_values(runs_dir: Path):
    prepare("openai", "gpt-5-mini", name="one")
    prepare("anthropic", "claude-haiku-4-5", name="two")
    assert complete("layton prepare --hints ") == ["0", "1", "2", "3", "4"]
    assert complete("layton score --field ") == [
        "both_correct",
        "is_answer_correct",
        "is_justification_correct",
    ]
    assert complete("layton report --split ") == ["llm", "vlm"]
    assert complete("layton send --provider ") == list(NAMES)
    assert complete("layton send --provider g") == ["gemini", "groq"]
    assert complete("layton prepare --model ") == ["claude-haiku-4-5", "gpt-5-mini"]
    assert complete("layton prepare --provider openai --model ") == ["gpt-5-mini"]
    assert complete("layton send two --model cl") == ["claude-haiku-4-5"]


def test_completion_imports_nothing_heavy():
    """TAB must be as quick as --help: none of layton's heavy imports on the way (typer itself
    imports pydantic, so it is no measure; benchmarks/bench_cli_startup.py times the whole)."""
    code = (
        "import sys, os; from layton_eval.cli import app\n"
        "os.environ.update(_LAYTON_COMPLETE='complete_bash', COMP_WORDS='layton score ', "
        "COMP_CWORD='2')\n"
        "try: app(prog_name='layton')\n"
        "except SystemExit: pass\n"
        "heavy = [m for m in ('numpy', 'httpx', 'batchling', 'huggingface_hub', "
        "'layton_eval.settings', 'layton_eval.runs.store') if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in done.stderr, done.stderr


# -------------------------------------------------------------------- checks where values enter


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--temperature", "-5"], "--temperature"),
        (["--temperature", "2.5"], "--temperature"),
        (["--name", ""], "invalid run name ''"),
        (["--param", "temperature=abc"], "not a JSON value; use --temperature"),
        (["--param", "=1"], "KEY=VALUE"),
    ],
)
def test_bad_values_are_refused_where_they_enter(extra: list[str], fragment: str, runs_dir):
    result = invoke("prepare", "--split", "llm", "--hints", "0", "--dataset", "sample", *extra)
    assert_one_line_error(result, code=2, contains=fragment)
    assert not runs_dir.exists() or not any(runs_dir.iterdir())


def test_param_values_are_json_when_json_else_strings(runs_dir: Path):
    pairs = ["top_p=0.5", "stop=abc", 'response={"a": [1, true]}', "seed=null", "temperature=0.2"]
    prepare(name="p", extra=[word for pair in pairs for word in ("--param", pair)])
    params = json.loads((runs_dir / "p" / "run.json").read_text())["sampling"]["params"]
    assert params == {
        "top_p": 0.5,
        "stop": "abc",
        "response": {"a": [1, True]},
        "seed": None,
        "temperature": 0.2,
    }


# ---------------------------------------------------------------------------- errors on disk


def test_a_runs_folder_that_cannot_be_written_is_one_line(tmp_path: Path, monkeypatch):
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("LAYTON_RUNS_DIR", str(tmp_path / "file" / "runs"))
    from layton_eval.settings import get_settings

    get_settings.cache_clear()
    result = invoke("prepare", "--split", "llm", "--hints", "0", "--dataset", "sample")
    assert_one_line_error(result, code=1, contains=f"cannot write {tmp_path / 'file' / 'runs'}")
    assert "internal error" not in result.stderr


@pytest.mark.parametrize(
    ("code", "reason"),
    [(errno.EACCES, "permission denied"), (errno.ENOSPC, "no space left on device")],
)
def test_permission_and_disk_errors_name_the_path(code, reason, runs_dir: Path, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code), kwargs.get("dir"))

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    result = invoke("prepare", "--split", "llm", "--hints", "0", "--dataset", "sample")
    assert_one_line_error(
        result, code=1, contains=f"cannot write {runs_dir / 'benchmark_llm_hints_0'}: {reason}"
    )


def test_other_os_errors_are_one_line_naming_the_path(runs_dir: Path, tmp_path: Path):
    prepare("openai", "gpt-5-mini")
    (tmp_path / "a folder").mkdir()
    result = invoke("jury", "run", "--jury-config", str(tmp_path / "a folder"))
    assert result.exit_code == 1
    # the run is not fetched: the state is checked first; a folder as config is next
    assert "layton send run" in result.stderr
    from layton_eval.cli import _exit_code

    message = _exit_code(IsADirectoryError(21, "Is a directory", "x.toml"), debug=False)
    assert message == 1


def test_debug_shows_the_traceback_without_the_hint(monkeypatch):
    import layton_eval.prepare

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(layton_eval.prepare, "prepare_run", boom)
    args = ["prepare", "--split", "llm", "--hints", "0", "--dataset", "sample"]
    plain = invoke(*args)
    assert_one_line_error(plain, code=1, contains="internal error: RuntimeError: boom")
    assert "--debug" in plain.stderr
    debug = invoke("--debug", *args)
    assert debug.exit_code == 1
    assert "Traceback" in debug.stderr
    last = debug.stderr.strip().splitlines()[-1]
    assert last == "Error: internal error: RuntimeError: boom"


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_files_and_folders_honour_the_umask(umask: int, runs_dir: Path):
    old = os.umask(umask)
    try:
        prepare(name="u")
        RunStore(runs_dir).load("u").write_bytes("extra.json", b"{}")
    finally:
        os.umask(old)
    run = runs_dir / "u"
    assert stat.S_IMODE(run.stat().st_mode) == 0o777 & ~umask
    for path in run.iterdir():
        if path.is_file() and path.name != ".lock":
            assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path


def test_an_unknown_run_names_the_latest_and_how_many_more(runs_dir: Path):
    for index in range(7):
        prepare(name=f"r{index}")
    result = invoke("status", "nope")
    assert_one_line_error(
        result, code=1, contains="known runs: r2, r3, r4, r5, r6 and 2 more (layton status --all)"
    )


# ------------------------------------------------------------------------- tables at 80 columns


def test_status_all_keeps_run_names_whole_at_80_columns(runs_dir: Path, columns_80):
    names = [
        "benchmark_openai_gpt-5-mini_llm_hints_0",
        "benchmark_anthropic_claude-opus-4-5-20251101_vlm_hints_4",
        "trial",
    ]
    for name in names:
        prepare("anthropic", "claude-opus-4-5-20251101", name=name)
    text = invoke("status", "--all").stdout
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "…" not in text
    for name in names:
        assert name in text
    assert "prepared" in text and "0s" in text or "1s" in text


def test_status_all_shows_provider_and_model_when_there_is_room(runs_dir: Path, columns_80):
    prepare("openai", "gpt-5-mini", name="benchmark_openai_gpt-5-mini_llm_hints_0")
    text = invoke("status", "--all").stdout
    assert "openai /" in text and "gpt-5-mini" in text
    assert "benchmark_openai_gpt-5-mini_llm_hints_0" in text


@needs_shared_data
def test_leaderboard_keeps_model_names_whole_at_80_columns(columns_80):
    args = ["leaderboard", "--split", "llm", "--iterations", "100", "--data-dir", str(SHARED_DATA)]
    text = invoke(*args).stdout
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "…" not in text
    for model in ("claude-opus-4-5-20251101-thinking-32k", "moonshotai-kimi-k2.5-thinking"):
        assert model in text


def test_every_card_of_a_journey_fits_80_columns_and_cuts_nothing(keys, runs_dir, columns_80):  # noqa: F811
    """Cards wrap at spaces and fold long paths, but never cut a value; the Next: line is one
    line under the card (the terminal wraps it, so that it is copied whole)."""
    from tests.test_cli_jury import all_providers

    steps = [
        ["prepare", "--split", "vlm", "--hints", "4", "--dataset", "sample",
         "--provider", "anthropic", "--model", "claude-opus-4-5-20251101"],
        ["send"], ["status"], ["status", "--watch", "1"], ["fetch"], ["jury", "--dry-run"],
        ["jury"], ["status"], ["status", "--watch", "1"], ["fetch"], ["status", "--all"],
    ]  # fmt: skip
    with all_providers(polls_until_done=2):
        for argv in steps:
            result = invoke(*argv)
            assert result.exit_code == 0, (argv, result.stderr)
            assert "…" not in result.stdout, (argv, result.stdout)
            for line in result.stdout.splitlines():
                assert len(line) <= 80 or line.startswith("Next: layton "), (argv, line)


def test_a_long_next_line_is_printed_whole_at_80_columns(runs_dir: Path, columns_80):
    name = "a-rather-long-run-name-that-users-will-copy-from-the-card"
    made = invoke(
        "prepare", "--split", "llm", "--hints", "0", "--dataset", "sample", "--name", name
    )
    suggestion = f"layton send {name} --provider openai --model gpt-5-mini --dry-run"
    assert f"Next: {suggestion}\n" in made.stdout  # one line: the terminal wraps, copies whole
    assert invoke("status", name).stdout.count(f"Next: {suggestion}\n") == 1
