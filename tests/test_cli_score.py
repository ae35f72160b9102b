"""``layton score --judge-files`` and ``layton leaderboard`` through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from layton_eval.answers import Verdict
from layton_eval.choices import DEFAULT_ITERATIONS, DEFAULT_SEED, VerdictField
from layton_eval.interchange import JudgeRecord, judge_file_name
from layton_eval.score.calibration import FIELDS
from tests.conftest import SHARED_DATA, needs_shared_data
from tests.helpers import assert_one_line_error, invoke, invoke_json, write_judge_file

DATA = SHARED_DATA  # LAYTON_TEST_DATA, else ../shared/layton-data
pytestmark = needs_shared_data
JUDGE_PROVIDERS = {
    "mistral-large-2512": "mistral",
    "claude-opus-4-5-20251101": "anthropic",
    "gpt-5.1-2025-11-13": "openai",
    "gemini-3-pro-preview": "gemini",
}


def write_model_judge_files(split: str, provider: str, model: str, folder: Path) -> list[Path]:
    """One judge file per judge of a calibration model, in the interchange format."""
    raw = [json.loads(line) for line in (DATA / f"ppi_{split}.jsonl").read_text().splitlines()]
    rows = [r for r in raw if (r["provider"], r["model"]) == (provider, model)]
    judges = [k.removeprefix("both_correct_") for k in rows[0] if k.startswith("both_correct_")]
    paths = []
    for judge in judges:
        if rows[0][f"both_correct_{judge}"] is None:
            continue  # this judge did not judge this provider
        records = [
            JudgeRecord.from_verdict(
                r["riddle_id"],
                Verdict(
                    is_answer_correct=r[f"is_answer_correct_{judge}"],
                    is_justification_correct=r[f"is_justification_correct_{judge}"],
                ),
                model=judge,
            )
            for r in rows
        ]
        name = judge_file_name(
            provider=provider,
            model=model,
            split=split,
            hints=0,
            judge_provider=JUDGE_PROVIDERS[judge],
            judge_model=judge,
        )
        paths.append(write_judge_file(folder / "my_judges" / name, records))
    return paths


def _rewrite(path: Path, edit) -> None:
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    path.write_text("".join(json.dumps(line) + "\n" for line in edit(lines)))


def test_cli_defaults_match_the_domain_vocabulary():
    assert tuple(f.value for f in VerdictField) == FIELDS
    assert DEFAULT_ITERATIONS == 10_000 and isinstance(DEFAULT_SEED, int)


#: The published llm leaderboard (both_correct, 10,000 iterations, seed 20251126): score, 95% CI
#: (±) and rank spread of every model, best first.
PUBLISHED_LLM = [
    ("gemini-3-flash-high", 85.2, 1.4, "1 <--> 2"),
    ("gemini-3-pro-high", 83.9, 1.1, "1 <--> 3"),
    ("gpt-5.1-2025-11-13-high", 83.3, 0.1, "2 <--> 3"),
    ("gpt-5.2-2025-12-11-high", 80.4, 0.3, "4 <--> 5"),
    ("claude-opus-4-5-20251101-thinking-32k", 79.6, 0.6, "4 <--> 5"),
    ("moonshotai-kimi-k2.5-thinking", 73.4, 1.4, "6 <--> 6"),
    ("claude-opus-4-5-20251101-no-thinking", 70.2, 0.9, "7 <--> 7"),
    ("moonshotai-kimi-k2-thinking", 66.7, 1.7, "8 <--> 8"),
    ("mistral-large-2512", 48.7, 1.4, "9 <--> 9"),
]
#: The vlm table as layton printed it with the per-riddle index draw (commit f9fc651).
INDEX_DRAW_VLM = [
    ("gemini-3-flash-preview", 46.4, 1.9, "1 <--> 2"),
    ("gemini-3-pro-preview", 45.9, 2.1, "1 <--> 2"),
    ("gpt-5-2", 33.4, 1.9, "3 <--> 4"),
    ("gpt-5-1", 32.5, 1.9, "3 <--> 4"),
    ("claude-opus-4-5_thinking_32k", 25.1, 1.8, "5 <--> 6"),
    ("claude-opus-4-5", 23.0, 1.9, "5 <--> 6"),
    ("mistral-large-2512", 12.5, 1.5, "7 <--> 7"),
]


@pytest.mark.parametrize(("split", "table"), [("llm", PUBLISHED_LLM), ("vlm", INDEX_DRAW_VLM)])
def test_default_leaderboard_reproduces_the_published_table(split: str, table: list):
    rows = invoke_json("leaderboard", "--split", split, "--data-dir", str(DATA))["rows"]
    assert [(r["model"], r["score"], r["ci95"], r["rank_spread"]) for r in rows] == table
    assert all(r["ci_method"] == "published" for r in rows)
    # the former name of the published interval gives the same table
    old = invoke_json(
        "leaderboard", "--split", split, "--ci", "calibration", "--data-dir", str(DATA)
    )
    assert old["rows"] == rows and old["ci_method"] == "published"


def test_bring_your_own_equals_the_leaderboard_row(tmp_path: Path):
    paths = write_model_judge_files("llm", "openai", "gpt-5.2-2025-12-11-high", tmp_path)
    assert len(paths) == 3
    mine = invoke_json("score", "--judge-files", str(tmp_path / "my_judges" / "judge_*.jsonl"),
                       "--data-dir", str(DATA))  # fmt: skip
    board = invoke_json("leaderboard", "--split", "llm", "--data-dir", str(DATA))["rows"]
    row = next(r for r in board if r["model"] == "gpt-5.2-2025-12-11-high")
    for key in ["score", "ci95", "lower", "upper", "jury_mean", "n"]:
        assert mine[key] == row[key], key
    assert (mine["score"], mine["ci95"]) == (80.4, 0.3)  # the published numbers
    assert mine["provider"] == "openai" and mine["split"] == "llm"  # from the file names
    assert mine["model"] == "gpt-5.2-2025-12-11-high" and mine["n_hints"] == 0
    assert mine["iterations"] == DEFAULT_ITERATIONS and mine["seed"] == DEFAULT_SEED
    assert mine["field"] == "both_correct" and len(mine["judges"]) == 3
    assert sum(b["riddles"] for b in mine["bins"]) == 186
    assert mine["calibration_rows"] == sum(b["calibration_rows"] for b in mine["bins"])


@pytest.mark.parametrize("field", ["is_answer_correct", "is_justification_correct"])
def test_agreement_holds_for_other_fields_and_the_vlm_split(tmp_path: Path, field: str):
    model = "claude-opus-4-5_thinking_32k"  # an '_' in the model name
    paths = write_model_judge_files("vlm", "anthropic", model, tmp_path)
    common = ["--field", field, "--iterations", "400", "--seed", "3", "--data-dir", str(DATA)]
    mine = invoke_json("score", "--judge-files", *map(str, paths), *common)
    board = invoke_json("leaderboard", "--split", "vlm", *common)["rows"]
    row = next(r for r in board if r["model"] == model)
    assert (mine["score"], mine["ci95"], mine["lower"]) == (row["score"], row["ci95"], row["lower"])
    assert mine["split"] == "vlm" and mine["field"] == field


def test_options_override_file_names_and_seed_changes_nothing_else(tmp_path: Path):
    paths = write_model_judge_files("llm", "mistral", "mistral-large-2512", tmp_path)
    renamed = []
    for i, path in enumerate(paths):
        renamed.append(path.rename(path.with_name(f"judge_results_{i}.jsonl")))
    args = ["score", "-j", str(renamed[0]), "-j", str(renamed[1]), "-j", str(renamed[2]),
            "--iterations", "300", "--data-dir", str(DATA)]  # fmt: skip
    assert_one_line_error(invoke(*args), code=2, contains="--provider")
    assert_one_line_error(invoke(*args, "--provider", "mistral"), code=2, contains="--split")
    first = invoke_json(*args, "--provider", "mistral", "--split", "llm")
    again = invoke_json(*args, "--provider", "mistral", "--split", "llm")
    assert first == again and first["model"] is None
    other = invoke_json(*args, "--provider", "mistral", "--split", "llm", "--seed", "1")
    assert other["seed"] == 1 and other["n"] == first["n"]


def test_score_card_shows_the_numbers(tmp_path: Path):
    paths = write_model_judge_files("llm", "gemini", "gemini-3-pro-high", tmp_path)
    result = invoke("score", "--judge-files", *map(str, paths), "--iterations", "500",
                    "--data-dir", str(DATA))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    for text in ["Score", "±", "95% interval", "Jury mean", "186", "both_correct", "500",
                 str(DEFAULT_SEED), "gemini", "llm", "2/3", "calibration rows"]:  # fmt: skip
        assert text in result.stdout, text


def test_leaderboard_table_and_json(tmp_path: Path):
    result = invoke("leaderboard", "--split", "llm", "--iterations", "200", "--data-dir", str(DATA))
    assert result.exit_code == 0, result.stderr
    assert "mistral-large-2512" in result.stdout and "<-->" in result.stdout
    rows = invoke_json("leaderboard", "--split", "vlm", "--iterations", "200",
                       "--field", "is_answer_correct", "--data-dir", str(DATA))["rows"]  # fmt: skip
    assert len(rows) == 7 and [r["rank"] for r in rows] == sorted(r["rank"] for r in rows)
    assert {"rank", "model", "provider", "score", "ci95", "rank_spread"} <= set(rows[0])
    assert all(0 <= r["score"] <= 100 and not r["is_yours"] for r in rows)


# --- errors: one line on stderr, a non-zero exit, no traceback ------------------------------


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["leaderboard", "--split", "xlm"], 2, "--split"),
        (["leaderboard", "--split", "llm", "--field", "correct"], 2, "--field"),
        (["leaderboard", "--split", "llm", "--iterations", "0"], 2, "--iterations"),
        (["leaderboard", "--split", "llm", "--ci", "wide"], 2, "--ci"),
        (["score", "--judge-files", "x.jsonl", "--ci", "both"], 2, "--ci"),
        (["score", "--judge-files", "x.jsonl", "--seed", "-1"], 2, "--seed"),
        (["leaderboard", "--split", "llm", "--seed", "-1"], 2, "--seed"),
        (["compare", "a", "b", "--seed", "-1"], 2, "--seed"),
        (["leaderboard"], 2, "--split"),
        (["score", "--judge-files", "x.jsonl", "--split", "xlm"], 2, "--split"),
        (["score", "--judge-files", "x.jsonl", "--field", "nope"], 2, "--field"),
        (["score", "--judge-files", "/no/such/judge.jsonl"], 2, "not found"),
        (["score", "--judge-files", "/no/such/judge_*.jsonl"], 2, "no judge file matches"),
        (["score", "my-run"], 1, "no run named"),
        (["score", "run-a", "run-b"], 2, "one run or group at a time"),
        (["leaderboard", "--split", "llm", "--add", "my-run"], 1, "my-run"),
        (["leaderboard", "--split", "llm", "--data-dir", "/no/such/dir"], 1, "not found"),
    ],
)
def test_usage_errors(args, code, fragment):
    result = invoke(*args)
    assert_one_line_error(result, code=code, contains=fragment)
    assert "Value error" not in result.stderr  # pydantic's prefix, meaningless here


def test_wrong_number_of_judges(tmp_path: Path):
    paths = write_model_judge_files("llm", "mistral", "mistral-large-2512", tmp_path)
    two = ["score", "--judge-files", str(paths[0]), str(paths[1]), "--data-dir", str(DATA),
           "--iterations", "100"]  # fmt: skip
    assert_one_line_error(invoke(*two), code=2, contains="--allow-judges 2")
    # two judges give jury values of 1/2, which no calibration row has: named, never a crash
    assert_one_line_error(invoke(*two, "--allow-judges", "2"), code=1, contains="(1/2)")


def test_missing_and_unreadable_verdicts_are_named(tmp_path: Path):
    paths = write_model_judge_files("llm", "openai", "gpt-5.1-2025-11-13-high", tmp_path)
    per_judge = [[json.loads(line) for line in p.read_text().splitlines()] for p in paths]
    # riddles where the other two judges agree: their 2-verdict jury value is 0 or 1
    agreed = [a["custom_id"] for a, b in zip(per_judge[1], per_judge[2], strict=True)
              if a["answer"] == b["answer"]]  # fmt: skip
    gone, broken = agreed[0], agreed[1]

    def damage(rows: list[dict]) -> list[dict]:
        for row in rows:
            if row["custom_id"] == broken:
                row["answer"] = "the judge wrote prose"
        return [row for row in rows if row["custom_id"] != gone]

    _rewrite(paths[0], damage)
    args = ["score", "--judge-files", *map(str, paths), "--data-dir", str(DATA),
            "--iterations", "100"]  # fmt: skip
    result = invoke(*args)
    assert_one_line_error(result, code=1, contains="--allow-missing")
    assert gone in result.stderr and broken in result.stderr
    partial = invoke_json(*args, "--allow-missing")
    assert partial["n"] == 186 and sorted(partial["partial"]) == sorted([gone, broken])
    assert partial["dropped"] == []


def test_riddles_of_another_split_are_refused(tmp_path: Path):
    paths = write_model_judge_files("llm", "openai", "gpt-5.1-2025-11-13-high", tmp_path)
    result = invoke("score", "--judge-files", *map(str, paths), "--split", "vlm",
                    "--data-dir", str(DATA))  # fmt: skip
    assert_one_line_error(result, code=1, contains="not in the vlm split")


def test_malformed_judge_line_is_one_line(tmp_path: Path):
    paths = write_model_judge_files("llm", "openai", "gpt-5.1-2025-11-13-high", tmp_path)
    paths[1].write_text(paths[1].read_text() + "{oops\n")
    result = invoke("score", "--judge-files", *map(str, paths), "--data-dir", str(DATA))
    assert_one_line_error(result, code=1, contains="line 187")


def test_judge_files_of_two_models_are_refused(tmp_path: Path):
    first = write_model_judge_files("llm", "openai", "gpt-5.1-2025-11-13-high", tmp_path / "a")
    second = write_model_judge_files("llm", "openai", "gpt-5.2-2025-12-11-high", tmp_path / "b")
    result = invoke("score", "--judge-files", str(first[0]), str(first[1]), str(second[2]),
                    "--data-dir", str(DATA))  # fmt: skip
    assert_one_line_error(result, code=2, contains="disagree on the evaluated model")


def test_uncalibrated_jury_values_follow_one_rule_in_score_and_leaderboard(tmp_path: Path):
    """1/3 on is_answer_correct: no labelled row of another provider has it for two riddles."""
    model = "claude-opus-4-5-20251101-thinking-32k"
    paths = write_model_judge_files("llm", "anthropic", model, tmp_path)
    common = ["--field", "is_answer_correct", "--iterations", "300", "--data-dir", str(DATA)]
    for args in (["score", "-j", *map(str, paths)], ["leaderboard", "--split", "llm"]):
        result = invoke(*args, *common)
        assert_one_line_error(result, code=1, contains="--skip-uncalibrated")
        line = result.stderr
        assert "105-864 (1/3)" in line and "W12-1344 (1/3)" in line
        assert "no labelled calibration row of a provider other than anthropic" in line
        assert "fewer judges" not in line
    mine = invoke_json("score", "-j", *map(str, paths), *common, "--skip-uncalibrated")
    rows = invoke_json("leaderboard", "--split", "llm", *common, "--skip-uncalibrated")["rows"]
    assert len(rows) == 9
    row = {r["model"]: r for r in rows}[model]
    assert mine["excluded"] == row["excluded"] == ["105-864", "W12-1344"]
    assert mine["n"] == row["n"] == 184 and mine["score"] == row["score"]
    assert all(r["n"] + len(r["excluded"]) == 186 for r in rows)
    card = invoke("score", "-j", *map(str, paths), *common, "--skip-uncalibrated")
    assert "2 with a jury value no calibration row has: 105-864, W12-1344" in card.stdout
    table = invoke("leaderboard", "--split", "llm", *common, "--skip-uncalibrated")
    assert "†" in table.stdout and "(--skip-uncalibrated)" in table.stdout


def test_full_interval_in_score_and_leaderboard(tmp_path: Path):
    paths = write_model_judge_files("llm", "mistral", "mistral-large-2512", tmp_path)
    args = ["--iterations", "2000", "--data-dir", str(DATA)]
    published = invoke_json("score", "-j", *map(str, paths), *args)
    labels = invoke_json("score", "-j", *map(str, paths), *args, "--ci", "labels")
    full = invoke_json("score", "-j", *map(str, paths), *args, "--ci", "full")
    assert [published["ci_method"], labels["ci_method"], full["ci_method"]] == [
        "published", "labels", "full"]  # fmt: skip
    assert 6.0 < full["ci95"] < 8.5 and published["ci95"] < 2.0  # issue 12: about 7.3
    assert 1.5 <= labels["ci95"] <= 2.1  # issue 20: about 1.8, where published says 1.4
    assert abs(full["score"] - published["score"]) < 1.0
    card = " ".join(invoke("score", "-j", *map(str, paths), *args, "--ci", "full").stdout.split())
    assert "full: riddles and labelled rows resampled" in card
    card = " ".join(invoke("score", "-j", *map(str, paths), *args).stdout.split())
    assert "reproduces the published ±" in card
    rows = invoke_json("leaderboard", "--split", "llm", *args, "--ci", "full")["rows"]
    assert {r["ci_method"] for r in rows} == {"full"}
    mistral = {r["model"]: r for r in rows}["mistral-large-2512"]
    assert (mistral["score"], mistral["ci95"]) == (full["score"], full["ci95"])
    # wider intervals overlap more: the rank spread comes from the chosen interval
    assert rows[0]["rank_spread"] != "1 <--> 2" and rows[0]["worst_rank"] >= 4
    table = invoke("leaderboard", "--split", "llm", *args, "--ci", "full")
    caption = " ".join(table.stdout.split())  # as read, whatever the terminal's width
    assert "full: riddles and labelled rows" in caption
    assert "rank spread from this interval" in caption


def test_warnings_for_hints_and_self_judging(tmp_path: Path):
    paths = write_model_judge_files("llm", "mistral", "mistral-large-2512", tmp_path)
    args = ["--iterations", "200", "--data-dir", str(DATA)]
    clean = invoke_json("score", "-j", *map(str, paths), *args)
    assert clean["warnings"] == []
    hinted = [p.rename(p.with_name(p.name.replace("_hints_0_", "_hints_2_"))) for p in paths]
    doc = invoke_json("score", "-j", *map(str, hinted), *args)
    assert len(doc["warnings"]) == 1 and "2 hint(s)" in doc["warnings"][0]
    # the same verdicts, claimed to be of an openai model: the openai judge judged its own
    doc = invoke_json("score", "-j", *map(str, hinted), *args, "--provider", "openai")
    assert any("share the evaluated provider openai" in w for w in doc["warnings"])
    card = invoke("score", "-j", *map(str, hinted), *args, "--provider", "openai")
    assert "Warning" in card.stdout


def test_score_options_take_the_interval_as_text_too():
    from layton_eval.choices import CiMethod
    from layton_eval.errors import UsageError
    from layton_eval.score.score import ScoreOptions

    assert ScoreOptions(ci="full").ci is CiMethod.full  # type: ignore[arg-type]
    assert ScoreOptions().ci is CiMethod.published
    assert ScoreOptions(ci="calibration").ci is CiMethod.published  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="--ci"):
        ScoreOptions(ci="wide")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="--seed must be a non-negative integer"):
        ScoreOptions(seed=-1)


_WATCHED = ("pydantic_settings", "json_repair", "layton_eval.answers")
_IMPORTS = """
import json, sys
from layton_eval.cli import app
try:
    app(sys.argv[2:])
except SystemExit as done:
    code = done.code
watched = tuple(sys.argv[1].split(","))
found = sorted({".".join(m.split(".")[:2]) for m in sys.modules if m.startswith(watched)})
print(json.dumps([code, found]), file=sys.stderr)
"""


def _imported(*args: str) -> list[str]:
    """The watched modules a whole ``layton`` process imports to run ``args`` (which must
    succeed)."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _IMPORTS, ",".join(_WATCHED), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    code, found = json.loads(done.stderr.strip().splitlines()[-1])
    assert code == 0, done.stderr
    return found


def test_start_up_imports_only_what_a_command_uses(tmp_path: Path):
    """The leaderboard never reads answers or verdict text; scoring your judge files with
    --data-dir needs no settings (pydantic-settings)."""
    assert _imported("leaderboard", "--split", "llm", "--data-dir", str(DATA), "--iterations",
                     "10") == []  # fmt: skip
    paths = write_model_judge_files("vlm", "openai", "gpt-5-1", tmp_path)
    scored = _imported("score", "-j", *map(str, paths), "--data-dir", str(DATA), "--iterations",
                       "10")  # fmt: skip
    assert not any(m.startswith("pydantic_settings") for m in scored)
    assert "layton_eval.answers" in scored  # the verdicts are read
