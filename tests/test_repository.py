"""The repository's own promises: CI runs the README's test command; docs name real commands."""

from __future__ import annotations

import re

from layton_eval.cli import app
from tests.conftest import REPO


def _readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    return [line.removeprefix("    $ ") for line in text.splitlines() if line.startswith("    $ ")]


def test_ci_runs_the_readme_test_command_then_again_without_the_data():
    ci_lines = (REPO / ".ci" / "run").read_text().splitlines()
    ci_test = [line for line in ci_lines if "python -m pytest" in line]
    assert len(ci_test) == 2
    assert ci_test[0] in _readme_commands()
    # the second run hides the data (an empty folder): an unmarked test that reads it fails
    assert ci_test[1].startswith('LAYTON_TEST_DATA="$bare" .venv/bin/python -m pytest -n 2')
    assert "bare=$(mktemp -d)" in ci_lines


def test_readme_quickstart_prepares_the_sample_offline():
    first = _readme_commands()[0]
    assert first.startswith("python3 -m venv .venv && ")
    assert first.endswith("layton prepare --split llm --hints 2 --dataset sample")


def test_every_command_the_readme_uses_exists():
    registered = {command.name for command in app.registered_commands}
    used = {
        match.group(1)
        for command in _readme_commands()
        for match in re.finditer(r"\blayton (\w+)", command)
    }
    assert used <= registered, used - registered
    headings = set(re.findall(r"^### `layton (\w+)`", (REPO / "README.md").read_text(), re.M))
    assert headings == registered


def test_no_file_of_the_package_is_ignored_by_git():
    import shutil
    import subprocess

    if shutil.which("git") is None or not (REPO / ".git").exists():
        import pytest

        pytest.skip("not a git checkout")
    files = [str(p.relative_to(REPO)) for p in (REPO / "layton_eval").rglob("*") if p.is_file()]
    files = [f for f in files if "__pycache__" not in f]
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", *files],
        cwd=REPO,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert not ignored, f"ignored by .gitignore, so missing from every clone: {ignored}"
