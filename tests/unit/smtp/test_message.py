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


def received_by_a_server(payload: bytes) -> bytes:
    """What an RFC 5321 4.5.2 receiver makes of the bytes after 354: lines up to '.', unstuffed."""
    lines = payload.split(b"\r\n")
    end = lines.index(b".")
    assert lines[end + 1 :] == [b""], "nothing may follow the terminator"
    body = [line[1:] if line.startswith(b".") else line for line in lines[:end]]
    return b"".join(line + b"\r\n" for line in body)


@given(
    st.lists(
        st.sampled_from([b".", b"..", b"\r", b"\n", b"\r\n", b"a", b".\r\n", b"\r\n.", b" "]),
        max_size=30,
    ).map(b"".join)
    | st.binary(max_size=300)
)
def test_a_server_receives_exactly_the_normalised_message(message: bytes) -> None:
    assert received_by_a_server(data_payload(message)) == normalise_line_endings(message)


def test_dot_stuffing_edge_cases() -> None:
    assert data_payload(b".") == b"..\r\n.\r\n"
    assert data_payload(b"a\r\n.") == b"a\r\n..\r\n.\r\n"
    assert data_payload(b"a\r.b") == b"a\r\n..b\r\n.\r\n"  # a lone CR ends a line
    assert data_payload(b"no final newline") == b"no final newline\r\n.\r\n"


def test_default_message_for_internationalised_addresses() -> None:
    raw = default_message("用户@例子.广告", ["ü@bücher.de"])
    assert "From: 用户@例子.广告\r\n".encode() in raw
    assert "To: ü@bücher.de\r\n".encode() in raw  # RFC 6532, not RFC 2047 words in an address
    parsed = message_from_bytes(raw)
    assert parsed["Message-ID"].endswith("@xn--fsqu00a.xn--4rr70v>")


ADDRESS_TEXT = st.text(alphabet=st.sampled_from(list(':,;<>@"()[]\\. aü\x0c\t=?')), max_size=30)


@given(
    ADDRESS_TEXT | st.text(max_size=40),
    st.lists(ADDRESS_TEXT | st.text(max_size=40), max_size=3),
    st.none() | st.text(max_size=40),
    st.none() | ADDRESS_TEXT,
)
def test_default_message_never_fails_for_sendable_addresses(
    sender: str, recipients: list[str], subject: str | None, helo: str | None
) -> None:
    texts = [sender, *recipients, subject or "", helo or ""]
    if any("\r" in text or "\n" in text for text in texts):
        return  # such addresses are refused before DATA
    try:
        "".join(texts).encode("utf-8")
    except UnicodeEncodeError:
        return  # and so are these
    assert default_message(sender, recipients, subject=subject, helo=helo).endswith(b"\r\n")
