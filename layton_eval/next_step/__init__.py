"""The next command: what a user should type after each step, decided in one place.

Every card's ``Next:`` line, every ``next_command`` of ``--json`` and every "wrong state"
refusal's fix comes from this package, given the step that just ran (or was refused) and the facts
about the run family (the evaluated run and its judge child runs); the fix any other error names
comes from :mod:`~layton_eval.next_step.fixes`. Nothing else in the package spells a command to
type. Each suggestion is a whole command that works when typed: a judge child
run is named by its parent run (the only name the commands accept), and a dry run's suggestion
carries the options the dry run was given.
"""

from layton_eval.next_step.facts import EXAMPLE_TARGET, LOCAL_PROVIDER, Facts, Step, family_facts
from layton_eval.next_step.refusals import ensure_ready, refusal
from layton_eval.next_step.rules import (
    after_listing,
    again,
    first_command,
    group_next,
    next_command,
    sent_next,
)

__all__ = [
    "EXAMPLE_TARGET",
    "LOCAL_PROVIDER",
    "Facts",
    "Step",
    "after_listing",
    "again",
    "ensure_ready",
    "family_facts",
    "first_command",
    "group_next",
    "next_command",
    "refusal",
    "sent_next",
]
