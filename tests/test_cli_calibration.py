"""``--calibration FILE`` and ``--calibration-only`` of ``layton score`` and ``leaderboard``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import needs_shared_data
from tests.helpers import assert_one_line_error, invoke, invoke_json
from tests.test_cli_score import DATA, write_model_judge_files

pytestmark = needs_shared_data
HUMAN = ("human_answer_correct", "human_justification_correct", "human_both_correct")
SCORED = ("score", "ci95", "lower", "upper", "calibration_rows", "bins", "n", "jury_mean")


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


@pytest.fixture
def split_labels(tmp_path: Path) -> tuple[Path, list[dict]]:
    """A data folder whose calibration set lacks every fourth published label, and those rows
    as a labels file (with the who/when columns of ``layton annotate``)."""
    rows = [json.loads(line) for line in (DATA / "ppi_llm.jsonl").read_text().splitlines()]
    taken = [r for r in rows if r["human_both_correct"] is not None][::4]
    keys = {(r["riddle_id"], r["provider"], r["model"]) for r in taken}
    folder = tmp_path / "data"
    folder.mkdir()
    _write(folder / "ppi_llm.jsonl", [
        dict(r, **dict.fromkeys(HUMAN)) if (r["riddle_id"], r["provider"], r["model"]) in keys
        else r
        for r in rows
    ])  # fmt: skip
    (folder / "layton_eval_llm.jsonl").symlink_to(DATA / "layton_eval_llm.jsonl")
    labels = [dict(r, annotator="tester", labelled_at="2025-01-01T00:00:00Z", notes="", split="llm")
              for r in taken]  # fmt: skip
    return folder, labels


def _score(judges: Path, data: Path, *extra: str) -> dict:
    return invoke_json("score", "-j", str(judges / "judge_*.jsonl"), "--data-dir", str(data),
                       "--iterations", "3000", *extra)  # fmt: skip


def test_labels_that_agree_with_the_published_ones_give_the_published_score(
    tmp_path: Path, split_labels: tuple[Path, list[dict]]
):
    folder, labels = split_labels
    write_model_judge_files("llm", "openai", "gpt-5.2-2025-12-11-high", tmp_path)
    judges = tmp_path / "my_judges"
    published = _score(judges, DATA)
    without = _score(judges, folder)
    assert without["calibration_rows"] < published["calibration_rows"]
    path = _write(tmp_path / "labels.jsonl", labels)
    added = _score(judges, folder, "--calibration", str(path))
    assert {k: added[k] for k in SCORED} == {k: published[k] for k in SCORED}
    # labels that disagree with the published ones move the score
    flipped = [dict(r, **{c: not r[c] for c in HUMAN}) for r in labels]
    other = _score(judges, folder, "--calibration", str(_write(tmp_path / "f.jsonl", flipped)))
    assert other["calibration_rows"] == published["calibration_rows"]
    assert other["score"] != published["score"]


def test_leaderboard_with_the_labels_is_the_published_leaderboard(
    tmp_path: Path, split_labels: tuple[Path, list[dict]]
):
    folder, labels = split_labels
    path = _write(tmp_path / "labels.jsonl", labels)
    options = ["--split", "llm", "--iterations", "1000"]
    published = invoke_json("leaderboard", *options, "--data-dir", str(DATA))["rows"]
    added = invoke_json(
        "leaderboard", *options, "--data-dir", str(folder), "--calibration", str(path)
    )["rows"]
    assert added == published and len(added) == 9


def test_calibration_only_replaces_the_published_set(tmp_path: Path):
    write_model_judge_files("llm", "openai", "gpt-5.2-2025-12-11-high", tmp_path)
    judges = tmp_path / "my_judges"
    published = _score(judges, DATA)
    alone = _score(judges, tmp_path / "nowhere", "--calibration-only",
                   "--calibration", str(DATA / "ppi_llm.jsonl"))  # fmt: skip
    assert {k: alone[k] for k in SCORED} == {k: published[k] for k in SCORED}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--calibration-only"], "--calibration-only needs at least one --calibration FILE"),
        (["--calibration", "missing.jsonl"], "calibration file not found: "),
    ],
)
def test_bad_calibration_options_are_one_line_usage_errors(tmp_path: Path, args, message):
    write_model_judge_files("llm", "openai", "gpt-5.2-2025-12-11-high", tmp_path)
    result = invoke("score", "-j", str(tmp_path / "my_judges" / "judge_*.jsonl"),
                    "--data-dir", str(DATA), *args)  # fmt: skip
    assert_one_line_error(result, code=2, contains=message)
    result = invoke("leaderboard", "--split", "llm", "--data-dir", str(DATA), *args)
    assert_one_line_error(result, code=2, contains=message)


def test_compare_judges_and_report_use_the_added_labels_too(
    tmp_path: Path, split_labels: tuple[Path, list[dict]]
):
    """The labels that restore the published set give back the published numbers in every
    command that calibrates, not only score and leaderboard."""
    folder, labels = split_labels
    path = str(_write(tmp_path / "labels.jsonl", labels))
    pair = ["compare", "gpt-5.1-2025-11-13-high", "mistral-large-2512", "--split", "llm",
            "--iterations", "500"]  # fmt: skip

    def compared(data: Path, *extra: str) -> dict:
        return invoke_json(*pair, "--data-dir", str(data), *extra)["pairs"][0]

    assert compared(folder, "--calibration", path) == compared(DATA)
    assert compared(folder) != compared(DATA)  # the labels were missing

    def judged(data: Path, *extra: str) -> list[dict]:
        return invoke_json("judges", "--split", "llm", "--data-dir", str(data), *extra)["judges"]

    assert judged(folder, "--calibration", path) == judged(DATA)
    assert judged(folder) != judged(DATA)
    page = tmp_path / "page.html"
    report = invoke("report", "--split", "llm", "--data-dir", str(folder), "--iterations", "200",
                    "--calibration", path, "--out", str(page), "--json")  # fmt: skip
    assert report.exit_code == 0, report.stderr
    published = invoke("report", "--split", "llm", "--data-dir", str(DATA), "--iterations", "200",
                       "--out", str(tmp_path / "published.html"), "--json")  # fmt: skip
    assert published.exit_code == 0, published.stderr

    def scores(html: Path) -> list[str]:
        import re

        return re.findall(r'data-score="([0-9.]+)"', html.read_text())

    assert scores(page) == scores(tmp_path / "published.html")
