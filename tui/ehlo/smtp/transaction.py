"""One whole delivery over a session: connect, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, QUIT."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from ehlo.smtp.events import ErrorEvent, Event, Received, Stage
from ehlo.smtp.extensions import Extensions
from ehlo.smtp.message import default_message
from ehlo.smtp.options import Credentials, TlsMode
from ehlo.smtp.session import Session

Step = Literal["connect", "ehlo", "starttls", "auth", "mail", "rcpt", "data", "quit", "done"]
STEPS: tuple[Step, ...] = (
    "connect",
    "ehlo",
    "starttls",
    "auth",
    "mail",
    "rcpt",
    "data",
    "quit",
    "done",
)

__all__ = ["STEPS", "DeliveryPlan", "Step", "default_message", "mail_params", "run_transaction"]


@dataclass(frozen=True, slots=True)
class DeliveryPlan:
    """What to deliver: envelope, message (a test message when None), credentials, where to stop.

    `tls` tells `state.suggested_step` whether to suggest STARTTLS (`run_transaction` uses the
    session's own TLS mode); `helo` is the EHLO name (else the session's default).
    """

    sender: str
    recipients: tuple[str, ...]
    message: bytes | None = None
    credentials: Credentials | None = None
    quit_after: Step | None = None
    mail_params: Mapping[str, str | None] = field(default_factory=dict)
    rcpt_params: Mapping[str, str | None] = field(default_factory=dict)
    tls: TlsMode = "opportunistic"
    helo: str | None = None

    def message_bytes(self, helo: str | None = None) -> bytes:
        """The message to send: the plan's own, or a default test message."""
        if self.message is not None:
            return self.message
        return default_message(self.sender, self.recipients, helo=helo)


def _reached(step: Step, limit: Step | None) -> bool:
    """Whether `step` is at or past `limit`."""
    return limit is not None and STEPS.index(step) >= STEPS.index(limit)


class _Outcome:
    """What one step's events came to: its last reply code, and whether the delivery must stop."""

    def __init__(self) -> None:
        self.code: int | None = None
        self.error = False
        self.failed = False

    def see(self, event: Event) -> Event:
        """Note a Received or ErrorEvent."""
        if isinstance(event, Received):
            self.code = event.reply.code
        elif isinstance(event, ErrorEvent):
            self.error = True
        return event

    def require(self, *codes: int) -> None:
        """Mark the step failed unless the last reply was 2xx (or one of `codes`)."""
        good = self.code in codes if codes else (self.code is not None and self.code // 100 == 2)
        self.failed = self.failed or self.error or not good


async def _relay(events: AsyncIterator[Event], outcome: _Outcome) -> AsyncIterator[Event]:
    """Yield events while the outcome watches them."""
    async for event in events:
        yield outcome.see(event)


async def _connect(session: Session, plan: DeliveryPlan, outcome: _Outcome) -> AsyncIterator[Event]:
    if session.is_connected:
        return
    async for event in _relay(session.connect(), outcome):
        yield event
    outcome.require()


async def _ehlo(session: Session, plan: DeliveryPlan, outcome: _Outcome) -> AsyncIterator[Event]:
    if session.extensions is not None:
        return
    async for event in _relay(session.ehlo(plan.helo), outcome):
        yield event
    outcome.require()


def _error(session: Session, message: str, stage: Stage = "starttls") -> ErrorEvent:
    """An ErrorEvent about TLS, recorded in the session's transcript."""
    event = ErrorEvent(time.time(), stage, "tls", message)
    session.transcript.append(event)
    return event


async def _starttls(
    session: Session, plan: DeliveryPlan, outcome: _Outcome
) -> AsyncIterator[Event]:
    mode = session.options.tls
    if session.tls is not None or mode in ("none", "implicit"):
        return
    if session.extensions is None or not session.extensions.starttls:
        if mode == "starttls":
            outcome.failed = True
            yield _error(
                session,
                "STARTTLS is required but the server does not offer it; use opportunistic TLS "
                "to go on without encryption, or fix the server's TLS setup",
            )
        return
    async for event in _relay(session.starttls(), outcome):
        yield event
    if outcome.error:
        outcome.failed = True
        return
    if session.tls is None:
        if mode == "starttls":
            outcome.failed = True
            yield _error(session, "STARTTLS is required but the server refused it")
        return
    async for event in _relay(session.ehlo(plan.helo), outcome):
        yield event
    outcome.require()


CLEARTEXT_MECHANISMS = frozenset({"PLAIN", "LOGIN", "XOAUTH2"})
"""Mechanisms that hand the secret (or its base64) to whoever reads the wire."""


async def _auth(session: Session, plan: DeliveryPlan, outcome: _Outcome) -> AsyncIterator[Event]:
    credentials = plan.credentials or session.credentials
    if credentials is None:
        return
    if (
        session.tls is None
        and session.options.tls == "opportunistic"
        and credentials.mechanism in CLEARTEXT_MECHANISMS
    ):
        outcome.failed = True
        yield _error(
            session,
            f"refusing to send the {credentials.mechanism} secret without TLS: the server did "
            "not offer STARTTLS (an attacker on the path can remove it); use TLS mode none to "
            "send it in clear on purpose, or CRAM-MD5",
            "auth",
        )
        return
    async for event in _relay(session.auth(credentials), outcome):
        yield event
    outcome.require()


def mail_params(
    plan: DeliveryPlan, extensions: Extensions | None, message: bytes | None = None
) -> dict[str, str | None]:
    """The plan's MAIL parameters, plus the ones the transaction needs and the server offers.

    SMTPUTF8 when an address or a header is not ASCII (RFC 6531, RFC 6532), BODY=8BITMIME when
    the body is not 7-bit (RFC 6152). A server that does not offer them gets the
    transaction as it is, so that its own answer shows. `message` is the one DATA will send
    (else the plan's own, else the default test message).
    """
    params = dict(plan.mail_params)
    if extensions is None:
        return params
    given = {name.upper() for name in params}
    international = not all(address.isascii() for address in (plan.sender, *plan.recipients))
    # The default test message has UTF-8 headers only for an international envelope, and an
    # ASCII body; a message of the plan's own is looked at.
    message = message if message is not None else plan.message
    headers, _, body = (
        message.replace(b"\r\n", b"\n").partition(b"\n\n")
        if message is not None
        else (b"", b"", b"")
    )
    if (international or not headers.isascii()) and extensions.smtputf8 and "SMTPUTF8" not in given:
        params["SMTPUTF8"] = None
    if not body.isascii() and extensions.eight_bit_mime and "BODY" not in given:
        params["BODY"] = "8BITMIME"
    return params


async def _mail(session: Session, plan: DeliveryPlan, outcome: _Outcome) -> AsyncIterator[Event]:
    async for event in _relay(
        session.mail(plan.sender, mail_params(plan, session.extensions)), outcome
    ):
        yield event
    outcome.require()


async def _rcpt(session: Session, plan: DeliveryPlan, outcome: _Outcome) -> AsyncIterator[Event]:
    for recipient in plan.recipients:
        async for event in _relay(session.rcpt(recipient, plan.rcpt_params), outcome):
            yield event
        outcome.require()
        if outcome.failed:
            return


async def _data(session: Session, plan: DeliveryPlan, outcome: _Outcome) -> AsyncIterator[Event]:
    message = plan.message_bytes(session.default_helo())
    async for event in _relay(session.data(message), outcome):
        yield event
    outcome.require()


_Runner = Callable[[Session, DeliveryPlan, _Outcome], AsyncIterator[Event]]
_RUNNERS: dict[Step, _Runner] = {
    "connect": _connect,
    "ehlo": _ehlo,
    "starttls": _starttls,
    "auth": _auth,
    "mail": _mail,
    "rcpt": _rcpt,
    "data": _data,
}


async def run_transaction(
    session: Session, plan: DeliveryPlan, stop_at: Step | None = None
) -> AsyncIterator[Event]:
    """Drive a whole delivery and yield every event.

    Stops at the first failure (then QUITs politely while the connection is open), after
    `plan.quit_after` (then QUITs) or after `stop_at` (leaving the session open for more
    steps). Connecting, EHLO and STARTTLS are skipped when the session already did them.

    Args:
        session: a new or already connected session.
        plan: the envelope, message and credentials.
        stop_at: the last step to run; the session stays open afterwards.
    """
    for step, runner in _RUNNERS.items():
        outcome = _Outcome()
        async for event in runner(session, plan, outcome):
            yield event
        if outcome.failed or _reached(step, plan.quit_after):
            break
        if _reached(step, stop_at) and stop_at != "quit":
            return
    if session.is_connected:
        async for event in session.quit():
            yield event
