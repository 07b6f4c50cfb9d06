"""How engine events become transcript lines (no Textual here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from ehlo.smtp.events import Event, Received

LineKind = Literal["client", "server", "server-bad", "tls", "auth", "error", "violation", "info"]

TLS_STAGES = frozenset({"starttls"})
AUTH_STAGES = frozenset({"auth"})


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    """One display line of the transcript; `reply` indexes the transcript's replies."""

    kind: LineKind
    text: str
    at: float
    marker: str = " "
    reply: int | None = None
    latency_ms: float | None = None


def event_lines(event: Event, reply_index: int | None) -> list[TranscriptLine]:
    """The display lines of one engine event."""
    from ehlo.smtp.events import (
        Closed,
        Connected,
        ErrorEvent,
        ProtocolViolation,
        Received,
        Sent,
        TlsUpgraded,
    )

    at = event.at
    if isinstance(event, Sent):
        kind: LineKind = "client"
        marker = " "
        if event.stage in TLS_STAGES:
            kind, marker = "tls", "T"
        elif event.stage in AUTH_STAGES:
            kind, marker = "auth", "A"
        return [TranscriptLine(kind, f"C: {event.line}", at, marker)]
    if isinstance(event, Received):
        return _reply_lines(event, reply_index)
    if isinstance(event, Connected):
        tls = " over implicit TLS" if event.implicit_tls else ""
        peer = f"{event.peer[0]}:{event.peer[1]}"
        local = f"{event.local[0]}:{event.local[1]}"
        text = f"-- connected to {event.host}:{event.port} ({peer}) from {local}{tls}"
        return [TranscriptLine("info", text, at)]
    if isinstance(event, TlsUpgraded):
        facts = event.facts
        if facts.verified:
            verdict = "certificate verified"
        else:
            verdict = f"certificate NOT verified: {facts.verify_error or 'unknown reason'}"
        text = f"-- TLS established: {facts.version} {facts.cipher}; {verdict}"
        return [TranscriptLine("tls", text, at, "T")]
    if isinstance(event, ProtocolViolation):
        return [TranscriptLine("violation", f"!! protocol: {event.message}", at, "!")]
    if isinstance(event, ErrorEvent):
        return [TranscriptLine("error", f"xx {event.kind} error: {event.message}", at, "x")]
    if isinstance(event, Closed):
        reason = f": {event.reason}" if event.reason else ""
        return [TranscriptLine("info", f"-- connection closed by {event.by}{reason}", at)]
    return [TranscriptLine("info", f"-- {event!r}", getattr(event, "at", 0.0))]


def _reply_lines(event: Received, reply_index: int | None) -> list[TranscriptLine]:
    reply = event.reply
    bad = reply.code is None or reply.code >= 400
    kind: LineKind = "server-bad" if bad else "server"
    marker = " "
    if event.stage in TLS_STAGES:
        marker = "T"
    elif event.stage in AUTH_STAGES:
        marker = "A"
    texts = reply.lines or ("(empty reply)",)
    lines = [TranscriptLine(kind, f"S: {text}", event.at, marker, reply_index) for text in texts]
    last = lines[-1]
    lines[-1] = TranscriptLine(
        last.kind, last.text, last.at, last.marker, reply_index, event.elapsed_ms
    )
    lines.extend(
        TranscriptLine("violation", f"!! {violation}", event.at, "!", reply_index)
        for violation in reply.violations
    )
    return lines
