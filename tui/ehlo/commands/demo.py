"""`ehlo demo`: the app connected to the built-in sandbox, nothing else needed."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Iterator
from typing import Any

import click

from ehlo.commands.sandbox import check_example, silence_server_logs
from ehlo.sandbox import (
    DEMO_MAILBOXES,
    DEMO_PASSWORD,
    DEMO_SENDER,
    DEMO_USER,
    SCENARIOS,
    Sandbox,
    SandboxOptions,
)


def app_factory() -> Callable[..., Any] | None:
    """The app's make_app, or None when the app is not in this build."""
    try:
        module = importlib.import_module("ehlo.app.app")
    except ImportError:
        return None
    make_app = getattr(module, "make_app", None)
    return make_app if callable(make_app) else None


@contextlib.contextmanager
def demo_session(
    make_app: Callable[..., Any], scenario: str, options: SandboxOptions | None = None
) -> Iterator[tuple[Sandbox, Any]]:
    """A sandbox on a free loopback port, and the app made to connect to it."""
    sandbox = Sandbox(scenario, host="127.0.0.1", port=0, options=options)
    with sandbox.running_in_thread():
        app = make_app(
            target=f"127.0.0.1:{sandbox.port}",
            sender=DEMO_SENDER,
            recipient=DEMO_MAILBOXES[0],
            username=DEMO_USER,
            password=DEMO_PASSWORD,
            tls_mode="starttls",
            verify="report",
            autoconnect=True,
        )
        yield sandbox, app


@click.command("demo", context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--scenario",
    type=click.Choice(list(SCENARIOS)),
    default="happy",
    show_default=True,
    metavar="NAME",
    help="The sandbox scenario to play (see `ehlo sandbox --list`).",
)
def demo(scenario: str) -> int:
    """Open the app connected to the built-in sandbox on a free loopback port."""
    make_app = app_factory()
    if make_app is None:
        click.echo(
            "The app is not available in this build. Run the sandbox and try `ehlo check`:\n"
            f"  ehlo sandbox --scenario {scenario}\n"
            f"  {check_example('127.0.0.1:2525')}",
            err=True,
        )
        return 1
    silence_server_logs()
    with demo_session(make_app, scenario) as (_sandbox, app):
        app.run()
    return 0
