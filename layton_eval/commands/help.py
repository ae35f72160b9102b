"""How every command's ``--help`` reads: readable metavars, no type on flags, examples last.

Applied once, to every command of the app (:class:`layton_eval.cli.LaytonGroup` calls
:func:`tidy` on each command's parameters as it hands the command out), so an option added
later gets it without asking:

- a flag shows no value (``--force``, never ``--force <bool>``);
- an option without an explicit ``metavar`` shows one made from its type and name: ``N`` for
  whole numbers, ``NUMBER`` for other numbers, ``DIR`` or ``FILE`` for paths, the choices
  (``llm|vlm``) for an enum with short choices, else its own name (``--model`` -> ``MODEL``,
  ``--field`` -> ``FIELD``, its choices then listed at the end of its help);
- an argument shows its name only (``RUN``), not its type;
- the examples given with :func:`examples` close the help.

Cheap to import: shell completion goes through here.
"""

from __future__ import annotations

import typing as t

from typer.core import TyperArgument, TyperOption

__all__ = ["epilog", "examples", "tidy"]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])
_EXAMPLES = "__layton_examples__"
#: Longest list of choices shown as the metavar (``llm|vlm``); longer ones show the option's
#: name and leave the choices to the help text.
_SHORT = 12
#: Longest example: ``$ `` and the help's margins fit it in 80 columns.
_LONGEST = 76


def examples(*commands: str) -> t.Callable[[F], F]:
    """Attach 2-4 example command lines (``layton ...``) to a command function; they close its
    ``--help``, one line each at 80 columns."""
    if not 2 <= len(commands) <= 4:
        raise ValueError("a command's help shows 2 to 4 examples")
    too_long = [command for command in commands if len(command) > _LONGEST]
    if too_long:
        raise ValueError(f"examples over {_LONGEST} characters wrap at 80 columns: {too_long}")

    def mark(function: F) -> F:
        setattr(function, _EXAMPLES, commands)
        return function

    return mark


def example_lines(function: t.Callable[..., t.Any]) -> tuple[str, ...]:
    """The examples attached to ``function`` (empty when none)."""
    return tuple(getattr(function, _EXAMPLES, ()))


def epilog(function: t.Callable[..., t.Any]) -> str | None:
    """The ``Examples:`` block of ``function``'s help (Rich markup, brackets escaped)."""
    return examples_block(example_lines(function))


def examples_block(lines: t.Sequence[str]) -> str | None:
    """``lines`` as the ``Examples:`` block that closes a help (``None`` when empty)."""
    if not lines:
        return None
    shown = "\n".join(f"  $ {line}" for line in lines).replace("[", r"\[")
    return f"[bold]Examples:[/bold]\n{shown}"


class _Argument(TyperArgument):
    """An argument whose help shows its name (``RUN``) and no type."""

    def display_type_rich(self, ctx: t.Any) -> str | None:
        return None


def _metavar(option: TyperOption) -> str:
    """A readable placeholder for an option's value, from its type and name."""
    desc = option.type_descriptor
    words = (option.name or "value").split("_")
    if desc.choices:
        choices = "|".join(str(getattr(c, "value", c)) for c in desc.choices)
        return choices if len(choices) <= _SHORT else words[-1].upper()
    if desc.is_path:
        return "DIR" if (option.name or "").endswith("dir") else "FILE"
    annotation: t.Any = desc.annotation
    if t.get_origin(annotation) is list:
        (annotation,) = t.get_args(annotation)
    if annotation is int:
        return "N"
    if annotation is float:
        return "NUMBER"
    return words[-1].upper()


def tidy(params: t.Iterable[t.Any]) -> None:
    """Give ``params`` (a command's, its help option included) the readable help described
    above (idempotent)."""
    for param in params:
        if isinstance(param, TyperArgument):
            if param.metavar is None:
                param.metavar = (param.name or "value").upper()
            param.__class__ = _Argument
        elif isinstance(param, TyperOption):
            if param.is_flag:
                param.metavar = ""
            else:
                if param.metavar is None:
                    param.metavar = _metavar(param)
                _name_choices(param)


def _name_choices(option: TyperOption) -> None:
    """Choices too long for the metavar are listed at the end of the option's help."""
    choices = [str(getattr(c, "value", c)) for c in option.type_descriptor.choices or ()]
    if choices and option.metavar != "|".join(choices) and "Choices:" not in (option.help or ""):
        option.help = f"{option.help or ''} Choices: {', '.join(choices)}.".strip()
