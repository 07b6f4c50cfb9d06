"""Transcript export: steps, verdicts, JSON shape, text, and equivalent commands."""

from __future__ import annotations

import json
import shlex
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ehlo.export import (
    CommandRequest,
    basic_meaning,
    classify,
    openssl_command,
    steps,
    swaks_command,
    swaks_problem,
    to_json,
    to_text,
)
from ehlo.smtp.events import (
    Closed,
    Connected,
    ErrorEvent,
    Event,
    ProtocolViolation,
    Received,
    Sent,
    Stage,
    TlsUpgraded,
)
from ehlo.smtp.options import ConnectOptions, Credentials
from ehlo.smtp.reply import parse_reply
from ehlo.smtp.tls import CertificateFacts, TlsFacts

T0 = 1_700_000_000.0


class Script:
    """Builds a transcript with increasing timestamps."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.clock = T0

    def _at(self) -> float:
        self.clock += 0.01
        return self.clock

    def connect(self) -> Script:
        self.events.append(
            Connected(
                self._at(), "mx.example.com", 25, ("192.0.2.1", 25), ("192.0.2.9", 40000), False
            )
        )
        return self

    def send(self, stage: Stage, line: str) -> Script:
        self.events.append(Sent(self._at(), stage, line))
        return self

    def reply(self, stage: Stage, text: str, elapsed: float = 1.5) -> Script:
        self.events.append(Received(self._at(), stage, parse_reply(text), elapsed))
        return self

    def error(self, stage: Stage, kind: str, message: str) -> Script:
        self.events.append(ErrorEvent(self._at(), stage, kind, message))  # type: ignore[arg-type]
        return self

    def close(self, by: str = "client") -> Script:
        self.events.append(Closed(self._at(), by, "done"))  # type: ignore[arg-type]
        return self

    def delivery(
        self, rcpt_reply: str = "250 2.1.5 Ok", eod_reply: str = "250 2.0.0 queued"
    ) -> Script:
        self.connect().reply("connect", "220 mx.example.com ESMTP")
        self.send("ehlo", "EHLO client.example").reply(
            "ehlo", "250-mx.example.com\r\n250 SIZE 1000"
        )
        self.send("mail", "MAIL FROM:<a@example.org>").reply("mail", "250 2.1.0 Ok")
        self.send("rcpt", "RCPT TO:<b@example.com>").reply("rcpt", rcpt_reply)
        if rcpt_reply.startswith("2"):
            self.send("data", "DATA").reply("data", "354 go ahead")
            self.send("end-of-data", "(message: 3 lines, 80 bytes)").reply("end-of-data", eod_reply)
        self.send("quit", "QUIT").reply("quit", "221 2.0.0 Bye")
        return self.close()


def _facts(verified: bool = True) -> TlsFacts:
    leaf = CertificateFacts(
        subject="CN=mx.example.com",
        sans=("mx.example.com",),
        issuer="CN=Test CA",
        not_before=datetime(2026, 1, 1, tzinfo=UTC),
        not_after=datetime(2027, 1, 1, tzinfo=UTC),
        days_left=36,
        key_type="EC",
        key_bits=256,
        signature_algorithm="ecdsa-with-SHA256",
        sha256="ab" * 32,
        spki_sha256="cd" * 32,
        der=b"\x30",
    )
    return TlsFacts(
        "TLSv1.3",
        "TLS_AES_256_GCM_SHA384",
        (leaf,),
        "mx.example.com",
        verified,
        verified,
        None if verified else "certificate has expired",
    )


def test_steps_pair_commands_with_replies() -> None:
    events = Script().delivery().events
    found = steps(events)
    assert [step.sent for step in found] == [
        None,
        "EHLO client.example",
        "MAIL FROM:<a@example.org>",
        "RCPT TO:<b@example.com>",
        "DATA",
        "(message: 3 lines, 80 bytes)",
        "QUIT",
    ]
    assert [step.reply.code for step in found if step.reply] == [220, 250, 250, 250, 354, 250, 221]
    assert all(step.elapsed_ms == 1.5 for step in found)


def test_pipelined_commands_get_their_replies_in_order() -> None:
    script = Script().connect().reply("connect", "220 hi")
    script.send("mail", "MAIL FROM:<a@x.example>").send("rcpt", "RCPT TO:<b@y.example>")
    script.reply("mail", "250 sender ok").reply("rcpt", "550 no such user")
    found = steps(script.events)
    assert [(s.sent, s.reply.code if s.reply else None) for s in found[1:]] == [
        ("MAIL FROM:<a@x.example>", 250),
        ("RCPT TO:<b@y.example>", 550),
    ]


def test_a_command_without_reply_is_a_step_with_null_reply() -> None:
    script = Script().connect().reply("connect", "220 hi").send("ehlo", "EHLO me")
    script.error("ehlo", "timeout", "no reply to EHLO within 5 s")
    last = steps(script.events)[-1]
    assert last.sent == "EHLO me" and last.reply is None
    assert last.elapsed_ms == pytest.approx(10.0, abs=0.5)


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        (Script().delivery(), "delivered"),
        (Script().delivery(rcpt_reply="550 5.1.1 unknown user"), "permanent"),
        (Script().delivery(rcpt_reply="450 4.2.0 greylisted"), "transient"),
        (Script().delivery(eod_reply="552 5.3.4 too big"), "permanent"),
        (Script().connect().reply("connect", "421 busy").close("server"), "transient"),
        (Script().connect().reply("connect", "554 go away").send("quit", "QUIT"), "permanent"),
        (Script().error("connect", "connect", "connection refused"), "error"),
        (
            Script()
            .connect()
            .reply("connect", "220 hi")
            .send("starttls", "STARTTLS")
            .reply("starttls", "220 go")
            .error("starttls", "tls", "certificate has expired"),
            "error",
        ),
        (
            Script()
            .connect()
            .reply("connect", "220 hi")
            .send("quit", "QUIT")
            .reply("quit", "221 bye"),
            "stopped",
        ),
        (Script().delivery().error("quit", "timeout", "no reply to QUIT"), "delivered"),
        (
            Script()
            .connect()
            .reply("connect", "220 hi")
            .send("ehlo", "EHLO me")
            .reply("ehlo", "502 no EHLO")
            .send("helo", "HELO me")
            .reply("helo", "250 hi")
            .send("quit", "QUIT")
            .reply("quit", "221 bye"),
            "stopped",
        ),
        (Script().connect().reply("connect", "999 what"), "error"),
    ],
)
def test_classify(script: Script, expected: str) -> None:
    assert classify(script.events) == expected


def test_json_shape() -> None:
    script = Script().connect().reply("connect", "220 hi")
    script.send("starttls", "STARTTLS").reply("starttls", "220 2.0.0 go")
    script.events.append(TlsUpgraded(script._at(), _facts()))
    script.send("quit", "QUIT").reply("quit", "221 2.0.0 Bye").close()
    document = to_json(script.events, target="mx.example.com")
    assert list(document) == ["target", "peer", "tls", "steps", "result", "error"]
    assert document["target"] == "mx.example.com"
    assert document["peer"] == {"address": "192.0.2.1", "port": 25}
    assert document["result"] == "stopped" and document["error"] is None
    tls = document["tls"]
    assert isinstance(tls, dict) and tls["version"] == "TLSv1.3" and tls["verified"] is True
    first, second = document["steps"][:2]  # type: ignore[index]
    assert first == {
        "sent": None,
        "reply": {"code": 220, "enhanced": None, "lines": ["220 hi"]},
        "elapsed_ms": 1.5,
        "stage": "connect",
    }
    assert second["reply"]["enhanced"] == "2.0.0"
    json.dumps(document)


def test_json_error_object() -> None:
    events = Script().error("connect", "connect", "connection refused by 192.0.2.1:25").events
    document = to_json(events, target="192.0.2.1")
    assert document["result"] == "error"
    assert document["error"] == {
        "stage": "connect",
        "kind": "connect",
        "message": "connection refused by 192.0.2.1:25",
    }
    assert document["peer"] is None and document["tls"] is None and document["steps"] == []


def test_text_has_timing_and_meaning_per_reply() -> None:
    script = Script().delivery(rcpt_reply="550 5.1.1 <b@example.com>: unknown")
    script.events.insert(3, ProtocolViolation(T0, "ehlo", "bare LF"))
    text = to_text(script.events, started_at=T0)
    lines = text.splitlines()
    assert "connected to 192.0.2.1:25 from 192.0.2.9:40000" in lines[0]
    assert "10.0 ms" in lines[0]
    reply_lines = [line for line in lines if "<- 550" in line]
    assert reply_lines and "1.5 ms" in reply_lines[0]
    meaning = lines[lines.index(reply_lines[0]) + 1]
    assert meaning.strip().startswith("= permanent failure")
    assert "protocol violation (ehlo): bare LF" in text
    assert "-> RCPT TO:<b@example.com>" in text


def test_text_uses_the_given_explanation() -> None:
    text = to_text(Script().delivery().events, explain=lambda reply, stage: f"{stage}:{reply.code}")
    assert "= rcpt:250" in text and "= end-of-data:250" in text


def test_text_reports_tls_and_errors() -> None:
    script = Script().connect().reply("connect", "220 hi")
    script.events.append(TlsUpgraded(script._at(), _facts(verified=False)))
    script.error("starttls", "tls", "certificate has expired; use --no-verify to see it")
    text = to_text(script.events)
    assert "TLS TLSv1.3, TLS_AES_256_GCM_SHA384" in text
    assert "certificate NOT verified: certificate has expired" in text
    assert "tls error at starttls: certificate has expired" in text


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        (250, "success"),
        (354, "intermediate"),
        (451, "transient"),
        (550, "permanent"),
        (599, "permanent"),
    ],
)
def test_basic_meaning(code: int, fragment: str) -> None:
    assert basic_meaning(parse_reply(f"{code} text")).startswith(fragment)


def test_basic_meaning_without_code() -> None:
    assert "not a valid SMTP reply" in basic_meaning(parse_reply("garbage"))


def _request(**options: object) -> CommandRequest:
    return CommandRequest(
        options=ConnectOptions("mx.example.com", 587, **options),  # type: ignore[arg-type]
        sender="me@example.org",
        recipients=("you@example.com", "other@example.com"),
        credentials=Credentials("PLAIN", "me", "hunter2-secret"),
    )


def test_swaks_command_is_redacted_and_quoted() -> None:
    command = swaks_command(_request(tls="starttls", helo="client.example"))
    words = shlex.split(command)
    assert words[:5] == ["swaks", "--server", "mx.example.com", "--port", "587"]
    assert "hunter2-secret" not in command
    assert words[words.index("--auth-password") + 1] == "<redacted>"
    assert words[words.index("--to") + 1] == "you@example.com,other@example.com"
    assert "--tls" in words and "--tls-verify" in words
    assert words[words.index("--ehlo") + 1] == "client.example"
    shown = shlex.split(swaks_command(_request(), show_secrets=True))
    assert shown[shown.index("--auth-password") + 1] == "hunter2-secret"


def test_swaks_command_quotes_hostile_values() -> None:
    request = CommandRequest(
        options=ConnectOptions("mx.example.com", 25),
        sender="a@example.org; rm -rf ~",
        recipients=("$(reboot)@example.com",),
        subject="it's `here`",
        quit_after="rcpt",
    )
    words = shlex.split(swaks_command(request))
    assert words[words.index("--from") + 1] == "a@example.org; rm -rf ~"
    assert words[words.index("--to") + 1] == "$(reboot)@example.com"
    assert words[words.index("--header") + 1] == "Subject: it's `here`"
    assert words[words.index("--quit-after") + 1] == "rcpt"


@settings(deadline=None)
@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_swaks_command_round_trips_any_value(sender: str, secret: str) -> None:
    request = CommandRequest(
        options=ConnectOptions("mx.example.com", 25),
        sender=sender,
        recipients=("b@example.com",),
        credentials=Credentials("LOGIN", "user", secret),
    )
    problem = swaks_problem(request, show_secrets=True)
    if problem is not None:  # a value swaks would misread: no command at all
        with pytest.raises(ValueError) as refused:
            swaks_command(request, show_secrets=True)
        assert str(refused.value) == problem
        return
    command = swaks_command(request, show_secrets=True)
    words = shlex.split(command)
    assert words[words.index("--from") + 1] == sender
    assert words[words.index("--auth-password") + 1] == secret


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"sender": "-q@example.org"}, "--from"),
        ({"recipients": ("ok@example.com", "--pipe=sh@example.com")}, "--to"),
        ({"recipients": ('"a,b"@example.com',)}, "commas"),
        ({"body": "-"}, "--body"),
        ({"message": b"--boundary\r\n"}, "the message"),
        ({"credentials": Credentials("PLAIN", "-u", "secret")}, "--user"),
    ],
)
def test_swaks_is_never_given_a_value_it_would_read_as_an_option(
    change: dict[str, object], named: str
) -> None:
    fields: dict[str, object] = {
        "options": ConnectOptions("mx.example.com", 25, helo="client.example"),
        "sender": "me@example.org",
        "recipients": ("you@example.com",),
    } | change
    request = CommandRequest(**fields)  # type: ignore[arg-type]
    problem = swaks_problem(request)
    assert problem is not None and named in problem
    with pytest.raises(ValueError) as refused:
        swaks_command(request)
    assert str(refused.value) == problem


def test_a_password_swaks_would_misread_is_named_but_not_shown() -> None:
    request = _request()
    request = CommandRequest(
        options=request.options,
        sender=request.sender,
        recipients=request.recipients,
        credentials=Credentials("PLAIN", "me", "-hunter2=secret"),
    )
    assert swaks_problem(request) is None  # the placeholder is shown, not the password
    problem = swaks_problem(request, show_secrets=True)
    assert problem is not None and "password" in problem and "hunter2" not in problem
    assert problem.startswith("swaks cannot be given the password: it reads a value"), problem


def test_relative_paths_that_start_with_a_dash_get_a_directory() -> None:
    options = ConnectOptions(
        "mx.example.com", 25, tls="starttls", ca_file="-ca.pem", client_cert="-c.pem",
        client_key="/abs/-k.pem",
    )  # fmt: skip
    request = CommandRequest(options=options, sender="a@example.org", recipients=("b@x.example",))
    words = shlex.split(swaks_command(request))
    assert words[words.index("--tls-ca-path") + 1] == "./-ca.pem"
    assert words[words.index("--tls-cert") + 1] == "./-c.pem"
    assert words[words.index("--tls-key") + 1] == "/abs/-k.pem"
    openssl = shlex.split(openssl_command(options))
    assert openssl[openssl.index("-CAfile") + 1] == "./-ca.pem"


def test_a_message_file_whose_name_starts_with_at_is_still_a_file() -> None:
    options = ConnectOptions("mx.example.com", 25)
    request = CommandRequest(
        options=options, sender="a@example.org", recipients=("b@x.example",), data_file="@m.eml"
    )
    words = shlex.split(swaks_command(request))
    assert words[words.index("--data") + 1] == "@./@m.eml"  # '@@' would make it literal text


def test_openssl_command() -> None:
    starttls = shlex.split(openssl_command(ConnectOptions("mx.example.com", 25, helo="me.example")))
    assert starttls[:5] == ["openssl", "s_client", "-connect", "mx.example.com:25", "-crlf"]
    assert starttls[5:7] == ["-starttls", "smtp"]
    assert starttls[starttls.index("-servername") + 1] == "mx.example.com"
    assert "-verify_return_error" in starttls
    implicit = shlex.split(
        openssl_command(ConnectOptions("2001:db8::1", 465, tls="implicit", verify="report"))
    )
    assert implicit[3] == "[2001:db8::1]:465"
    assert "-starttls" not in implicit and "-servername" not in implicit
    assert "-verify_return_error" not in implicit


_STAGES: tuple[Stage, ...] = (
    "connect",
    "ehlo",
    "starttls",
    "mail",
    "rcpt",
    "data",
    "end-of-data",
    "quit",
)


@st.composite
def transcripts(draw: st.DrawFn) -> list[Event]:
    """Arbitrary transcripts: any order of sends, replies with any bytes, errors and closes."""
    events: list[Event] = []
    clock = T0
    for _ in range(draw(st.integers(0, 12))):
        clock += draw(st.floats(0, 5))
        stage = draw(st.sampled_from(_STAGES))
        kind = draw(
            st.sampled_from(["sent", "received", "error", "closed", "violation", "connected"])
        )
        if kind == "sent":
            events.append(Sent(clock, stage, draw(st.text(max_size=30))))
        elif kind == "received":
            raw = draw(st.binary(max_size=120))
            events.append(Received(clock, stage, parse_reply(raw), draw(st.floats(0, 1e6))))
        elif kind == "error":
            events.append(ErrorEvent(clock, stage, "protocol", draw(st.text(max_size=30))))
        elif kind == "closed":
            events.append(Closed(clock, "server", "gone"))
        elif kind == "violation":
            events.append(ProtocolViolation(clock, stage, "odd"))
        else:
            events.append(Connected(clock, "h", 25, ("192.0.2.1", 25), ("192.0.2.2", 1), False))
    return events


@settings(deadline=None)
@given(transcripts())
def test_any_transcript_exports_without_error(events: list[Event]) -> None:
    result = classify(events)
    assert result in ("delivered", "stopped", "transient", "permanent", "error")
    document = to_json(events, target="t")
    assert document["result"] == result
    json.dumps(document)
    text = to_text(events, started_at=T0)
    assert text.count("\n") + 1 >= len(events) or not events
    assert sum(1 for step in steps(events) if step.sent is not None) == sum(
        1 for event in events if isinstance(event, Sent)
    )


def test_swaks_message_sources() -> None:
    options = ConnectOptions("mx.example.com", 25, tls="none")
    base = {"options": options, "sender": "", "recipients": ("b@example.com",)}
    from_file = shlex.split(swaks_command(CommandRequest(**base, data_file="/tmp/m.eml")))  # type: ignore[arg-type]
    assert from_file[from_file.index("--data") + 1] == "@/tmp/m.eml"
    assert from_file[from_file.index("--from") + 1] == "<>"
    stdin = shlex.split(swaks_command(CommandRequest(**base, data_file="-")))  # type: ignore[arg-type]
    assert stdin[stdin.index("--data") + 1] == "-"
    literal = shlex.split(
        swaks_command(CommandRequest(**base, message=b"Subject: x\r\n\r\nhi\r\n"))  # type: ignore[arg-type]
    )
    assert literal[literal.index("--data") + 1] == "Subject: x\r\n\r\nhi\r\n"
    body = shlex.split(swaks_command(CommandRequest(**base, body="@not-a-file")))  # type: ignore[arg-type]
    assert body[body.index("--body") + 1] == "@@not-a-file"


def test_command_request_from_a_delivery_plan() -> None:
    from ehlo.smtp.transaction import DeliveryPlan

    options = ConnectOptions("mx.example.com", 587, tls="starttls")
    plan = DeliveryPlan(
        "a@example.org",
        ("b@example.com",),
        message=b"Subject: t\r\n\r\nx\r\n",
        credentials=Credentials("PLAIN", "me", "sekret-42"),
        quit_after="starttls",
    )
    request = CommandRequest.from_plan(options, plan)
    assert request.quit_after == "tls" and request.message == plan.message
    words = shlex.split(swaks_command(request))
    assert words[words.index("--quit-after") + 1] == "helo"
    assert "sekret-42" not in " ".join(words)


def test_text_never_passes_terminal_escapes_through() -> None:
    script = Script().connect().reply("connect", "220 \x1b]0;owned\x07 hi \x1b[2J\u202eevil")
    script.error("ehlo", "protocol", "server said \x1b[31mred\r\x00")
    text = to_text(script.events)
    assert "\x1b" not in text and "\x07" not in text and "\x00" not in text
    assert "\u202e" not in text and "\r" not in text
    assert "\\x1b]0;owned\\x07" in text and "\\u202eevil" in text


@settings(deadline=None)
@given(st.text(max_size=60))
def test_printable_output_for_any_reply_text(text: str) -> None:
    script = Script().connect().reply("connect", "220 " + text)
    for line in to_text(script.events).splitlines():
        assert line.isprintable() or "\t" in line


def test_a_close_caused_by_an_error_does_not_repeat_its_message() -> None:
    message = "the TLS handshake failed: WRONG_VERSION_NUMBER"
    events: list[Event] = [
        ErrorEvent(1.0, "connect", "tls", message),
        Closed(1.1, "error", message),
    ]
    text = to_text(events)
    assert text.count(message) == 1
    assert text.splitlines()[-1].endswith("connection closed because of this error")
    other = to_text([ErrorEvent(1.0, "mail", "closed", "gone"), Closed(1.1, "server", "gone")])
    assert other.splitlines()[-1].endswith("connection closed by the server")
    unrelated = to_text([ErrorEvent(1.0, "quit", "timeout", "slow"), Closed(1.1, "client", "QUIT")])
    assert unrelated.splitlines()[-1].endswith("connection closed by client: QUIT")
