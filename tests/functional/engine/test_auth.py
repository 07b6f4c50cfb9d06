"""AUTH for every mechanism against aiosmtpd, and proof that secrets never reach the events."""

from __future__ import annotations

import base64
import json

import pytest

from ehlo.smtp.auth import REDACTED
from ehlo.smtp.events import ErrorEvent, Event, Received, Sent
from ehlo.smtp.options import MECHANISMS, Credentials
from ehlo.smtp.session import Session
from ehlo.smtp.transaction import DeliveryPlan, run_transaction
from tests.fixtures.smtp_server import USERS, smtp_server

from .conftest import collect, options_for

USER = "alice"
PASSWORD = USERS[USER]
WRONG = "wrong-Secret-9f2b7c"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def forbidden_forms(secret: str) -> list[str]:
    """The secret, its base64 forms, and the whole PLAIN and XOAUTH2 blobs."""
    return [
        secret,
        b64(secret),
        b64(secret).rstrip("="),
        b64(f"\0{USER}\0{secret}"),
        b64(f"{USER}\0{secret}"),
        b64(f"user={USER}\x01auth=Bearer {secret}\x01\x01"),
    ]


def assert_no_secret(events: list[Event], secret: str) -> None:
    """Search every event's JSON, repr and text for any form of the secret."""
    texts = []
    for event in events:
        texts.append(json.dumps(event.to_dict()))
        texts.append(repr(event))
        texts.append(str(event))
    blob = "\n".join(texts)
    for form in forbidden_forms(secret):
        assert form not in blob, f"{form!r} leaked"


@pytest.mark.parametrize("mechanism", MECHANISMS)
async def test_auth_success(mechanism: str) -> None:
    async with smtp_server(auth=True) as server:
        credentials = Credentials(mechanism, USER, PASSWORD)  # type: ignore[arg-type]
        session = Session(options_for(server.port), credentials)
        plan = DeliveryPlan("a@ehlo.test", ("b@ehlo.test",))
        events = [event async for event in run_transaction(session, plan)]
    auth_replies = [e for e in events if isinstance(e, Received) and e.stage == "auth"]
    assert auth_replies[-1].reply.code == 235
    assert not any(isinstance(e, ErrorEvent) for e in events)
    assert len(server.handler.messages) == 1
    sent = [e.line for e in events if isinstance(e, Sent) and e.stage == "auth"]
    assert sent[0].startswith(f"AUTH {mechanism}")
    if mechanism in ("PLAIN", "XOAUTH2"):
        assert sent == [f"AUTH {mechanism} {REDACTED}"]
    if mechanism == "LOGIN":
        assert sent == ["AUTH LOGIN", b64(USER), REDACTED]
    if mechanism == "CRAM-MD5":
        assert sent == ["AUTH CRAM-MD5", REDACTED]
    assert_no_secret(events, PASSWORD)
    assert_no_secret(session.transcript, PASSWORD)


@pytest.mark.parametrize("mechanism", MECHANISMS)
async def test_auth_failure(mechanism: str) -> None:
    async with smtp_server(auth=True) as server:
        credentials = Credentials(mechanism, USER, WRONG)  # type: ignore[arg-type]
        session = Session(options_for(server.port), credentials)
        plan = DeliveryPlan("a@ehlo.test", ("b@ehlo.test",))
        events = [event async for event in run_transaction(session, plan)]
    auth_replies = [e for e in events if isinstance(e, Received) and e.stage == "auth"]
    assert auth_replies[-1].reply.code == 535
    assert [e.line for e in events if isinstance(e, Sent)][-1] == "QUIT"
    assert server.handler.messages == []
    assert_no_secret(events, WRONG)
    assert WRONG not in repr(credentials) and WRONG not in str(credentials)


async def test_typed_auth_uses_the_session_credentials() -> None:
    async with smtp_server(auth=True) as server:
        session = Session(options_for(server.port), Credentials("PLAIN", USER, PASSWORD))
        await collect(session.connect())
        await collect(session.ehlo())
        events = await collect(session.command("AUTH LOGIN"))
        await collect(session.quit())
    assert events[-1].reply.code == 235  # type: ignore[union-attr]
    assert_no_secret(session.transcript, PASSWORD)


async def test_typed_auth_blob_without_credentials_is_redacted() -> None:
    async with smtp_server(auth=True) as server:
        session = Session(options_for(server.port))
        await collect(session.connect())
        await collect(session.ehlo())
        events = await collect(
            session.command(f"AUTH PLAIN {b64(chr(0) + USER + chr(0) + PASSWORD)}")
        )
        assert events[0].line == f"AUTH PLAIN {REDACTED}"  # type: ignore[union-attr]
        assert events[-1].reply.code == 235  # type: ignore[union-attr]
        await collect(session.quit())
    assert_no_secret(session.transcript, PASSWORD)


async def test_typed_login_answers_are_redacted() -> None:
    async with smtp_server(auth=True) as server:
        session = Session(options_for(server.port))
        await collect(session.connect())
        await collect(session.ehlo())
        await collect(session.command("AUTH LOGIN"))
        await collect(session.command(b64(USER)))
        events = await collect(session.command(b64(PASSWORD)))
        assert events[0].line == REDACTED  # type: ignore[union-attr]
        assert events[-1].reply.code == 235  # type: ignore[union-attr]
        await collect(session.quit())
    assert_no_secret(session.transcript, PASSWORD)


async def test_auth_without_credentials_is_an_error_value() -> None:
    async with smtp_server(auth=True) as server:
        session = Session(options_for(server.port))
        await collect(session.connect())
        events = await collect(session.auth())
        await session.close()
    assert isinstance(events[0], ErrorEvent) and events[0].kind == "refused-command"


async def test_show_secrets_shows_what_was_sent() -> None:
    async with smtp_server(auth=True) as server:
        credentials = Credentials("PLAIN", USER, PASSWORD)
        session = Session(options_for(server.port), credentials, show_secrets=True)
        plan = DeliveryPlan("a@ehlo.test", ("b@ehlo.test",), quit_after="auth")
        events = [event async for event in run_transaction(session, plan)]
    sent = [e.line for e in events if isinstance(e, Sent) and e.stage == "auth"]
    assert sent == [f"AUTH PLAIN {b64(chr(0) + USER + chr(0) + PASSWORD)}"]
