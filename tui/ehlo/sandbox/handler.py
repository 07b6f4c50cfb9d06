"""aiosmtpd's handler hooks for the sandbox, and the state all its connections share."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiosmtpd.smtp import Envelope, Session

from ehlo.sandbox.options import SandboxOptions
from ehlo.sandbox.scenario import Scenario, SharedState
from ehlo.sandbox.store import MessageStore

if TYPE_CHECKING:
    from ehlo.sandbox.protocol import SandboxProtocol

MAX_RECIPIENTS = 100


@dataclass
class Runtime:
    """What all connections of one sandbox share."""

    scenario: Scenario
    options: SandboxOptions
    store: MessageStore
    tls_context: ssl.SSLContext | None
    report: Callable[[str], None]
    shared: SharedState = field(default_factory=SharedState)
    connections: set[SandboxProtocol] = field(default_factory=set)
    connections_total: int = 0
    data_reserved: int = 0
    """Bytes reserved by messages being received right now (bounded by the data budget)."""


def _parse_params(options: list[str]) -> dict[str, str | bool]:
    params: dict[str, str | bool] = {}
    for option in options:
        key, equals, value = option.partition("=")
        params[key.upper()] = value if equals else True
    return params


class QuietSession(Session):
    """aiosmtpd's Session without the deprecation warning its own AUTH code triggers."""

    @property
    def login_data(self) -> Any:
        return self._login_data

    @login_data.setter
    def login_data(self, value: Any) -> None:
        self._login_data = value


class SandboxHandler:
    """aiosmtpd's handler hooks: consult the scenario, then answer like Postfix."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def handle_HELO(
        self, server: SandboxProtocol, session: Session, envelope: Envelope, hostname: str
    ) -> str:
        session.host_name = hostname
        server.context.helo = hostname
        server.forget_transaction()
        return f"250 {self.runtime.options.hostname}"

    async def handle_EHLO(
        self,
        server: SandboxProtocol,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname
        server.context.helo = hostname
        server.forget_transaction()
        response = self.runtime.scenario.run("ehlo", server.context)
        if response is not None:
            server.pending = response
            return [""]
        return ["\r\n".join(server.ehlo_lines())]

    async def handle_MAIL(
        self,
        server: SandboxProtocol,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        context = server.context
        context.sender = "" if address == "<>" else address
        context.mail_params = _parse_params(mail_options)
        response = self.runtime.scenario.run("mail", context)
        if response is not None:
            server.pending = response
            if not response.payload.startswith(b"2"):
                context.sender = None
                return ""
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 Ok"

    async def handle_RCPT(
        self,
        server: SandboxProtocol,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        context = server.context
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Error: too many recipients"
        context.recipient = address
        response = self.runtime.scenario.run("rcpt", context)
        if response is not None:
            server.pending = response
            if not response.payload.startswith(b"2"):
                return ""
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        context.recipients = tuple(envelope.rcpt_tos)
        return "250 2.1.5 Ok"

    async def handle_DATA(
        self, server: SandboxProtocol, session: Session, envelope: Envelope
    ) -> str:
        context = server.context
        context.message = envelope.original_content or b""
        context.recipients = tuple(envelope.rcpt_tos)
        response = self.runtime.scenario.run("end-of-data", context)
        status = ""
        if response is not None:
            server.pending = response
            if response.payload.startswith(b"2"):
                server.keep_message(envelope)
        else:
            queue_id = server.keep_message(envelope)
            status = f"250 2.0.0 Ok: queued as {queue_id}"
        server.forget_transaction()
        return status

    async def handle_RSET(
        self, server: SandboxProtocol, session: Session, envelope: Envelope
    ) -> str:
        server.forget_transaction()
        return "250 2.0.0 Ok"

    async def handle_NOOP(
        self, server: SandboxProtocol, session: Session, envelope: Envelope, arg: str
    ) -> str:
        return "250 2.0.0 Ok"

    async def handle_QUIT(
        self, server: SandboxProtocol, session: Session, envelope: Envelope
    ) -> str:
        return "221 2.0.0 Bye"

    async def handle_exception(self, error: Exception) -> str:
        if isinstance(error, ValueError | asyncio.LimitOverrunError):
            return "500 5.5.2 Error: line too long"
        return "451 4.3.0 Error: internal sandbox error"
