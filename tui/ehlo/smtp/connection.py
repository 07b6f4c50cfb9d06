"""The wire under a session: connecting, TLS upgrades, sending lines and reading replies."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import ssl
import time
from collections import deque

from ehlo.smtp.events import ErrorKind, Stage
from ehlo.smtp.options import ConnectOptions
from ehlo.smtp.reply import Reply, ReplyParser, ReplyTooLarge
from ehlo.smtp.tls import TlsFacts, client_context, tls_facts

_FAMILIES = {"any": socket.AF_UNSPEC, "ipv4": socket.AF_INET, "ipv6": socket.AF_INET6}
READ_SIZE = 65536


class StepFailed(Exception):
    """A step cannot go on; `fatal` failures end the connection."""

    def __init__(self, stage: Stage, kind: ErrorKind, message: str, *, fatal: bool = True) -> None:
        super().__init__(message)
        self.stage: Stage = stage
        self.kind: ErrorKind = kind
        self.message = message
        self.fatal = fatal


def _reason(exc: BaseException) -> str:
    """A short human reason for an OS or SSL error."""
    if isinstance(exc, ssl.SSLError):
        return str(getattr(exc, "reason", None) or exc)
    if isinstance(exc, OSError) and exc.errno and not isinstance(exc, socket.gaierror):
        return os.strerror(exc.errno)
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


class Connection:
    """One TCP (maybe TLS) connection that speaks in lines and replies."""

    def __init__(self, options: ConnectOptions) -> None:
        self.options = options
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._plain_transport: asyncio.WriteTransport | None = None
        self._parser = ReplyParser()
        self._queued: deque[Reply] = deque()
        self.peer: tuple[str, int] = ("", 0)
        self.local: tuple[str, int] = ("", 0)

    @property
    def is_open(self) -> bool:
        """Whether the connection is open."""
        return self._writer is not None

    async def open(self) -> None:
        """Resolve the host and connect to the first address that answers.

        Raises:
            StepFailed: resolve, connect or timeout failures.
        """
        options = self.options
        host = options.bare_host
        loop = asyncio.get_running_loop()
        self._queued.clear()
        self._parser = ReplyParser()
        deadline = loop.time() + options.timeouts.connect
        if host.rstrip(".").lower().rsplit(".", 1)[-1] == "invalid":
            raise StepFailed(
                "connect",
                "resolve",
                f"cannot resolve {host!r}: names under .invalid never resolve (RFC 6761)",
            )
        try:
            async with asyncio.timeout_at(deadline):
                infos = await loop.getaddrinfo(
                    host, options.port, family=_FAMILIES[options.family], type=socket.SOCK_STREAM
                )
        except TimeoutError as exc:
            raise StepFailed(
                "connect",
                "timeout",
                f"resolving {host} took longer than {options.timeouts.connect:g} s; "
                "check the resolver, or connect to an IP address",
            ) from exc
        except (socket.gaierror, UnicodeError) as exc:
            raise StepFailed(
                "connect",
                "resolve",
                f"cannot resolve {host!r} ({_reason(exc)}); "
                "check the name, or connect to an IP address",
            ) from exc
        addresses = list(dict.fromkeys((info[0], info[4][0]) for info in infos))
        errors: list[str] = []
        timed_out = False
        local_addr = (options.source_address, 0) if options.source_address else None
        for index, (family, address) in enumerate(addresses):
            # Each address gets an equal share of what is left, so that one that never
            # answers (a black-holed IPv6 route, say) leaves time for the next.
            share = (deadline - loop.time()) / (len(addresses) - index)
            try:
                async with asyncio.timeout(max(share, 0.0)):
                    self._reader, self._writer = await asyncio.open_connection(
                        str(address), options.port, family=family, local_addr=local_addr
                    )
                break
            except TimeoutError:
                timed_out = True
                errors.append(f"{address}: no answer within {share:.3g} s")
            except OSError as exc:
                errors.append(f"{address}: {_reason(exc)}")
        if self._writer is None:
            advice = "is a server listening there?"
            if options.port == 25:
                advice += (
                    " Outbound port 25 is often blocked by providers; try port 587 (submission)"
                    " or 465 (implicit TLS)"
                )
            raise StepFailed(
                "connect",
                "timeout" if timed_out else "connect",
                f"cannot connect to {host} port {options.port}: "
                f"{'; '.join(errors) or 'no addresses'} - {advice}",
            )
        peer = self._writer.get_extra_info("peername") or ("", 0)
        local = self._writer.get_extra_info("sockname") or ("", 0)
        self.peer, self.local = (str(peer[0]), int(peer[1])), (str(local[0]), int(local[1]))

    async def start_tls(self, stage: Stage) -> TlsFacts:
        """Upgrade the connection to TLS and describe it.

        Raises:
            StepFailed: TLS or timeout failures (always fatal).
        """
        assert self._writer is not None
        options = self.options
        name = options.tls_name
        self.discard_buffered()
        try:
            context = client_context(options)
        except (OSError, ssl.SSLError) as exc:
            raise StepFailed(
                stage, "tls", f"cannot load the CA file or client certificate: {_reason(exc)}"
            ) from exc
        # A handshake cancelled half-way can leave the plain transport open under the stream
        # (asyncio keeps no reference to it); close() closes it too.
        self._plain_transport = self._writer.transport
        try:
            async with asyncio.timeout(options.timeouts.tls):
                await self._writer.start_tls(
                    context, server_hostname=name, ssl_handshake_timeout=options.timeouts.tls
                )
        except TimeoutError as exc:
            raise StepFailed(
                stage,
                "timeout",
                f"the TLS handshake did not finish within {options.timeouts.tls:g} s",
            ) from exc
        except ssl.SSLCertVerificationError as exc:
            raise StepFailed(
                stage,
                "tls",
                f"certificate verification failed for {name}: "
                f"{str(exc.verify_message).rstrip('.')}; "
                "use report mode (--no-verify) to connect anyway and inspect the certificate",
            ) from exc
        except (ssl.SSLError, OSError, EOFError) as exc:
            raise StepFailed(
                stage,
                "tls",
                f"the TLS handshake failed: {_reason(exc)}; the server may not speak TLS on this "
                "port, or it accepts no protocol version or cipher in common",
            ) from exc
        ssl_object = self._writer.get_extra_info("ssl_object")
        if ssl_object is None:
            raise StepFailed(stage, "tls", "the TLS handshake finished without a TLS session")
        return tls_facts(ssl_object, name, options)

    def discard_buffered(self) -> bool:
        """Drop everything received but not yet consumed; whether there was anything."""
        stream_buffer = getattr(self._reader, "_buffer", None)
        had_data = bool(self._queued or self._parser.has_partial or stream_buffer)
        self._queued.clear()
        self._parser = ReplyParser()
        if isinstance(stream_buffer, bytearray):
            stream_buffer.clear()
        return had_data

    async def take_buffered(self, stage: Stage) -> None:
        """Parse bytes that already arrived unasked, so that they never pass for the next reply.

        Raises:
            StepFailed: too-large when they exceed the reply size cap.
        """
        reader = self._reader
        try:
            while reader is not None and getattr(reader, "_buffer", None):
                self._queued.extend(self._parser.feed(await reader.read(READ_SIZE)))
        except ReplyTooLarge as exc:
            raise StepFailed(
                stage, "too-large", "the server sent a flood of data nobody asked for"
            ) from exc

    def unexpected_replies(self) -> list[Reply]:
        """Replies that arrived while no command was waiting (removed from the queue)."""
        stray = list(self._queued)
        self._queued.clear()
        return stray

    async def send(self, stage: Stage, data: bytes, timeout: float | None = None) -> None:
        """Write bytes and wait until they are handed to the network.

        Raises:
            StepFailed: the connection is gone or the write timed out.
        """
        if self._writer is None:
            raise StepFailed(stage, "closed", "not connected; connect first", fatal=False)
        try:
            self._writer.write(data)
            async with asyncio.timeout(timeout or self.options.timeouts.command):
                await self._writer.drain()
        except TimeoutError as exc:
            raise StepFailed(stage, "timeout", "the server stopped accepting data") from exc
        except (OSError, RuntimeError) as exc:
            raise StepFailed(
                stage, "closed", f"the connection was lost while sending: {_reason(exc)}"
            ) from exc

    async def read_reply(self, stage: Stage, timeout: float, waiting_for: str) -> Reply:
        """The next complete reply.

        Raises:
            StepFailed: timeout, closed connection or a reply past the size cap.
        """
        if self._queued:
            return self._queued.popleft()
        if self._reader is None:
            raise StepFailed(stage, "closed", "not connected; connect first", fatal=False)
        try:
            async with asyncio.timeout(timeout):
                while not self._queued:
                    data = await self._reader.read(READ_SIZE)
                    if not data:
                        self._closed_by_server(stage, waiting_for)
                    self._queued.extend(self._parser.feed(data))
        except TimeoutError as exc:
            partial = (
                " (a partial reply without its line ending arrived)"
                if self._parser.has_partial
                else ""
            )
            raise StepFailed(
                stage, "timeout", f"no reply to {waiting_for} within {timeout:g} s{partial}"
            ) from exc
        except ReplyTooLarge as exc:
            raise StepFailed(
                stage,
                "too-large",
                f"the reply to {waiting_for} is larger than {self._parser.max_reply_bytes} bytes; "
                "this is not a normal SMTP server",
            ) from exc
        except (OSError, ssl.SSLError) as exc:
            raise StepFailed(
                stage,
                "closed",
                f"the connection was lost waiting for {waiting_for}: {_reason(exc)}",
            ) from exc
        return self._queued.popleft()

    def _closed_by_server(self, stage: Stage, waiting_for: str) -> None:
        """Raise the error for an end of stream while a reply is awaited."""
        partial = self._parser.flush()
        if partial is not None:
            shown = " | ".join(partial.lines)[:120]
            raise StepFailed(
                stage,
                "closed",
                f"the server closed the connection in the middle of its reply to {waiting_for}: "
                f"{shown!r}",
            )
        raise StepFailed(
            stage,
            "closed",
            f"the server closed the connection instead of replying to {waiting_for}",
        )

    async def close(self) -> None:
        """Close the connection; never raises, never hangs (aborts after a second)."""
        plain, self._plain_transport = self._plain_transport, None
        try:
            await self._close_stream()
        finally:
            if plain is not None and not plain.is_closing():
                plain.abort()

    async def _close_stream(self) -> None:
        writer, self._writer, self._reader = self._writer, None, None
        if writer is None:
            return
        if writer.transport.is_closing():
            # Already going down (a failed TLS upgrade closes it under the stream, whose
            # wait_closed() would then never finish): make sure, and do not wait.
            writer.transport.abort()
            return
        try:
            writer.close()
            async with asyncio.timeout(1.0):
                await writer.wait_closed()
        except (TimeoutError, OSError, ssl.SSLError, RuntimeError):
            with contextlib.suppress(Exception):
                writer.transport.abort()


def monotonic_ms_since(started: float) -> float:
    """Milliseconds since a time.monotonic() reading."""
    return (time.monotonic() - started) * 1000.0
