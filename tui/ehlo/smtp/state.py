"""Where a session stands, from its transcript: the commands valid now, the suggested next step."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ehlo.smtp.command_line import address_literal, format_params
from ehlo.smtp.events import Closed, Connected, ErrorEvent, Event, Received, Sent, TlsUpgraded
from ehlo.smtp.extensions import Extensions
from ehlo.smtp.transaction import STEPS, DeliveryPlan, Step, mail_params

__all__ = [
    "SessionState",
    "Step",
    "session_state",
    "suggested_command",
    "suggested_step",
    "valid_commands",
]

_ALWAYS = frozenset({"NOOP", "RSET", "HELP", "VRFY", "QUIT"})


@dataclass
class SessionState:
    """What the transcript says so far (for the current connection)."""

    connected: bool = False
    closed: bool = False
    greeted: bool = False
    extensions: Extensions | None = None
    tls: bool = False
    starttls_refused: bool = False
    authenticated: bool = False
    mail_accepted: bool = False
    recipients_tried: int = 0
    recipients_accepted: int = 0
    delivered: int = 0
    failed: bool = False
    sasl_pending: bool = False
    last_step: Step | None = None
    helo_name: str | None = None
    local_address: str | None = None
    done: list[Step] = field(default_factory=list)

    def _reset_transaction(self) -> None:
        self.mail_accepted = False
        self.recipients_tried = self.recipients_accepted = 0


def session_state(transcript: Sequence[Event]) -> SessionState:
    """Replay a transcript into a SessionState."""
    state = SessionState()
    for event in transcript:
        if isinstance(event, Connected):
            state = SessionState(connected=True, local_address=event.local[0], done=["connect"])
            state.last_step = "connect"
        elif isinstance(event, Closed):
            state.connected, state.closed = False, True
        elif isinstance(event, ErrorEvent):
            if event.kind not in ("refused-command",) and not (
                event.kind == "closed" and not state.connected
            ):
                state.failed = True
        elif isinstance(event, TlsUpgraded):
            state.tls, state.greeted, state.extensions = True, False, None
            state.authenticated = False
            state._reset_transaction()
        elif isinstance(event, Sent) and event.stage in ("ehlo", "helo"):
            state.helo_name = event.line.partition(" ")[2] or state.helo_name
        elif isinstance(event, Received):
            _apply_reply(state, event)
    return state


def _apply_reply(state: SessionState, event: Received) -> None:
    """Update the state with one reply."""
    code = event.reply.code or 0
    positive = 200 <= code < 400
    stage = event.stage
    step: Step | None = None
    state.sasl_pending = stage == "auth" and code == 334
    if stage == "connect":
        step, state.failed = "connect", state.failed or code // 100 != 2
    elif stage in ("ehlo", "helo"):
        step = "ehlo"
        if code == 250:
            state.greeted, state.failed = True, False
            state.extensions = (
                Extensions.parse(event.reply) if stage == "ehlo" else Extensions.empty()
            )
            state._reset_transaction()
        elif not (stage == "ehlo" and code // 100 == 5):
            state.failed = True
    elif stage == "starttls":
        step = "starttls"
        state.starttls_refused = code != 220
    elif stage == "auth":
        step = "auth"
        state.authenticated = code // 100 == 2
        state.failed = state.failed or not positive
    elif stage == "mail":
        step = "mail"
        state._reset_transaction()
        state.mail_accepted = code // 100 == 2
        state.failed = state.failed or not state.mail_accepted
    elif stage == "rcpt":
        step = "rcpt"
        state.recipients_tried += 1
        if code // 100 == 2:
            state.recipients_accepted += 1
        else:
            state.failed = True
    elif stage in ("data", "bdat"):
        step = "data"
        state.failed = state.failed or not positive
    elif stage == "end-of-data":
        step = "data"
        if code // 100 == 2:
            state.delivered += 1
        else:
            state.failed = True
        state._reset_transaction()
    elif stage == "rset" and code // 100 == 2:
        state._reset_transaction()
        state.failed = False
    if step is not None:
        state.last_step = step
        state.done.append(step)


def suggested_step(transcript: Sequence[Event], plan: DeliveryPlan) -> Step:
    """The next step of a normal delivery of `plan` (plan.tls says whether to use STARTTLS).

    Returns:
        `connect` before anything, `quit` after a failure or when all is done, `done` once closed.
    """
    state = session_state(transcript)
    if state.closed and not state.connected:
        return "done"
    if not state.connected:
        return "connect"
    if state.sasl_pending:
        return "auth"
    if state.failed:
        return "quit"
    if _quit_now(state, plan):
        return "quit"
    if not state.greeted:
        return "ehlo"
    wants_tls = plan.tls in ("starttls", "opportunistic") and not state.tls
    offered = state.extensions is not None and state.extensions.starttls
    if wants_tls and not state.starttls_refused:
        if offered:
            return "starttls"
        if plan.tls == "starttls":
            return "quit"
    if plan.tls == "starttls" and not state.tls:
        return "quit"
    if plan.credentials is not None and not state.authenticated:
        return "auth"
    if state.delivered:
        return "quit"
    if not state.mail_accepted:
        return "mail"
    if state.recipients_tried < len(plan.recipients):
        return "rcpt"
    return "data"


def _quit_now(state: SessionState, plan: DeliveryPlan) -> bool:
    """Whether the plan's quit_after step is done."""
    if state.last_step is None or plan.quit_after is None:
        return False
    if state.last_step == "rcpt" and state.recipients_tried < len(plan.recipients):
        return False
    return STEPS.index(state.last_step) >= STEPS.index(plan.quit_after)


def suggested_command(
    transcript: Sequence[Event], plan: DeliveryPlan, message: bytes | None = None
) -> str:
    """The command line to prefill for the suggested step ("" for connect and done).

    `message` is the one DATA will send (it decides MAIL's SMTPUTF8 and BODY parameters).
    """
    step = suggested_step(transcript, plan)
    state = session_state(transcript)
    if step == "ehlo":
        literal = address_literal(state.local_address or "127.0.0.1")
        return f"EHLO {plan.helo or state.helo_name or literal}"
    if step == "starttls":
        return "STARTTLS"
    if step == "auth" and state.sasl_pending:
        return ""  # the answer to the server's 334 challenge must be typed
    if step == "auth" and plan.credentials is not None:
        return f"AUTH {plan.credentials.mechanism}"
    if step == "mail":
        params = mail_params(plan, state.extensions, message)
        return f"MAIL FROM:<{plan.sender}>{format_params(params)}"
    if step == "rcpt":
        recipient = plan.recipients[state.recipients_tried]
        return f"RCPT TO:<{recipient}>{format_params(plan.rcpt_params)}"
    if step == "data":
        return "DATA"
    if step == "quit":
        return "QUIT"
    return ""


def valid_commands(transcript: Sequence[Event]) -> frozenset[str]:
    """The verbs that make sense now (RFC 5321 section 4.1.4 ordering); empty when not connected."""
    state = session_state(transcript)
    if not state.connected:
        return frozenset()
    if state.sasl_pending:
        return frozenset({"*"})
    verbs = set(_ALWAYS) | {"EHLO", "HELO"}
    if not state.greeted:
        return frozenset(verbs)
    extensions = state.extensions or Extensions.empty()
    if extensions.starttls and not state.tls:
        verbs.add("STARTTLS")
    if extensions.auth_mechanisms and not state.authenticated and not state.mail_accepted:
        verbs.add("AUTH")
    if state.mail_accepted:
        verbs.add("RCPT")
        if state.recipients_accepted:
            verbs.add("DATA")
            if extensions.chunking:
                verbs.add("BDAT")
    else:
        verbs.add("MAIL")
    return frozenset(verbs)
