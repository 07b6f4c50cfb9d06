"""Step-by-step driving of a session: which engine call carries out a step or a typed line."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from ehlo.smtp.events import ErrorEvent, Event, Received
from ehlo.smtp.session import Session
from ehlo.smtp.state import Step, session_state, suggested_step
from ehlo.smtp.transaction import STEPS, DeliveryPlan, mail_params


def step_events(
    session: Session, step: Step, plan: DeliveryPlan, message: bytes
) -> AsyncIterator[Event]:
    """The engine call for one step of a delivery."""
    if step == "connect":
        return session.connect()
    if step == "ehlo":
        return session.ehlo()
    if step == "starttls":
        return session.starttls()
    if step == "auth":
        return session.auth(plan.credentials)
    if step == "mail":
        return session.mail(plan.sender, mail_params(plan, session.extensions, message))
    if step == "rcpt":
        recipient = plan.recipients[session_state(session.transcript).recipients_tried]
        return session.rcpt(recipient, plan.rcpt_params)
    if step == "data":
        return session.data(message)
    return session.quit()


def line_events(
    session: Session, line: str, plan: DeliveryPlan, message: bytes
) -> AsyncIterator[Event]:
    """The engine call for a line typed on the command line (an answer to a 334 goes as typed)."""
    typed = line.strip().upper()
    if not session.sasl_pending:
        if typed == "DATA":
            return session.data(message)
        if typed == "AUTH" and plan.credentials is not None:
            return session.auth(plan.credentials)
    return session.command(line)


def failed(events: Sequence[Event]) -> bool:
    """Whether a step's events end in a negative reply or an error."""
    for event in reversed(events):
        if isinstance(event, ErrorEvent):
            return True
        if isinstance(event, Received):
            return event.reply.code is None or event.reply.code >= 400
    return False


async def run_to(
    session: Session, plan: DeliveryPlan, target: Step, message: bytes
) -> AsyncIterator[Event]:
    """Step until `target` is done, the delivery is complete, or something fails."""
    target_index = STEPS.index(target)
    for _ in range(4 * len(STEPS) + len(plan.recipients)):
        step = suggested_step(session.transcript, plan)
        if step == "done" or STEPS.index(step) > target_index:
            return
        produced: list[Event] = []
        async for event in step_events(session, step, plan, message):
            produced.append(event)
            yield event
        if failed(produced) or not session.is_connected:
            return
