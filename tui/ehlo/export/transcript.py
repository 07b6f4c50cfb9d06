"""The transcript as data: steps (command and reply), the verdict, and the JSON document."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ehlo.smtp.events import (
    Closed,
    Connected,
    ErrorEvent,
    Event,
    Received,
    Sent,
    Stage,
    TlsUpgraded,
)
from ehlo.smtp.reply import Reply

if TYPE_CHECKING:
    from ehlo.smtp.tls import TlsFacts

Result = Literal["delivered", "stopped", "transient", "permanent", "error"]
"""How a transaction ended. `stopped`: ended early on purpose, everything accepted so far."""

_NOT_FINAL_STAGES: frozenset[str] = frozenset({"quit", "rset", "noop", "help", "vrfy"})


@dataclass(frozen=True, slots=True)
class Step:
    """One command and the reply it got (the banner is a step without a command)."""

    stage: Stage
    sent: str | None
    reply: Reply | None
    elapsed_ms: float

    def to_dict(self) -> dict[str, object]:
        """JSON shape: sent, reply ({code, enhanced, lines} or null), elapsed_ms, stage."""
        return {
            "sent": self.sent,
            "reply": self.reply.to_dict() if self.reply is not None else None,
            "elapsed_ms": round(self.elapsed_ms, 3),
            "stage": self.stage,
        }


def steps(events: Sequence[Event]) -> list[Step]:
    """Pair each sent line with the reply it got, in order (pipelined commands included)."""
    result: list[Step] = []
    waiting: list[Sent] = []
    for event in events:
        if isinstance(event, Sent):
            waiting.append(event)
        elif isinstance(event, Received):
            if waiting:
                sent = waiting.pop(0)
                result.append(Step(sent.stage, sent.line, event.reply, event.elapsed_ms))
            else:
                result.append(Step(event.stage, None, event.reply, event.elapsed_ms))
        elif isinstance(event, ErrorEvent | Closed) and waiting:
            for sent in waiting:
                result.append(
                    Step(sent.stage, sent.line, None, elapsed_ms_between(sent.at, event.at))
                )
            waiting = []
    result.extend(Step(sent.stage, sent.line, None, 0.0) for sent in waiting)
    return result


def elapsed_ms_between(start: float, end: float) -> float:
    """Milliseconds between two timestamps, never negative."""
    return max(0.0, (end - start) * 1000.0)


def first_error(events: Sequence[Event]) -> ErrorEvent | None:
    """The first error that was not just a failed goodbye (QUIT)."""
    for event in events:
        if isinstance(event, ErrorEvent) and event.stage != "quit":
            return event
    return None


def deciding_reply(events: Sequence[Event]) -> Received | None:
    """The last reply to a command of the transaction proper (not QUIT, RSET, NOOP, HELP, VRFY)."""
    for event in reversed(events):
        if isinstance(event, Received) and event.stage not in _NOT_FINAL_STAGES:
            return event
    return None


def classify(events: Sequence[Event]) -> Result:
    """How the transaction ended: the last reply that mattered decides, then errors.

    The last reply outside QUIT/RSET/NOOP/HELP/VRFY is the verdict when it is negative
    (a 5xx EHLO followed by a successful HELO, or a refused opportunistic STARTTLS, are
    not last). Otherwise an error means `error`, an accepted message `delivered`, else `stopped`.
    """
    last = deciding_reply(events)
    delivered = False
    for event in events:
        accepted = isinstance(event, Received) and event.reply.reply_class == 2
        if accepted and isinstance(event, Received) and event.stage in ("end-of-data", "bdat"):
            delivered = event.stage == "end-of-data" or _is_last_chunk(events, event)
    if last is not None and last.reply.reply_class in (4, 5):
        return "transient" if last.reply.reply_class == 4 else "permanent"
    if first_error(events) is not None:
        return "error"
    if last is not None and last.reply.code is None:
        return "error"
    return "delivered" if delivered else "stopped"


def _is_last_chunk(events: Sequence[Event], received: Received) -> bool:
    """Whether a BDAT reply answered the chunk marked LAST."""
    sent_lines = [e.line for e in events if isinstance(e, Sent) and e.stage == "bdat"]
    replies = [e for e in events if isinstance(e, Received) and e.stage == "bdat"]
    position = replies.index(received)
    return position < len(sent_lines) and sent_lines[position].upper().rstrip().endswith("LAST")


EXIT_CODES: dict[Result, int] = {
    "delivered": 0,
    "stopped": 0,
    "transient": 1,
    "permanent": 2,
    "error": 3,
}


def tls_facts(events: Sequence[Event]) -> TlsFacts | None:
    """The facts of the last TLS upgrade, if TLS came up."""
    found: TlsFacts | None = None
    for event in events:
        if isinstance(event, TlsUpgraded):
            found = event.facts
    return found


def peer(events: Sequence[Event]) -> dict[str, object] | None:
    """The address the session connected to, as {address, port}."""
    for event in reversed(events):
        if isinstance(event, Connected):
            return {"address": event.peer[0], "port": event.peer[1]}
    return None


def to_json(
    events: Sequence[Event],
    *,
    target: str,
    result: Result | None = None,
    error: ErrorEvent | None = None,
) -> dict[str, object]:
    """The `ehlo check --json` object: target, peer, tls, steps, result, error."""
    facts = tls_facts(events)
    error = error or first_error(events)
    return {
        "target": target,
        "peer": peer(events),
        "tls": facts.to_dict() if facts is not None else None,
        "steps": [step.to_dict() for step in steps(events)],
        "result": result or classify(events),
        "error": (
            {"stage": error.stage, "kind": error.kind, "message": error.message}
            if error is not None
            else None
        ),
    }
