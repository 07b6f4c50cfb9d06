"""SMTP replies (RFC 5321 section 4.2) and a tolerant, incremental reply parser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

MAX_LINE = 512
"""RFC 5321 4.5.3.1.5: the longest reply line, CRLF included; longer lines are a violation."""

MAX_REPLY_BYTES = 64 * 1024
"""A reply larger than this ends the session (ReplyTooLarge)."""

ENHANCED_AT_START = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})(?=\s|$)", re.ASCII)
"""RFC 3463 class.subject.detail at the start of a reply line's text (RFC 2034); ASCII digits."""


MAX_VIOLATIONS = 10
"""Violations listed per reply; a hostile reply could otherwise carry thousands."""


def _capped(violations: tuple[str, ...]) -> tuple[str, ...]:
    """At most MAX_VIOLATIONS violations, the rest counted in one more."""
    if len(violations) <= MAX_VIOLATIONS:
        return violations
    more = len(violations) - MAX_VIOLATIONS
    return (*violations[:MAX_VIOLATIONS], f"... and {more} more violations in this reply")


class ReplyTooLarge(Exception):
    """The server sent more than MAX_REPLY_BYTES without ending a reply."""


@dataclass(frozen=True, slots=True)
class Reply:
    """One server reply: its code, its lines as received and what was wrong with them.

    `code` is the last line's code (RFC 5321 4.2.1), or None when no line carried a valid one.
    `lines` are the decoded lines without their line ending; `texts` are the same lines without
    the code and separator. `violations` lists protocol violations in plain words.
    """

    code: int | None
    lines: tuple[str, ...]
    texts: tuple[str, ...]
    enhanced: str | None = None
    raw: bytes = b""
    violations: tuple[str, ...] = field(default=())

    @property
    def text(self) -> str:
        """The reply's text, lines joined with newlines, codes removed."""
        return "\n".join(self.texts)

    @property
    def reply_class(self) -> int | None:
        """The first digit of the code (2, 3, 4 or 5), or None."""
        if self.code is None or not 200 <= self.code <= 599:
            return None
        return self.code // 100

    @property
    def is_positive(self) -> bool:
        """2xx or 3xx."""
        return self.reply_class in (2, 3)

    @property
    def is_transient(self) -> bool:
        """4xx: a transient negative completion."""
        return self.reply_class == 4

    @property
    def is_permanent(self) -> bool:
        """5xx: a permanent negative completion."""
        return self.reply_class == 5

    def to_dict(self) -> dict[str, object]:
        """The JSON shape of a reply: code, enhanced, lines."""
        return {"code": self.code, "enhanced": self.enhanced, "lines": list(self.lines)}


_SLOTS: dict[str, Any] = dict(vars(Reply))
_SET_CODE = _SLOTS["code"].__set__
_SET_LINES = _SLOTS["lines"].__set__
_SET_TEXTS = _SLOTS["texts"].__set__
_SET_ENHANCED = _SLOTS["enhanced"].__set__
_SET_RAW = _SLOTS["raw"].__set__
_SET_VIOLATIONS = _SLOTS["violations"].__set__


def build_reply(raw_lines: list[bytes], ending_violations: list[str] | None = None) -> Reply:
    """Build a Reply from its raw lines (line endings already removed)."""
    violations: list[str] = list(ending_violations or [])
    lines: list[str] = []
    texts: list[str] = []
    codes: list[int] = []
    for raw_line in raw_lines:
        try:
            line = raw_line.decode("utf-8")
        except UnicodeDecodeError:
            line = raw_line.decode("utf-8", errors="replace")
            violations.append("reply text is not valid UTF-8 (decoded with replacement characters)")
        if len(raw_line) + 2 > MAX_LINE:
            violations.append(
                f"reply line of {len(raw_line) + 2} bytes exceeds the {MAX_LINE} limit"
            )
        lines.append(line)
        # `NNN`, then a space, a hyphen or nothing, then the text (bytes.isdigit() is ASCII).
        if len(raw_line) < 3 or not raw_line[:3].isdigit():
            violations.append(f"line without a three-digit reply code: {line[:60]!r}")
            texts.append(line)
            continue
        line_code = int(raw_line[:3])
        if not 200 <= line_code <= 599:
            violations.append(f"reply code {line_code} is outside 2xx-5xx")
        codes.append(line_code)
        separator = raw_line[3:4]
        if separator in (b" ", b"-"):
            start = 4
        else:
            start = 3
            if separator:
                violations.append(f"no space or hyphen after the code in {line[:60]!r}")
        # The code and separator are ASCII, so the text starts at the same index in the
        # decoded line as in the raw one.
        texts.append(line[start:])
    if len(codes) > 1 and len(set(codes)) > 1:
        violations.append("lines of one reply carry different codes: " + ", ".join(map(str, codes)))
    code = codes[-1] if codes and 200 <= codes[-1] <= 599 else None
    enhanced = None
    if texts and code is not None:
        first = texts[0]
        # The class digit and dot first: most lines without a code are refused before the regex.
        if first[1:2] == "." and first[:1] == str(code)[0]:
            found = ENHANCED_AT_START.match(first)
            if found:
                enhanced = found.group(0)
    raw = b"\r\n".join(raw_lines) + b"\r\n" if raw_lines else b""
    reply = object.__new__(Reply)
    # What Reply(...) does, without its generated __init__'s per-field setattr calls: replies
    # are built for every line a server sends and every text annotate() reads.
    _SET_CODE(reply, code)
    _SET_LINES(reply, tuple(lines))
    _SET_TEXTS(reply, tuple(texts))
    _SET_ENHANCED(reply, enhanced)
    _SET_RAW(reply, raw)
    _SET_VIOLATIONS(reply, _capped(tuple(dict.fromkeys(violations))) if violations else ())
    return reply


class ReplyParser:
    """Turns a byte stream into Replies; tolerates bare LF, bad codes and bad bytes.

    Feed bytes with `feed()`; iterate over complete replies with `replies()`.
    """

    def __init__(self, max_reply_bytes: int = MAX_REPLY_BYTES) -> None:
        self._buffer = bytearray()
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._ending_violations: list[str] = []
        self._max = max_reply_bytes

    @property
    def max_reply_bytes(self) -> int:
        """The size cap of one reply."""
        return self._max

    @property
    def has_partial(self) -> bool:
        """Whether bytes of an unfinished reply are buffered."""
        return bool(self._buffer or self._pending)

    def feed(self, data: bytes) -> Iterator[Reply]:
        """Add received bytes; yield each reply they complete.

        Raises:
            ReplyTooLarge: when an unfinished reply grows past the cap.
        """
        self._buffer.extend(data)
        while True:
            newline = self._buffer.find(b"\n")
            if newline < 0:
                break
            line = bytes(self._buffer[:newline])
            del self._buffer[: newline + 1]
            if line.endswith(b"\r"):
                line = line[:-1]
            else:
                self._ending_violations.append("line ended with a bare LF instead of CRLF")
            self._pending.append(line)
            self._pending_size += len(line) + 2
            if self._pending_size > self._max:
                raise ReplyTooLarge(f"reply exceeds {self._max} bytes")
            if not _is_continuation(line):
                reply = build_reply(self._pending, self._ending_violations)
                self._pending, self._pending_size, self._ending_violations = [], 0, []
                yield reply
        if len(self._buffer) + self._pending_size > self._max:
            raise ReplyTooLarge(f"reply line exceeds {self._max} bytes without a line ending")

    def flush(self) -> Reply | None:
        """At end of stream, return what is buffered as a (violating) reply, if anything."""
        if not self.has_partial:
            return None
        lines = [*self._pending]
        violations = [*self._ending_violations]
        if self._buffer:
            lines.append(bytes(self._buffer))
            violations.append("connection closed before the reply's line ending")
        if lines and _is_continuation(lines[-1]):
            violations.append("connection closed in the middle of a multi-line reply")
        self._buffer.clear()
        self._pending, self._pending_size, self._ending_violations = [], 0, []
        return build_reply(lines, violations)


def _is_continuation(line: bytes) -> bool:
    """A line `NNN-...` announces that more lines follow."""
    return len(line) >= 4 and line[:3].isdigit() and line[3:4] == b"-"


def _encode_text(text: str) -> bytes:
    """Text back to bytes: escaped raw bytes are restored, lone surrogates become invalid bytes."""
    try:
        return text.encode("utf-8", errors="surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", errors="surrogatepass")


def parse_reply(text: str | bytes) -> Reply:
    """Parse one complete reply from text (LF or CRLF separated); never raises.

    Returns:
        The reply; lines without a code become violations, and a text without any line gives a
        Reply whose code is None.
    """
    data = _encode_text(text) if isinstance(text, str) else text
    data = data[:MAX_REPLY_BYTES]
    normalized = data.replace(b"\r\n", b"\n")
    raw_lines = normalized.split(b"\n")
    if b"\r" in normalized:
        raw_lines = [line.rstrip(b"\r") for line in raw_lines]
    while raw_lines and not raw_lines[-1].strip():
        raw_lines.pop()
    if not raw_lines:
        return Reply(code=None, lines=(), texts=(), raw=data, violations=("empty reply",))
    return build_reply(raw_lines)
