"""Arbitrary client bytes never break the sandbox: it answers or hangs up, and keeps serving."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ehlo.sandbox import DEMO_MAILBOXES, DEMO_SENDER, Sandbox, SandboxOptions
from tests.functional.sandbox.rawclient import RawClient

COMMAND_WORDS = [b"EHLO x", b"HELO x", b"MAIL FROM:", b"RCPT TO:", b"DATA", b"AUTH ", b"STARTTLS"]
PIECES = st.one_of(
    st.binary(max_size=300),
    st.sampled_from(COMMAND_WORDS),
    st.sampled_from([b"\r\n", b"\n", b"\r", b"\x00", b"\xff", b".\r\n", b"*\r\n"]),
)


@pytest.fixture(scope="module")
def shared_sandbox() -> Iterator[Sandbox]:
    options = SandboxOptions(idle_timeout=10)
    with Sandbox("happy", options=options).running_in_thread() as sandbox:
        yield sandbox


def still_serves(sandbox: Sandbox) -> None:
    client = RawClient(sandbox.host, sandbox.port, timeout=10)
    assert client.reply().startswith(b"220 ")
    assert client.command("EHLO check.client.test").startswith(b"250-")
    assert client.command(f"MAIL FROM:<{DEMO_SENDER}>") == b"250 2.1.0 Ok\r\n"
    assert client.command(f"RCPT TO:<{DEMO_MAILBOXES[0]}>") == b"250 2.1.5 Ok\r\n"
    client.command("QUIT")
    client.close()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(PIECES, max_size=20))
def test_random_bytes_then_a_good_client(shared_sandbox: Sandbox, pieces: list[bytes]) -> None:
    with socket.create_connection((shared_sandbox.host, shared_sandbox.port), timeout=10) as rude:
        rude.recv(4096)
        try:
            rude.sendall(b"".join(pieces) + b"\r\nQUIT\r\n")
            rude.settimeout(2)
            while rude.recv(65536):
                pass
        except (TimeoutError, ConnectionError):
            pass
    still_serves(shared_sandbox)
