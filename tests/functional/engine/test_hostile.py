"""Hostile servers: each misbehaviour ends in one clear ErrorEvent within the timeout."""

from __future__ import annotations

import asyncio
import time

import pytest

from ehlo.smtp.events import Closed, ErrorEvent, Event, Received, Sent
from ehlo.smtp.options import ConnectOptions, Credentials, Timeouts
from ehlo.smtp.session import Session
from ehlo.smtp.transaction import DeliveryPlan, run_transaction
from tests.fixtures.hostile_server import hostile_server, refused_port

from .conftest import collect

TIMEOUT = 0.5
SHORT = Timeouts.uniform(TIMEOUT)
PLAN = DeliveryPlan("a@ehlo.test", ("b@ehlo.test",))


async def deliver(port: int, **options: object) -> tuple[list[Event], float]:
    values: dict[str, object] = {"host": "127.0.0.1", "port": port, "timeouts": SHORT}
    values.update(options)
    session = Session(ConnectOptions(**values))  # type: ignore[arg-type]
    started = time.monotonic()
    events = [event async for event in run_transaction(session, PLAN)]
    elapsed = time.monotonic() - started
    assert not session.is_connected
    assert events == session.transcript
    return events, elapsed


def the_error(events: list[Event]) -> ErrorEvent:
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    assert len(errors) == 1, errors
    return errors[0]


@pytest.mark.parametrize(
    ("behaviour", "stage", "kind", "words"),
    [
        ("no-banner", "connect", "timeout", "no reply to the connection"),
        ("banner-then-silence", "ehlo", "timeout", "no reply to EHLO"),
        ("disconnect-mid-reply", "ehlo", "closed", "in the middle of its reply"),
        ("garbage", "connect", "protocol", "no valid SMTP reply code"),
        ("megabyte-line", "connect", "too-large", "larger than"),
        ("code-999", "connect", "protocol", "no valid SMTP reply code"),
        ("reply-without-crlf", "connect", "timeout", "partial reply"),
    ],
)
async def test_misbehaving_server(behaviour: str, stage: str, kind: str, words: str) -> None:
    async with hostile_server(behaviour) as port:
        events, elapsed = await deliver(port)
    error = the_error(events)
    assert (error.stage, error.kind) == (stage, kind)
    assert words in error.message
    assert isinstance(events[-1], Closed)
    assert elapsed < TIMEOUT * 3 + 1


async def test_garbage_and_999_are_still_shown() -> None:
    async with hostile_server("code-999") as port:
        events, _ = await deliver(port)
    received = next(e for e in events if isinstance(e, Received))
    assert received.reply.code is None and received.reply.lines[0].startswith("999")
    assert any("outside 2xx-5xx" in v for v in received.reply.violations)


async def test_tls_handshake_failure() -> None:
    async with hostile_server("tls-handshake-failure") as port:
        events, elapsed = await deliver(port, tls="starttls", verify="report")
    error = the_error(events)
    assert (error.stage, error.kind) == ("starttls", "tls")
    assert "TLS handshake failed" in error.message
    assert elapsed < TIMEOUT * 3 + 1


async def test_implicit_tls_against_plain_server() -> None:
    async with hostile_server("banner-then-silence") as port:
        events, elapsed = await deliver(port, tls="implicit")
    error = the_error(events)
    assert error.stage == "connect" and error.kind in ("tls", "timeout")
    assert elapsed < TIMEOUT * 3 + 1


async def test_connection_refused() -> None:
    events, elapsed = await deliver(refused_port())
    error = the_error(events)
    assert (error.stage, error.kind) == ("connect", "connect")
    assert "cannot connect to 127.0.0.1" in error.message and "refused" in error.message.lower()
    assert "port 25 is often blocked" not in error.message  # advice only where it applies
    assert not any(isinstance(e, Closed) for e in events), "nothing was open"
    assert elapsed < 1


async def test_unresolvable_name() -> None:
    session = Session(ConnectOptions("mx.does-not-exist.invalid", 25, timeouts=SHORT))
    events = await collect(session.connect())
    error = the_error(events)
    assert (error.stage, error.kind) == ("connect", "resolve")
    assert "mx.does-not-exist.invalid" in error.message


async def test_secrets_echoed_by_the_server_are_redacted() -> None:
    secret = "Echo-Me-If-You-Dare-42"
    async with hostile_server("echo-secret") as port:
        for mechanism in ("PLAIN", "LOGIN", "XOAUTH2"):
            session = Session(
                ConnectOptions("127.0.0.1", port, tls="none", timeouts=SHORT),
                Credentials(mechanism, "alice", secret),  # type: ignore[arg-type]
            )
            events = [event async for event in run_transaction(session, PLAN)]
            text = "\n".join(repr(e) + str(e.to_dict()) for e in events)
            assert secret not in text
            import base64

            assert base64.b64encode(secret.encode()).decode() not in text
            assert base64.b64encode(f"\0alice\0{secret}".encode()).decode() not in text
            assert any(isinstance(e, Received) and e.stage == "auth" for e in events)


async def test_cancelled_step_leaves_session_closable() -> None:
    async with hostile_server("banner-then-silence") as port:
        session = Session(ConnectOptions("127.0.0.1", port, timeouts=Timeouts.uniform(30)))
        await collect(session.connect())

        async def consume() -> None:
            async for _ in session.ehlo():
                pass

        task = asyncio.create_task(consume())
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert session.is_connected
        events = await collect(session.noop())
        assert isinstance(events[0], ErrorEvent) and "interrupted" in events[0].message
        await session.close()
        await session.close()
        assert not session.is_connected
        assert isinstance(session.transcript[-1], Closed)
        assert [e.line for e in session.transcript if isinstance(e, Sent)] == ["EHLO [127.0.0.1]"]


async def test_quit_after_interrupted_step_just_closes() -> None:
    async with hostile_server("banner-then-silence") as port:
        session = Session(ConnectOptions("127.0.0.1", port, timeouts=Timeouts.uniform(30)))
        await collect(session.connect())
        step = session.ehlo()
        assert isinstance(await step.__anext__(), Sent)
        task = asyncio.create_task(step.__anext__())
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        events = await collect(session.quit())
    assert isinstance(events[-1], Closed) and not session.is_connected


async def test_421_then_hang_up_is_a_reply_not_an_error() -> None:
    async with hostile_server("busy-421") as port:
        events, elapsed = await deliver(port)
    assert not any(isinstance(e, ErrorEvent) for e in events)
    banner = next(e for e in events if isinstance(e, Received))
    assert banner.reply.code == 421 and banner.reply.enhanced == "4.3.2"
    assert isinstance(events[-1], Closed) and events[-1].by == "server"
    assert elapsed < 1
