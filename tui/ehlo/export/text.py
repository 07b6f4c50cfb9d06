"""The transcript as text for a person: a timing per step and a one-line meaning per reply."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ehlo.export.transcript import elapsed_ms_between
from ehlo.smtp.events import (
    Closed,
    Connected,
    ErrorEvent,
    Event,
    ProtocolViolation,
    Received,
    Sent,
    TlsUpgraded,
)
from ehlo.smtp.reply import Reply
from ehlo.terminal_text import printable

if TYPE_CHECKING:
    from ehlo.smtp.tls import TlsFacts

Explain = Callable[[Reply, str], str | None]
"""One-line meaning of a reply at a stage."""

_BASIC_MEANINGS: dict[int, str] = {
    211: "system status",
    214: "help message",
    220: "service ready",
    221: "service closing the connection",
    235: "authentication succeeded",
    250: "requested action okay, completed",
    251: "user not local; the server will forward",
    252: "cannot verify the user, but will accept the message and attempt delivery",
    334: "authentication continues: the server asks for the next piece",
    354: "start mail input; end it with <CRLF>.<CRLF>",
    421: "service not available, closing the connection: try again later",
    432: "a password transition is needed",
    450: "mailbox unavailable for now (busy, greylisted or blocked): try again later",
    451: "aborted: local error in processing: try again later",
    452: "insufficient system storage, or too many recipients: try again later",
    454: "temporary authentication or TLS failure: try again later",
    455: "server unable to accommodate the parameters now",
    500: "syntax error, command unrecognised",
    501: "syntax error in parameters or arguments",
    502: "command not implemented",
    503: "bad sequence of commands",
    504: "command parameter not implemented",
    521: "this host does not accept mail",
    530: "authentication required",
    534: "authentication mechanism is too weak",
    535: "authentication credentials invalid",
    538: "encryption required for this authentication mechanism",
    550: "mailbox unavailable or action refused by policy",
    551: "user not local",
    552: "exceeded storage allocation (message too large or mailbox full)",
    553: "mailbox name not allowed",
    554: "transaction failed (or no SMTP service here)",
    555: "MAIL FROM or RCPT TO parameters not recognised or not implemented",
    556: "the domain does not accept mail",
}

_CLASS_MEANINGS: dict[int, str] = {
    2: "success",
    3: "intermediate: the server waits for more",
    4: "transient failure: the same command may work later",
    5: "permanent failure: do not retry unchanged",
}


def basic_meaning(reply: Reply, stage: str | None = None) -> str:
    """The RFC 5321 meaning of a reply's code, or of its class when the code is unusual."""
    if reply.code is None:
        return "not a valid SMTP reply (no three-digit code)"
    specific = _BASIC_MEANINGS.get(reply.code)
    class_text = _CLASS_MEANINGS.get(reply.code // 100, "unknown reply class")
    return f"{class_text}: {specific}" if specific else class_text


_TIME_WIDTH = 11
_INDENT = " " * _TIME_WIDTH


def _time(ms: float | None) -> str:
    """The timing column."""
    if ms is None:
        return " " * _TIME_WIDTH
    text = f"{ms:.1f} ms" if ms < 10_000 else f"{ms / 1000:.1f} s"
    return f"{text:>{_TIME_WIDTH - 2}}  "


def describe_tls(facts: TlsFacts) -> list[str]:
    """Human lines about a TLS session and the server's certificate."""
    lines = [f"TLS {facts.version}, {facts.cipher}"]
    if facts.chain:
        leaf = facts.chain[0]
        names = ", ".join(leaf.sans[:4]) + (" ..." if len(leaf.sans) > 4 else "")
        lines.append(f"certificate {leaf.subject} for {names or 'no names'}")
        lines.append(
            f"issued by {leaf.issuer}; expires {leaf.not_after:%Y-%m-%d} ({leaf.days_left} days)"
        )
    if facts.verified:
        lines.append("certificate verified" + (f" for {facts.hostname}" if facts.hostname else ""))
    else:
        lines.append(f"certificate NOT verified: {facts.verify_error or 'unknown reason'}")
        if facts.hostname and not facts.hostname_matches:
            lines.append(f"the certificate does not name {facts.hostname}")
    return lines


def format_event(
    event: Event,
    *,
    explain: Explain | None = None,
    previous_at: float | None = None,
    previous: Event | None = None,
) -> list[str]:
    """The human lines for one event (for printing a transcript as it happens).

    Every line is made printable: server text can carry terminal escape sequences. Given the
    event before, a close caused by the error just shown does not repeat its message.
    """
    if (
        isinstance(event, Closed)
        and isinstance(previous, ErrorEvent)
        and previous.message == event.reason
    ):
        closer = "because of this error" if event.by == "error" else f"by the {event.by}"
        return [f"{_INDENT}*  connection closed {closer}"]
    return [printable(line) for line in _event_lines(event, explain, previous_at)]


def _event_lines(event: Event, explain: Explain | None, previous_at: float | None) -> list[str]:
    """The lines of one event, as they are."""
    if isinstance(event, Connected):
        elapsed = elapsed_ms_between(previous_at, event.at) if previous_at is not None else None
        tls = " with TLS" if event.implicit_tls else ""
        return [
            f"{_time(elapsed)}*  connected to {_address(event.peer)}{tls}"
            f" from {_address(event.local)}"
        ]
    if isinstance(event, Sent):
        return [f"{_INDENT}-> {event.line}"]
    if isinstance(event, Received):
        lines = event.reply.lines or ("(empty reply)",)
        out = [f"{_time(event.elapsed_ms)}<- {lines[0]}"]
        out.extend(f"{_INDENT}<- {line}" for line in lines[1:])
        text = (explain or basic_meaning)(event.reply, event.stage) or basic_meaning(event.reply)
        out.append(f"{_INDENT}   = {text}")
        out.extend(f"{_INDENT}   ! {problem}" for problem in event.reply.violations)
        return out
    if isinstance(event, TlsUpgraded):
        return [f"{_INDENT}*  {line}" for line in describe_tls(event.facts)]
    if isinstance(event, ProtocolViolation):
        return [f"{_INDENT}!  protocol violation ({event.stage}): {event.message}"]
    if isinstance(event, ErrorEvent):
        return [f"{_INDENT}x  {event.kind} error at {event.stage}: {event.message}"]
    return [f"{_INDENT}*  connection closed by {event.by}: {event.reason}"]


def to_text(
    events: Sequence[Event],
    *,
    explain: Explain | None = None,
    started_at: float | None = None,
) -> str:
    """A human transcript: a timing per step and a one-line meaning per reply."""
    out: list[str] = []
    previous_at = started_at
    previous: Event | None = None
    for event in events:
        out.extend(format_event(event, explain=explain, previous_at=previous_at, previous=previous))
        previous_at, previous = event.at, event
    return "\n".join(out)


def _address(pair: tuple[str, int]) -> str:
    """`host:port`, IPv6 in brackets."""
    host, port = pair
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
