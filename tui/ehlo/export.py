"""Transcript export: text, JSON, and an equivalent swaks or openssl command, redacted.

The transcript is the engine's list of events. Secrets never reach it (the engine redacts AUTH),
and the commands built here show a placeholder instead of a password unless asked otherwise.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ehlo.fixes import shell_join
from ehlo.smtp.events import (
    Closed,
    Connected,
    ErrorEvent,
    Event,
    ProtocolViolation,
    Received,
    Sent,
    Stage,
    TlsUpgraded,
)
from ehlo.smtp.options import ConnectOptions, Credentials
from ehlo.smtp.reply import Reply

if TYPE_CHECKING:
    from ehlo.smtp.tls import TlsFacts
    from ehlo.smtp.transaction import DeliveryPlan

Result = Literal["delivered", "stopped", "transient", "permanent", "error"]
"""How a transaction ended. `stopped`: ended early on purpose, everything accepted so far."""

Explain = Callable[[Reply, str], str | None]
"""One-line meaning of a reply at a stage."""

REDACTED = "<redacted>"

_NOT_FINAL_STAGES: frozenset[str] = frozenset({"quit", "rset", "noop", "help", "vrfy"})

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
                result.append(Step(sent.stage, sent.line, None, _ms(sent.at, event.at)))
            waiting = []
    result.extend(Step(sent.stage, sent.line, None, 0.0) for sent in waiting)
    return result


def _ms(start: float, end: float) -> float:
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


def printable(text: str) -> str:
    """Text safe for a terminal: control characters (escape sequences from a hostile server,
    stray CR or NUL) become visible `\\xNN` escapes."""
    if text.isprintable():
        return text
    return "".join(
        char
        if char.isprintable() or char == "\t"
        else f"\\x{ord(char):02x}"
        if ord(char) < 0x100
        else f"\\u{ord(char):04x}"
        for char in text
    )


def format_event(
    event: Event, *, explain: Explain | None = None, previous_at: float | None = None
) -> list[str]:
    """The human lines for one event (for printing a transcript as it happens).

    Every line is made printable: server text can carry terminal escape sequences.
    """
    return [printable(line) for line in _event_lines(event, explain, previous_at)]


def _event_lines(event: Event, explain: Explain | None, previous_at: float | None) -> list[str]:
    """The lines of one event, as they are."""
    if isinstance(event, Connected):
        elapsed = _ms(previous_at, event.at) if previous_at is not None else None
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
    for event in events:
        out.extend(format_event(event, explain=explain, previous_at=previous_at))
        previous_at = event.at
    return "\n".join(out)


def _address(pair: tuple[str, int]) -> str:
    """`host:port`, IPv6 in brackets."""
    host, port = pair
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


QuitAfter = Literal["connect", "ehlo", "tls", "auth", "mail", "rcpt", "data"]

_QUIT_AFTER_OF_STEP: dict[str, QuitAfter] = {
    "connect": "connect",
    "ehlo": "ehlo",
    "starttls": "tls",
    "auth": "auth",
    "mail": "mail",
    "rcpt": "rcpt",
    "data": "data",
}

_SWAKS_QUIT_AFTER: dict[str, str] = {
    "connect": "banner",
    "ehlo": "first-helo",
    "tls": "helo",
    "auth": "auth",
    "mail": "mail",
    "rcpt": "rcpt",
}


@dataclass(frozen=True, slots=True)
class CommandRequest:
    """What an equivalent command needs to know about one transaction."""

    options: ConnectOptions
    sender: str
    recipients: tuple[str, ...]
    credentials: Credentials | None = None
    data_file: str | None = None
    """A message file (`-` for standard input)."""
    message: bytes | None = None
    """The message itself, when there is no file (as the app has it)."""
    subject: str | None = None
    body: str | None = None
    quit_after: QuitAfter | None = None

    @classmethod
    def from_plan(cls, options: ConnectOptions, plan: DeliveryPlan) -> CommandRequest:
        """The request for a session's options and delivery plan (as the app holds them)."""
        quit_after = _QUIT_AFTER_OF_STEP.get(plan.quit_after or "")
        return cls(
            options=options,
            sender=plan.sender,
            recipients=plan.recipients,
            credentials=plan.credentials,
            message=plan.message,
            quit_after=quit_after,
        )


def swaks_command(request: CommandRequest, *, show_secrets: bool = False) -> str:
    """The swaks command line for the same transaction, shell-quoted, password redacted."""
    options = request.options
    words = ["swaks", "--server", options.host, "--port", str(options.port)]
    words += ["--from", request.sender or "<>"]
    words += ["--to", ",".join(request.recipients)]
    if options.helo:
        words += ["--ehlo", options.helo]
    if options.family == "ipv4":
        words.append("-4")
    elif options.family == "ipv6":
        words.append("-6")
    if options.source_address:
        words += ["--local-interface", options.source_address]
    tls_flag = {"starttls": "--tls", "opportunistic": "--tls-optional-strict", "implicit": "--tlsc"}
    if options.tls in tls_flag:
        words.append(tls_flag[options.tls])
        if options.verify == "verify":
            words.append("--tls-verify")
        if options.ca_file:
            words += ["--tls-ca-path", options.ca_file]
        if options.server_name:
            words += ["--tls-sni", options.server_name]
        if options.client_cert:
            words += ["--tls-cert", options.client_cert]
        if options.client_key:
            words += ["--tls-key", options.client_key]
    if request.credentials is not None:
        secret = request.credentials.secret if show_secrets else REDACTED
        words += [
            "--auth",
            request.credentials.mechanism,
            "--auth-user",
            request.credentials.username,
        ]
        words += ["--auth-password", secret]
    if request.data_file:
        words += [
            "--data",
            request.data_file if request.data_file == "-" else f"@{request.data_file}",
        ]
    elif request.message is not None:
        words += ["--data", _swaks_literal(request.message.decode("utf-8", errors="replace"))]
    else:
        if request.subject is not None:
            words += ["--header", f"Subject: {request.subject}"]
        if request.body is not None:
            words += ["--body", _swaks_literal(request.body)]
    swaks_stop = _SWAKS_QUIT_AFTER.get(request.quit_after or "")
    if swaks_stop:
        words += ["--quit-after", swaks_stop]
    timeout = options.timeouts.command
    words += ["--timeout", f"{timeout:g}"]
    return shell_join(words)


def _swaks_literal(text: str) -> str:
    """Text swaks takes literally: a leading `@` would make it a file name."""
    return "@" + text if text.startswith("@") else text


def openssl_command(options: ConnectOptions) -> str:
    """The `openssl s_client` line that opens the same TLS session by hand, shell-quoted."""
    host = f"[{options.host}]" if ":" in options.host else options.host
    words = ["openssl", "s_client", "-connect", f"{host}:{options.port}", "-crlf"]
    if options.tls != "implicit":
        words += ["-starttls", "smtp"]
        if options.helo:
            words += ["-name", options.helo]
    server_name = options.server_name or (None if _is_ip_literal(options.host) else options.host)
    if server_name:
        words += ["-servername", server_name]
    if options.verify == "verify":
        words += ["-verify_return_error"]
        if server_name:
            words += ["-verify_hostname", server_name]
    if options.ca_file:
        words += ["-CAfile", options.ca_file]
    if options.client_cert:
        words += ["-cert", options.client_cert]
    if options.client_key:
        words += ["-key", options.client_key]
    if options.family == "ipv4":
        words.append("-4")
    elif options.family == "ipv6":
        words.append("-6")
    return shell_join(words)


def _is_ip_literal(host: str) -> bool:
    """Whether host is an IP address (SNI never carries one)."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
