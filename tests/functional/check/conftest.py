"""Running `ehlo check` in tests, an aiosmtpd server that keeps what it receives, and the
private Postfix fixture."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

from tests.conftest import ehlo_env
from tests.fixtures.nsd import free_port
from tests.fixtures.postfix import PostfixServer, postfix_server  # noqa: F401
from tests.functional.sandbox.conftest import start_sandbox  # noqa: F401

TIMEOUT = 60


@dataclass(frozen=True)
class Run:
    """One finished `ehlo check` process."""

    code: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, object]:
        document: dict[str, object] = json.loads(self.stdout)
        return document

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_check(*args: str, stdin: str | None = None, cwd: str | None = None, **env: str) -> Run:
    """Run `python -m ehlo check ARGS` from this checkout, stdin not a terminal."""
    completed = subprocess.run(
        [sys.executable, "-m", "ehlo", "check", *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=ehlo_env(**env),
        cwd=cwd,
        check=False,
    )
    return Run(completed.returncode, completed.stdout, completed.stderr)


class Collector:
    """Keeps every envelope it accepts."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 2.0.0 kept"


@contextlib.contextmanager
def collecting_server(
    host: str = "127.0.0.1", port: int | None = None, *, smtputf8: bool = False
) -> Iterator[tuple[str, Collector]]:
    """aiosmtpd on a loopback HOST (a free port unless given), offering SMTPUTF8 when asked.

    Yields the `ehlo check` target for it and the collector of what it receives.
    """
    handler = Collector()
    port = free_port() if port is None else port
    controller = Controller(handler, hostname=host, port=port, enable_SMTPUTF8=smtputf8)
    controller.start()
    try:
        yield (f"[{host}]:{port}" if ":" in host else f"{host}:{port}"), handler
    finally:
        controller.stop()


@pytest.fixture
def postfix(postfix_server: PostfixServer) -> PostfixServer:  # noqa: F811
    """The worker's private Postfix."""
    return postfix_server
