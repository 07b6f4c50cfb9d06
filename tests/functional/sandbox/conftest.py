"""Fixtures: sandboxes running in a background thread with test-sized timings."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from ehlo.sandbox import Sandbox, SandboxOptions

FAST = SandboxOptions(
    greylist_delay=0.5,
    tarpit_banner_delay=30.0,
    tarpit_reply_delay=30.0,
    idle_timeout=30.0,
)

StartSandbox = Callable[..., Sandbox]


@pytest.fixture
def start_sandbox() -> Iterator[StartSandbox]:
    """Start sandboxes (scenario, **kwargs) that stop at the end of the test."""
    with ExitStack() as stack:

        def start(scenario: str = "happy", **kwargs: object) -> Sandbox:
            kwargs.setdefault("options", FAST)
            sandbox = Sandbox(scenario, **kwargs)  # type: ignore[arg-type]
            return stack.enter_context(sandbox.running_in_thread())

        yield start


def insecure_context() -> ssl.SSLContext:
    """A client TLS context that accepts the sandbox's self-signed certificate."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def smtp_client(sandbox: Sandbox, *, starttls: bool = True) -> smtplib.SMTP:
    """An smtplib client connected to SANDBOX, after EHLO (and STARTTLS + EHLO)."""
    client = smtplib.SMTP(sandbox.host, sandbox.port, local_hostname="client.test", timeout=10)
    client.ehlo()
    if starttls:
        client.starttls(context=insecure_context())
        client.ehlo()
    return client
