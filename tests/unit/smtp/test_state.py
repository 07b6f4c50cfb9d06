"""The session state machine on hand-made transcripts (the functional tests use real servers)."""

from __future__ import annotations

from ehlo.smtp.events import Closed, Connected, ErrorEvent, Event, Received, Sent, TlsUpgraded
from ehlo.smtp.options import Credentials
from ehlo.smtp.reply import parse_reply
from ehlo.smtp.state import suggested_command, suggested_step, valid_commands
from ehlo.smtp.tls import TlsFacts
from ehlo.smtp.transaction import DeliveryPlan

PLAN = DeliveryPlan("a@ehlo.test", ("b@ehlo.test",), tls="opportunistic", helo="me.test")
EHLO_TLS = "250-mx.test\n250-STARTTLS\n250-CHUNKING\n250 AUTH PLAIN"


def connected() -> list[Event]:
    return [
        Connected(0, "mx.test", 25, ("192.0.2.1", 25), ("192.0.2.9", 4000), False),
        Received(0, "connect", parse_reply("220 mx.test"), 1),
    ]


def reply(stage: str, text: str) -> Received:
    return Received(0, stage, parse_reply(text), 1)  # type: ignore[arg-type]


def test_fresh_and_closed() -> None:
    assert suggested_step([], PLAN) == "connect" and suggested_command([], PLAN) == ""
    assert suggested_step([*connected(), Closed(0, "client", "x")], PLAN) == "done"


def test_ehlo_name_from_plan() -> None:
    assert suggested_command(connected(), PLAN) == "EHLO me.test"
    plan = DeliveryPlan("a@ehlo.test", ("b@ehlo.test",))
    assert suggested_command(connected(), plan) == "EHLO [192.0.2.9]"


def test_starttls_then_ehlo_again() -> None:
    events = [*connected(), Sent(0, "ehlo", "EHLO me.test"), reply("ehlo", EHLO_TLS)]
    assert suggested_step(events, PLAN) == "starttls"
    assert "STARTTLS" in valid_commands(events) and "BDAT" not in valid_commands(events)
    facts = TlsFacts("TLSv1.3", "X", (), "mx.test", True, True, None)
    events += [reply("starttls", "220 go"), TlsUpgraded(0, facts)]
    assert suggested_step(events, PLAN) == "ehlo"
    events.append(reply("ehlo", "250-mx.test\n250 AUTH PLAIN"))
    assert suggested_step(events, PLAN) == "mail"
    assert suggested_command(events, PLAN) == "MAIL FROM:<a@ehlo.test>"


def test_refused_starttls_is_skipped_unless_required() -> None:
    events = [
        *connected(),
        reply("ehlo", EHLO_TLS),
        reply("starttls", "454 4.7.0 TLS not available"),
    ]
    assert suggested_step(events, PLAN) == "mail"
    required = DeliveryPlan("a@ehlo.test", ("b@ehlo.test",), tls="starttls")
    assert suggested_step(events, required) == "quit"


def test_auth_challenge_waits_for_a_typed_answer() -> None:
    plan = DeliveryPlan("a@x", ("b@x",), credentials=Credentials("LOGIN", "u", "p"), tls="none")
    events = [*connected(), reply("ehlo", EHLO_TLS)]
    assert suggested_command(events, plan) == "AUTH LOGIN"
    events.append(reply("auth", "334 VXNlcm5hbWU6"))
    assert suggested_step(events, plan) == "auth" and suggested_command(events, plan) == ""
    assert valid_commands(events) == frozenset({"*"})
    events.append(reply("auth", "235 ok"))
    assert suggested_step(events, plan) == "mail"
    assert "AUTH" not in valid_commands(events)


def test_failures_lead_to_quit_and_rset_recovers() -> None:
    plan = DeliveryPlan("a@x", ("b@x",), tls="none")
    events = [*connected(), reply("ehlo", "250 mx"), reply("mail", "250 ok")]
    events.append(reply("rcpt", "550 5.1.1 unknown"))
    assert suggested_step(events, plan) == "quit" and suggested_command(events, plan) == "QUIT"
    events.append(reply("rset", "250 flushed"))
    assert suggested_step(events, plan) == "mail"


def test_errors_refused_commands_do_not_fail() -> None:
    plan = DeliveryPlan("a@x", ("b@x",), tls="none")
    events = [*connected(), reply("ehlo", "250 mx")]
    events.append(ErrorEvent(0, "raw", "refused-command", "line break"))
    assert suggested_step(events, plan) == "mail"
    events.append(ErrorEvent(0, "mail", "timeout", "no reply"))
    assert suggested_step(events, plan) == "quit"


def test_delivered_then_quit() -> None:
    plan = DeliveryPlan("a@x", ("b@x", "c@x"), tls="none")
    events = [
        *connected(),
        reply("ehlo", "250 mx"),
        reply("mail", "250 ok"),
        reply("rcpt", "250 ok"),
    ]
    assert suggested_command(events, plan) == "RCPT TO:<c@x>"
    events.append(reply("rcpt", "250 ok"))
    assert suggested_step(events, plan) == "data"
    events += [reply("data", "354 go"), reply("end-of-data", "250 queued")]
    assert suggested_step(events, plan) == "quit"
    assert "MAIL" in valid_commands(events) and "RCPT" not in valid_commands(events)
