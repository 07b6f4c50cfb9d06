"""Reading a reply's text: codes wherever they stand, the search text, addresses and IPs."""

from __future__ import annotations

import re
from typing import NamedTuple

from ehlo.smtp.reply import MAX_REPLY_BYTES, Reply, parse_reply

ENHANCED_ANYWHERE = re.compile(r"(?<![\w.])#?([245])\.([0-9]{1,3})\.([0-9]{1,3})(?!\.?\d)(?![\w-])")
"""An enhanced status code inside a text: `5.7.1`, `(#5.7.1)`, `#5.1.0`, `cuda_nsu 4.7.1`.

Its digits are ASCII; the look-arounds stay Unicode, so a code glued to any letter is none."""
ENHANCED_HINT = re.compile(r"[245]\.\d", re.ASCII)
"""How every ENHANCED_ANYWHERE match starts after its optional `#`: a quick test first."""

LEADING_ENHANCED = re.compile(r"^\s*#?([245])\.(\d{1,3})\.(\d{1,3})(?=[\s:,;)\]]|$)", re.ASCII)
EMBEDDED_MARKER = re.compile(
    r"(?<!\S)[245]\d\d(?:-|\s(?=#?[245]\.\d{1,3}\.\d{1,3}\s))(?:#?[245]\.\d{1,3}\.\d{1,3}(?=\s|$))?",
    re.ASCII,
)
"""`550-5.7.26 ` continuation prefixes left inside a reply that was quoted on one line."""
MARKER_HINT = re.compile(r"[245]\d\d[-\s]", re.ASCII)
"""How every EMBEDDED_MARKER match starts: a quick test before the substitution."""

IPV4 = re.compile(r"\d(?<![\d.]\d)\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?![\d.]*\d)", re.ASCII)
"""A dotted quad not inside a longer run of digits and dots. It starts with a digit rather
than its look-behind, so that the regex engine skips to digits fast."""
DOTTED_NUMBERS = re.compile(r"\.\d{1,3}\.\d{1,3}\.\d", re.ASCII)
"""Held by every IPv4 address: a quick test before the full search (it starts with a literal,
which the regex engine looks for fast)."""
IPV6_BRACKETED = re.compile(r"\[(?:IPv6:)?([0-9A-Fa-f:.]*:[0-9A-Fa-f:.]+)\]")
ADDRESS = re.compile(
    r"<?([^\s<>@\"',;:()\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+)>?"
)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

TOO_LARGE = MAX_REPLY_BYTES
"""Texts longer than this (the engine's reply cap) are not treated as replies."""


class ReadReply(NamedTuple):
    """A reply as annotate() reads it, or the reason it could not be read."""

    reply: Reply | None
    problem: str | None = None


def read_input(value: object) -> ReadReply:
    """Turn annotate()'s input into a Reply, or say why it is not one."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, Reply):
        if any("not valid UTF-8" in v for v in value.violations):
            return ReadReply(None, "the reply is not valid UTF-8 text")
        return ReadReply(value)
    elif isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        if len(data) > TOO_LARGE:
            return ReadReply(
                None, f"the input is {len(data):,} bytes, too large to be an SMTP reply"
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return ReadReply(None, "the input is not valid UTF-8 text")
    else:
        return ReadReply(None, f"expected reply text, got {type(value).__name__}")
    if len(text) > TOO_LARGE:
        return ReadReply(
            None, f"the input is {len(text):,} characters, too large to be an SMTP reply"
        )
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        return ReadReply(None, "the input is not valid UTF-8 text")
    if not text or text.isspace():
        return ReadReply(None, "the input is empty")
    if not text.isprintable() and (
        "\x00" in text
        or (CONTROL.search(text) is not None and len(CONTROL.findall(text)) * 20 > len(text))
    ):
        return ReadReply(None, "the input is binary data, not reply text")
    if "\\n" in text and "\n" not in text.strip():
        text = text.replace("\\r\\n", "\n").replace("\\n", "\n")
        data = text.encode("utf-8")
    return ReadReply(parse_reply(data))


def leading_enhanced(text: str) -> str | None:
    """The enhanced code at the start of a line's text, if any."""
    found = LEADING_ENHANCED.match(text)
    return ".".join(found.groups()) if found else None


def find_enhanced(reply: Reply, reply_class: int | None) -> str | None:
    """The reply's enhanced status code, wherever it stands (RFC 3463)."""
    if reply.enhanced:
        return reply.enhanced
    for text in reply.texts:
        found = leading_enhanced(text)
        if found and (reply_class is None or found[0] == str(reply_class)):
            return found
    for text in reply.texts:
        if ENHANCED_HINT.search(text) is None:
            continue
        for match in ENHANCED_ANYWHERE.finditer(text):
            if reply_class is None or match.group(1) == str(reply_class):
                return ".".join(match.groups())
    return None


def search_text(reply: Reply) -> str:
    """The reply's text for matching: lines joined by spaces, codes and markers removed."""
    parts: list[str] = []
    for index, text in enumerate(reply.texts):
        if index == 0 and reply.enhanced and text.startswith(reply.enhanced):
            # The parser found it at the start of the first line, where LEADING_ENHANCED
            # ends at the same place.
            parts.append(text[len(reply.enhanced) :])
            continue
        found = LEADING_ENHANCED.match(text)
        parts.append(text[found.end() :] if found else text)
    joined = " ".join(parts)
    if MARKER_HINT.search(joined) is not None:
        joined = EMBEDDED_MARKER.sub(" ", joined)
    return " ".join(joined.split())


def client_ip(text: str) -> str | None:
    """The first IP address mentioned in a reply (usually the client's), loopback excepted."""
    if DOTTED_NUMBERS.search(text) is not None:
        for match in IPV4.finditer(text):
            octets = [int(part) for part in match.group(0).split(".")]
            if max(octets) <= 255 and octets[0] not in (0, 127):
                return ".".join(map(str, octets))
    if "[" not in text or ":" not in text:
        return None
    for match in IPV6_BRACKETED.finditer(text):
        import ipaddress

        try:
            return str(ipaddress.ip_address(match.group(1)))
        except ValueError:
            continue
    return None


def mail_address(text: str) -> str | None:
    """The first mail address mentioned in a reply."""
    if "@" not in text:
        return None
    found = ADDRESS.search(text)
    return found.group(1) if found else None
