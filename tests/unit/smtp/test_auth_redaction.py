"""Redaction of secrets and SASL answers, without a server."""

from __future__ import annotations

import base64
import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from ehlo.smtp.auth import REDACTED, AuthExchange, Redactor
from ehlo.smtp.events import ErrorEvent, Received, Sent
from ehlo.smtp.options import Credentials
from ehlo.smtp.reply import parse_reply

SECRET = "s3cr3t-Pa55"


def b64(data: str | bytes) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.b64encode(raw).decode()


def test_secret_and_its_base64_forms_are_redacted() -> None:
    redactor = Redactor([SECRET])
    for form in [SECRET, b64(SECRET), b64(SECRET).rstrip("="), b64("\0u\0" + SECRET)]:
        assert redactor.redact(f"before {form} after") == f"before {REDACTED} after"


def test_base64_that_decodes_to_the_secret_at_any_offset() -> None:
    redactor = Redactor([SECRET])
    for prefix in ["", "x", "xy", "xyz", "user=me\x01auth=Bearer "]:
        token = b64(prefix + SECRET + "\x01\x01")
        assert REDACTED in redactor.redact(f"AUTH XOAUTH2 {token}")
        assert SECRET not in redactor.redact(token)


def test_unrelated_text_is_kept() -> None:
    redactor = Redactor([SECRET])
    assert redactor.redact("250 2.0.0 Ok: queued as 4F1") == "250 2.0.0 Ok: queued as 4F1"


@given(st.text(min_size=4, max_size=30), st.text(max_size=20), st.text(max_size=20))
def test_property_any_blob_containing_the_secret_is_redacted(
    secret: str, before: str, after: str
) -> None:
    redactor = Redactor([secret])
    token = b64(before + secret + after)
    redacted = redactor.redact(f"AUTH PLAIN {token}")
    assert token not in redacted
    assert secret not in redacted


def test_events_are_redacted() -> None:
    redactor = Redactor([SECRET])
    reply = parse_reply(f"535 5.7.8 bad password {SECRET}")
    received = redactor.redact_event(Received(0.0, "auth", reply, 1.0))
    assert SECRET not in repr(received) and SECRET not in str(received.to_dict())  # type: ignore[union-attr]
    error = redactor.redact_event(ErrorEvent(0.0, "auth", "protocol", f"x {b64(SECRET)}"))
    assert b64(SECRET) not in repr(error)
    sent = redactor.redact_event(Sent(0.0, "auth", SECRET))
    assert sent.line == REDACTED  # type: ignore[union-attr]


def test_plain_and_xoauth2_initial_responses() -> None:
    plain = AuthExchange(Credentials("PLAIN", "u", SECRET)).start()
    assert plain.line == "AUTH PLAIN " + b64("\0u\0" + SECRET) and SECRET not in plain.shown
    xoauth = AuthExchange(Credentials("XOAUTH2", "u@x", SECRET)).start()
    assert xoauth.line == "AUTH XOAUTH2 " + b64(f"user=u@x\x01auth=Bearer {SECRET}\x01\x01")
    assert xoauth.shown == f"AUTH XOAUTH2 {REDACTED}"


def test_cram_md5_answer() -> None:
    exchange = AuthExchange(Credentials("CRAM-MD5", "u", SECRET))
    challenge = b"<1.2@host>"
    answer = exchange.respond(parse_reply("334 " + b64(challenge)))
    digest = hmac.new(SECRET.encode(), challenge, hashlib.md5).hexdigest()
    assert answer.line == b64(f"u {digest}") and answer.shown == REDACTED


def test_login_answers_by_prompt() -> None:
    exchange = AuthExchange(Credentials("LOGIN", "u", SECRET))
    assert exchange.respond(parse_reply("334 " + b64("Username:"))).line == b64("u")
    answer = exchange.respond(parse_reply("334 " + b64("Password:")))
    assert answer.line == b64(SECRET) and answer.shown == REDACTED
    assert exchange.respond(parse_reply("334 again")).line == "*"


def test_credentials_repr_hides_secret() -> None:
    credentials = Credentials("PLAIN", "u", SECRET)
    assert SECRET not in repr(credentials) and SECRET not in str(credentials)


def test_a_short_secret_is_redacted_where_it_stands_alone_not_inside_words() -> None:
    redactor = Redactor(["x"])
    assert redactor.redact("unexpected x here") == f"unexpected {REDACTED} here"
    assert redactor.redact("password=x;") == f"password={REDACTED};"
    # its base64 forms are short too ("eA==", "eA"): they go where they stand alone
    assert redactor.redact("AUTH PLAIN eA==") == f"AUTH PLAIN {REDACTED}"
    assert redactor.redact("eAsy") == "eAsy"  # decodes to bytes holding an "x" by chance
    plain = base64.b64encode(b"\0demo\0x").decode()
    assert redactor.redact(f"AUTH PLAIN {plain}") == f"AUTH PLAIN {REDACTED}"
    bearer = base64.b64encode(b"user=demo\x01auth=Bearer x\x01\x01").decode()
    assert redactor.redact(f"AUTH XOAUTH2 {bearer}") == f"AUTH XOAUTH2 {REDACTED}"


def test_a_short_secret_in_base64_is_redacted_wherever_a_field_holds_it() -> None:
    """Inside decoded base64 a short secret counts between separators, not only as a whole
    SASL field: key=value text, a line of its own, a lower-case bearer prefix."""
    redactor = Redactor(["ab"])
    for data in [b"pass=ab", b"ab\r\n", b"user=me\x01auth=bearer ab\x01\x01", b"\0me\0ab"]:
        token = base64.b64encode(data).decode()
        assert redactor.redact(f"x {token}") == f"x {REDACTED}", data
    assert redactor.redact("about a cab") == "about a cab"


def test_a_secret_short_in_characters_but_not_in_bytes_is_redacted_inside_words() -> None:
    redactor = Redactor(["日本語"])
    assert redactor.redact("535 パスワード日本語は無効") == f"535 パスワード{REDACTED}は無効"
