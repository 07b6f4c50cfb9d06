"""The message `ehlo check` sends, as a real server library (aiosmtpd) receives it."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from aiosmtpd.smtp import Envelope

from .conftest import Collector, collecting_server, run_check


@pytest.fixture
def collector() -> Iterator[tuple[str, Collector]]:
    with collecting_server() as server:
        yield server


def _envelope(handler: Collector) -> Envelope:
    assert len(handler.envelopes) == 1
    return handler.envelopes[0]


def test_generated_message_has_the_subject_and_body(collector: tuple[str, Collector]) -> None:
    target, handler = collector
    run = run_check(
        target, "--tls", "none", "--from", "a@x.example", "--to", "b@y.example", "--to",
        "c@y.example", "--subject", "Grüße from ehlo", "--body", "line one\nline two",
    )  # fmt: skip
    assert run.code == 0, run.output
    envelope = _envelope(handler)
    assert envelope.mail_from == "a@x.example"
    assert envelope.rcpt_tos == ["b@y.example", "c@y.example"]
    assert isinstance(envelope.content, bytes)
    message = message_from_bytes(envelope.content)
    assert str(make_header(decode_header(message["Subject"]))) == "Grüße from ehlo"
    assert message["Date"] and message["Message-ID"] and message["From"]
    assert b"line one" in envelope.content and b"line two" in envelope.content


def test_message_from_standard_input_is_sent_as_is(collector: tuple[str, Collector]) -> None:
    target, handler = collector
    text = (
        "Subject: piped\r\nFrom: a@x.example\r\n\r\nfirst\r\n.starts with a dot\r\n..two dots\r\n"
    )
    run = run_check(
        target, "--tls", "none", "--from", "a@x.example", "--to", "b@y.example", "--data", "-",
        stdin=text,
    )  # fmt: skip
    assert run.code == 0, run.output
    content = _envelope(handler).content
    assert isinstance(content, bytes)
    assert content.replace(b"\r\n", b"\n") == text.replace("\r\n", "\n").encode()


def test_message_file_with_bare_line_feeds(
    collector: tuple[str, Collector], tmp_path: Path
) -> None:
    target, handler = collector
    path = tmp_path / "message.eml"
    path.write_bytes(b"Subject: file\nFrom: a@x.example\n\nbody\n.\nafter a lone dot\n")
    run = run_check(
        target, "--tls", "none", "--from", "a@x.example", "--to", "b@y.example", "--data",
        str(path), "--json",
    )  # fmt: skip
    assert run.code == 0, run.output
    content = _envelope(handler).content
    assert isinstance(content, bytes)
    assert b"after a lone dot" in content
    assert content.replace(b"\r\n", b"\n").endswith(b"\n.\nafter a lone dot\n")


def test_required_starttls_that_is_not_offered_exits_3(collector: tuple[str, Collector]) -> None:
    target, handler = collector
    run = run_check(
        target, "--tls", "starttls", "--from", "a@x.example", "--to", "b@y.example", "--json"
    )
    assert run.code == 3, run.output
    document = run.json()
    error = document["error"]
    assert isinstance(error, dict) and error["kind"] == "tls" and "STARTTLS" in error["message"]
    sent = [step["sent"] for step in document["steps"]]  # type: ignore[union-attr]
    assert not any(line and line.startswith("MAIL") for line in sent)
    assert handler.envelopes == []


def test_ipv6_literal_target() -> None:
    import socket

    try:
        probe = socket.socket(socket.AF_INET6)
        probe.bind(("::1", 0))
        port = probe.getsockname()[1]
        probe.close()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    with collecting_server("::1", port) as (target, handler):
        run = run_check(
            target, "--tls", "none", "-6", "--from", "a@x.example", "--to", "b@y.example",
            "--json",
        )  # fmt: skip
    assert run.code == 0, run.output
    assert run.json()["peer"] == {"address": "::1", "port": port}
    assert len(handler.envelopes) == 1
