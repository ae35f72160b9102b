"""What every provider emulator shares: scripting, counters, auth gate, realistic bodies.

An emulator mounts respx routes on the provider's real host, so batchling's real adapter code
runs end to end against it. Scripting is done through attributes that tests may change
between calls:

- ``polls_until_done``: the poll that first reports the batch finished (1 = the first poll);
- ``outcome``: ``"completed"``, ``"failed"`` (whole batch), ``"expired"`` or ``"cancelled"``;
- ``succeed_before_end``: with expired/cancelled, how many requests finished before;
- ``errors``: ``{custom_id: message}`` or ``{custom_id: (status, message)}`` per-request errors;
- ``malformed_output``: ids whose model text is not JSON;
- ``refused``: ids the model refuses to answer (OpenAI-shaped emulators: ``message.refusal``);
- ``broken_lines``: ids whose result line is cut in half (invalid JSON, id still readable);
- ``junk_lines``: how many undecodable lines without an id to add to the results;
- ``fail_next``: how the next calls fail, one entry per call: a status, ``"transport"``
  (connection refused), ``"timeout"`` (read timeout), ``"html"`` (a 200 page that is not
  JSON), ``"empty"`` (a 200 with no body) or ``None`` (answer normally);
- ``faults``: per-call failures, ``(pattern, failure)`` pairs: the first pair whose regex
  matches ``"METHOD /path?query"`` is used up by that call, which fails as ``fail_next`` says;
- ``lost_answers``: the same pairs, but the call is carried out first and its answer lost
  (a status instead of the answer, or ``"timeout"``): a batch created whose id never arrives;
  ``"cut"`` keeps the first half of the answer's body (a download cut short);
- ``before_call`` / ``after_call``: ``(pattern, hook)`` pairs; ``hook(request)`` runs before
  each matching call, ``hook(request, response)`` after it (a second process started, a
  process killed...);
- ``page_size``: the most batches one page of the list endpoint answers (the client's limit
  applies when smaller); :meth:`add_foreign` fills the account with batches of others.
- ``duplicate_lines``: ``{custom_id: "error" | "answer"}``: after the id's result line the
  results hold a second line for it, an error or another valid answer (OpenAI-shaped,
  Anthropic);
- ``responder(custom_id, native_body) -> str``: the model's text (default: answer JSON).
- ``polls_until_cancelled``: after a cancel, the poll that first reports the batch cancelled
  (the polls before it say cancelling); the requests answered before the cancel stay
  answered, the others are cancelled. A cancel of a finished batch is refused
  (:meth:`Emulator.cannot_cancel`).

Counters: ``uploaded_bytes``, ``batches_created``, ``polls``, ``requests_seen`` (ids in
submission order), ``bodies`` (id -> native body), ``texts`` (id -> emitted text), ``calls``,
``list_pages`` (pages of the batch list served), ``cancels`` (cancel calls accepted).
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import re
import ssl
import time
import typing as t
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import respx

TEST_KEY = "test-key-0123456789abcdef"
MALFORMED_TEXT = 'I think the answer is {"answer": "unterminated'
REFUSAL = "I can't help with that."

Responder = Callable[[str, dict[str, t.Any]], str]

_SSL_CONTEXT = ssl.create_default_context()


def client_factory() -> httpx.AsyncClient:
    """A client for the emulators, sharing one SSL context (a new one costs ~35 ms)."""
    return httpx.AsyncClient(verify=_SSL_CONTEXT)


def default_responder(custom_id: str, body: dict[str, t.Any]) -> str:
    """The model's default answer: the JSON object the riddle prompts ask for."""
    return json.dumps({"answer": f"answer-{custom_id}", "justification": "emulated reasoning"})


@dataclass(frozen=True)
class Outcome:
    """What happened to one request: ``ok`` (with text), ``error``, ``expired``, ``cancelled``."""

    kind: str
    text: str = ""
    status: int = 0
    message: str = ""


@dataclass
class FakeBatch:
    """One emulated batch and its scripted life."""

    id: str
    requests: list[tuple[str, dict[str, t.Any]]]
    created_at: int
    metadata: dict[str, t.Any] = field(default_factory=dict)
    model: str = ""
    polls: int = 0
    final: str | None = None  # outcome once finished
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    extra: dict[str, t.Any] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.requests)

    def count(self, kind: str) -> int:
        return sum(1 for outcome in self.outcomes.values() if outcome.kind == kind)


class Emulator:
    """Base class of the provider emulators (see the module docstring)."""

    name: t.ClassVar[str]
    host: t.ClassVar[str]

    def __init__(
        self,
        *,
        key: str = TEST_KEY,
        polls_until_done: int = 2,
        outcome: str = "completed",
        succeed_before_end: int = 0,
        errors: dict[str, t.Any] | None = None,
        malformed_output: t.Iterable[str] = (),
        refused: t.Iterable[str] = (),
        broken_lines: t.Iterable[str] = (),
        junk_lines: int = 0,
        fail_next: t.Iterable[int | str | None] = (),
        responder: Responder | None = None,
        page_size: int = 100,
    ) -> None:
        self.key = key
        self.polls_until_done = polls_until_done
        self.outcome = outcome
        self.succeed_before_end = succeed_before_end
        self.errors = dict(errors or {})
        self.malformed_output = set(malformed_output)
        self.refused = set(refused)
        self.broken_lines = set(broken_lines)
        self.junk_lines = junk_lines
        self.fail_next = list(fail_next)
        self.faults: list[tuple[str, int | str]] = []
        self.lost_answers: list[tuple[str, int | str]] = []
        self.page_size = page_size
        self.duplicate_lines: dict[str, str] = {}
        self.before_call: list[tuple[str, Callable[[httpx.Request], None]]] = []
        self.after_call: list[tuple[str, Callable[[httpx.Request, httpx.Response], None]]] = []
        self.responder = responder or default_responder
        # counters
        self.uploaded_bytes = 0
        self.batches_created = 0
        self.polls = 0
        self.requests_seen: list[str] = []
        self.bodies: dict[str, dict[str, t.Any]] = {}
        self.texts: dict[str, str] = {}
        self.calls: list[str] = []
        self.list_pages = 0
        self.cancels = 0
        self.polls_until_cancelled = 2
        # state
        self.batches: dict[str, FakeBatch] = {}
        self.files: dict[str, bytes] = {}
        self._ids = itertools.count(1)
        self.router = respx.MockRouter(assert_all_called=False, assert_all_mocked=True)
        self.install(self.router)

    # ------------------------------------------------------------------------- context use

    def __enter__(self) -> t.Self:
        self.router.__enter__()
        return self

    def __exit__(self, *exc_info: t.Any) -> None:
        self.router.__exit__(*exc_info)

    # --------------------------------------------------------------------- family specifics

    def install(self, router: respx.MockRouter) -> None:
        """Mount the provider's routes on ``router``."""
        raise NotImplementedError

    def authorized(self, request: httpx.Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.key}"

    def auth_error(self) -> httpx.Response:
        return httpx.Response(401, json={"error": {"message": "Invalid API key"}})

    def server_error(self, status: int) -> httpx.Response:
        return httpx.Response(status, json={"error": {"message": "emulated server error"}})

    def not_found(self, what: str) -> httpx.Response:
        return httpx.Response(404, json={"error": {"message": f"No such {what}"}})

    def batch_object(self, batch: FakeBatch) -> dict[str, t.Any]:
        """The provider's JSON description of ``batch`` (what its poll endpoint answers)."""
        raise NotImplementedError

    def list_body(self, rows: list[dict[str, t.Any]]) -> t.Any:
        """The provider's answer to its list-batches endpoint, for ``rows`` newest first."""
        raise NotImplementedError

    def get(self, request: httpx.Request, batch_id: str) -> httpx.Response:
        """Poll: one step of the batch's scripted life, then its description."""
        if (denied := self.gate(request)) is not None:
            return denied
        batch = self.batches.get(batch_id)
        if batch is None:
            return self.not_found("batch")
        self.advance(batch)
        return httpx.Response(200, json=self.batch_object(batch))

    def list_batches(self, request: httpx.Request) -> httpx.Response:
        if (denied := self.gate(request)) is not None:
            return denied
        self.list_pages += 1
        batches = list(reversed(self.batches.values()))  # newest first
        return httpx.Response(200, json=self.list_page(request, batches))

    def list_page(self, request: httpx.Request, batches: list[FakeBatch]) -> t.Any:
        """One page of the batch list (providers that page override this)."""
        return self.list_body([self.batch_object(batch) for batch in batches])

    def page_of(
        self, batches: list[FakeBatch], start: int, limit: str | None
    ) -> tuple[list[dict[str, t.Any]], bool]:
        """``(rows, more)`` of the page starting at ``start`` holding at most ``limit`` rows
        (and never more than ``page_size``)."""
        size = min(int(limit or self.page_size), self.page_size)
        rows = [self.batch_object(batch) for batch in batches[start : start + size]]
        return rows, start + size < len(batches)

    def add_foreign(
        self, count: int, *, requests: int = 3, created_at: int | None = None
    ) -> list[FakeBatch]:
        """``count`` batches created by someone else (another tool, a colleague), newest
        last; they are not counted in ``batches_created``."""
        added = []
        for index in range(count):
            batch = FakeBatch(
                id=self.new_id("foreign_" if self.name != "gemini" else "f"),
                requests=[(f"other-{index}-{n}", {"model": "m"}) for n in range(requests)],
                created_at=created_at if created_at is not None else int(time.time()),
                model="m",
            )
            self.batches[batch.id] = batch
            added.append(batch)
        return added

    # ------------------------------------------------------------------------------ helpers

    def route(self, method: str, path_regex: str) -> _Route:
        route = self.router.route(method=method, host=self.host, path__regex=path_regex)
        return _Route(route, self)

    def take(self, pairs: list[tuple[str, int | str]], request: httpx.Request) -> int | str | None:
        """Use up the first ``(pattern, failure)`` pair matching ``request``."""
        call = f"{request.method} {request.url.raw_path.decode()}"  # the query included
        for index, (pattern, failure) in enumerate(pairs):
            if re.search(pattern, call):
                del pairs[index]
                return failure
        return None

    def failure(self, failure: int | str, request: httpx.Request) -> httpx.Response:
        """Fail ``request`` the way ``failure`` says (raises for network failures)."""
        if failure == "transport":
            raise httpx.ConnectError("emulated connection failure", request=request)
        if failure == "timeout":
            raise httpx.ReadTimeout("emulated read timeout", request=request)
        if failure == "html":
            return httpx.Response(200, text="<html>Service under maintenance</html>")
        if failure == "empty":
            return httpx.Response(200, content=b"")
        return self.server_error(int(failure))

    def gate(self, request: httpx.Request) -> httpx.Response | None:
        """Count the call, play scripted failures, check the key; a response stops the call."""
        self.calls.append(f"{request.method} {request.url.path}")
        failure = self.fail_next.pop(0) if self.fail_next else None
        if failure is None:
            failure = self.take(self.faults, request)
        if failure is not None:
            return self.failure(failure, request)
        if not self.authorized(request):
            return self.auth_error()
        return None

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):04d}{uuid.uuid4().hex[:8]}"

    def register(
        self,
        batch_id: str,
        requests: list[tuple[str, dict[str, t.Any]]],
        *,
        metadata: dict[str, t.Any] | None = None,
        model: str = "",
    ) -> FakeBatch:
        batch = FakeBatch(
            id=batch_id,
            requests=requests,
            created_at=int(time.time()),
            metadata=dict(metadata or {}),
            model=model,
        )
        self.batches[batch_id] = batch
        self.batches_created += 1
        for custom_id, body in requests:
            self.requests_seen.append(custom_id)
            self.bodies[custom_id] = body
        return batch

    def advance(self, batch: FakeBatch) -> None:
        """One poll: the batch finishes on poll number ``polls_until_done`` (once cancelled,
        on poll number ``polls_until_cancelled`` after the cancel)."""
        batch.polls += 1
        self.polls += 1
        if batch.final is None and "cancel_polls" in batch.extra:
            batch.extra["cancel_polls"] += 1
            if batch.extra["cancel_polls"] >= self.polls_until_cancelled:
                self.cancel_now(batch)
        elif batch.final is None and batch.polls >= self.polls_until_done:
            self.finish(batch)

    # ------------------------------------------------------------------------------- cancel

    #: The provider goes from the cancel straight to cancelled (no cancelling status).
    cancels_at_once: t.ClassVar[bool] = False

    def cancel(self, request: httpx.Request, batch_id: str) -> httpx.Response:
        """The cancel call: a running batch starts cancelling, a finished one is refused."""
        if (denied := self.gate(request)) is not None:
            return denied
        batch = self.batches.get(batch_id)
        if batch is None:
            return self.not_found("batch")
        if batch.final is not None:
            return self.cannot_cancel(batch)
        self.cancels += 1
        batch.extra.setdefault("cancel_polls", 0)
        if self.cancels_at_once:
            self.cancel_now(batch)
        return httpx.Response(200, json=self.cancel_answer(batch))

    def cancel_answer(self, batch: FakeBatch) -> t.Any:
        """What the cancel call answers (most providers: the batch, as a poll shows it)."""
        return self.batch_object(batch)

    def cannot_cancel(self, batch: FakeBatch) -> httpx.Response:
        """The refusal of a cancel that came after the batch finished."""
        message = f"batch {batch.id} has status {batch.final} and cannot be cancelled"
        return httpx.Response(400, json={"error": {"message": message}})

    def cancel_now(self, batch: FakeBatch) -> None:
        """The batch ends cancelled: what was answered so far stays answered."""
        answered = self.progress(batch)[0]
        saved = self.outcome, self.succeed_before_end
        self.outcome, self.succeed_before_end = "cancelled", answered
        try:
            self.finish(batch)
        finally:
            self.outcome, self.succeed_before_end = saved

    def cancelling(self, batch: FakeBatch) -> bool:
        """A cancel was accepted and the batch has not ended yet."""
        return batch.final is None and "cancel_polls" in batch.extra

    def finish(self, batch: FakeBatch) -> None:
        batch.final = self.outcome
        if self.outcome == "failed":
            return
        for index, (custom_id, body) in enumerate(batch.requests):
            if self.outcome in ("expired", "cancelled") and index >= self.succeed_before_end:
                batch.outcomes[custom_id] = Outcome(self.outcome)
                continue
            if custom_id in self.errors:
                status, message = _error_spec(self.errors[custom_id])
                batch.outcomes[custom_id] = Outcome("error", status=status, message=message)
                continue
            if custom_id in self.refused:
                batch.outcomes[custom_id] = Outcome("refused", message=REFUSAL)
                continue
            if custom_id in self.malformed_output:
                text = MALFORMED_TEXT
            else:
                text = self.responder(custom_id, body)
            self.texts[custom_id] = text
            batch.outcomes[custom_id] = Outcome("ok", text=text)

    def progress(self, batch: FakeBatch) -> tuple[int, int]:
        """``(succeeded, failed)`` so far: half done while running, all once finished."""
        if batch.final is None:
            return (batch.total // 2 if batch.polls else 0), 0
        done = batch.count("ok") + batch.count("refused")  # a refusal is an answer
        return done, batch.total - done if batch.final != "failed" else 0

    def result_lines(
        self, batch: FakeBatch, lines: list[tuple[str, dict[str, t.Any]]]
    ) -> list[str]:
        """Serialize ``(custom_id, line)`` pairs, breaking the scripted ones."""
        out = []
        for custom_id, line in lines:
            text = json.dumps(line)
            if custom_id in self.broken_lines:
                cut = text.index(json.dumps(custom_id)) + len(json.dumps(custom_id)) + 12
                text = text[:cut]
            out.append(text)
        out.extend("<<not json: emulated junk>>" for _ in range(self.junk_lines))
        return out


class _Route:
    """A respx route whose answers can be lost after the call was carried out."""

    def __init__(self, route: respx.Route, emulator: Emulator) -> None:
        self.route = route
        self.emulator = emulator

    def mock(self, side_effect: Callable[..., httpx.Response]) -> respx.Route:
        emulator = self.emulator

        def call(request: httpx.Request, **kwargs: t.Any) -> httpx.Response:
            where = f"{request.method} {request.url.raw_path.decode()}"
            for pattern, before in emulator.before_call:
                if re.search(pattern, where):
                    before(request)
            response = side_effect(request, **kwargs)
            for pattern, after in emulator.after_call:
                if re.search(pattern, where):
                    after(request, response)
            lost = emulator.take(emulator.lost_answers, request)
            if lost == "cut":
                return httpx.Response(200, content=response.content[: len(response.content) // 2])
            return response if lost is None else emulator.failure(lost, request)

        return self.route.mock(side_effect=call)


def _error_spec(spec: t.Any) -> tuple[int, str]:
    if isinstance(spec, tuple):
        return int(spec[0]), str(spec[1])
    return 400, str(spec)


def tokens(value: t.Any) -> int:
    """A plausible token count for a body or a text."""
    text = value if isinstance(value, str) else json.dumps(value)
    return max(1, len(text) // 4)


def chat_completion(
    model: str, text: str, body: dict[str, t.Any], *, reasoning: str | None = None
) -> dict[str, t.Any]:
    """An OpenAI-style ``chat.completion`` object."""
    reasoning_tokens = tokens(reasoning) if reasoning else 0
    message: dict[str, t.Any] = {"role": "assistant", "content": text, "refusal": None}
    if reasoning:
        message["reasoning"] = reasoning
    completion = tokens(text) + reasoning_tokens
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": tokens(body.get("messages", body)),
            "completion_tokens": completion,
            "total_tokens": tokens(body.get("messages", body)) + completion,
            "completion_tokens_details": {"reasoning_tokens": reasoning_tokens},
        },
        "system_fingerprint": "fp_emulated",
    }


def multipart_fields(request: httpx.Request) -> dict[str, bytes]:
    """The fields of a multipart/form-data request body, by name."""
    content_type = request.headers.get("content-type", "")
    raw = f"Content-Type: {content_type}\r\n\r\n".encode() + request.content
    message = email.parser.BytesParser(policy=email.policy.default).parsebytes(raw)
    fields: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        fields[str(name)] = payload
    return fields


def masked(key: str) -> str:
    """How OpenAI-style APIs echo a wrong key (``tes*********cdef``)."""
    return f"{key[:3]}{'*' * max(3, len(key) - 7)}{key[-4:]}"


def jsonl_lines(content: bytes) -> list[dict[str, t.Any]]:
    return [json.loads(line) for line in content.decode("utf-8").splitlines() if line.strip()]
