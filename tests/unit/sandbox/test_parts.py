"""The sandbox's small parts: enhanced codes, bounded tables and store, certificate, identity."""

from __future__ import annotations

import re
import time

import pytest
from cryptography import x509
from hypothesis import given
from hypothesis import strategies as st

from ehlo.sandbox.certificate import load_pair, self_signed, server_context
from ehlo.sandbox.identity import DEMO_PASSWORD, DEMO_USER, credentials_match, is_demo_mailbox
from ehlo.sandbox.replies import with_enhanced_code
from ehlo.sandbox.scenario import GreylistTable, RateCounter, multiline, reply
from ehlo.sandbox.store import MessageStore, StoredMessage

ENHANCED = re.compile(r"^([245])\d\d[ -]([245])\.\d{1,3}\.\d{1,3}(\s|$)")


@pytest.mark.parametrize(
    ("plain", "expected"),
    [
        ("250 OK", "250 2.0.0 OK"),
        ("503 Error: need RCPT command", "503 5.5.1 Error: need RCPT command"),
        ("501 Syntax: HELO hostname", "501 5.5.4 Syntax: HELO hostname"),
        ("552 Error: Too much mail data", "552 5.3.4 Error: Too much mail data"),
        ("250 2.1.0 Ok", "250 2.1.0 Ok"),
        ("354 End data with <CR><LF>.<CR><LF>", "354 End data with <CR><LF>.<CR><LF>"),
        ("334 VXNlcm5hbWU6", "334 VXNlcm5hbWU6"),
    ],
)
def test_enhanced_code_is_added_where_missing(plain: str, expected: str) -> None:
    assert with_enhanced_code(plain) == expected


@given(st.sampled_from("245"), st.integers(0, 99), st.text(max_size=80))
def test_enhanced_code_matches_the_reply_class(first: str, rest: int, text: str) -> None:
    line = f"{first}{rest:02d} {text}"
    result = with_enhanced_code(line)
    assert result.startswith(f"{first}{rest:02d}")
    if "\r" not in line and "\n" not in line:
        match = ENHANCED.match(result)
        assert match is not None
        assert match.group(1) == match.group(2)
    assert with_enhanced_code(result) == result


def test_reply_helpers_build_wire_bytes() -> None:
    assert reply("250 2.0.0 Ok").payload == b"250 2.0.0 Ok\r\n"
    assert multiline("452", "4.2.2", ["a", "b"]).payload == b"452-4.2.2 a\r\n452 4.2.2 b\r\n"
    assert reply("421 4.7.0 bye", close=True).close


def test_greylist_table_is_bounded() -> None:
    table = GreylistTable(capacity=3)
    for number in range(10):
        table.first_seen(("192.0.2.1", f"s{number}@x", "r@y"), float(number))
    assert len(table._first_seen) == 3
    assert table.first_seen(("192.0.2.1", "s9@x", "r@y"), 99.0) == (9.0, False)
    assert table.first_seen(("192.0.2.1", "s0@x", "r@y"), 99.0) == (99.0, True)


def test_rate_counter_forgets_after_the_window_and_is_bounded() -> None:
    counter = RateCounter(capacity=2, window=60)
    counter.record("a", 0)
    counter.record("a", 30)
    assert counter.recent("a", 59) == 2
    assert counter.recent("a", 61) == 1
    counter.record("b", 0)
    counter.record("c", 0)
    assert counter.recent("a", 61) == 0  # evicted: only two clients are kept


def _message(size: int, number: int = 0) -> StoredMessage:
    return StoredMessage(
        received_at=time.time(),
        queue_id=f"Q{number}",
        peer="127.0.0.1",
        helo=None,
        sender=f"s{number}@example.com",
        recipients=("alice@example.net",),
        data=b"x" * size,
        tls=False,
        authenticated_as=None,
    )


def test_store_keeps_the_newest_within_count_and_bytes() -> None:
    store = MessageStore(max_messages=3, max_bytes=1000)
    for number in range(5):
        store.add(_message(100, number))
    assert [m.queue_id for m in store.snapshot()] == ["Q2", "Q3", "Q4"]
    store.add(_message(900, 5))
    assert [m.queue_id for m in store.snapshot()] == ["Q4", "Q5"]
    assert store.total_bytes <= 1000
    store.add(_message(5000, 6))  # larger than the bound alone: kept, everything else dropped
    assert [m.queue_id for m in store.snapshot()] == ["Q6"]


def test_self_signed_certificate_loads_into_a_server_context() -> None:
    pair = self_signed("sandbox.ehlo.test")
    certificate = x509.load_pem_x509_certificate(pair.certificate_pem.encode())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["sandbox.ehlo.test", "localhost"]
    assert len(names.get_values_for_type(x509.IPAddress)) == 2
    server_context(pair)


def test_load_pair_refuses_non_pem(tmp_path: pytest.TempPathFactory) -> None:
    from pathlib import Path

    directory = Path(str(tmp_path))
    (directory / "cert.pem").write_text("not a certificate")
    (directory / "key.pem").write_text("not a key")
    with pytest.raises(ValueError, match="PEM"):
        load_pair(str(directory / "cert.pem"), str(directory / "key.pem"))
    with pytest.raises(OSError):
        load_pair(str(directory / "missing.pem"), str(directory / "key.pem"))


def test_demo_identity() -> None:
    assert credentials_match(DEMO_USER, DEMO_PASSWORD)
    assert not credentials_match(DEMO_USER, DEMO_PASSWORD + "x")
    assert not credentials_match("Demo", DEMO_PASSWORD)
    assert is_demo_mailbox(" Alice@Example.NET ")
    assert not is_demo_mailbox("mallory@example.net")
