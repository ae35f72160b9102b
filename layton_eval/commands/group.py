"""The group paths of the commands: ``send``, ``status``, ``fetch``, ``jury`` and ``score``
given a group name (or a glob of run names) act on each of its runs, with one card.

Each function takes the :class:`~layton_eval.commands.runs.Selection` the command found, calls
one domain function and hands the result to a card or to ``--json``, like the commands
themselves.
"""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    from layton_eval.batches.send import SendOptions
    from layton_eval.commands.runs import Selection
    from layton_eval.jury.send import JuryOptions
    from layton_eval.pricing import UserPrice
    from layton_eval.score.score import ScoreOptions

__all__ = [
    "fetch_group",
    "jury_group",
    "reconcile_group",
    "score_group",
    "send_group",
    "status_group",
]

#: ``(interval, timeout)`` of ``--wait``, or ``None`` when not waiting.
Wait = tuple[float, float | None] | None


def _group(found: Selection) -> str:
    assert found.group is not None
    return found.group


def _warn_unlisted(providers: t.Iterable[str]) -> None:
    """Name, once each, the providers that cannot list batches (before anything is sent)."""
    from layton_eval.cards.confirm import no_listing_warning
    from layton_eval.console import err_console
    from layton_eval.providers import get_provider

    for provider in dict.fromkeys(providers):
        if not get_provider(provider).supports_listing:
            err_console().print(f"Warning: {no_listing_warning(provider)}")


def send_group(
    found: Selection, options: SendOptions, *, dry_run: bool, ask: bool, json_: bool, wait: Wait
) -> None:
    """``send GROUP``: one confirmation (with the total estimated cost), then each run."""
    from layton_eval.batches.group import send_group as send

    group, settings = _group(found), found.settings
    if not dry_run:
        from layton_eval.batches.send import refuse_over_limit

        plan = send(group, found.runs, options, settings=settings, dry_run=True)
        estimate, what = plan.estimated_cost_usd, f"group {group}"
        refuse_over_limit(estimate, options.max_cost, settings, what)  # before asking
        if ask and plan.sends:
            from layton_eval.cards.group import send_group_confirm_card
            from layton_eval.commands.options import confirm_spending

            question = f"Submit {plan.requests:,} requests in {len(plan.sends)} runs?"
            confirm_spending(send_group_confirm_card(plan), question)
        elif not ask:
            _warn_unlisted(s.plan.provider for s in plan.sends)
    from layton_eval.cards.group import send_group_card

    result = send(group, found.runs, options, settings=settings, dry_run=dry_run)
    _sent(found, result, send_group_card, json_=json_, wait=None if dry_run else wait)


def _sent[R](
    found: Selection,
    result: R,
    card: t.Callable[[R], t.Any],
    *,
    json_: bool,
    wait: Wait,
) -> None:
    """What a group's send or jury did: its card (or ``--json``, unless the group is waited
    for and fetched, whose document then stands for both), then the wait."""
    from layton_eval.console import emit_json, show

    if json_ and wait is None:
        emit_json(result)
        return
    if not json_:
        show(card(result))
    if wait is not None:
        _wait_then_fetch(found, wait, json_=json_)


def _wait_then_fetch(found: Selection, wait: tuple[float, float | None], *, json_: bool) -> None:
    """Poll the group until no batch is out (or the timeout), then fetch it."""
    from rich.live import Live

    from layton_eval.batches.group import watch_group
    from layton_eval.cards.group import status_group_card
    from layton_eval.commands.options import ctrl_c_note
    from layton_eval.console import err_console

    interval, timeout = wait
    with (
        ctrl_c_note(_group(found)),
        Live(console=err_console(), transient=True, auto_refresh=False) as live,
    ):
        watch_group(
            _group(found),
            found.runs,
            settings=found.settings,
            interval=interval,
            timeout=timeout,
            on_poll=lambda s: live.update(status_group_card(s), refresh=True),
        )
    fetch_group(found, json_=json_)


def status_group(
    found: Selection, *, watch: float | None, timeout: float | None, json_: bool
) -> None:
    """``status GROUP``: one table, each run and its judges polled once (or until done)."""
    from layton_eval.batches.group import GroupStatus, poll_group, watch_group
    from layton_eval.cards.group import status_group_card
    from layton_eval.console import emit_json, show

    group, settings = _group(found), found.settings
    if watch is None:
        result = poll_group(group, found.runs, settings=settings)
    else:
        from rich.live import Live

        from layton_eval.commands.options import ctrl_c_note
        from layton_eval.console import err_console, out_console

        last: list[GroupStatus] = []

        def on_poll(status: GroupStatus) -> None:
            last[:] = [status]
            live.update(status_group_card(status), refresh=True)

        console = err_console() if json_ else out_console()
        with (
            ctrl_c_note(group),
            Live(console=console, auto_refresh=False, transient=True) as live,
        ):
            result = watch_group(
                group,
                found.runs,
                settings=settings,
                interval=watch,
                timeout=timeout,
                on_poll=on_poll,
            )
    if json_:
        emit_json(result)
    else:
        show(status_group_card(result))


def reconcile_group(
    found: Selection, *, adopt: str | None, none_created: bool, json_: bool
) -> None:
    """``status GROUP --reconcile``: every run of the group interrupted while submitting."""
    from layton_eval.batches.reconcile import ReconcileChoice, reconcile_family
    from layton_eval.console import emit_json, show
    from layton_eval.errors import RunError
    from layton_eval.runs.manifest import RunState
    from layton_eval.runs.store import RunStore

    interrupted = [
        run
        for run in found.runs
        if any(m.manifest.derived_state() is RunState.submitting for m in run.family())
    ]
    if not interrupted:
        raise RunError(f"no run of group {_group(found)} was interrupted while submitting")
    choice = ReconcileChoice(adopt=adopt, none_created=none_created)
    results = []
    for run in interrupted:
        recorded = RunStore(found.settings.runs_dir).recorded_batch_ids()
        results += reconcile_family(
            run.family(), settings=found.settings, recorded=recorded, choice=choice
        )
    if json_:
        emit_json(results)
        return
    from layton_eval.cards.reconcile import reconcile_card

    for result in results:
        show(reconcile_card(result))


def fetch_group(found: Selection, *, json_: bool, price: UserPrice | None = None) -> None:
    """``fetch GROUP``: what is ready in each run, one table, and what the group cost."""
    from layton_eval.console import emit_json, show
    from layton_eval.errors import UsageError
    from layton_eval.family import fetch_group as fetch

    if price is not None:
        raise UsageError("--price-in/--price-out price one run: name the run, not a group")
    result = fetch(_group(found), found.runs, settings=found.settings)
    if json_:
        emit_json(result)
        return
    from layton_eval.cards.group import fetch_group_card

    show(fetch_group_card(result))


def jury_group(
    found: Selection, options: JuryOptions, *, dry_run: bool, ask: bool, json_: bool, wait: Wait
) -> None:
    """``jury GROUP``: one confirmation (with the total estimated cost), then each run."""
    from layton_eval.jury.group import start_group_jury

    group, settings = _group(found), found.settings
    if ask and not dry_run:
        from layton_eval.batches.send import refuse_over_limit

        plan = start_group_jury(group, found.runs, options, settings=settings, dry_run=True)
        what = f"the juries of group {group}"
        refuse_over_limit(plan.estimated_cost_usd, options.max_cost, settings, what)
        if plan.juries:
            from layton_eval.cards.group import jury_group_confirm_card
            from layton_eval.commands.options import confirm_spending

            question = f"Submit {plan.requests:,} judge requests for {len(plan.juries)} runs?"
            confirm_spending(jury_group_confirm_card(plan), question)
    from layton_eval.cards.group import jury_group_card

    result = start_group_jury(group, found.runs, options, settings=settings, dry_run=dry_run)
    _sent(found, result, jury_group_card, json_=json_, wait=None if dry_run else wait)


def score_group(found: Selection, options: ScoreOptions, *, json_: bool) -> None:
    """``score GROUP``: each judged run's score (kept as its ``score.json``), one table and
    the hint curve of each model."""
    from layton_eval.console import emit_json, show
    from layton_eval.runs import layout
    from layton_eval.score.curve import score_group as score

    result = score(_group(found), found.runs, options)
    by_name = {run.name: run for run in found.runs}
    for scored in result.runs:
        run = by_name[scored.run]
        with run.lock():
            run.write_bytes(layout.SCORE, scored.result.model_dump_json(indent=2).encode())
    if json_:
        emit_json(result)
        return
    from layton_eval.cards.curve import score_group_card

    show(score_group_card(result))
