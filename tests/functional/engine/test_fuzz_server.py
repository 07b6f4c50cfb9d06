"""Property: whatever bytes a server sends, a whole delivery ends in events, never an exception."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ehlo.smtp.events import Closed, ErrorEvent, Event
from ehlo.smtp.extensions import Extensions
from ehlo.smtp.options import ConnectOptions, Credentials, Timeouts
from ehlo.smtp.reply import parse_reply
from ehlo.smtp.session import Session
from ehlo.smtp.state import suggested_command, suggested_step, valid_commands
from ehlo.smtp.transaction import DeliveryPlan, run_transaction
from tests.fixtures.hostile_server import hostile_server

SMTPISH = st.lists(
    st.one_of(
        st.binary(max_size=200),
        st.sampled_from(
            [
                b"220 ok\r\n",
                b"250-x\r\n250 AUTH PLAIN\r\n",
                b"250 ok\r\n",
                b"334 \r\n",
                b"354 go\r\n",
                b"421 bye\r\n",
                b"\r\n",
                b"250-",
            ]
        ),
    ),
    max_size=12,
)


async def _run(script: list[bytes]) -> list[Event]:
    async def server(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for piece in script:
            writer.write(piece)
            await writer.drain()
            await asyncio.wait_for(reader.readline(), 0.2)
        writer.close()

    async with hostile_server(server) as port:
        session = Session(
            ConnectOptions("127.0.0.1", port, tls="opportunistic", timeouts=Timeouts.uniform(0.3)),
            Credentials("PLAIN", "u", "fuzz-secret-value"),
        )
        plan = DeliveryPlan("a@ehlo.test", ("b@ehlo.test",))
        events = [event async for event in run_transaction(session, plan)]
        await session.close()
        suggested_step(session.transcript, plan)
        suggested_command(session.transcript, plan)
        valid_commands(session.transcript)
        return events


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SMTPISH)
def test_any_server_bytes_end_in_events(script: list[bytes]) -> None:
    events = asyncio.run(asyncio.wait_for(_run(script), 20))
    assert events
    assert isinstance(events[-1], Closed | ErrorEvent)
    for event in events:
        event.to_dict()
        assert "fuzz-secret-value" not in repr(event)


@given(st.text(max_size=500))
def test_extensions_parse_never_raises(text: str) -> None:
    extensions = Extensions.parse(parse_reply(text))
    extensions.to_dict()
    assert isinstance(extensions.auth_mechanisms, tuple)
