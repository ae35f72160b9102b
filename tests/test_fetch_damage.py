"""A damaged download is never kept, one odd answer never stops a batch (issue 21, R3 and R1).

Each case runs ``layton fetch`` against the provider emulators and counts what matters for
money: the riddles kept with a valid answer, the riddles counted failed (that
``send --retry-failed`` would pay for again) and the batches created at the provider.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from layton_eval.providers import get_provider
from tests.fakes import default_responder, emulate
from tests.helpers import assert_one_line_error, invoke, invoke_json, prepare, request_ids, rows
from tests.test_money import MODELS, fast_retries, keys  # noqa: F401 (fixtures)

pytestmark = pytest.mark.usefixtures("keys")

#: The call that downloads a finished batch's results, per provider.
RESULTS = {
    "openai": r"^GET /v1/files/[^/]+/content$",
    "anthropic": r"^GET /v1/messages/batches/[^/]+/results$",
    "gemini": r":download",
    "mistral": r"^GET /v1/files/[^/]+/content$",
    "xai": r"^GET /v1/batches/[^/]+/results",
}


def _damage(fake, provider: str, kind: str) -> None:
    """The next results download answers 200 with ``kind``: an HTML page, no body, or the
    first half of the real file."""
    if kind == "cut":
        fake.lost_answers.append((RESULTS[provider], "cut"))
    else:
        fake.faults.append((RESULTS[provider], kind))


@pytest.mark.parametrize("kind", ["html", "empty", "cut"])
@pytest.mark.parametrize("provider", ["openai", "anthropic", "gemini", "mistral", "xai"])
def test_a_damaged_download_is_not_kept(runs_dir: Path, provider: str, kind: str):
    prepare(provider, MODELS[provider], name="run", hints=1)
    riddles = len(request_ids(runs_dir / "run"))
    with emulate(provider, polls_until_done=1) as fake:
        invoke_json("send", "run")
        _damage(fake, provider, kind)
        first = invoke_json("fetch", "run")
        # nothing counted failed, nothing offered to pay for again
        assert (first["run"]["ok"], first["run"]["failed"]) == (0, 0), first["run"]
        assert first["run"]["missing"] == riddles
        assert first["run"]["next_command"] == "layton fetch run"
        assert_one_line_error(
            invoke("send", "run", "--retry-failed"), code=1, contains="not fetched yet"
        )
        second = invoke_json("fetch", "run")["run"]
    assert second["ok"] == riddles and second["failed"] == 0 and not second["damaged"]
    assert fake.batches_created == 1
    assert len(rows(runs_dir / "run" / "predictions.jsonl")) == riddles
    batches = runs_dir / "run" / "batches"
    assert not list(batches.glob("*.partial.jsonl"))
    if provider != "xai":  # xAI's pages are read as JSON first: a damaged one is not written
        [batch_id] = first["run"]["damaged"]
        assert (batches / f"{batch_id}.damaged.jsonl").is_file()


def test_the_card_says_the_download_was_damaged(runs_dir: Path):
    prepare("openai", MODELS["openai"], name="run", hints=1)
    with emulate("openai", polls_until_done=1) as fake:
        invoke_json("send", "run")
        _damage(fake, "openai", "cut")
        shown = invoke("fetch", "run")
    assert shown.exit_code == 0, shown.stderr
    text = " ".join(shown.stdout.replace("│", " ").split())
    assert "Damaged" in text and "download damaged" in text and "fetch again" in text
    assert "Next: layton fetch run" in text


def _surrogate_in_json(custom_id: str, body: dict) -> str:
    """The model's JSON text escapes a lone surrogate: JSON can say it, UTF-8 cannot."""
    return '{"answer": "\\ud800", "justification": "odd"}'


def _surrogate_in_body(custom_id: str, body: dict) -> str:
    """The text itself holds a lone surrogate: the provider's body escapes it."""
    return json.dumps({"answer": "x\ud800", "justification": "odd"}, ensure_ascii=False)


@pytest.mark.parametrize("responder", [_surrogate_in_json, _surrogate_in_body])
@pytest.mark.parametrize("provider", ["openai", "anthropic", "gemini", "mistral"])
def test_a_lone_surrogate_loses_only_itself(runs_dir: Path, provider: str, responder):
    prepare(provider, MODELS[provider], name="run", hints=1)
    ids = request_ids(runs_dir / "run")
    odd = ids[2]

    def answer(custom_id: str, body: dict) -> str:
        return (responder if custom_id == odd else default_responder)(custom_id, body)

    with emulate(provider, polls_until_done=1, responder=answer):
        invoke_json("send", "run")
        fetched = invoke_json("fetch", "run")["run"]
        shown = invoke("fetch", "run")  # the card again (nothing new): no traceback
    assert shown.exit_code == 0, shown.stderr
    assert fetched["ok"] == len(ids) and fetched["replaced"] == 1, fetched
    outputs = (runs_dir / "run" / "outputs.jsonl").read_bytes()
    outputs.decode("utf-8")  # valid UTF-8 throughout
    kept = {row["id"]: row for row in rows(runs_dir / "run" / "predictions.jsonl")}
    assert "\ufffd" in kept[odd]["answer"]
    assert all(kept[i]["answer"] == f"answer-{i}" for i in ids if i != odd)


def test_the_card_counts_replaced_surrogates(runs_dir: Path):
    prepare("openai", MODELS["openai"], name="run", hints=1)
    with emulate("openai", polls_until_done=1, responder=_surrogate_in_json):
        invoke_json("send", "run")
        shown = invoke("fetch", "run")
    assert shown.exit_code == 0, shown.stderr
    assert "lone surrogate" in " ".join(shown.stdout.split())


def test_a_result_of_an_unexpected_shape_fails_alone(tmp_path: Path):
    """A body that the provider's parser cannot read is that request's failed outcome, with
    the reason; the other results of the batch are read."""
    from layton_eval.providers.batch_types import RawResult
    from layton_eval.runs.decode import batch_outputs
    from layton_eval.runs.lines import OutputLines
    from layton_eval.runs.manifest import BatchRecord
    from layton_eval.runs.store import RunStore
    from tests.test_runs import _manifest, _requests

    run = RunStore(tmp_path).create(_manifest("r", ids=["a", "b"]), _requests())
    record = BatchRecord(
        provider="openai", model="m", endpoint="/v1/chat/completions",
        custom_ids=["a", "b"], request_count=2, bytes=0, batch_id="batch_1",
    )  # fmt: skip
    good = {"choices": [{"message": {"content": '{"answer": "4", "justification": "j"}'}}]}
    results = [("a", RawResult(200, {"choices": ["not an object"]})), ("b", RawResult(200, good))]
    with OutputLines(run) as lines:
        found = batch_outputs(results, record, get_provider("openai"), lines)
        lines.merge(found.entries)
        lines.save()
    bad, ok = rows(run.file("outputs.jsonl"))
    assert bad["status"] == "failed" and "could not be read" in bad["error"]
    assert ok["status"] == "valid" and found.answered == 2


def test_an_outcome_that_cannot_be_written_is_that_riddles_failure(tmp_path: Path):
    """The last net: a record that cannot be serialised (a lone surrogate that reached it by
    another way) is written as that request's failed outcome, with the reason."""
    from layton_eval.runs.lines import OutputLines
    from layton_eval.runs.outputs import OutputRecord
    from layton_eval.runs.store import RunStore
    from tests.test_runs import _manifest, _requests

    run = RunStore(tmp_path).create(_manifest("r", ids=["a", "b"]), _requests())
    with OutputLines(run, predictions=True) as lines:
        lines.merge([lines.add(OutputRecord(id="a", text="x\ud800", valid=True))])
        lines.merge([lines.add(OutputRecord(id="b", text="fine"))])
        lines.save()
        lines.save_predictions()
    bad, good = rows(run.file("outputs.jsonl"))
    assert bad["status"] == "failed" and "could not be written" in bad["error"]
    assert good["text"] == "fine" and len(rows(run.file("predictions.jsonl"))) == 2
