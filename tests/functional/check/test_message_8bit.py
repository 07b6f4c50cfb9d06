"""`ehlo check` asks for SMTPUTF8 and 8BITMIME when the envelope or the message needs them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import Collector, collecting_server, run_check


@pytest.fixture
def utf8_server() -> Iterator[tuple[str, Collector]]:
    """aiosmtpd offering SMTPUTF8 and 8BITMIME."""
    with collecting_server(smtputf8=True) as server:
        yield server


def test_an_international_address_is_sent_with_smtputf8(
    utf8_server: tuple[str, Collector],
) -> None:
    target, collector = utf8_server
    run = run_check(target, "--tls", "none", "--from", "jörg@bücher.example", "--to",
                    "b@example.net", "--json")  # fmt: skip
    assert run.code == 0, run.output
    sent = [step["sent"] for step in run.json()["steps"]]  # type: ignore[union-attr,index]
    mail = next(line for line in sent if line and line.startswith("MAIL"))
    assert mail.startswith("MAIL FROM:<jörg@bücher.example> SMTPUTF8"), sent
    (envelope,) = collector.envelopes
    assert "SMTPUTF8" in envelope.mail_options


def test_an_eight_bit_message_is_sent_with_body_8bitmime(
    utf8_server: tuple[str, Collector], tmp_path: Path
) -> None:
    target, collector = utf8_server
    message = tmp_path / "latin.eml"
    message.write_bytes("Subject: plain\r\n\r\nGrüße aus Köln\r\n".encode())
    run = run_check(target, "--tls", "none", "--from", "a@example.org", "--to",
                    "b@example.net", "--data", str(message), "--json")  # fmt: skip
    assert run.code == 0, run.output
    sent = [step["sent"] for step in run.json()["steps"]]  # type: ignore[union-attr,index]
    assert "MAIL FROM:<a@example.org> BODY=8BITMIME" in sent, sent
    (envelope,) = collector.envelopes
    assert "BODY=8BITMIME" in envelope.mail_options


def test_an_ascii_transaction_asks_for_nothing(utf8_server: tuple[str, Collector]) -> None:
    target, _collector = utf8_server
    run = run_check(target, "--tls", "none", "--from", "a@example.org", "--to",
                    "b@example.net", "--json")  # fmt: skip
    assert run.code == 0, run.output
    sent = [step["sent"] for step in run.json()["steps"]]  # type: ignore[union-attr,index]
    assert "MAIL FROM:<a@example.org>" in sent, sent
