"""One SMTP connection to the sandbox: aiosmtpd's protocol with the scenario's hooks wired in."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any, AnyStr

from aiosmtpd.smtp import MISSING, SMTP, AuthResult, Envelope, LoginPassword, Session, _Missing

from ehlo.sandbox.handler import QuietSession, Runtime, SandboxHandler
from ehlo.sandbox.identity import DEMO_PASSWORD, DEMO_USER, credentials_match
from ehlo.sandbox.replies import with_enhanced_code
from ehlo.sandbox.scenario import Context, Response, reply
from ehlo.sandbox.store import StoredMessage

IDENT = "ESMTP ehlo sandbox"


class SandboxProtocol(SMTP):
    """An aiosmtpd SMTP protocol that plays the sandbox's scenario on one connection."""

    def __init__(self, runtime: Runtime, *, implicit_tls: bool = False) -> None:
        self.runtime = runtime
        self.implicit_tls = implicit_tls
        self.pending: Response | None = None
        self.context = Context(options=runtime.options, shared=runtime.shared, client_ip="")
        self._closing = False
        self._registered = False
        super().__init__(
            SandboxHandler(runtime),
            data_size_limit=runtime.options.size_limit,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=runtime.options.hostname,
            ident=IDENT,
            tls_context=None if implicit_tls else runtime.tls_context,
            timeout=runtime.options.idle_timeout,
            auth_required=False,
            auth_require_tls=not implicit_tls,
            authenticator=self._check_login,
            loop=asyncio.get_running_loop(),
        )
        # Every command passes the scenario's "command" hook first (aiosmtpd 1.4 dispatches
        # through this table).
        self._smtp_methods = {
            name: self._guarded(name, method) for name, method in self._smtp_methods.items()
        }

    # --- connection lifecycle ---------------------------------------------------------

    def _create_session(self) -> Session:
        return QuietSession(self.loop)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        first = not self._registered
        super().connection_made(transport)
        if first:
            self._registered = True
            peer = transport.get_extra_info("peername")
            self.context.client_ip = str(peer[0]) if peer else "unknown"
            self.context.tls = self.implicit_tls
            self.runtime.connections.add(self)
            self.runtime.connections_total += 1
            self.runtime.report(f"connection from {self._peer_text()}")
        elif self._tls_protocol is not None:
            # RFC 3207 4.2: after STARTTLS the client starts over with EHLO.
            self.context.tls = True
            self.context.helo = None
            self.context.authenticated_as = None
            self.forget_transaction()

    def connection_lost(self, error: Exception | None) -> None:
        if self in self.runtime.connections:
            self.runtime.connections.discard(self)
            self.runtime.report(f"{self._peer_text()} disconnected")
        self._closing = True
        super().connection_lost(error)

    def _timeout_cb(self) -> None:
        """Idle too long: say so the way Postfix does, then hang up."""
        transport = self.transport
        if isinstance(transport, asyncio.WriteTransport) and not self._closing:
            self._closing = True
            transport.write(f"421 4.4.2 {self.hostname} Error: timeout exceeded\r\n".encode())
        super()._timeout_cb()  # type: ignore[no-untyped-call]

    def _peer_text(self) -> str:
        peer = self.session.peer if self.session is not None else None
        if isinstance(peer, tuple) and len(peer) >= 2:
            return f"{peer[0]}:{peer[1]}"
        return str(peer)

    # --- replies ----------------------------------------------------------------------

    async def push(self, status: AnyStr) -> None:
        if self._closing:
            return
        context = self.context
        if self.pending is not None:
            response, self.pending = self.pending, None
            self._report_scenario_reply(response)
        else:
            text = status.decode("utf-8", "replace") if isinstance(status, bytes) else status
            if context.replies_sent == 0:
                response = self._greeting(text)
            else:
                if self._enhanced_codes_apply():
                    text = with_enhanced_code(text)
                response = Response(f"{text}\r\n".encode())
        context.outgoing = response.payload
        shaped = self.runtime.scenario.run("reply", context)
        if shaped is not None:
            response = Response(
                shaped.payload,
                close=response.close or shaped.close,
                delay=max(response.delay, shaped.delay),
            )
        await self._send(response)

    def _report_scenario_reply(self, response: Response) -> None:
        """Tell the operator when the scenario refused something or dropped the connection."""
        if not response.payload:
            self.runtime.report(f"{self._peer_text()} dropped by the scenario")
        elif response.payload[:1] in (b"4", b"5"):
            first_line = response.payload.split(b"\n", 1)[0].rstrip(b"\r")
            self.runtime.report(f"{self._peer_text()} <- {first_line.decode('utf-8', 'replace')}")

    def _greeting(self, normal: str) -> Response:
        context = self.context
        context.outgoing = f"{normal}\r\n".encode()
        if len(self.runtime.connections) > self.runtime.options.max_connections:
            return Response(
                f"421 4.7.0 {self.hostname} Error: too many connections from "
                f"{context.client_ip}\r\n".encode(),
                close=True,
            )
        response = self.runtime.scenario.run("connect", context)
        if response is None:
            return Response(context.outgoing)
        self._report_scenario_reply(response)
        return response

    def _enhanced_codes_apply(self) -> bool:
        """RFC 2034: enhanced codes on every reply after EHLO except the EHLO reply itself."""
        session = self.session
        return bool(session is not None and session.extended_smtp) and self.context.command not in (
            "EHLO",
            "HELO",
        )

    async def _send(self, response: Response) -> None:
        if response.delay > 0:
            await asyncio.sleep(response.delay)
        transport = self.transport
        if self._closing or transport is None or transport.is_closing():
            return
        try:
            if response.payload:
                self._writer.write(response.payload)
                await self._writer.drain()
        except (ConnectionError, RuntimeError):
            self._closing = True
            transport.close()
            return
        self.context.replies_sent += 1
        if response.close:
            self._closing = True
            transport.close()

    def ehlo_lines(self) -> list[str]:
        """The EHLO reply, in Postfix's order of extensions."""
        options = self.runtime.options
        advertised = self.runtime.scenario.advertised_size
        size = advertised(options) if advertised is not None else options.size_limit
        lines = [self.hostname, "PIPELINING", f"SIZE {size}"]
        if self.tls_context is not None and self._tls_protocol is None:
            lines.append("STARTTLS")
        if self.context.tls:
            lines.append("AUTH " + " ".join(sorted(self._auth_methods)))
        lines += ["ENHANCEDSTATUSCODES", "8BITMIME", "SMTPUTF8"]
        return [f"250-{line}" for line in lines[:-1]] + [f"250 {lines[-1]}"]

    # --- commands ---------------------------------------------------------------------

    def _guarded(
        self, name: str, method: Callable[[str | None], Awaitable[None]]
    ) -> Callable[[str | None], Awaitable[None]]:
        async def guarded(arg: str | None) -> None:
            context = self.context
            context.command = name
            scenario = self.runtime.scenario
            response = scenario.run("command", context)
            if response is None and name == "DATA" and self.envelope and self.envelope.rcpt_tos:
                response = scenario.run("data", context)
            reserved = 0
            if response is None and name == "DATA" and self._data_will_start(arg):
                reserved = self._reserve_data_memory()
                if not reserved:
                    response = reply("452 4.3.1 Insufficient system storage")
            try:
                if response is not None:
                    self.pending = response
                    await self.push("")
                    return
                await method(arg)
            finally:
                context.command = None
                self.runtime.data_reserved -= reserved

        return guarded

    def _data_will_start(self, arg: str | None) -> bool:
        """Whether aiosmtpd is about to answer DATA with 354 and read a message."""
        session, envelope = self.session, self.envelope
        return bool(session and session.host_name and envelope and envelope.rcpt_tos) and not arg

    def _reserve_data_memory(self) -> int:
        """Reserve room for one message of the largest size; 0 when the budget is spent."""
        size = self.data_size_limit or self.runtime.options.size_limit
        budget = self.runtime.options.data_memory_budget
        if self.runtime.data_reserved and self.runtime.data_reserved + size > budget:
            return 0
        self.runtime.data_reserved += size
        return size

    def forget_transaction(self) -> None:
        """Clear the envelope facts hooks see (after RSET, EHLO, end of data)."""
        context = self.context
        context.sender = None
        context.mail_params = {}
        context.recipient = None
        context.recipients = ()
        context.message = None

    def keep_message(self, envelope: Envelope) -> str:
        """Store the message just received and count it for rate limits; return its queue id."""
        queue_id = secrets.token_hex(5).upper()
        context = self.context
        sender = envelope.mail_from or ""
        message = StoredMessage(
            received_at=time.time(),
            queue_id=queue_id,
            peer=context.client_ip,
            helo=context.helo,
            sender="" if sender == "<>" else sender,
            recipients=tuple(envelope.rcpt_tos),
            data=envelope.original_content or b"",
            tls=context.tls,
            authenticated_as=context.authenticated_as,
        )
        self.runtime.store.add(message)
        context.messages_on_connection += 1
        self.runtime.shared.rates.record(context.client_ip, self.runtime.shared.clock())
        facts = [f"{len(message.data)} bytes", "TLS" if message.tls else "no TLS"]
        if message.authenticated_as:
            facts.append(f"AUTH {message.authenticated_as}")
        self.runtime.report(
            f"message {queue_id} from <{message.sender}> to "
            f"{', '.join(f'<{r}>' for r in message.recipients)} ({', '.join(facts)}) kept"
        )
        return queue_id

    # --- authentication ---------------------------------------------------------------

    def _check_login(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        username = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        return self._auth_verdict(username, credentials_match(username, password))

    def _auth_verdict(self, username: str, ok: bool) -> AuthResult:
        context = self.context
        context.auth_ok = ok
        response = self.runtime.scenario.run("auth", context)
        if response is not None:
            self.pending = response
            return AuthResult(success=False, handled=False, message="535")
        if ok:
            context.authenticated_as = username
            return AuthResult(success=True, auth_data=username)
        return AuthResult(
            success=False,
            handled=False,
            message="535 5.7.8 Error: authentication failed: authentication failure",
        )

    async def challenge_auth(
        self,
        challenge: str | bytes,
        encode_to_b64: bool = True,
        log_client_response: bool = False,
    ) -> _Missing | bytes:
        """Send a 334 challenge and read the answer; an over-long answer is refused whole."""
        raw = challenge.encode() if isinstance(challenge, str) else challenge
        await self.push(b"334 " + (base64.b64encode(raw) if encode_to_b64 else raw))
        try:
            line = await self._reader.readuntil(b"\n")
        except asyncio.LimitOverrunError as overrun:
            await self._discard_line(overrun.consumed)
            await self.push("500 5.5.2 Error: line too long")
            return MISSING
        blob = line.strip()
        if blob == b"*":
            await self.push("501 5.7.0 Auth aborted")
            return MISSING
        try:
            return base64.b64decode(blob, validate=True)
        except binascii.Error:
            await self.push("501 5.5.2 Can't decode base64")
            return MISSING

    async def _discard_line(self, pending: int) -> None:
        """Throw away the rest of an over-long line, a buffer at a time."""
        await self._reader.read(pending)
        while True:
            try:
                await self._reader.readuntil(b"\n")
                return
            except asyncio.LimitOverrunError as overrun:
                await self._reader.read(overrun.consumed)

    async def auth_CRAM__MD5(self, _server: SMTP, args: list[str]) -> AuthResult:
        """RFC 2195: a challenge, answered with the username and an HMAC-MD5 of it."""
        if len(args) > 1:
            await self.push("501 5.5.4 CRAM-MD5 takes no initial response")
            return AuthResult(success=False, handled=True)
        challenge = f"<{secrets.randbelow(10**12)}.{int(time.time())}@{self.hostname}>".encode()
        answer = await self.challenge_auth(challenge)
        if answer is MISSING or not isinstance(answer, bytes):
            return AuthResult(success=False, handled=True)
        username, _, digest = answer.decode("utf-8", "replace").rpartition(" ")
        expected = hmac.new(DEMO_PASSWORD.encode(), challenge, "md5").hexdigest()
        ok = hmac.compare_digest(username.encode(), DEMO_USER.encode()) and hmac.compare_digest(
            digest.lower().encode(), expected.encode()
        )
        return self._auth_verdict(username, ok)
