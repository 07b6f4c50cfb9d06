"""The `ehlo` command: the TUI launcher and the scriptable commands.

Subcommands live in `ehlo.commands.*` and are imported only when invoked, so that
`ehlo --help` and the scriptable commands start fast and never import Textual. `ehlo --help`
itself is rendered without importing click (see `fast_help`), and a scriptable command run as
a process skips the interpreter's teardown once its output is flushed.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from typing import TYPE_CHECKING, Any

from ehlo import __version__

if TYPE_CHECKING:
    import click

# name -> (module, attribute, one-line help). The help is here so `ehlo --help` imports nothing.
SUBCOMMANDS: dict[str, tuple[str, str, str]] = {
    "check": ("ehlo.commands.check", "check", "Run one SMTP transaction and explain every reply."),
    "explain": ("ehlo.commands.explain", "explain", "Explain a server reply or a log line."),
    "codes": ("ehlo.commands.codes", "codes", "Browse and search the SMTP reply code table."),
    "audit": ("ehlo.commands.audit", "audit", "Check a domain's DNS: MX, SPF, DMARC, DKIM, ..."),
    "sandbox": (
        "ehlo.commands.sandbox",
        "sandbox",
        "Run the built-in SMTP server with a scenario.",
    ),
    "demo": ("ehlo.commands.demo", "demo", "Open the app connected to the built-in sandbox."),
}

# Commands that print and exit; the app and the sandbox run until the user stops them.
SCRIPTABLE = frozenset({"check", "explain", "codes", "audit"})

EXIT_USAGE = 64
EXIT_INTERRUPTED = 130

USAGE = "Usage: ehlo [TARGET] [OPTIONS] [COMMAND] [ARGS]..."
DESCRIPTION = """ehlo: a terminal debugger for SMTP mail delivery.

Run `ehlo` or `ehlo TARGET` (host, host:port, [ipv6]:port or @domain) to open the app;
`ehlo demo` opens it on the built-in sandbox. The commands below work without the app;
`ehlo COMMAND --help` explains each one."""
EPILOG = """\b
Examples:
  ehlo mx.example.com:587           # open the app on a server
  ehlo check mx.example.com --from me@example.org --to you@example.com
  ehlo explain '550 5.7.26 Unauthenticated email is not accepted'
  ehlo audit example.com --ip 192.0.2.1"""
OPTION_ROWS = (
    ("--version", "Show the version and exit."),
    ("-h, --help", "Show this message and exit."),
)
HELP_WIDTH = 78  # click's width on any terminal of 80 columns or more


def _available(name: str) -> bool:
    """Whether the subcommand's module exists in this build."""
    module = SUBCOMMANDS[name][0]
    package_dir = os.path.dirname(os.path.abspath(__file__))
    relative = module.split(".", 1)[1].replace(".", os.sep)
    if os.path.exists(os.path.join(package_dir, relative + ".py")):
        return True
    import importlib.util

    return importlib.util.find_spec(module) is not None


def available_commands() -> list[str]:
    """The subcommands of this build, in help order."""
    return [name for name in SUBCOMMANDS if _available(name)]


def fast_help() -> str | None:
    """`ehlo --help` without importing click; None when the terminal is too narrow for it.

    On terminals of 80 columns or more click always formats at 78 columns, which this
    reproduces (a test compares the two); narrower terminals get click's own rendering.
    """
    import shutil

    if shutil.get_terminal_size().columns < HELP_WIDTH + 2:
        return None
    import textwrap

    def paragraphs(text: str) -> str:
        rendered = []
        for block in text.split("\n\n"):
            if block.startswith("\b\n"):
                rendered.append(textwrap.indent(block[2:], "  "))
            else:
                rendered.append(
                    textwrap.fill(
                        " ".join(block.split()),
                        HELP_WIDTH,
                        initial_indent="  ",
                        subsequent_indent="  ",
                    )
                )
        return "\n\n".join(rendered)

    def rows(entries: list[tuple[str, str]]) -> list[str]:
        first_column = min(max(len(term) for term, _ in entries), 30) + 2
        lines = []
        for term, text in entries:
            wrapped = textwrap.wrap(text, HELP_WIDTH - first_column - 2) or [""]
            lines.append(f"  {term:<{first_column}}{wrapped[0]}".rstrip())
            lines += [" " * (first_column + 2) + line for line in wrapped[1:]]
        return lines

    commands = [(name, SUBCOMMANDS[name][2]) for name in available_commands()]
    parts = [USAGE, "", paragraphs(DESCRIPTION), "", "Options:", *rows(list(OPTION_ROWS))]
    if commands:
        parts += ["", "Commands:", *rows(commands)]
    parts += ["", paragraphs(EPILOG)]
    return "\n".join(parts) + "\n"


@cache
def _group() -> click.Group:
    """The click group (built on first use so that `ehlo --help` need not import click)."""
    import importlib

    import click

    class LazyGroup(click.Group):
        """A click group whose subcommands are imported on first use."""

        def list_commands(self, ctx: click.Context) -> list[str]:
            return available_commands()

        def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
            entry = SUBCOMMANDS.get(cmd_name)
            if entry is None or not _available(cmd_name):
                return None
            module = importlib.import_module(entry[0])
            command: click.Command = getattr(module, entry[1])
            return command

        def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
            # A first word that is not a subcommand is the TUI's TARGET (`ehlo mx.example.com:587`).
            if args and not args[0].startswith("-") and args[0] not in SUBCOMMANDS:
                ctx.meta["ehlo.target"] = args[0]
                args = args[1:]
                if args and not all(a.startswith("-") for a in args):
                    raise click.UsageError(f"unexpected arguments after TARGET: {' '.join(args)}")
            return super().parse_args(ctx, args)

        def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
            rows = [(name, SUBCOMMANDS[name][2]) for name in self.list_commands(ctx)]
            if rows:
                with formatter.section("Commands"):
                    formatter.write_dl(rows)

    @click.group(
        cls=LazyGroup,
        help=DESCRIPTION,
        epilog=EPILOG,
        options_metavar="[TARGET] [OPTIONS]",
        invoke_without_command=True,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    @click.version_option(__version__, prog_name="ehlo")
    @click.pass_context
    def cli(ctx: click.Context) -> None:
        if ctx.invoked_subcommand is not None:
            return
        target: str | None = ctx.meta.get("ehlo.target")
        launch = importlib.import_module("ehlo.commands.launch")
        launch.run_app(target)

    return cli


def __getattr__(name: str) -> Any:
    if name == "cli":  # `from ehlo.cli import cli` keeps working
        return _group()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _exit_code(argv: list[str] | None) -> int:
    """Run the command line; the exit status (usage errors are 64)."""
    import click

    try:
        result = _group().main(args=argv, prog_name="ehlo", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_INTERRUPTED
    except click.UsageError as exc:
        exc.show()
        return EXIT_USAGE
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("ehlo: interrupted\n")
        return EXIT_INTERRUPTED
    return result if isinstance(result, int) else 0


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `ehlo` console script; exits with the command's status.

    Run as a process (`argv` None) a scriptable command exits without the interpreter's
    teardown, which costs more than the work of a quick check; callers passing `argv` get a
    plain SystemExit.
    """
    words = sys.argv[1:] if argv is None else argv
    if words in (["--help"], ["-h"]):
        text = fast_help()
        if text is not None:
            sys.stdout.write(text)
            _finish(0, quick=argv is None)
    quick = argv is None and bool(words) and words[0] in SCRIPTABLE
    if quick:
        import gc

        gc.disable()  # a short-lived process: reference counting frees what it must
    _finish(_exit_code(argv), quick=quick)


def _finish(code: int, quick: bool) -> None:
    """Exit with code; quickly (no teardown) once the output is flushed, when asked."""
    if quick:
        import contextlib

        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # the reader went away
                stream.flush()
        os._exit(code)
    sys.exit(code)
