"""``layton report`` (the HTML page, without a browser) and the per-category table of ``score``."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from contextlib import ExitStack
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from layton_eval.choices import Split
from layton_eval.report.build import build_report
from layton_eval.report.html import render_page as render_html
from layton_eval.report.model import ReportData
from layton_eval.runs.store import RunStore
from layton_eval.score.categories import UNKNOWN_CATEGORY, category_means
from layton_eval.score.score import ScoreOptions
from layton_eval.settings import get_settings
from tests.conftest import SHARED_DATA, needs_shared_data
from tests.fakes import TEST_KEY, emulate
from tests.helpers import assert_one_line_error, invoke, invoke_json, rows
from tests.test_cli_jury import responder

pytestmark = needs_shared_data

JUDGES = ("openai", "gemini", "anthropic", "mistral")
HOSTILE_ANSWER = "<b>bold</b> & \"quoted\" 'single'"
HOSTILE_JUSTIFICATION = "<script>alert('pwned')</script> because 1 < 2 && 3 > 2 " + "x" * 300
ITERATIONS = "500"


def hostile_responder(custom_id: str, body: dict) -> str:
    """Answers full of markup (and a long justification); varied verdicts for judges."""
    if "Participant answer" in json.dumps(body):
        return responder(custom_id, body)
    return json.dumps(
        {"answer": f"{HOSTILE_ANSWER} {custom_id}", "justification": HOSTILE_JUSTIFICATION}
    )


def make_run(
    name: str,
    *,
    split: str = "llm",
    limit: int | None = None,
    provider: str = "openai",
    model: str = "gpt-5-mini",
    data_dir: Path = SHARED_DATA,
) -> None:
    """prepare -> send -> fetch -> jury -> fetch on real riddles, through the emulators.

    Needs the providers' keys and ``LAYTON_RUNS_DIR`` in the environment.
    """
    with ExitStack() as stack:
        for judge in dict.fromkeys((provider, *JUDGES)):
            stack.enter_context(emulate(judge, responder=hostile_responder, polls_until_done=1))
        limited = ["--limit", str(limit)] if limit else []
        invoke_json(
            "prepare", "--split", split, "--hints", "0", "--data-dir", str(data_dir),
            "--provider", provider, "--model", model, "--name", name, *limited,
        )  # fmt: skip
        for step in ("send", "fetch", "jury", "fetch"):
            invoke_json(step, name)


@pytest.fixture(scope="module")
def built_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Runs made once per module: ``mini`` (12 llm riddles), ``full`` (186), ``pics`` (4 vlm)."""
    root = tmp_path_factory.mktemp("built") / "runs"
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root.parent)
        mp.setenv("LAYTON_RUNS_DIR", str(root))
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.delenv("LAYTON_DATA_DIR", raising=False)
        for judge in JUDGES:
            mp.setenv(f"{judge.upper()}_API_KEY", TEST_KEY)
        get_settings.cache_clear()
        make_run("mini", limit=12)
        make_run("full")
        make_run("pics", split="vlm", limit=4)
    get_settings.cache_clear()
    return root


@pytest.fixture
def runs(built_runs: Path, runs_dir: Path) -> Path:
    """A private copy of the built runs in this test's runs folder."""
    shutil.copytree(built_runs, runs_dir, dirs_exist_ok=True)
    return runs_dir


def report_data(
    *names: str, split: str = "llm", data_dir: Path = SHARED_DATA, images: bool = False
) -> ReportData:
    """The report of runs ``names`` (seed 7, few iterations)."""
    settings = get_settings()
    store = RunStore(settings.runs_dir)
    return build_report(
        Split(split),
        [store.load(name) for name in names],
        options=ScoreOptions(iterations=int(ITERATIONS), seed=7, data_dir=data_dir),
        settings=settings,
        images=images,
    )


class _Tables(HTMLParser):
    """Cell texts of every ``<table id=...>`` of a page, row by row."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("id") or ""
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self.tables[self._table][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables(page: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(page)
    return parser.tables


def split_categories(split: str = "llm") -> dict[str, str]:
    return {r["id"]: r["category"] for r in rows(SHARED_DATA / f"layton_eval_{split}.jsonl")}


# ---------------------------------------------------------------------- per-category numbers


def test_category_means_by_hand():
    ids = ["a", "b", "c", "d", "e", "f"]
    yhat = [1.0, 1 / 3, 2 / 3, np.nan, 0.0, 1.0]
    cats = {"a": "Write", "b": "Write", "c": "Tap", "d": "Tap", "e": None}  # f: not in the map
    got = category_means(ids, yhat, cats)
    assert [(c.category, c.n) for c in got] == [("(unknown)", 2), ("Write", 2), ("Tap", 1)]
    means = {c.category: c.jury_mean for c in got}
    assert means["Write"] == pytest.approx(100 * (1 + 1 / 3) / 2)
    assert means["Tap"] == pytest.approx(100 * 2 / 3)  # d has no verdict: left out
    assert means[UNKNOWN_CATEGORY] == pytest.approx(50.0)
    assert category_means([], [], {}) == []
    with pytest.raises(ValueError, match="same length"):
        category_means(["a"], [1.0, 0.0], {})


def test_report_categories_match_a_hand_computation(runs: Path):
    data = report_data("mini")
    cats = split_categories()
    # the run: jury.jsonl values of the field, grouped by the riddles' categories
    expected: dict[str, list[float]] = {}
    for row in rows(runs / "mini" / "jury.jsonl"):
        expected.setdefault(cats[row["id"]], []).append(row["jury"]["both_correct"])
    mine = next(m for m in data.breakdown if m.is_yours)
    got = {c.category: (c.n, c.jury_mean) for c in mine.categories}
    assert got.keys() == expected.keys()
    for cat, values in expected.items():
        assert got[cat] == (len(values), pytest.approx(100 * sum(values) / len(values)))
    # a calibration model: mean over the judges that judged it, from the raw calibration file
    calib = [r for r in rows(SHARED_DATA / "ppi_llm.jsonl") if r["model"] == "mistral-large-2512"]
    by_cat: dict[str, list[float]] = {}
    for r in calib:
        verdicts = [v for k, v in r.items() if k.startswith("both_correct_") and v is not None]
        by_cat.setdefault(cats[r["riddle_id"]], []).append(sum(verdicts) / len(verdicts))
    model = next(m for m in data.breakdown if m.model == "mistral-large-2512")
    assert {c.category: c.n for c in model.categories} == {k: len(v) for k, v in by_cat.items()}
    for c in model.categories:
        assert c.jury_mean == pytest.approx(100 * sum(by_cat[c.category]) / len(by_cat[c.category]))
    assert data.category_counts["Write Answer"] == 119 and sum(data.category_counts.values()) == 186
    # the HTML table shows the same numbers, with the run's own count where it differs
    table = tables(render_html(data))["category-table"]
    header, body = table[0], {r[0]: r for r in table[1:]}
    col = header.index("gpt-5-mini ★")
    for c in mine.categories:
        count = f" n={c.n}" if c.n != data.category_counts[c.category] else ""
        assert body[c.category][col] == f"{c.jury_mean:.1f}{count}"
    mistral = header.index("mistral-large-2512")
    assert body["Write Answer"][1] == "119"
    assert body["Write Answer"][mistral] == f"{model.categories[0].jury_mean:.1f}"


# --------------------------------------------------------------------------------- the page


def test_page_escapes_every_text_and_references_nothing_outside(runs: Path):
    page = render_html(report_data("full"))
    assert "<script>alert" not in page and "<b>bold</b>" not in page
    assert escape(HOSTILE_ANSWER) in page and escape(HOSTILE_JUSTIFICATION) in page
    assert page.count("<script") == 1  # the page's own filter script, inline
    resources = re.findall(r"<(script|link|img|iframe|source|object|embed)\b[^>]*>", page)
    assert set(resources) <= {"script", "link"}  # llm: no picture
    for tag in re.findall(r"<(?:script|link|img|iframe|source|object|embed)\b[^>]*>", page):
        assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", tag), tag
    assert "@import" not in page and not re.search(r"url\(\s*['\"]?(?:https?:)?//", page)
    assert "default-src 'none'" in page  # the page cannot fetch anything
    assert len(page.encode()) < 5_000_000


def test_page_shows_the_leaderboard_and_highlights_the_run(runs: Path):
    data = report_data("full")
    page = render_html(data)
    board = tables(page)["leaderboard-table"][1:]
    assert len(board) == len(data.leaderboard) == 10
    yours = [r for r in board if "your run" in r[1]]
    # built-in prompts: placed among the published models, but marked
    assert len(yours) == 1 and yours[0][1] == "gpt-5-mini your run ‡ not strictly comparable"
    assert page.count('data-yours="1"') == 1 and page.count('class="bar-row yours"') == 1
    for row, line in zip(data.leaderboard, board, strict=True):
        assert line[0] == str(row.rank) and line[3] == f"{row.score:.1f}"
        assert line[4] == f"± {row.ci95:.1f}" and line[6] == f"{row.best_rank}–{row.worst_rank}"
    assert "seed 7" in page and f"{int(ITERATIONS):,} bootstrap iterations" in page
    riddles = tables(page)["riddles-full"]
    assert len(riddles) == 1 + 186 and riddles[0][-1] == "Jury"
    assert [len(r) for r in riddles] == [7] * 187  # riddle, category, answer, 3 judges, jury


def test_compare_view_is_every_pair_of_the_page(runs: Path):
    data = report_data("mini")
    result = data.comparison
    assert result is not None and len(result.pairs) == 10 * 9 // 2
    assert [s.name for s in result.subjects] == [
        f"{r.model} ★" if r.is_yours else r.model for r in data.leaderboard
    ]
    page = render_html(data)
    matrix = tables(page)["compare-table"]
    assert len(matrix) == 11 and all(len(line) == 11 for line in matrix)
    heads = matrix[0]
    cell = {(line[0], h): v for line in matrix[1:] for h, v in zip(heads, line, strict=True)}
    first, second = matrix[0][1], matrix[0][2]
    forward, backward = cell[first, second], cell[second, first]
    assert forward.rstrip("‡") == f"{-float(backward.rstrip('‡')):+.1f}"
    assert cell[first, first] == "–" and 'href="#compare"' in page
    run = "gpt-5-mini ★"
    assert all(cell[run, other].endswith("‡") for other in matrix[0][1:] if other != run)
    assert "Holm" in page and "not strictly comparable" in page
    assert 'class="num pair up"' in page or 'class="num pair down"' in page


def test_each_cell_is_what_compare_prints_for_that_pair(runs: Path):
    """The matrix draws every model in one pass; a cell must still be the pair's own
    comparison (fails on a shared pass whose draws depend on which models are on the page)."""
    result = report_data("mini").comparison
    assert result is not None
    published = [p for p in result.pairs if "★" not in p.a + p.b]
    for pair in (published[0], published[7], published[-1]):
        alone = invoke_json("compare", pair.a, pair.b, "--split", "llm", "--seed", "7",
                            "--iterations", ITERATIONS, "--data-dir", str(SHARED_DATA))  # fmt: skip
        got = alone["pairs"][0]
        assert (got["lower"], got["upper"], got["p_value"], got["mde"], got["p_a_better"]) == (
            pair.lower,
            pair.upper,
            pair.p_value,
            pair.mde,
            pair.p_a_better,
        )


def test_full_interval_on_the_page(runs: Path):
    result = invoke_json("report", "mini", "--split", "llm", "--ci", "full", "--iterations",
                         ITERATIONS, "--data-dir", str(SHARED_DATA),
                         "--out", "full.html")  # fmt: skip
    page = Path(result["path"]).read_text()
    assert "full interval · " in page and "riddles and the human-labelled rows" in page
    calibration = report_data("mini")
    assert calibration.ci_method == "published"
    assert calibration.comparison is not None and calibration.comparison.ci_method == "full"
    full = build_report(
        Split.llm, [RunStore(get_settings().runs_dir).load("mini")],
        options=ScoreOptions(iterations=int(ITERATIONS), seed=7, data_dir=SHARED_DATA,
                             ci="full"),
        settings=get_settings(),
    )  # fmt: skip
    narrow = {row.model: row.ci95 for row in calibration.leaderboard}
    assert all(row.ci95 > narrow[row.model] for row in full.leaderboard)
    assert {r.ci_method for r in full.leaderboard} == {"full"}


def test_run_section_shows_configuration_and_cost(runs: Path):
    data = report_data("mini")
    run = data.runs[0]
    assert run.config["Model"] == "gpt-5-mini" and run.config["Split"] == "llm"
    assert run.config["Dataset"].startswith("dir · ") and len(run.config["Dataset sha256"]) == 64
    assert "sha256" in run.config["Prompts"] and run.config["Hints"] == "0"
    assert [c.role for c in run.costs] == ["evaluated model", "judge", "judge", "judge"]
    assert all(c.requests == 12 and c.input_tokens > 0 for c in run.costs)
    assert run.costs[0].cost_usd is not None and run.costs[0].cost_usd > 0  # gpt-5-mini priced
    assert len(run.judges) == 3 and "openai" not in " ".join(run.judges)  # never its own provider
    page = render_html(data)
    cost = tables(page)["cost-mini"]
    assert cost[-1][0].startswith("Total") and cost[-1][-1].startswith("$")
    assert all(r.disagree == (0 < (r.jury or 0) < 1) for r in run.riddles)  # full panels here


def test_two_runs_of_one_model_are_told_apart(runs: Path):
    data = report_data("mini", "full")
    yours = sorted(r.model for r in data.leaderboard if r.is_yours)
    assert yours == ["gpt-5-mini (full)", "gpt-5-mini (mini)"]
    assert [r.label for r in data.runs] == ["gpt-5-mini (mini)", "gpt-5-mini (full)"]
    assert [r.row.n for r in data.runs if r.row] == [12, 186]
    assert {m.model for m in data.breakdown if m.is_yours} == set(yours)
    page = render_html(data)
    assert 'id="run-mini"' in page and 'id="run-full"' in page


def test_images_only_with_the_option(runs: Path):
    plain = render_html(report_data("pics", split="vlm"))
    assert "<img" not in plain
    pictures = render_html(report_data("pics", split="vlm", images=True))
    assert pictures.count('<img alt="picture of riddle') == 4
    assert "data:image/jpeg;base64," in pictures and len(pictures) > len(plain) + 4 * 1000


def test_missing_riddles_are_said_not_fatal(runs: Path, tmp_path: Path):
    only_calibration = tmp_path / "ppi-only"
    only_calibration.mkdir()
    shutil.copy(SHARED_DATA / "ppi_llm.jsonl", only_calibration)
    data = report_data("mini", data_dir=only_calibration)
    assert data.categories_note and "could not be loaded" in data.categories_note
    assert data.runs[0].note and data.runs[0].riddles[0].category == UNKNOWN_CATEGORY
    page = render_html(data)
    assert "could not be loaded" in page and 'id="category-chart"' not in page
    assert len(tables(page)["leaderboard-table"]) == 11


# ------------------------------------------------------------------------------------ the CLI


def test_cli_report_writes_once_then_needs_force(runs: Path, tmp_path: Path):
    args = ["report", "mini", "--split", "llm", "--data-dir", str(SHARED_DATA),
            "--iterations", ITERATIONS]  # fmt: skip
    done = invoke_json(*args)
    path = tmp_path / "layton-report-llm.html"  # the working directory of the test
    assert done == {"path": str(path), "bytes": path.stat().st_size, "models": 10, "runs": ["mini"],
                    "next_command": None}  # fmt: skip
    assert_one_line_error(invoke(*args), code=2, contains="--force")
    missing = invoke(*args, "--out", str(tmp_path / "out" / "r.html"))
    assert_one_line_error(missing, code=2, contains=f"folder {tmp_path / 'out'} does not exist")
    assert not (tmp_path / "out").exists()  # never created behind the user's back
    (tmp_path / "out").mkdir()
    again = invoke(*args, "--force", "--out", str(tmp_path / "out" / "r.html"))
    assert again.exit_code == 0, again.stderr
    assert "r.html" in again.stdout and (tmp_path / "out" / "r.html").is_file()
    assert not list((tmp_path / "out").glob(".*.tmp"))  # atomic write leaves nothing behind


def test_cli_report_without_runs_is_the_leaderboard(tmp_path: Path):
    common = [
        "--split",
        "vlm",
        "--iterations",
        "300",
        "--seed",
        "3",
        "--data-dir",
        str(SHARED_DATA),
    ]
    done = invoke_json("report", *common, "--out", str(tmp_path / "v.html"))
    assert done["models"] == 7 and done["runs"] == []
    board = tables((tmp_path / "v.html").read_text())["leaderboard-table"][1:]
    expected = invoke_json("leaderboard", *common)["rows"]
    assert [(r[1], r[3]) for r in board] == [(e["model"], f"{e['score']:.1f}") for e in expected]


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["mini", "--split", "vlm"], 1, "--split llm"),
        (["nope", "--split", "llm"], 1, "no run named"),
        (["mini", "mini", "--split", "llm"], 2, "twice"),
        (["prepared", "--split", "llm"], 1, "run prepared was not sent yet: layton send"),
        (["mini"], 2, "--split"),
        (["mini", "--split", "llm", "--field", "nope"], 2, "--field"),
    ],
)
def test_cli_report_errors_are_one_line(runs: Path, args: list[str], code: int, fragment: str):
    invoke_json("prepare", "--split", "llm", "--hints", "0", "--dataset", "sample", "--provider",
                "openai", "--model", "gpt-5-mini", "--name", "prepared")  # fmt: skip
    result = invoke("report", *args, "--data-dir", str(SHARED_DATA), "--iterations", ITERATIONS)
    assert_one_line_error(result, code=code, contains=fragment)


def test_cli_start_up_stays_light():
    code = (
        "import sys, layton_eval.cli; print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'numpy', 'httpx', 'batchling', 'huggingface_hub', 'pydantic_settings'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------------------- layton score table


def test_score_adds_the_per_category_table(runs: Path):
    scored = invoke_json(
        "score", "mini", "--iterations", ITERATIONS, "--data-dir", str(SHARED_DATA)
    )
    report = next(m for m in report_data("mini").breakdown if m.is_yours)
    assert scored["categories"] == [c.model_dump() for c in report.categories]
    assert sum(c["n"] for c in scored["categories"]) == scored["n"] == 12
    card = invoke("score", "mini", "--iterations", ITERATIONS, "--data-dir", str(SHARED_DATA))
    assert card.exit_code == 0, card.stderr
    assert "Per category" in card.stdout and report.categories[0].category in card.stdout


def test_score_judge_files_categories_need_local_riddles(runs: Path, tmp_path: Path):
    files = sorted(str(p) for p in (runs / "full" / "jury").glob("judge_*.jsonl"))
    common = ["score", "--judge-files", *files, "--iterations", ITERATIONS]
    with_riddles = invoke_json(*common, "--data-dir", str(SHARED_DATA))
    assert sum(c["n"] for c in with_riddles["categories"]) == 186
    assert with_riddles["categories"][0]["category"] == "Write Answer"
    only_calibration = tmp_path / "ppi-only"
    only_calibration.mkdir()
    shutil.copy(SHARED_DATA / "ppi_llm.jsonl", only_calibration)
    without = invoke_json(*common, "--data-dir", str(only_calibration))
    assert without["categories"] == [] and without["score"] == with_riddles["score"]
    card = invoke(*common[:-2], "--iterations", ITERATIONS, "--data-dir", str(only_calibration))
    assert card.exit_code == 0 and "Per category" not in card.stdout


def test_calibration_source_is_named_without_local_paths():
    from layton_eval.report.html import _source_label

    cached = "/home/u/.cache/huggingface/hub/datasets--rvienne--layton-eval-ppi/snapshots/abcdef123456/ppi_llm.jsonl"  # noqa: E501
    assert _source_label(cached) == "rvienne/layton-eval-ppi@abcdef12"
    assert _source_label("/srv/data/ppi_vlm.jsonl") == "ppi_vlm.jsonl (local copy)"
