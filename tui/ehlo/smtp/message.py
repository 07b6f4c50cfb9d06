"""Message bodies: CRLF normalisation, dot-stuffing (RFC 5321 4.5.2), the test message."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from email.message import EmailMessage

_LINE_ENDINGS = re.compile(rb"\r\n|\r|\n")


def as_bytes(message: bytes | str) -> bytes:
    """A message as bytes (text is encoded as UTF-8)."""
    return message.encode("utf-8") if isinstance(message, str) else message


def normalise_line_endings(message: bytes) -> bytes:
    """Every bare CR or LF becomes CRLF, and the message ends with CRLF (unless empty)."""
    normalised = _LINE_ENDINGS.sub(b"\r\n", message)
    if normalised and not normalised.endswith(b"\r\n"):
        normalised += b"\r\n"
    return normalised


def dot_stuff(message: bytes) -> bytes:
    """Double a leading dot on every line (the message must already use CRLF)."""
    stuffed = message.replace(b"\r\n.", b"\r\n..")
    return b"." + stuffed if stuffed.startswith(b".") else stuffed


def data_payload(message: bytes | str) -> bytes:
    """What goes on the wire after 354: normalised, dot-stuffed, ended with CRLF.CRLF."""
    return dot_stuff(normalise_line_endings(as_bytes(message))) + b".\r\n"


def summary(message: bytes) -> str:
    """A one-line description of a message for the transcript."""
    lines = message.count(b"\n") if message else 0
    return f"<message: {len(message)} bytes, {lines} lines>"


def default_message(
    sender: str,
    recipients: Sequence[str],
    subject: str | None = None,
    body: str | None = None,
    helo: str | None = None,
) -> bytes:
    """An RFC 5322 test message from sender to recipients, with Date and Message-ID.

    Returns:
        The message with CRLF line endings.
    """
    from email.message import EmailMessage
    from email.policy import SMTP, SMTPUTF8
    from email.utils import formatdate, make_msgid

    domain = helo or (sender.rpartition("@")[2] if "@" in sender else None) or "ehlo.invalid"
    international = not all(address.isascii() for address in (sender, *recipients))
    message = EmailMessage(policy=SMTPUTF8 if international else SMTP)  # RFC 6532 headers
    _set_address_header(message, "From", _one_line(sender) or "<>", "<>")
    to = ", ".join(map(_one_line, recipients)) if recipients else ""
    _set_address_header(message, "To", to or "undisclosed-recipients:;", "undisclosed-recipients:;")
    message["Subject"] = _one_line(subject) if subject is not None else "ehlo test message"
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=_ascii_domain(domain.strip("[]")))
    message.set_content(
        body if body is not None else "This is a test message sent with ehlo, an SMTP debugger.\n"
    )
    return message.as_bytes()


def _ascii_domain(domain: str) -> str:
    """A domain for a Message-ID: internationalised names as A-labels."""
    try:
        name = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return "ehlo.invalid"
    return (
        name if re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?", name) else "ehlo.invalid"
    )


def _one_line(text: str) -> str:
    """Header text without anything Python's email package counts as a line break."""
    return " ".join(text.splitlines())


def _set_address_header(message: EmailMessage, name: str, value: str, fallback: str) -> None:
    """Set an address header; text the email package cannot parse (it can raise anything,
    even IndexError) gives the fallback: the envelope still carries the real addresses."""
    try:
        message[name] = value
    except Exception:
        message[name] = fallback
