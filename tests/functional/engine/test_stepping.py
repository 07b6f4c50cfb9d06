"""Step-by-step driving (the app's step key, typed lines and "run to") against a real server."""

from __future__ import annotations

from ehlo.sandbox import Sandbox
from ehlo.smtp.events import Received, Sent
from ehlo.smtp.session import Session
from ehlo.smtp.state import suggested_command
from ehlo.smtp.stepping import failed, line_events, run_to, step_events
from ehlo.smtp.transaction import DeliveryPlan, default_message
from tests.fixtures.smtp_server import smtp_server

from .conftest import collect, options_for

PLAN = DeliveryPlan("a@ehlo.test", ("b@ehlo.test", "c@ehlo.test"), tls="none")
MESSAGE = default_message(PLAN.sender, PLAN.recipients)


def _sent(session: Session) -> list[str]:
    return [event.line for event in session.transcript if isinstance(event, Sent)]


async def test_run_to_stops_after_the_chosen_stage_and_resumes_from_there() -> None:
    async with smtp_server() as server:
        session = Session(options_for(server.port))
        await collect(run_to(session, PLAN, "rcpt", MESSAGE))
        assert _sent(session) == [
            "EHLO [127.0.0.1]",
            "MAIL FROM:<a@ehlo.test>",
            "RCPT TO:<b@ehlo.test>",
            "RCPT TO:<c@ehlo.test>",
        ]
        assert session.is_connected
        await collect(run_to(session, PLAN, "quit", MESSAGE))
        tail = _sent(session)[4:]
        assert tail[0] == "DATA" and tail[1].startswith("<message:") and tail[2:] == ["QUIT"]
        assert not session.is_connected
    assert len(server.handler.messages) == 1


async def test_run_to_stops_at_the_first_failure() -> None:
    async with smtp_server() as server:
        session = Session(options_for(server.port))
        plan = DeliveryPlan("a@ehlo.test", ("unknown@ehlo.test", "b@ehlo.test"), tls="none")
        events = await collect(run_to(session, plan, "quit", MESSAGE))
        assert failed(events)
        last = [event for event in events if isinstance(event, Received)][-1]
        assert last.stage == "rcpt" and last.reply.code is not None and last.reply.code >= 500
        assert "RCPT TO:<b@ehlo.test>" not in _sent(session)  # stopped, did not go on
        assert session.is_connected  # the user decides what comes next
    assert server.handler.messages == []


async def test_steps_and_typed_lines_mix() -> None:
    async with smtp_server() as server:
        session = Session(options_for(server.port))
        await collect(step_events(session, "connect", PLAN, MESSAGE))
        await collect(line_events(session, "EHLO typed.example", PLAN, MESSAGE))
        await collect(line_events(session, "MAIL FROM:<typed@ehlo.test>", PLAN, MESSAGE))
        # run_to picks up after the typed MAIL: recipients next, not a second MAIL
        await collect(run_to(session, PLAN, "data", MESSAGE))
        assert _sent(session)[:4] == [
            "EHLO typed.example",
            "MAIL FROM:<typed@ehlo.test>",
            "RCPT TO:<b@ehlo.test>",
            "RCPT TO:<c@ehlo.test>",
        ]
        events = await collect(line_events(session, "QUIT", PLAN, MESSAGE))
        assert not failed(events)
    assert len(server.handler.messages) == 1


async def test_stepping_mail_for_an_international_sender_asks_for_smtputf8() -> None:
    plan = DeliveryPlan("用户@例子.广告", ("b@ehlo.test",), tls="none")
    message = default_message(plan.sender, plan.recipients)
    async with Sandbox("happy") as sandbox:
        session = Session(options_for(sandbox.port))
        await collect(run_to(session, plan, "ehlo", message))
        assert suggested_command(session.transcript, plan).endswith(" SMTPUTF8")
        events = await collect(step_events(session, "mail", plan, message))
        await session.close()
    assert "MAIL FROM:<用户@例子.广告> SMTPUTF8" in _sent(session)
    assert not failed(events)


async def test_a_line_typed_after_a_334_is_the_sasl_answer_even_when_it_reads_like_a_command() -> (
    None
):
    plan = DeliveryPlan("a@ehlo.test", ("b@ehlo.test",), tls="starttls")
    async with Sandbox("happy") as sandbox:
        session = Session(options_for(sandbox.port, tls="starttls", verify="report"))
        await collect(run_to(session, plan, "starttls", MESSAGE))
        challenge = await collect(line_events(session, "AUTH LOGIN", plan, MESSAGE))
        assert [e.reply.code for e in challenge if isinstance(e, Received)] == [334]
        answer = await collect(line_events(session, "DATA", plan, MESSAGE))
        sent = [e for e in answer if isinstance(e, Sent)]
        assert [e.stage for e in sent] == ["auth"] and sent[0].line != "DATA"
        assert session.sasl_pending  # the server asks for the password next
        cancel = await collect(line_events(session, "*", plan, MESSAGE))
        assert [e.reply.code for e in cancel if isinstance(e, Received)] == [501]
        assert not session.sasl_pending
        noop = await collect(line_events(session, "NOOP", plan, MESSAGE))
        assert [e.line for e in noop if isinstance(e, Sent)] == ["NOOP"]
        await collect(line_events(session, "QUIT", plan, MESSAGE))
        assert not session.is_connected
