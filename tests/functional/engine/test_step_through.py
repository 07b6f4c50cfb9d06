"""The TUI's step-through: follow suggested_command() with command() until the session is done."""

from __future__ import annotations

from ehlo.smtp.events import ErrorEvent, Sent
from ehlo.smtp.options import Credentials
from ehlo.smtp.session import Session
from ehlo.smtp.state import suggested_command, suggested_step, valid_commands
from ehlo.smtp.transaction import DeliveryPlan
from tests.fixtures.certs import SERVER_NAME, TestPki
from tests.fixtures.smtp_server import USERS, smtp_server

from .conftest import collect, options_for


async def step_through(session: Session, plan: DeliveryPlan) -> list[str]:
    steps: list[str] = []
    for _ in range(20):
        step = suggested_step(session.transcript, plan)
        steps.append(step)
        if step == "done":
            break
        if step == "connect":
            assert valid_commands(session.transcript) == frozenset()
            await collect(session.connect())
            continue
        line = suggested_command(session.transcript, plan)
        verb = line.split(" ")[0]
        assert verb in valid_commands(session.transcript), (verb, step)
        await collect(session.command(line))
    return steps


async def test_step_through_with_starttls_and_auth(pki: TestPki) -> None:
    credentials = Credentials("LOGIN", "alice", USERS["alice"])
    async with smtp_server(tls_context=pki.server_context("valid"), auth=True) as server:
        session = Session(
            options_for(
                server.port, tls="starttls", server_name=SERVER_NAME, ca_file=str(pki.ca_file)
            ),
            credentials,
        )
        plan = DeliveryPlan(
            "a@ehlo.test", ("b@ehlo.test", "c@ehlo.test"), credentials=credentials, tls="starttls"
        )
        steps = await step_through(session, plan)
    assert steps == [
        "connect",
        "ehlo",
        "starttls",
        "ehlo",
        "auth",
        "mail",
        "rcpt",
        "rcpt",
        "data",
        "quit",
        "done",
    ]
    assert not any(isinstance(e, ErrorEvent) for e in session.transcript)
    assert len(server.handler.messages) == 1


async def test_step_through_plain_and_failure_goes_to_quit() -> None:
    async with smtp_server() as server:
        session = Session(options_for(server.port))
        plan = DeliveryPlan("a@ehlo.test", ("unknown@ehlo.test",), tls="none")
        steps = await step_through(session, plan)
    assert steps == ["connect", "ehlo", "mail", "rcpt", "quit", "done"]


async def test_quit_after_in_state() -> None:
    async with smtp_server() as server:
        session = Session(options_for(server.port))
        plan = DeliveryPlan(
            "a@ehlo.test", ("b@ehlo.test", "c@ehlo.test"), tls="none", quit_after="rcpt"
        )
        steps = await step_through(session, plan)
    assert steps == ["connect", "ehlo", "mail", "rcpt", "rcpt", "quit", "done"]


async def test_valid_commands_follow_the_transaction() -> None:
    async with smtp_server() as server:
        session = Session(options_for(server.port))
        await collect(session.connect())
        assert "MAIL" not in valid_commands(session.transcript)
        await collect(session.ehlo())
        assert {"MAIL", "QUIT", "RSET", "NOOP"} <= valid_commands(session.transcript)
        assert "RCPT" not in valid_commands(session.transcript)
        await collect(session.mail("a@ehlo.test"))
        assert "RCPT" in valid_commands(session.transcript)
        assert "DATA" not in valid_commands(session.transcript)
        await collect(session.rcpt("b@ehlo.test"))
        assert "DATA" in valid_commands(session.transcript)
        await collect(session.rset())
        assert "RCPT" not in valid_commands(session.transcript)
        assert "MAIL" in valid_commands(session.transcript)
        await collect(session.quit())
        assert valid_commands(session.transcript) == frozenset()
    assert [e.line for e in session.transcript if isinstance(e, Sent)][-1] == "QUIT"
