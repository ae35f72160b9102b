"""The ``layton`` command: a thin Typer layer over the domain modules.

Errors reach the user here and only here: :class:`LaytonGroup` turns a
:class:`~layton_eval.errors.LaytonError` or a click usage error into one line on stderr and an
exit code (2 for bad usage, 1 for failures). Other exceptions are bugs: one line too, with the
traceback only under ``--debug``.
"""

from __future__ import annotations

import os
import sys
import traceback
import typing as t

import typer
from typer.core import TyperGroup

from layton_eval import __version__
from layton_eval.commands import annotate as annotate_cmd
from layton_eval.commands import batch as batch_cmd
from layton_eval.commands import cancel as cancel_cmd
from layton_eval.commands import compare as compare_cmd
from layton_eval.commands import exchange as exchange_cmd
from layton_eval.commands import judges as judges_cmd
from layton_eval.commands import jury as jury_cmd
from layton_eval.commands import prepare as prepare_cmd
from layton_eval.commands import report as report_cmd
from layton_eval.commands import score as score_cmd
from layton_eval.commands import status as status_cmd
from layton_eval.commands.help import epilog, examples_block, tidy
from layton_eval.errors import LaytonError

__all__ = ["app", "main"]


class LaytonGroup(TyperGroup):
    """Typer group whose errors are one line on stderr and whose help reads well (every
    command's parameters go through :func:`layton_eval.commands.help.tidy`)."""

    def get_params(self, ctx: t.Any) -> list[t.Any]:
        params = super().get_params(ctx)
        tidy(params)
        return params

    def get_command(self, ctx: t.Any, cmd_name: str) -> t.Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            tidy(command.get_params(ctx))
        return command

    def main(  # type: ignore[override]
        self,
        args: t.Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: t.Any,
    ) -> t.Any:
        """Run the command; errors become one line on stderr and an exit code."""
        argv = list(args) if args is not None else sys.argv[1:]
        try:
            code = super().main(
                args=argv,
                prog_name=prog_name,
                complete_var=complete_var,
                standalone_mode=False,
                **extra,
            )
        except (typer.Exit, typer.Abort, typer.TyperException, KeyboardInterrupt, Exception) as exc:
            code = _exit_code(exc, debug="--debug" in argv)
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)


def _exit_code(exc: BaseException, *, debug: bool) -> int:
    """Say what went wrong in one line on stderr; the exit code that goes with it."""
    if isinstance(exc, typer.Exit):
        return exc.exit_code
    if isinstance(exc, typer.Abort):
        _error_line("aborted")
        return 1
    if isinstance(exc, typer.TyperException):  # usage errors: bad option values, missing options
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `layton`: show the help
            sys.stdout.write(exc.format_message() + "\n")
            return 0
        # Typer checks choices through pydantic, whose "Value error, " prefix says nothing
        _error_line(exc.format_message().replace("Value error, ", "") + _usage_hint(exc))
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        _error_line("interrupted")
        return 130
    if debug:
        traceback.print_exc()
    if isinstance(exc, LaytonError):
        _error_line(str(exc))
        return exc.exit_code
    if isinstance(exc, OSError) and exc.filename:  # permissions, full disk, missing file...
        reason = (exc.strerror or str(exc) or type(exc).__name__).lower()
        _error_line(f"{exc.filename}: {reason}")
        return 1
    # a bug: say so, in one line (the traceback is above with --debug)
    hint = "" if debug else " (run with --debug for the traceback)"
    _error_line(f"internal error: {type(exc).__name__}: {exc}{hint}")
    return 1


def _usage_hint(exc: typer.TyperException) -> str:
    ctx = getattr(exc, "ctx", None)
    if exc.exit_code == 2 and ctx is not None:
        return f" (see '{ctx.command_path} --help')"
    return ""


def _error_line(message: str) -> None:
    from layton_eval.console import clean  # a message may quote a file: no terminal escape

    one_line = " ".join(clean(message).split())
    sys.stderr.write(f"Error: {one_line}\n")
    sys.stderr.flush()


app = typer.Typer(
    cls=LaytonGroup,
    name="layton",
    help="Evaluate an LLM or VLM on layton-eval through the providers' Batch APIs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=examples_block(
        [
            "layton prepare --split llm --hints 2 --dataset sample --limit 3 --name trial",
            "layton send trial --provider openai --model gpt-5-mini --dry-run",
            "layton status --all",
        ]
    ),
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"layton {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: t.Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
    debug: t.Annotated[
        bool, typer.Option("--debug", help="Show tracebacks of unexpected errors.")
    ] = False,
    verbose: t.Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="One line per HTTP call on stderr: method, host, path, status, time, and the "
            "wait before a retry (keys and tokens are never shown).",
        ),
    ] = False,
) -> None:
    """Evaluate an LLM or VLM on layton-eval through the providers' Batch APIs.

    Typical flow: prepare -> send -> status -> fetch -> jury -> fetch -> score.
    """
    if verbose:
        from layton_eval.batches._calls import log_calls

        log_calls(_stderr_line)
    elif "layton_eval.batches._calls" in sys.modules:  # an earlier run in this process (tests)
        sys.modules["layton_eval.batches._calls"].log_calls(None)


def _stderr_line(line: str) -> None:
    from layton_eval.console import clean

    sys.stderr.write(clean(line) + "\n")
    sys.stderr.flush()


def _command(name: str, function: t.Callable[..., t.Any]) -> None:
    """Add a command; its examples (see :func:`layton_eval.commands.help.examples`) close its
    help."""
    app.command(name, epilog=epilog(function))(function)


_command("prepare", prepare_cmd.prepare)
_command("send", batch_cmd.send)
_command("status", status_cmd.status)
_command("fetch", batch_cmd.fetch)
_command("cancel", cancel_cmd.cancel)
_command("import", exchange_cmd.import_)
_command("export", exchange_cmd.export)
_command("jury", jury_cmd.jury)
_command("score", score_cmd.score)
_command("leaderboard", score_cmd.leaderboard)
_command("compare", compare_cmd.compare)
_command("judges", judges_cmd.judges)
_command("report", report_cmd.report)
_command("annotate", annotate_cmd.annotate)


#: Thread counts of the BLAS libraries numpy may be built with. layton's arrays are small (at
#: most the bootstrap iterations times a few hundred riddles): a second BLAS thread never
#: shortens a command, it spins, and doubled the CPU time of the report's comparison matrix.
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread() -> None:
    """One BLAS thread unless the environment asks otherwise; takes effect only before numpy
    is imported (no command imports it before :func:`main` calls this)."""
    for name in BLAS_THREADS:
        os.environ.setdefault(name, "1")


def main() -> None:
    """Console-script entry point."""
    one_blas_thread()
    app()
