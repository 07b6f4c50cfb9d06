"""Message bodies on the wire."""

from __future__ import annotations

from email import message_from_bytes

from hypothesis import given
from hypothesis import strategies as st

from ehlo.smtp.message import data_payload, default_message, dot_stuff, normalise_line_endings


def test_line_endings_become_crlf() -> None:
    assert normalise_line_endings(b"a\nb\rc\r\nd") == b"a\r\nb\r\nc\r\nd\r\n"
    assert normalise_line_endings(b"") == b""


def test_dot_stuffing() -> None:
    assert dot_stuff(b".a\r\nb\r\n.\r\n..c\r\n") == b"..a\r\nb\r\n..\r\n...c\r\n"


def test_payload_ends_with_terminator() -> None:
    assert data_payload("hi") == b"hi\r\n.\r\n"
    assert data_payload(b"") == b".\r\n"


@given(st.binary(max_size=500))
def test_payload_never_ends_early(message: bytes) -> None:
    payload = data_payload(message)
    assert payload.endswith(b"\r\n.\r\n") or payload == b".\r\n"
    assert b"\r\n.\r\n" not in payload[:-3] or payload.startswith(b".\r\n")
    assert b"\n" not in payload.replace(b"\r\n", b"")
    assert b"\r" not in payload.replace(b"\r\n", b"")


def test_default_message_is_rfc5322() -> None:
    raw = default_message(
        "a@ehlo.test", ["b@ehlo.test", "c@ehlo.test"], subject="Hi", helo="h.test"
    )
    parsed = message_from_bytes(raw)
    assert parsed["From"] == "a@ehlo.test" and parsed["To"] == "b@ehlo.test, c@ehlo.test"
    assert (
        parsed["Subject"] == "Hi" and parsed["Date"] and parsed["Message-ID"].endswith("@h.test>")
    )
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
