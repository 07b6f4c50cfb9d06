"""Building and checking command lines before they go on the wire."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping

from ehlo.smtp.connection import StepFailed
from ehlo.smtp.events import Stage

_ESMTP_KEYWORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")
_ENVELOPE_ADDRESS = re.compile(r"(?i)^\s*(?:FROM|TO)\s*:\s*<([^>]*)>")


def format_params(params: Mapping[str, str | None]) -> str:
    """ESMTP parameters as ` KEY=VALUE KEY ...` (empty when there are none)."""
    return "".join(
        f" {key}" if value is None else f" {key}={value}" for key, value in params.items()
    )


def params_problem(params: Mapping[str, str | None]) -> str | None:
    """Why ESMTP parameters cannot be sent as given (RFC 5321 4.1.2, RFC 6531), or None."""
    for key, value in params.items():
        if not _ESMTP_KEYWORD.fullmatch(key):
            return f"the parameter name {key!r} is not an ESMTP keyword (letters, digits, '-')"
        if value is not None and (
            not value or any(ord(char) <= 32 or char in "=\x7f" for char in value)
        ):
            return (
                f"the value of {key} must be non-empty, without spaces, control characters "
                "or '='; it would change the meaning of the command"
            )
    return None


def has_line_break(*parts: str) -> bool:
    """Whether any part holds CR or LF (which would smuggle another command)."""
    return any("\r" in part or "\n" in part for part in parts)


def refused(stage: Stage, why: str = "the command contains a line break (CR or LF)") -> StepFailed:
    """The non-fatal failure of a command that is not sent."""
    return StepFailed(stage, "refused-command", f"{why}; nothing was sent", fatal=False)


def command_bytes(stage: Stage, line: str) -> bytes:
    """A command line as sent: UTF-8 with CRLF.

    Raises:
        StepFailed: refused-command when the line holds CR or LF or cannot be encoded.
    """
    if has_line_break(line):
        raise refused(stage)
    try:
        return line.encode("utf-8", errors="surrogateescape") + b"\r\n"
    except UnicodeEncodeError as exc:
        raise refused(
            stage, f"the command holds a character that cannot be sent ({exc.reason})"
        ) from None


def message_bytes(stage: Stage, message: bytes | str) -> bytes:
    """A message as bytes (text as UTF-8).

    Raises:
        StepFailed: refused-command when text cannot be encoded.
    """
    if isinstance(message, bytes):
        return message
    try:
        return message.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise refused(
            stage, f"the message holds a character that cannot be sent ({exc.reason})"
        ) from None


def envelope_address(argument: str) -> str:
    """The address of a typed `FROM:<a@b> ...` or `TO:<a@b>` argument (the argument otherwise)."""
    found = _ENVELOPE_ADDRESS.match(argument)
    if found:
        return found.group(1)
    _, _, rest = argument.partition(":")
    words = rest.split()
    return words[0].strip("<>") if words else argument.strip()


def address_literal(address: str) -> str:
    """An IP address as an RFC 5321 address literal: `[192.0.2.1]` or `[IPv6:2001:db8::1]`."""
    try:
        parsed = ipaddress.ip_address(address.partition("%")[0])
    except ValueError:
        return f"[{address}]"
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped
    return f"[IPv6:{parsed}]" if parsed.version == 6 else f"[{parsed}]"
