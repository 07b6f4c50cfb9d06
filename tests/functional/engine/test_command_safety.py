"""Commands that must never reach the wire as given, and replies that must not be misattributed."""

from __future__ import annotations

import asyncio

import pytest

from ehlo.smtp.events import ErrorEvent, ProtocolViolation, Received, Sent
from ehlo.smtp.session import Session
from ehlo.smtp.transaction import DeliveryPlan, run_transaction
from tests.fixtures.hostile_server import hostile_server

from .conftest import collect, options_for
from .test_wire import Recorder


async def connected(port: int) -> Session:
    session = Session(options_for(port))
    await collect(session.connect())
    await collect(session.ehlo())
    return session


async def test_refused_recipient_is_not_kept_for_a_typed_data() -> None:
    recorder = Recorder()
    async with hostile_server(recorder) as port:
        session = await connected(port)
        await collect(session.mail("a@ehlo.test"))
        refused = await collect(session.rcpt("b@ehlo.test\r\nRSET"))
        events = await collect(session.command("DATA"))
        await session.close()
    assert [e.kind for e in refused if isinstance(e, ErrorEvent)] == ["refused-command"]
    assert session.recipients == []
    assert not [e for e in events if isinstance(e, ErrorEvent)]
    assert b"RSET" not in recorder.received
    assert b"To: undisclosed-recipients:;" in recorder.received


async def test_typed_envelope_commands_keep_only_the_address() -> None:
    recorder = Recorder()
    async with hostile_server(recorder) as port:
        session = await connected(port)
        await collect(session.command("mail from:<a@ehlo.test> SIZE=100"))
        await collect(session.command("RCPT TO:<b@ehlo.test> NOTIFY=NEVER"))
        await collect(session.command("DATA"))
        await session.close()
    assert (session.sender, session.recipients) == ("a@ehlo.test", ["b@ehlo.test"])
    assert b"\r\nFrom: a@ehlo.test\r\nTo: b@ehlo.test\r\n" in recorder.received


@pytest.mark.parametrize(
    "step",
    [
        lambda s: s.command("NOOP \udc0d\udc0aRSET"),
        lambda s: s.mail("a\ud800@ehlo.test"),
        lambda s: s.data("body \ud800"),
        lambda s: s.bdat("body \udfff"),
        lambda s: s.mail("a@ehlo.test", {"ENVID": "x RET=FULL"}),
        lambda s: s.rcpt("b@ehlo.test", {"NOTIFY": "NEVER\x00"}),
        lambda s: s.rcpt("b@ehlo.test", {"BAD KEY": None}),
    ],
)
async def test_unsendable_commands_are_refused_and_the_session_lives(step: object) -> None:
    recorder = Recorder()
    async with hostile_server(recorder) as port:
        session = await connected(port)
        before = bytes(recorder.received)
        events = await collect(step(session))  # type: ignore[operator]
        await asyncio.sleep(0.05)
        after = bytes(recorder.received)
        still_connected = session.is_connected
        await session.close()
    assert [type(e) for e in events] == [ErrorEvent]
    assert isinstance(events[0], ErrorEvent) and events[0].kind == "refused-command"
    assert after == before
    assert still_connected


async def test_auth_typed_with_a_tab_is_still_redacted() -> None:
    blob = "AGFsaWNlAGh1bnRlcjI="  # \0alice\0hunter2
    async with hostile_server(Recorder()) as port:
        session = await connected(port)
        events = await collect(session.command(f"AUTH\tPLAIN {blob}"))
        await session.close()
    sent = [e for e in events if isinstance(e, Sent)]
    assert sent and all(blob not in e.line for e in sent)
    assert sent[0].stage == "auth"


async def late_extra_reply(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answers each command once, and the first one a second time a little later."""
    writer.write(b"220 late.ehlo.test ESMTP\r\n")
    count = 0
    while await reader.readline():
        count += 1
        writer.write(b"250 reply-%d\r\n" % count)
        await writer.drain()
        if count == 1:
            await asyncio.sleep(0.05)
            writer.write(b"250 unasked\r\n")
            await writer.drain()


async def test_a_late_unasked_reply_is_not_taken_for_the_next_one() -> None:
    async with hostile_server(late_extra_reply) as port:
        session = Session(options_for(port))
        await collect(session.connect())
        await collect(session.command("NOOP"))
        await asyncio.sleep(0.3)
        events = await collect(session.command("RSET"))
        await session.close()
    violations = [e.message for e in events if isinstance(e, ProtocolViolation)]
    assert violations and "250 unasked" in violations[0]
    replies = [e.reply.lines for e in events if isinstance(e, Received)]
    assert replies == [("250 reply-2",)]


@pytest.mark.parametrize(
    ("typed", "secret"),
    [
        ("AUTH PLAIN AGFsaWNlAGh1bnRlcjI=", "hunter2"),
        (
            "AUTH XOAUTH2 dXNlcj1hbGljZQFhdXRoPUJlYXJlciB5YTI5LnRva2VuAQE=",
            "ya29.token",
        ),
    ],
)
async def test_typed_auth_secrets_echoed_back_are_redacted(typed: str, secret: str) -> None:
    async with hostile_server("echo-secret") as port:
        session = Session(options_for(port))
        await collect(session.connect())
        events = await collect(session.command(typed))
        await session.close()
    blob = typed.rsplit(maxsplit=1)[-1]
    replies = [e for e in events if isinstance(e, Received)]
    assert replies and replies[0].reply.code == 535
    text = "\n".join(repr(e) + str(e.to_dict()) for e in events)
    assert blob not in text and blob.rstrip("=") not in text and secret not in text


async def reply_flood(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Sends thousands of replies nobody asked for, then answers normally."""
    writer.write(b"220 flood.ehlo.test ESMTP\r\n" + b"250 unasked\r\n" * 5000)
    await writer.drain()
    while await reader.readline():
        writer.write(b"250 ok\r\n")
        await writer.drain()


async def test_a_flood_of_unasked_replies_gives_a_bounded_transcript() -> None:
    async with hostile_server(reply_flood) as port:
        session = Session(options_for(port))
        await collect(session.connect())
        await asyncio.sleep(0.2)
        events = await collect(session.command("NOOP"))
        await session.close()
    assert len(events) <= 10
    assert "more unexpected replies" in events[5].message  # type: ignore[union-attr]


async def test_smtputf8_delivery_with_the_default_message() -> None:
    recorder = Recorder()
    plan = DeliveryPlan("用户@例子.广告", ("ü@bücher.de",), mail_params={"SMTPUTF8": None})
    async with hostile_server(recorder) as port:
        session = Session(options_for(port))
        events = [event async for event in run_transaction(session, plan)]
    assert not [e for e in events if isinstance(e, ErrorEvent)]
    assert "MAIL FROM:<用户@例子.广告> SMTPUTF8\r\n".encode() in recorder.received
    assert "From: 用户@例子.广告\r\n".encode() in recorder.received
