"""EHLO keyword parsing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ehlo.smtp.extensions import Extensions
from ehlo.smtp.reply import parse_reply

POSTFIX_EHLO = """250-mx.example.com
250-PIPELINING
250-SIZE 10240000
250-VRFY
250-ETRN
250-STARTTLS
250-AUTH PLAIN LOGIN
250-AUTH=PLAIN LOGIN CRAM-MD5
250-ENHANCEDSTATUSCODES
250-8BITMIME
250-DSN
250-SMTPUTF8
250 CHUNKING"""


def test_postfix_style_reply() -> None:
    extensions = Extensions.parse(parse_reply(POSTFIX_EHLO))
    assert extensions.server_name == "mx.example.com"
    assert extensions.size == 10240000
    assert extensions.auth_mechanisms == ("PLAIN", "LOGIN", "CRAM-MD5")
    assert extensions.pipelining and extensions.starttls and extensions.eight_bit_mime
    assert extensions.smtputf8 and extensions.chunking and extensions.dsn
    assert extensions.enhanced_status_codes
    assert extensions.unknown == ("VRFY", "ETRN")
    assert extensions.to_dict()["size"] == 10240000


def test_greeting_line_is_never_a_keyword_and_case_is_folded() -> None:
    extensions = Extensions.parse(parse_reply("250-STARTTLS greets you\n250-size\n250 auth login"))
    assert not extensions.starttls
    assert extensions.size == 0
    assert extensions.auth_mechanisms == ("LOGIN",)


def test_single_line_reply_has_no_keywords() -> None:
    extensions = Extensions.parse(parse_reply("250 mx.example.com"))
    assert extensions.names == frozenset() and extensions.size is None


def test_invalid_size_is_none() -> None:
    assert Extensions.parse(parse_reply("250-x\n250 SIZE lots")).size is None


def test_odd_sizes_are_none() -> None:
    for value in ["\u00b2", "9" * 5000, "-1"]:
        assert Extensions.parse(parse_reply(f"250-x\n250 SIZE {value}")).size is None


@given(st.lists(st.binary(max_size=80), max_size=12))
def test_any_ehlo_reply_parses(lines: list[bytes]) -> None:
    raw = b"".join(b"250-" + line.replace(b"\n", b" ") + b"\r\n" for line in lines) + b"250 END\r\n"
    extensions = Extensions.parse(parse_reply(raw))
    assert extensions.size is None or extensions.size >= 0
    assert all(name == name.upper() for name in extensions.names)
    assert all(m == m.upper() for m in extensions.auth_mechanisms)
    extensions.to_dict()
