"""``layton annotate`` without a browser: items, the selection rule, the labels file, the
session (label, skip, undo, notes, budget, resume), the agreement view and the CLI's errors."""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from layton_eval.annotate import select
from layton_eval.annotate.items import Item, JudgeVerdict, calibration_items, run_items
from layton_eval.annotate.labels import LabelStore, label_row
from layton_eval.annotate.session import Session, Stale
from layton_eval.annotate.summary import summarize
from layton_eval.choices import Split
from layton_eval.dataset import Riddle
from layton_eval.errors import DatasetError, UsageError
from layton_eval.score import calibration as cal
from tests.conftest import SHARED_DATA, needs_shared_data
from tests.helpers import assert_one_line_error, invoke

JUDGES = ("j-a", "j-b", "j-c")


def riddle(rid: str) -> Riddle:
    return Riddle(
        id=rid,
        description=f"What is {rid}?",
        split=Split.llm,
        answer="42",
        justification="because",
        first_hint="look closer",
        solution="It is 42.",
    )


def item(rid: str, provider: str = "openai", model: str = "m1", *, both=(1, 1, 1)) -> Item:
    verdicts = tuple(
        JudgeVerdict(judge, answer=True, justification=bool(b), both=bool(b))
        for judge, b in zip(JUDGES, both, strict=True)
    )
    return Item(rid, provider, model, 1, f"answer <b>{rid}</b>", "since", verdicts, "run:x",
                riddle(rid))  # fmt: skip


def session(tmp_path: Path, items, **kwargs) -> Session:
    store = LabelStore(tmp_path / "labels.jsonl")
    return Session(items, store=store, split=Split.llm, annotator=kwargs.pop("annotator", "ann"),
                   fixed=kwargs.pop("fixed", None), **kwargs)  # fmt: skip


# ------------------------------------------------------------------------- labels file


def test_a_label_is_a_calibration_row(tmp_path: Path):
    row = label_row(item("001-1", both=(1, 0, 1)), answer=True, justification=False,
                    annotator="ann", notes="n", split=Split.llm)  # fmt: skip
    assert list(row)[:6] == ["riddle_id", "provider", "model", "n_hints", "answer",
                             "justification"]  # fmt: skip
    assert row["is_answer_correct_j-b"] is True and row["both_correct_j-b"] is False
    assert (row["human_answer_correct"], row["human_justification_correct"],
            row["human_both_correct"]) == (True, False, False)  # fmt: skip
    assert row["annotator"] == "ann" and row["labelled_at"].endswith("Z")
    store = LabelStore(tmp_path / "labels.jsonl")
    store.append(row)
    parsed = cal.read_calibration_file(store.path, "llm")
    assert parsed.judges == JUDGES and parsed.item_keys() == [("001-1", "openai", "m1")]
    assert parsed.labels("both_correct").tolist() == [0.0]
    assert parsed.jury_values("both_correct").tolist() == pytest.approx([2 / 3])
    assert parsed.details[0]["notes"] == "n" and parsed.details[0]["source"] == "run:x"


def test_store_appends_takes_back_amends_and_names_a_damaged_line(tmp_path: Path):
    store = LabelStore(tmp_path / "sub" / "labels.jsonl")
    a = label_row(item("1"), answer=True, justification=True, annotator="ann", notes="",
                  split=Split.llm)  # fmt: skip
    b = dict(a, annotator="other")
    store.append(a)
    store.append(b)
    assert store.amend_notes(("1", "openai", "m1"), "ann", "edited")
    assert [r["notes"] for r in store.rows()] == ["edited", ""]
    assert store.remove_last(("1", "openai", "m1"), "ann")["annotator"] == "ann"
    assert store.remove_last(("1", "openai", "m1"), "ann") is None
    assert [r["annotator"] for r in store.rows()] == ["other"]
    assert sorted(p.name for p in store.path.parent.iterdir()) == [".labels.jsonl.lock",
                                                                  "labels.jsonl"]  # fmt: skip
    store.path.write_text(store.path.read_text() + "{broken\n")
    with pytest.raises(DatasetError, match=r"labels.jsonl, line 2: not valid JSON"):
        store.rows()


def test_two_sessions_writing_one_file_lose_nothing(tmp_path: Path):
    store = LabelStore(tmp_path / "labels.jsonl")

    def write(who: str) -> None:
        for i in range(25):
            store.append(label_row(item(str(i)), answer=True, justification=True,
                                   annotator=who, notes="", split=Split.llm))  # fmt: skip

    threads = [threading.Thread(target=write, args=(who,)) for who in ("a", "b", "c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(store.rows()) == 75


# ------------------------------------------------------------------------- selection rule


def test_the_rule_orders_by_cell_then_disagreement_then_model_then_riddle():
    unanimous = item("1", both=(1, 1, 1))
    split_jury = item("2", both=(1, 0, 0))
    other_model = item("3", model="m2", both=(1, 1, 1))
    counts = select.Counts(
        cells=Counter({("openai", JUDGES, 1.0): 2, ("openai", JUDGES, round(1 / 3, 6)): 2}),
        models=Counter({("openai", "m1"): 5, ("openai", "m2"): 1}),
        riddles=Counter(),
    )
    # same cell count: the judges' disagreement first
    assert select.pick([unanimous, split_jury], counts) is split_jury
    # same cell count and agreement: the model with fewer labels
    assert select.pick([unanimous, other_model], counts) is other_model
    counts.cells[("openai", JUDGES, round(1 / 3, 6))] = 3
    assert select.pick([split_jury, unanimous], counts) is unanimous  # fewer labels in its cell
    counts.riddles["1"] = 4
    same = item("9", both=(1, 1, 1))
    assert select.pick([unanimous, same], counts) is same
    assert "had 3 labels; the judges disagree" in select.reason(split_jury, counts)
    assert select.pick([], counts) is None


def test_labels_are_counted_per_provider_panel_and_jury_value(tmp_path: Path):
    rows = [
        label_row(item("1", both=(1, 1, 0)), answer=True, justification=True, annotator="a",
                  notes="", split=Split.llm),
        label_row(item("2", both=(0, 1, 1)), answer=True, justification=True, annotator="a",
                  notes="", split=Split.llm),
        label_row(item("2", provider="gemini", both=(0, 0, 0)), answer=False,
                  justification=False, annotator="a", notes="", split=Split.llm),
    ]  # fmt: skip
    path = tmp_path / "l.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    counts = select.count_labels(cal.read_calibration_file(path, "llm"))
    assert counts.cells == {("openai", JUDGES, round(2 / 3, 6)): 2, ("gemini", JUDGES, 0.0): 1}
    assert counts.models == {("openai", "m1"): 2, ("gemini", "m1"): 1}
    assert counts.riddles == {"1": 1, "2": 2}
    assert select.count_labels(None).cells == {}


@needs_shared_data
def test_unlabelled_rows_of_the_published_set_are_the_items():
    from layton_eval.dataset import load_split
    from layton_eval.settings import get_settings

    data = cal.read_calibration_file(SHARED_DATA / "ppi_llm.jsonl", "llm")
    riddles = load_split("llm", settings=get_settings(), data_dir=SHARED_DATA).by_id
    items = calibration_items(data, riddles, labelled=False, source="calibration")
    raw = [json.loads(line) for line in (SHARED_DATA / "ppi_llm.jsonl").read_text().splitlines()]
    unlabelled = [r for r in raw if r["human_both_correct"] is None and r["answer"].strip()]
    assert [i.key for i in items] == [(r["riddle_id"], r["provider"], r["model"])
                                      for r in unlabelled]  # fmt: skip
    assert all(len(i.verdicts) == 3 for i in items)
    first = next(r for r in unlabelled if r["riddle_id"] == items[0].riddle_id)
    assert {k: v for k, v in first.items() if "_correct_" in k and v is not None} == \
        items[0].columns()  # fmt: skip
    labelled = calibration_items(data, riddles, labelled=True, source="x")
    assert len(labelled) == 614
    # the rule starts with together, the provider no published label comes from
    assert select.pick(items, select.count_labels(data)).provider == "together"


# ------------------------------------------------------------------------- session


def test_label_next_skip_undo_notes_and_the_budget(tmp_path: Path):
    items = [item("1", both=(1, 0, 0)), item("2"), item("3"), item("4")]
    name = {i.token: i.riddle_id for i in items}
    s = session(tmp_path, items, budget=3)
    state = s.state()
    first = state["item"]["key"]
    assert first == items[0].token  # the judges disagree on it
    # before the label, the page knows neither the model nor the judges
    assert "j-a" not in json.dumps(state) and "m1" not in json.dumps(state)
    with pytest.raises(Stale, match="label this item first"):
        s.next(first)
    shown = s.label(first, False, True, "hm")
    assert shown["labelled"] and shown["reveal"]["human"] == {
        "answer": False, "justification": False, "both": False}  # fmt: skip
    assert shown["reveal"]["jury_label"] == "1/3" and shown["reveal"]["jury_agrees"] is True
    assert shown["reveal"]["model"] == "m1" and len(shown["reveal"]["verdicts"]) == 3
    with pytest.raises(Stale, match="labelled already"):
        s.label(first, True, True, "")
    second = s.next(first, notes="better note")["item"]["key"]
    assert s.store.rows()[0]["notes"] == "better note"
    third = s.skip(second)["item"]["key"]
    with pytest.raises(Stale, match="no longer on screen"):
        s.label(second, True, True, "")
    s.label(third, True, True, "")
    back = s.undo()
    assert back["item"]["key"] == third and not back["labelled"]
    assert [r["riddle_id"] for r in s.store.rows()] == ["1"]
    s.label(third, True, True, "")
    fourth = s.next(third)["item"]["key"]
    done = s.label(fourth, True, True, "")
    assert done["done"] and "budget of 3" in done["stopped"] and s.finished.is_set()
    with pytest.raises(Stale, match="has stopped"):
        s.next(fourth)
    written = sorted(r["riddle_id"] for r in s.store.rows())
    assert written == sorted(["1", name[third], name[fourth]])
    # a new session resumes: only the skipped item is left
    again = session(tmp_path, items)
    state = again.state()
    assert state["item"]["key"] == second and state["progress"]["left"] == 1
    again.skip(second)
    assert again.state()["done"] and again.stopped == "only skipped items are left"


def test_nothing_to_undo_and_finish(tmp_path: Path):
    s = session(tmp_path, [item("1")])
    s.state()
    with pytest.raises(UsageError, match="nothing to undo"):
        s.undo()
    assert s.finish()["done"] and s.stopped == "you finished it from the page"


def test_labels_of_published_items_are_done_and_counted(tmp_path: Path):
    row = label_row(item("1"), answer=True, justification=True, annotator="p", notes="",
                    split=Split.llm)  # fmt: skip
    path = tmp_path / "published.jsonl"
    path.write_text(json.dumps(row) + "\n")
    fixed = cal.read_calibration_file(path, "llm")
    s = session(tmp_path, [item("1"), item("2")], fixed=fixed)
    state = s.state()
    assert state["item"]["riddle_id"] == "2" and state["progress"]["left"] == 1
    assert "its cell (openai, jury value 1, 3 judges) had 1 label" in s._screen.reason


# ------------------------------------------------------------------------- agreement view


def _labelled(rid: str, who: str, answer: bool, justification: bool, both=(1, 1, 0)) -> dict:
    return label_row(item(rid, both=both), answer=answer, justification=justification,
                     annotator=who, notes=f"note {rid}", split=Split.llm)  # fmt: skip


def test_summary_compares_annotators_and_the_jury():
    mine = [_labelled("1", "ann", True, True), _labelled("2", "ann", True, False),
            _labelled("3", "ann", False, False, both=(0, 0, 0)),
            _labelled("4", "ann", False, False, both=(1, 1, 1))]  # fmt: skip
    theirs = [_labelled("1", "bob", True, True), _labelled("2", "bob", True, True),
              _labelled("3", "bob", False, False), _labelled("9", "bob", True, True)]  # fmt: skip
    summary = summarize(mine, name="mine.jsonl", others=[("bob.jsonl", theirs)])
    assert summary.labels == 4 and summary.by_annotator == {"ann": 4}
    # jury majority: 1, 1, 0, 1 against human both 1, 0, 0, 0
    assert summary.jury_items == 4 and summary.jury_agreement == pytest.approx(0.5)
    [pair] = summary.pairs
    assert (pair.first, pair.second, pair.items) == ("ann", "bob", 3)
    assert pair.answer_kappa == pytest.approx(1.0)  # answers: yes, yes, no for both
    assert pair.both_agreement == pytest.approx(2 / 3)
    # both: ann 1, 0, 0 vs bob 1, 1, 0: p_o 2/3, p_e = 1/3 * 2/3 + 2/3 * 1/3 = 4/9
    assert pair.both_kappa == pytest.approx((2 / 3 - 4 / 9) / (1 - 4 / 9))
    assert [d.riddle_id for d in summary.disagreements] == ["4", "2"]  # strongest first
    assert summary.disagreements[0].notes == "note 4" and summary.disagreements[0].jury == 1.0
    judge_c = next(j for j in summary.judges if j.judge == "j-c")
    assert judge_c.items == 4 and judge_c.agreement == pytest.approx(0.5)
    assert [(b.label, b.items) for b in summary.bins] == [("0", 1), ("2/3", 2), ("1", 1)]
    assert summary.bins[1].human_correct == pytest.approx(0.5)


# ------------------------------------------------------------------------- the command


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        ([], 2, "pass --split llm|vlm"),
        (["--split", "llm", "--budget", "0"], 2, "--budget"),
        (["--split", "llm", "--annotator", " "], 2, "--annotator must not be empty"),
        (["--split", "llm", "--calibration-only"], 2, "--calibration-only needs --calibration"),
        (["--split", "llm", "--recheck", "l.jsonl", "--labels", "l.jsonl"], 2,
         "--recheck needs another annotator's file"),
        (["no-such-run"], 1, "no run named 'no-such-run'"),
        (["--split", "llm"], 1, "ppi_llm.jsonl"),  # offline without a data folder
    ],
)  # fmt: skip
def test_bad_options_are_one_line_errors(args, code, message, tmp_path: Path):
    (tmp_path / "l.jsonl").write_text("")
    result = invoke("annotate", "--no-browser", *args)
    assert_one_line_error(result, code=code, contains=message)


def test_a_damaged_labels_file_stops_before_serving(tmp_path: Path):
    (tmp_path / "l.jsonl").write_text('{"riddle_id": "1"}\n')
    result = invoke("annotate", "--no-browser", "--split", "llm", "--labels", "l.jsonl",
                    "--calibration-only", "--calibration", "l.jsonl")  # fmt: skip
    assert_one_line_error(result, code=1, contains="l.jsonl, line 1: a label needs riddle_id")


@needs_shared_data
def test_nothing_left_to_label_is_said(tmp_path: Path):
    rows = [json.loads(line) for line in (SHARED_DATA / "ppi_llm.jsonl").read_text().splitlines()]
    full = tmp_path / "labelled.jsonl"
    full.write_text(
        "".join(json.dumps(r) + "\n" for r in rows if r["human_both_correct"] is not None)
    )
    result = invoke("annotate", "--no-browser", "--split", "llm", "--calibration-only",
                    "--calibration", str(full), "--data-dir", str(SHARED_DATA))  # fmt: skip
    assert_one_line_error(result, code=2, contains="nothing to label: every row")


def test_jury_values_are_binned_like_the_score():
    # 2/3 from three verdicts and 4/6 from six land in one cell
    a = item("1", both=(1, 1, 0))
    assert a.cell == ("openai", JUDGES, float(np.round(4 / 6, 6)))


def test_the_card_says_where_the_labels_are_and_what_comes_next(tmp_path: Path):
    from rich.console import Console

    from layton_eval.annotate.main import AnnotateResult
    from layton_eval.cards.annotate import annotate_card

    mine = [_labelled("1", "ann", True, True), _labelled("4", "ann", False, False, both=(1, 1, 1))]
    result = AnnotateResult(
        url="http://127.0.0.1:1/", split=Split.llm, labels_file="my labels.jsonl",
        annotator="ann", labelled=2, skipped=1, stopped="the budget of 2 label(s) is reached",
        summary=summarize(mine, name="my labels.jsonl", others=[("b.jsonl", mine)]),
        next_command="layton leaderboard --split llm --calibration 'my labels.jsonl'",
    )  # fmt: skip
    console = Console(record=True, width=120)
    console.print(annotate_card(result))
    text = console.export_text()
    assert "2 label(s) by ann, 1 skipped" in text and "budget of 2" in text
    assert "majority gives the human's both_correct label on 50.0% of 2 item(s)" in text
    assert "1: 4 (m1, jury 1)" in text
    assert "Next: layton leaderboard --split llm --calibration 'my labels.jsonl'" in text


@needs_shared_data
def test_a_labels_file_that_covers_everything_or_another_split_stops_at_start(tmp_path: Path):
    rows = [json.loads(line) for line in (SHARED_DATA / "ppi_llm.jsonl").read_text().splitlines()]
    two = [r for r in rows if r["human_both_correct"] is None and r["answer"].strip()][:2]
    (tmp_path / "two.jsonl").write_text("".join(json.dumps(r) + "\n" for r in two))
    done = [dict(r, human_answer_correct=True, human_justification_correct=True,
                 human_both_correct=True, annotator="x") for r in two]  # fmt: skip
    (tmp_path / "done.jsonl").write_text("".join(json.dumps(r) + "\n" for r in done))
    args = ["annotate", "--no-browser", "--split", "llm", "--calibration-only", "--calibration",
            "two.jsonl", "--data-dir", str(SHARED_DATA), "--labels"]  # fmt: skip
    result = invoke(*args, "done.jsonl")
    assert_one_line_error(
        result, code=2, contains=f"every item is labelled in {tmp_path / 'done.jsonl'} already"
    )
    (tmp_path / "vlm.jsonl").write_text(json.dumps(dict(done[0], split="vlm")) + "\n")
    result = invoke(*args, "vlm.jsonl")
    assert_one_line_error(result, code=1, contains="a row of the vlm split, not llm")


@needs_shared_data
def test_a_run_gives_its_judged_answers_and_leaves_out_failed_and_unreadable_ones(
    monkeypatch: pytest.MonkeyPatch,
):
    from contextlib import ExitStack

    from layton_eval.prepare import load_run_dataset
    from layton_eval.runs.store import RunStore
    from layton_eval.settings import get_settings
    from tests.fakes import TEST_KEY, emulate
    from tests.helpers import invoke_json
    from tests.test_report import JUDGES, hostile_responder

    for judge in JUDGES:
        monkeypatch.setenv(f"{judge.upper()}_API_KEY", TEST_KEY)
    get_settings.cache_clear()
    with ExitStack() as stack:
        fakes = {
            name: stack.enter_context(
                emulate(name, responder=hostile_responder, polls_until_done=1)
            )
            for name in JUDGES
        }
        invoke_json("prepare", "--split", "llm", "--hints", "2", "--data-dir", str(SHARED_DATA),
                    "--provider", "openai", "--model", "gpt-5-mini", "--name", "r",
                    "--limit", "5")  # fmt: skip
        ids = RunStore(get_settings().runs_dir).load("r").manifest.ids
        fakes["openai"].errors = {ids[0]: (500, "emulated overload")}
        fakes["openai"].malformed_output = {ids[1]}
        for step in ("send", "fetch", "jury", "fetch"):
            invoke_json(step, "r")
    run = RunStore(get_settings().runs_dir).load("r")
    items = run_items(run, load_run_dataset(run, settings=get_settings()).by_id)
    assert [i.riddle_id for i in items] == ids[2:]
    first = items[0]
    assert (first.provider, first.model, first.n_hints, first.source) == (
        "openai", "gpt-5-mini", 2, "run:r")  # fmt: skip
    assert "<b>bold</b>" in first.answer and first.riddle.id == ids[2]
    assert first.panel == tuple(sorted(("gemini-3.1-pro-preview", "claude-opus-4-5-20251101",
                                        "mistral-large-2512")))  # fmt: skip


def test_the_next_command_scores_with_the_same_calibration():
    from layton_eval.next_step import Facts, Step, next_command

    facts = Facts(run="", split="vlm", calibration=("team set.jsonl", "mine.jsonl"),
                  calibration_only=True, runs=("a", "b"))  # fmt: skip
    assert next_command(Step.annotate, facts) == (
        "layton leaderboard --split vlm --calibration-only --calibration 'team set.jsonl' "
        "--calibration mine.jsonl --add a --add b"
    )


@needs_shared_data
def test_recheck_serves_another_annotators_items_and_measures_agreement(tmp_path: Path):
    from layton_eval.annotate.sources import AnnotateOptions, open_session
    from layton_eval.settings import get_settings

    rows = [json.loads(line) for line in (SHARED_DATA / "ppi_llm.jsonl").read_text().splitlines()]
    open_rows = [r for r in rows if r["human_both_correct"] is None and r["answer"].strip()]
    theirs = [
        dict(r, human_answer_correct=True, human_justification_correct=ok,
             human_both_correct=ok, annotator="alice")
        for r, ok in zip(open_rows[:3], (True, False, True), strict=True)
    ]  # fmt: skip
    (tmp_path / "alice.jsonl").write_text("".join(json.dumps(r) + "\n" for r in theirs))
    options = AnnotateOptions(
        split=Split.llm,
        annotator="bob",
        data_dir=SHARED_DATA,
        recheck=tmp_path / "alice.jsonl",
        labels=tmp_path / "bob.jsonl",
    )
    s = open_session(options, get_settings())
    state = s.state()
    assert state["progress"]["left"] == 3 and "alice" not in json.dumps(state)
    for _ in range(2):
        key = s.state()["item"]["key"]
        s.label(key, True, True, "")
        s.next(key)
    [pair] = s.summary().pairs
    assert (pair.first, pair.second, pair.items) == ("alice", "bob", 2)
    assert s.state()["progress"]["left"] == 1
    # the published set itself can be rechecked: its labels count as the file's
    options = AnnotateOptions(split=Split.llm, annotator="bob", data_dir=SHARED_DATA,
                              recheck=SHARED_DATA / "ppi_llm.jsonl",
                              labels=tmp_path / "bob-published.jsonl")  # fmt: skip
    published = open_session(options, get_settings())
    assert published.state()["progress"]["left"] == 614
    key = published.state()["item"]["key"]
    published.label(key, True, True, "")
    [pair] = published.summary().pairs
    assert (pair.first, pair.second, pair.items) == ("bob", "ppi_llm.jsonl", 1)


def test_the_closing_next_names_the_labels_file_only_once_written(tmp_path: Path):
    from layton_eval.annotate.main import _result
    from layton_eval.annotate.sources import AnnotateOptions

    options = AnnotateOptions(split=Split.llm, annotator="ann", data_dir=tmp_path / "data")
    empty = session(tmp_path, [item("1")])
    none = _result(empty, "http://127.0.0.1:1/", options)  # stopped before any label
    assert none.next_command == f"layton leaderboard --split llm --data-dir {tmp_path / 'data'}"
    (tmp_path / "labels.jsonl").write_text("")  # a label was written
    one = _result(empty, "http://127.0.0.1:1/", options)
    assert one.next_command.endswith(f"--calibration {tmp_path / 'labels.jsonl'}")
