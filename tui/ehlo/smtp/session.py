"""An SMTP client session whose every step is an async generator of transcript events."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping

from ehlo.smtp.auth import REDACTED, AuthExchange, Redactor
from ehlo.smtp.command_line import (
    address_literal,
    command_bytes,
    envelope_address,
    format_params,
    has_line_break,
    message_bytes,
    params_problem,
    refused,
)
from ehlo.smtp.connection import Connection, StepFailed, monotonic_ms_since
from ehlo.smtp.events import (
    Closed,
    ClosedBy,
    Connected,
    ErrorEvent,
    Event,
    ProtocolViolation,
    Received,
    Sent,
    Stage,
    TlsUpgraded,
)
from ehlo.smtp.extensions import Extensions
from ehlo.smtp.message import data_payload, default_message, normalise_line_endings, summary
from ehlo.smtp.options import MECHANISMS, ConnectOptions, Credentials
from ehlo.smtp.reply import Reply
from ehlo.smtp.tls import TlsFacts

_VERB_STAGES: dict[str, Stage] = {
    "MAIL": "mail",
    "RCPT": "rcpt",
    "RSET": "rset",
    "NOOP": "noop",
    "VRFY": "vrfy",
    "HELP": "help",
}
MAX_AUTH_ROUNDS = 5
MAX_STRAY_REPORTS = 5
"""Unexpected replies reported one by one before a command; the rest are counted."""

__all__ = ["MAX_AUTH_ROUNDS", "Session", "format_params"]


class Session:
    """One SMTP conversation; steps never raise: failures are ErrorEvent (and Closed when fatal)."""

    def __init__(
        self,
        options: ConnectOptions,
        credentials: Credentials | None = None,
        *,
        show_secrets: bool = False,
    ) -> None:
        self.options = options
        self.credentials = credentials
        self.show_secrets = show_secrets
        """When True (the user asked for it), AUTH lines and secrets appear in events as sent."""
        self.transcript: list[Event] = []
        self.extensions: Extensions | None = None
        self.tls: TlsFacts | None = None
        self.message: bytes | None = None
        """The message a typed DATA or BDAT sends (a default test message when None)."""
        self.last_reply: Reply | None = None
        """The most recent reply."""
        self.sender: str | None = None
        self.recipients: list[str] = []
        self._connection = Connection(options)
        self._redactor = Redactor([credentials.secret] if credentials else [])
        self._busy = False
        self._sasl_pending = False

    @property
    def is_connected(self) -> bool:
        """Whether the connection is open."""
        return self._connection.is_open

    @property
    def sasl_pending(self) -> bool:
        """Whether the next typed line is the answer to the server's 334 challenge."""
        return self._sasl_pending

    @property
    def redactor(self) -> Redactor:
        """What this session hides from its events (for front ends printing anything else)."""
        return self._redactor

    # -- plumbing -------------------------------------------------------------------------------

    def _record(self, event: Event) -> Event:
        """Redact an event and append it to the transcript."""
        if not self.show_secrets:
            event = self._redactor.redact_event(event)
        self.transcript.append(event)
        return event

    async def _step(self, stage: Stage, body: AsyncIterator[Event]) -> AsyncIterator[Event]:
        """Run one step: record its events and turn failures into ErrorEvent (+ Closed)."""
        if self._busy:
            message = (
                "a previous step was interrupted or is still running; "
                "close the session and connect again"
            )
            yield self._record(ErrorEvent(time.time(), stage, "protocol", message))
            return
        self._busy = True
        failure: StepFailed | None = None
        try:
            async for event in body:
                yield self._record(event)
        except StepFailed as exc:
            failure = exc
        except Exception as exc:  # a step never raises: whatever broke becomes an ErrorEvent
            failure = StepFailed(
                stage, "protocol", f"unexpected failure: {exc or type(exc).__name__}"
            )
        if failure is not None:
            for event in await self._fail(failure):
                yield self._record(event)
        self._busy = False

    async def _fail(self, failure: StepFailed) -> list[Event]:
        """The events of a failure; a fatal one closes the connection."""
        events: list[Event] = [
            ErrorEvent(time.time(), failure.stage, failure.kind, failure.message)
        ]
        if failure.fatal and self.is_connected:
            await self._connection.close()
            by: ClosedBy = "server" if failure.kind == "closed" else "error"
            events.append(Closed(time.time(), by, failure.message))
        return events

    def _require_connection(self, stage: Stage) -> None:
        """Refuse a step when there is no connection."""
        if not self.is_connected:
            raise StepFailed(stage, "closed", "not connected; connect first", fatal=False)

    async def _exchange(
        self, stage: Stage, line: str, shown: str | None = None, reply_stage: Stage | None = None
    ) -> AsyncIterator[Event]:
        """Send one command line and yield Sent, Received and any violations."""
        self._require_connection(stage)
        data = command_bytes(stage, line)
        await self._connection.take_buffered(stage)
        strays = self._connection.unexpected_replies()
        for stray in strays[:MAX_STRAY_REPORTS]:
            yield ProtocolViolation(
                time.time(),
                stage,
                f"unexpected reply before {stage}: {' | '.join(stray.lines)[:200]}",
            )
        if len(strays) > MAX_STRAY_REPORTS:
            more = len(strays) - MAX_STRAY_REPORTS
            yield ProtocolViolation(
                time.time(), stage, f"{more} more unexpected replies before {stage} (not shown)"
            )
        started = time.monotonic()
        await self._connection.send(stage, data)
        yield Sent(time.time(), stage, line if shown is None or self.show_secrets else shown)
        verb = (shown or line).split(" ", 1)[0].upper() or "the command"
        async for event in self._receive(reply_stage or stage, started, verb, self._timeout(stage)):
            yield event

    def _timeout(self, stage: Stage) -> float:
        """The reply timeout of a stage."""
        timeouts = self.options.timeouts
        return timeouts.data if stage == "end-of-data" else timeouts.command

    async def _receive(
        self, stage: Stage, started: float, waiting_for: str, timeout: float
    ) -> AsyncIterator[Event]:
        """Read one reply; yield Received and its violations; a codeless reply is fatal."""
        reply = await self._connection.read_reply(stage, timeout, waiting_for)
        self.last_reply = reply
        yield Received(time.time(), stage, reply, monotonic_ms_since(started))
        for violation in reply.violations:
            yield ProtocolViolation(time.time(), stage, violation)
        if reply.code is None:
            raise StepFailed(
                stage,
                "protocol",
                f"the reply to {waiting_for} has no valid SMTP reply code; this may not be an SMTP "
                "server (port 465 needs implicit TLS, and some ports speak other protocols)",
            )

    # -- steps ----------------------------------------------------------------------------------

    def connect(self) -> AsyncIterator[Event]:
        """Connect, set up implicit TLS if asked, and read the banner."""
        return self._step("connect", self._connect())

    async def _connect(self) -> AsyncIterator[Event]:
        if self.is_connected:
            raise StepFailed("connect", "refused-command", "already connected", fatal=False)
        self.extensions, self.tls, self.last_reply = None, None, None
        await self._connection.open()
        started = time.monotonic()
        implicit = self.options.tls == "implicit"
        connection = self._connection
        yield Connected(
            time.time(),
            self.options.host,
            self.options.port,
            connection.peer,
            connection.local,
            implicit,
        )
        if implicit:
            self.tls = await connection.start_tls("connect")
            yield TlsUpgraded(time.time(), self.tls)
        async for event in self._receive(
            "connect", started, "the connection (the banner)", self.options.timeouts.banner
        ):
            yield event

    def default_helo(self) -> str:
        """The EHLO name when none is given: the configured one, else our address as a literal."""
        if self.options.helo:
            return self.options.helo
        return address_literal(self._connection.local[0] or "127.0.0.1")

    def ehlo(self, name: str | None = None) -> AsyncIterator[Event]:
        """EHLO; falls back to HELO when the server refuses EHLO with 5xx."""
        return self._step("ehlo", self._ehlo(name, helo_only=False))

    def helo(self, name: str | None = None) -> AsyncIterator[Event]:
        """HELO only (no extensions)."""
        return self._step("helo", self._ehlo(name, helo_only=True))

    async def _ehlo(self, name: str | None, helo_only: bool) -> AsyncIterator[Event]:
        name = name or self.default_helo()
        if has_line_break(name):
            raise refused("ehlo")
        if not helo_only:
            async for event in self._exchange("ehlo", f"EHLO {name}"):
                yield event
            reply = self.last_reply
            if reply is not None and reply.code == 250:
                self.extensions = Extensions.parse(reply)
                return
            if reply is None or reply.reply_class != 5:
                return
        async for event in self._exchange("helo", f"HELO {name}"):
            yield event
        if self.last_reply is not None and self.last_reply.code == 250:
            self.extensions = Extensions.empty(
                self.last_reply.texts[0] if self.last_reply.texts else ""
            )

    def starttls(self) -> AsyncIterator[Event]:
        """STARTTLS, its 220, and the TLS handshake (send EHLO again afterwards)."""
        return self._step("starttls", self._starttls())

    async def _starttls(self) -> AsyncIterator[Event]:
        async for event in self._exchange("starttls", "STARTTLS"):
            yield event
        if self.last_reply is None or self.last_reply.code != 220:
            return
        if self._connection.discard_buffered():
            yield ProtocolViolation(
                time.time(),
                "starttls",
                "the server sent data after its 220 and before the TLS handshake; it was "
                "discarded (RFC 3207 section 4.2: a sign of command injection)",
            )
        self.tls = await self._connection.start_tls("starttls")
        self.extensions = None
        yield TlsUpgraded(time.time(), self.tls)

    def auth(self, credentials: Credentials | None = None) -> AsyncIterator[Event]:
        """AUTH with the given (or the session's) credentials; secrets are redacted in events."""
        return self._step("auth", self._auth(credentials or self.credentials))

    async def _auth(self, credentials: Credentials | None) -> AsyncIterator[Event]:
        if credentials is None:
            raise StepFailed(
                "auth", "refused-command", "no credentials: give a user and a password", fatal=False
            )
        self._redactor.add(credentials.secret)
        exchange = AuthExchange(credentials)
        first = exchange.start()
        async for event in self._exchange("auth", first.line, first.shown):
            yield event
        while self.last_reply is not None and self.last_reply.code == 334:
            if exchange.rounds >= MAX_AUTH_ROUNDS:
                raise StepFailed("auth", "protocol", "the server keeps sending AUTH challenges")
            answer = exchange.respond(self.last_reply)
            async for event in self._exchange("auth", answer.line, answer.shown):
                yield event

    def mail(
        self, sender: str, params: Mapping[str, str | None] | None = None
    ) -> AsyncIterator[Event]:
        """MAIL FROM:<sender> with ESMTP parameters (SIZE, BODY, SMTPUTF8, RET, ENVID ...)."""
        line = f"MAIL FROM:<{sender}>{format_params(params or {})}"
        return self._step("mail", self._envelope("mail", line, sender, params or {}))

    def rcpt(
        self, recipient: str, params: Mapping[str, str | None] | None = None
    ) -> AsyncIterator[Event]:
        """RCPT TO:<recipient> with ESMTP parameters (NOTIFY, ORCPT ...)."""
        line = f"RCPT TO:<{recipient}>{format_params(params or {})}"
        return self._step("rcpt", self._envelope("rcpt", line, recipient, params or {}))

    async def _envelope(
        self, stage: Stage, line: str, address: str, params: Mapping[str, str | None]
    ) -> AsyncIterator[Event]:
        """MAIL or RCPT; the address is remembered (for a typed DATA) once the line can be sent."""
        problem = params_problem(params)
        if problem is not None:
            raise refused(stage, problem)
        command_bytes(stage, line)
        if stage == "mail":
            self.sender, self.recipients = address, []
        else:
            self.recipients.append(address)
        async for event in self._exchange(stage, line):
            yield event

    def data(self, message: bytes | str) -> AsyncIterator[Event]:
        """DATA, its 354, then the message (CRLF-normalised, dot-stuffed) and the final reply."""
        return self._step("data", self._data(message))

    async def _data(self, message: bytes | str) -> AsyncIterator[Event]:
        message = message_bytes("data", message)
        async for event in self._exchange("data", "DATA"):
            yield event
        if self.last_reply is None or self.last_reply.code != 354:
            return
        payload = data_payload(message)
        started = time.monotonic()
        await self._connection.send("end-of-data", payload, self.options.timeouts.data)
        yield Sent(time.time(), "end-of-data", summary(normalise_line_endings(message)))
        async for event in self._receive(
            "end-of-data", started, "the end of the message", self.options.timeouts.data
        ):
            yield event

    def bdat(self, message: bytes | str, chunk_size: int = 65536) -> AsyncIterator[Event]:
        """The message in BDAT chunks (RFC 3030); the reply to the LAST chunk is end-of-data."""
        return self._step("bdat", self._bdat(message, max(1, chunk_size)))

    async def _bdat(self, message: bytes | str, chunk_size: int) -> AsyncIterator[Event]:
        self._require_connection("bdat")
        body = normalise_line_endings(message_bytes("bdat", message))
        chunks = [body[i : i + chunk_size] for i in range(0, len(body), chunk_size)] or [b""]
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            line = f"BDAT {len(chunk)}{' LAST' if last else ''}"
            started = time.monotonic()
            data = line.encode("ascii") + b"\r\n" + chunk
            await self._connection.take_buffered("bdat")
            await self._connection.send("bdat", data, self.options.timeouts.data)
            yield Sent(time.time(), "bdat", line)
            stage: Stage = "end-of-data" if last else "bdat"
            timeout = self.options.timeouts.data if last else self.options.timeouts.command
            async for event in self._receive(stage, started, line, timeout):
                yield event
            if self.last_reply is None or self.last_reply.reply_class != 2:
                return

    def rset(self) -> AsyncIterator[Event]:
        """RSET: abandon the current transaction."""
        return self.command("RSET")

    def noop(self) -> AsyncIterator[Event]:
        """NOOP."""
        return self.command("NOOP")

    def vrfy(self, address: str) -> AsyncIterator[Event]:
        """VRFY address."""
        return self.command(f"VRFY {address}")

    def help(self, topic: str | None = None) -> AsyncIterator[Event]:
        """HELP [topic]."""
        return self.command(f"HELP {topic}" if topic else "HELP")

    def quit(self) -> AsyncIterator[Event]:
        """QUIT, its reply, and closing the connection."""
        return self._quit()

    async def _quit(self) -> AsyncIterator[Event]:
        if self._busy:
            await self._connection.close()
            yield self._record(
                Closed(time.time(), "client", "closed without QUIT after an interrupted step")
            )
            self._busy = False
            return
        async for event in self._step("quit", self._quit_exchange()):
            yield event
        if self.is_connected:
            await self._connection.close()
            yield self._record(Closed(time.time(), "client", "QUIT"))

    async def _quit_exchange(self) -> AsyncIterator[Event]:
        """QUIT and its 221; a server that just hangs up (as after a 421) is no error."""
        try:
            async for event in self._exchange("quit", "QUIT"):
                yield event
        except StepFailed as failure:
            if not failure.fatal or failure.kind not in ("closed", "timeout"):
                raise
            await self._connection.close()
            if failure.kind == "timeout":
                yield ProtocolViolation(time.time(), "quit", failure.message)
                yield Closed(time.time(), "client", "QUIT (the server did not reply)")
            else:
                reason = "the server closed the connection without replying to QUIT"
                yield Closed(time.time(), "server", reason)

    def command(self, line: str) -> AsyncIterator[Event]:
        """Send any line; EHLO, HELO, STARTTLS, AUTH, DATA, BDAT and QUIT get full handling."""
        words = line.strip().split(None, 1)
        verb = words[0].upper() if words else ""
        argument = words[1] if len(words) > 1 else ""
        if has_line_break(line):
            return self._step("raw", _raise(refused("raw")))
        if self._sasl_pending:
            self._sasl_pending = False
            return self._step("auth", self._raw_sasl(line))
        if verb == "EHLO":
            return self.ehlo(argument.strip() or None)
        if verb == "HELO":
            return self.helo(argument.strip() or None)
        if verb == "STARTTLS":
            return self.starttls()
        if verb == "QUIT":
            return self.quit()
        if verb == "AUTH":
            return self._typed_auth(argument.split())
        if verb == "DATA":
            return self._step("data", self._typed_message("data"))
        if verb == "BDAT":
            return self._step("bdat", self._typed_message("bdat"))
        stage = _VERB_STAGES.get(verb, "raw")
        if stage in ("mail", "rcpt"):
            return self._step(stage, self._envelope(stage, line, envelope_address(argument), {}))
        return self._step(stage, self._exchange(stage, line))

    async def _typed_message(self, stage: Stage) -> AsyncIterator[Event]:
        """A typed DATA or BDAT: the session's message, else a test message for the envelope."""
        try:
            message = self.message or default_message(self.sender or "", self.recipients)
        except ValueError as exc:
            raise refused(stage, f"cannot build a test message for this envelope: {exc}") from exc
        body = self._data(message) if stage == "data" else self._bdat(message, 65536)
        async for event in body:
            yield event

    def _typed_auth(self, words: list[str]) -> AsyncIterator[Event]:
        """A typed AUTH: with known credentials run the exchange, else send it redacted."""
        mechanism = words[0].upper() if words else ""
        known = self.credentials
        if known is not None and mechanism in MECHANISMS and len(words) == 1:
            return self.auth(Credentials(mechanism, known.username, known.secret))
        line = "AUTH " + " ".join(words)
        shown = f"AUTH {words[0]} {REDACTED}" if len(words) > 1 else line
        for response in words[1:]:
            self._redactor.add_response(response)
        return self._step("auth", self._raw_auth(line, shown))

    async def _raw_auth(self, line: str, shown: str) -> AsyncIterator[Event]:
        async for event in self._exchange("auth", line, shown):
            yield event
        self._sasl_pending = self.last_reply is not None and self.last_reply.code == 334

    async def _raw_sasl(self, line: str) -> AsyncIterator[Event]:
        self._redactor.add_response(line)
        async for event in self._exchange("auth", line, REDACTED if line.strip() != "*" else "*"):
            yield event
        self._sasl_pending = self.last_reply is not None and self.last_reply.code == 334

    async def close(self) -> None:
        """Close the connection without QUIT; idempotent, safe after errors and cancellation."""
        self._busy = False
        self._sasl_pending = False
        if not self.is_connected:
            return
        await self._connection.close()
        self._record(Closed(time.time(), "client", "closed by the client"))


async def _raise(failure: StepFailed) -> AsyncIterator[Event]:
    """A step body that fails at once."""
    raise failure
    yield  # pragma: no cover - makes this an async generator
