"""The transcript: one frozen, timestamped event for everything that happens in a session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ehlo.smtp.reply import Reply
from ehlo.smtp.stages import Stage as Stage  # noqa: PLC0414 (re-exported)
from ehlo.smtp.tls import TlsFacts

"""What the session was doing. `end-of-data` is the message itself and the reply after it."""

ErrorKind = Literal[
    "resolve", "connect", "timeout", "tls", "protocol", "closed", "too-large", "refused-command"
]

ClosedBy = Literal["client", "server", "error"]


@dataclass(frozen=True, slots=True)
class Connected:
    """A TCP connection is open (and TLS is up, for implicit TLS)."""

    at: float
    host: str
    port: int
    peer: tuple[str, int]
    local: tuple[str, int]
    implicit_tls: bool

    def to_dict(self) -> dict[str, object]:
        """JSON shape."""
        return {
            "type": "connected",
            "at": self.at,
            "host": self.host,
            "port": self.port,
            "peer": list(self.peer),
            "local": list(self.local),
            "implicit_tls": self.implicit_tls,
        }


@dataclass(frozen=True, slots=True)
class Sent:
    """A line sent to the server (secrets redacted; a message body as a summary line)."""

    at: float
    stage: Stage
    line: str

    def to_dict(self) -> dict[str, object]:
        """JSON shape."""
        return {"type": "sent", "at": self.at, "stage": self.stage, "line": self.line}


@dataclass(frozen=True, slots=True)
class Received:
    """A complete reply, and how long it took since the command (or connection) was sent."""

    at: float
    stage: Stage
    reply: Reply
    elapsed_ms: float

    def to_dict(self) -> dict[str, object]:
        """JSON shape; the reply as {code, enhanced, lines} plus its violations."""
        return {
            "type": "received",
            "at": self.at,
            "stage": self.stage,
            "reply": self.reply.to_dict(),
            "violations": list(self.reply.violations),
            "elapsed_ms": round(self.elapsed_ms, 3),
        }


@dataclass(frozen=True, slots=True)
class TlsUpgraded:
    """TLS is up; what was negotiated and what the certificate chain says."""

    at: float
    facts: TlsFacts

    def to_dict(self) -> dict[str, object]:
        """JSON shape."""
        return {"type": "tls-upgraded", "at": self.at, "facts": self.facts.to_dict()}


@dataclass(frozen=True, slots=True)
class ProtocolViolation:
    """The server broke a protocol rule; the session went on."""

    at: float
    stage: Stage
    message: str

    def to_dict(self) -> dict[str, object]:
        """JSON shape."""
        return {
            "type": "protocol-violation",
            "at": self.at,
            "stage": self.stage,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class ErrorEvent:
    """Something failed; `message` says what went wrong and what to do."""

    at: float
    stage: Stage
    kind: ErrorKind
    message: str

    def to_dict(self) -> dict[str, object]:
        """JSON shape."""
        return {
            "type": "error",
            "at": self.at,
            "stage": self.stage,
            "kind": self.kind,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Closed:
    """The connection is closed, by whom and why."""

    at: float
    by: ClosedBy
    reason: str

    def to_dict(self) -> dict[str, object]:
        """JSON shape."""
        return {"type": "closed", "at": self.at, "by": self.by, "reason": self.reason}


Event = Connected | Sent | Received | TlsUpgraded | ProtocolViolation | ErrorEvent | Closed
