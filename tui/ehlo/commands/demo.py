"""`ehlo demo`: the app connected to the built-in sandbox, nothing else needed.

The sandbox runs in a child process (`ehlo sandbox` on a free port), started before the app is
imported, so both start at once on separate cores; the child stops when the app exits.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import textwrap
from collections.abc import Callable, Iterator
from typing import Any

import click

from ehlo.sandbox import (
    DEMO_MAILBOXES,
    DEMO_PASSWORD,
    DEMO_SENDER,
    DEMO_USER,
    SCENARIO_NAMES,
)
from ehlo.sandbox.child import SandboxProcess, SandboxStartError

EPILOG = "\b\nScenarios (`ehlo sandbox --list` says what each does):\n" + "\n".join(
    textwrap.wrap(
        ", ".join(SCENARIO_NAMES),
        74,
        initial_indent="  ",
        subsequent_indent="  ",
        break_on_hyphens=False,
    )
)


def app_available() -> bool:
    """Whether this build has the app (checked without importing Textual)."""
    try:
        return importlib.util.find_spec("ehlo.app.app") is not None
    except ImportError:
        return False


class AppUnavailableError(ImportError):
    """The app is not in this build, or could not be imported."""


def app_factory() -> Callable[..., Any]:
    """The app's make_app.

    Raises:
        AppUnavailableError: the app is missing or fails to import (the message says why).
    """
    try:
        module = importlib.import_module("ehlo.app.app")
    except ImportError as error:
        raise AppUnavailableError(f"The app could not be loaded ({error}).") from error
    make_app: object = getattr(module, "make_app", None)
    if not callable(make_app):
        raise AppUnavailableError("The app is not available in this build.")
    return make_app


@contextlib.contextmanager
def demo_session(scenario: str = "happy") -> Iterator[tuple[SandboxProcess, Any]]:
    """A sandbox child process on a free loopback port, and the app made to connect to it.

    Raises:
        SandboxStartError: the sandbox did not start (the message says why).
        AppUnavailableError: the app is missing or fails to import.
    """
    with SandboxProcess(scenario) as sandbox:
        make_app = app_factory()  # imports Textual while the child starts
        app = make_app(
            target=sandbox.address,
            sender=DEMO_SENDER,
            recipient=DEMO_MAILBOXES[0],
            username=DEMO_USER,
            password=DEMO_PASSWORD,
            tls_mode="starttls",
            verify="report",
            autoconnect=True,
        )
        yield sandbox, app


@click.command("demo", epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--scenario",
    type=click.Choice(SCENARIO_NAMES),
    default="happy",
    show_default=True,
    metavar="NAME",
    help="The sandbox scenario to play (see below).",
)
def demo(scenario: str) -> int:
    """Open the app connected to the built-in sandbox on a free loopback port."""
    if not app_available():
        return _without_app("The app is not available in this build.", scenario)
    try:
        with demo_session(scenario) as (_sandbox, app):
            app.run()
    except SandboxStartError as error:
        raise click.ClickException(str(error)) from None
    except AppUnavailableError as error:
        return _without_app(str(error), scenario)
    return 0


def _without_app(reason: str, scenario: str) -> int:
    """Say why there is no app and how to use the sandbox without it; the exit status."""
    from ehlo.commands.sandbox import check_example

    click.echo(
        f"{reason} Run the sandbox and try `ehlo check`:\n"
        f"  ehlo sandbox --scenario {scenario}\n"
        f"  {check_example('127.0.0.1:2525')}",
        err=True,
    )
    return 1
