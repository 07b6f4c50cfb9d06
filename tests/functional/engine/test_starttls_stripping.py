"""A path that removes or refuses STARTTLS gets no credentials and no quiet plaintext delivery."""

from __future__ import annotations

import asyncio

import pytest

from ehlo.smtp.events import ErrorEvent, Sent
from ehlo.smtp.options import Credentials
from ehlo.smtp.session import Session
from ehlo.smtp.transaction import DeliveryPlan, run_transaction
from tests.fixtures.hostile_server import hostile_server

from .conftest import options_for

SECRET = "Stripped-Secret-77"


class NoTlsServer:
    """Offers AUTH but no STARTTLS (or refuses STARTTLS with 454); records every line."""

    def __init__(self, offer_starttls: bool) -> None:
        self.offer_starttls = offer_starttls
        self.lines: list[bytes] = []

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 strip.ehlo.test ESMTP\r\n")
        while line := await reader.readline():
            self.lines.append(line)
            verb = line.split(b" ")[0].strip().upper()
            if verb == b"EHLO":
                starttls = b"250-STARTTLS\r\n" if self.offer_starttls else b""
                writer.write(b"250-strip.ehlo.test\r\n" + starttls + b"250 AUTH PLAIN LOGIN\r\n")
            elif verb == b"STARTTLS":
                writer.write(b"454 4.7.0 TLS not available\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(b"235 ok\r\n" if verb == b"AUTH" else b"250 ok\r\n")
            await writer.drain()


@pytest.mark.parametrize("offer_starttls", [False, True])
@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
async def test_opportunistic_tls_keeps_cleartext_secrets_home(
    offer_starttls: bool, mechanism: str
) -> None:
    server = NoTlsServer(offer_starttls)
    credentials = Credentials(mechanism, "alice", SECRET)  # type: ignore[arg-type]
    async with hostile_server(server) as port:
        session = Session(options_for(port, tls="opportunistic"), credentials)
        plan = DeliveryPlan("a@ehlo.test", ("b@ehlo.test",), credentials=credentials)
        events = [event async for event in run_transaction(session, plan)]
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    assert [(e.stage, e.kind) for e in errors] == [("auth", "tls")]
    assert not any(line.upper().startswith((b"AUTH", b"MAIL")) for line in server.lines)
    assert not session.is_connected


async def test_required_tls_stops_before_anything_else() -> None:
    server = NoTlsServer(offer_starttls=False)
    async with hostile_server(server) as port:
        session = Session(options_for(port, tls="starttls"))
        plan = DeliveryPlan("a@ehlo.test", ("b@ehlo.test",))
        events = [event async for event in run_transaction(session, plan)]
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    assert [(e.stage, e.kind) for e in errors] == [("starttls", "tls")]
    sent = [e.line.split()[0] for e in events if isinstance(e, Sent)]
    assert sent == ["EHLO", "QUIT"]


async def test_tls_mode_none_sends_credentials_on_purpose() -> None:
    server = NoTlsServer(offer_starttls=False)
    credentials = Credentials("PLAIN", "alice", SECRET)
    async with hostile_server(server) as port:
        session = Session(options_for(port, tls="none"), credentials)
        plan = DeliveryPlan("a@ehlo.test", ("b@ehlo.test",), credentials=credentials)
        events = [event async for event in run_transaction(session, plan)]
    assert not [e for e in events if isinstance(e, ErrorEvent)]
    assert any(line.startswith(b"AUTH PLAIN ") for line in server.lines)
