"""A session against a real aiosmtpd server on loopback: the ordinary commands."""

from __future__ import annotations

import json

import pytest

from ehlo.smtp.events import Closed, Connected, ErrorEvent, Received, Sent
from ehlo.smtp.session import Session
from ehlo.smtp.transaction import DeliveryPlan, run_transaction
from tests.fixtures.smtp_server import smtp_server

from .conftest import collect, options_for


async def test_connect_ehlo_mail_rcpt_data_quit() -> None:
    async with smtp_server() as server:
        session = Session(options_for(server.port))
        events = await collect(session.connect())
        assert isinstance(events[0], Connected)
        assert events[0].peer == ("127.0.0.1", server.port)
        banner = events[-1]
        assert isinstance(banner, Received) and banner.stage == "connect"
        assert banner.reply.code == 220 and banner.elapsed_ms >= 0

        events = await collect(session.ehlo("client.ehlo.test"))
        assert [type(e) for e in events] == [Sent, Received]
        assert events[0].line == "EHLO client.ehlo.test"  # type: ignore[union-attr]
        assert session.extensions is not None
        assert session.extensions.server_name == "mx.ehlo.test"
        assert session.extensions.eight_bit_mime and session.extensions.has("help")
        assert not session.extensions.pipelining and session.extensions.unknown == ("HELP",)
        assert session.extensions.size == 33554432

        events = await collect(session.mail("a@ehlo.test", {"BODY": "8BITMIME"}))
        assert events[0].line == "MAIL FROM:<a@ehlo.test> BODY=8BITMIME"  # type: ignore[union-attr]
        assert events[-1].reply.code == 250  # type: ignore[union-attr]
        events = await collect(session.rcpt("b@ehlo.test"))
        assert events[-1].reply.code == 250  # type: ignore[union-attr]
        events = await collect(session.data(b"Subject: hi\n\n.leading dot\nbare cr\rend"))
        sent = [e for e in events if isinstance(e, Sent)]
        assert sent[0].line == "DATA" and sent[1].stage == "end-of-data"
        assert sent[1].line.startswith("<message:")
        final = events[-1]
        assert isinstance(final, Received) and final.stage == "end-of-data"
        assert final.reply.code == 250 and final.reply.enhanced == "2.0.0"
        events = await collect(session.quit())
        assert isinstance(events[-1], Closed) and events[-1].by == "client"
        assert not session.is_connected

    sender, recipients, content = server.handler.messages[0]
    assert (sender, recipients) == ("a@ehlo.test", ["b@ehlo.test"])
    # aiosmtpd undoes the dot-stuffing; the line endings were normalised to CRLF
    assert content == b"Subject: hi\r\n\r\n.leading dot\r\nbare cr\r\nend\r\n"
    for event in session.transcript:
        payload = event.to_dict()
        assert payload["type"] and isinstance(payload["at"], float)
        json.dumps(payload)


async def test_run_transaction_delivers_default_message() -> None:
    async with smtp_server() as server:
        session = Session(options_for(server.port))
        plan = DeliveryPlan("a@ehlo.test", ("b@ehlo.test", "c@ehlo.test"))
        events = [event async for event in run_transaction(session, plan)]
    assert events == session.transcript
    verbs = [e.line.split(" ")[0] for e in events if isinstance(e, Sent)]
    assert verbs == ["EHLO", "MAIL", "RCPT", "RCPT", "DATA", "<message:", "QUIT"]
    assert isinstance(events[-1], Closed)
    _, recipients, content = server.handler.messages[0]
    assert recipients == ["b@ehlo.test", "c@ehlo.test"]
    assert b"Subject: ehlo test message" in content and b"Message-ID: <" in content


async def test_run_transaction_stops_at_rejected_recipient_and_quits() -> None:
    async with smtp_server() as server:
        session = Session(options_for(server.port))
        plan = DeliveryPlan("a@ehlo.test", ("unknown@ehlo.test", "b@ehlo.test"))
        events = [event async for event in run_transaction(session, plan)]
    lines = [e.line for e in events if isinstance(e, Sent)]
    assert lines == [
        "EHLO [127.0.0.1]",
        "MAIL FROM:<a@ehlo.test>",
        "RCPT TO:<unknown@ehlo.test>",
        "QUIT",
    ]
    rejected = next(e for e in events if isinstance(e, Received) and e.stage == "rcpt")
    assert rejected.reply.code == 550 and rejected.reply.enhanced == "5.1.1"
    assert server.handler.messages == []


@pytest.mark.parametrize(
    ("quit_after", "last_verb"),
    [("connect", None), ("ehlo", "EHLO"), ("mail", "MAIL"), ("rcpt", "RCPT")],
)
async def test_quit_after(quit_after: str, last_verb: str | None) -> None:
    async with smtp_server() as server:
        session = Session(options_for(server.port))
        plan = DeliveryPlan("a@ehlo.test", ("b@ehlo.test",), quit_after=quit_after)  # type: ignore[arg-type]
        events = [event async for event in run_transaction(session, plan)]
    verbs = [e.line.split(" ")[0] for e in events if isinstance(e, Sent)]
    assert verbs[-1] == "QUIT"
    assert (verbs[-2] if len(verbs) > 1 else None) == last_verb
    assert not any(isinstance(e, ErrorEvent) for e in events)


async def test_stop_at_leaves_session_open_and_resumes() -> None:
    async with smtp_server() as server:
        session = Session(options_for(server.port))
        plan = DeliveryPlan("a@ehlo.test", ("b@ehlo.test",))
        first = [event async for event in run_transaction(session, plan, stop_at="ehlo")]
        assert session.is_connected and isinstance(first[-1], Received)
        rest = [event async for event in run_transaction(session, plan)]
    verbs = [e.line.split(" ")[0] for e in rest if isinstance(e, Sent)]
    assert verbs == ["MAIL", "RCPT", "DATA", "<message:", "QUIT"]
    assert len(server.handler.messages) == 1


async def test_other_commands_and_raw_lines() -> None:
    async with smtp_server() as server:
        session = Session(options_for(server.port))
        await collect(session.connect())
        await collect(session.ehlo())
        for step, stage in [
            (session.noop(), "noop"),
            (session.rset(), "rset"),
            (session.vrfy("b@ehlo.test"), "vrfy"),
            (session.help(), "help"),
            (session.command("XFOO bar"), "raw"),
            (session.command("mail FROM:<x@ehlo.test>"), "mail"),
        ]:
            events = await collect(step)
            assert events[0].stage == stage  # type: ignore[union-attr]
            assert isinstance(events[-1], Received)
        assert events[-1].reply.code == 250  # type: ignore[union-attr]
        await collect(session.quit())


async def test_line_breaks_are_refused_before_sending() -> None:
    async with smtp_server() as server:
        session = Session(options_for(server.port))
        await collect(session.connect())
        for step in [
            session.command("NOOP\r\nRSET"),
            session.mail("a@ehlo.test>\r\nRCPT TO:<b@ehlo.test"),
            session.rcpt("b@ehlo.test\n"),
            session.ehlo("x\ry"),
            session.mail("a@ehlo.test", {"ENVID": "x\ny"}),
        ]:
            events = await collect(step)
            assert len(events) == 1
            error = events[0]
            assert isinstance(error, ErrorEvent) and error.kind == "refused-command"
        assert not any(isinstance(e, Sent) for e in session.transcript)
        assert session.is_connected
        events = await collect(session.noop())
        assert events[-1].reply.code == 250  # type: ignore[union-attr]
        await session.close()
        await session.close()
    assert isinstance(session.transcript[-1], Closed)
    assert sum(isinstance(e, Closed) for e in session.transcript) == 1


async def test_steps_before_connect_are_errors_not_exceptions() -> None:
    session = Session(options_for(1))
    events = await collect(session.ehlo())
    assert isinstance(events[0], ErrorEvent) and events[0].kind == "closed"
    events = await collect(session.quit())
    assert all(isinstance(e, ErrorEvent) for e in events)
    await session.close()


async def test_reconnect_after_close() -> None:
    async with smtp_server() as server:
        session = Session(options_for(server.port))
        await collect(session.connect())
        await collect(session.ehlo())
        await session.close()
        assert session.extensions is not None, "kept until the next connection"
        events = await collect(session.connect())
        assert isinstance(events[0], Connected) and session.extensions is None
        events = await collect(session.ehlo())
        assert events[-1].reply.code == 250  # type: ignore[union-attr]
        again = await collect(session.connect())
        assert isinstance(again[0], ErrorEvent) and again[0].kind == "refused-command"
        await collect(session.quit())
    assert [type(e).__name__ for e in session.transcript].count("Connected") == 2
