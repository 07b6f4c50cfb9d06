"""The `ehlo` command: the TUI launcher and the scriptable commands.

Subcommands live in `ehlo.commands.*` and are imported only when invoked, so that
`ehlo --help` and the scriptable commands start fast and never import Textual.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Any

import click

from ehlo import __version__

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

EXIT_USAGE = 64


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in SUBCOMMANDS if _available(name)]

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


def _available(name: str) -> bool:
    """Whether the subcommand's module exists in this build."""
    return importlib.util.find_spec(SUBCOMMANDS[name][0]) is not None


@click.group(
    cls=LazyGroup,
    options_metavar="[TARGET] [OPTIONS]",
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="ehlo")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """ehlo: a terminal debugger for SMTP mail delivery.

    Run `ehlo` or `ehlo TARGET` (host, host:port, [ipv6]:port or @domain) to open the app;
    `ehlo demo` opens it on the built-in sandbox. The commands below work without the app.
    """
    if ctx.invoked_subcommand is not None:
        return
    target: str | None = ctx.meta.get("ehlo.target")
    launch = importlib.import_module("ehlo.commands.launch")
    launch.run_app(target)


def main(argv: list[str] | None = None) -> Any:
    """Entry point of the `ehlo` console script; usage errors exit with 64."""
    try:
        result = cli.main(args=argv, prog_name="ehlo", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.UsageError as exc:
        exc.show()
        sys.exit(EXIT_USAGE)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    if isinstance(result, int):
        sys.exit(result)
    return result
