"""The Sandbox: a real SMTP server on loopback that plays one scenario."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
from collections import deque
from collections.abc import Callable, Iterator
from types import TracebackType

from ehlo.sandbox.certificate import load_pair, self_signed, server_context
from ehlo.sandbox.handler import Runtime
from ehlo.sandbox.options import SandboxOptions
from ehlo.sandbox.protocol import SandboxProtocol
from ehlo.sandbox.scenario import Scenario
from ehlo.sandbox.scenarios import get_scenario
from ehlo.sandbox.store import MessageStore, StoredMessage

LISTEN_BACKLOG = 1024


class ListenError(OSError):
    """One of the sandbox's addresses could not be bound (in use, not this machine's, ...)."""

    def __init__(self, host: str, port: int, reason: str) -> None:
        where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        super().__init__(f"cannot listen on {where}: {reason}")
        self.host = host
        self.port = port
        self.reason = reason


def _ignore(line: str) -> None:
    """The default activity reporter: say nothing."""


def _reason(error: OSError) -> str:
    """Why a bind failed, without asyncio's repetition of the address."""
    text = error.strerror or str(error)
    if text.startswith("error while attempting to bind") and "): " in text:
        return text.split("): ", 1)[1]
    return text


class Sandbox:
    """An SMTP server playing SCENARIO; keeps received messages in memory and never relays.

    Use `async with Sandbox(...) as sandbox:` inside an event loop, or
    `with Sandbox(...).running_in_thread() as sandbox:` from synchronous code.
    """

    def __init__(  # noqa: PLR0917 (the positional order is a published contract)
        self,
        scenario: str = "happy",
        host: str = "127.0.0.1",
        port: int = 0,
        implicit_tls_port: int | None = None,
        tls_cert: str | None = None,
        tls_key: str | None = None,
        *,
        options: SandboxOptions | None = None,
        on_event: Callable[[str], None] | None = None,
    ) -> None:
        """Prepare (not start) a sandbox.

        Args:
            scenario: a name from SCENARIOS.
            host: the address to listen on (loopback by default).
            port: the SMTP port; 0 picks a free one (read `port` after start).
            implicit_tls_port: also listen with implicit TLS (SMTPS) here; 0 picks a free one.
            tls_cert: PEM certificate file (with tls_key); a self-signed one is made otherwise.
            tls_key: PEM private key file.
            options: limits and timings.
            on_event: called with one line per connection, message and disconnection.

        Raises:
            ValueError: unknown scenario, or only one of tls_cert and tls_key.
        """
        if (tls_cert is None) != (tls_key is None):
            raise ValueError("give both tls_cert and tls_key, or neither")
        self.scenario: Scenario = get_scenario(scenario)
        self.host = host
        self.port = port
        self.implicit_tls_port = implicit_tls_port
        self.options = options or SandboxOptions()
        self._tls_files = (tls_cert, tls_key)
        self._on_event = on_event or _ignore
        self._store = MessageStore(self.options.store_messages, self.options.store_bytes)
        self._servers: list[asyncio.Server] = []
        self._runtime: Runtime | None = None
        self.certificate_pem = ""

    @property
    def messages(self) -> deque[StoredMessage]:
        """The messages received, oldest first (bounded in count and total bytes).

        From another thread (running_in_thread), read `store.snapshot()` instead.
        """
        return self._store.messages

    @property
    def store(self) -> MessageStore:
        """The message store (use snapshot() from another thread)."""
        return self._store

    @property
    def connection_count(self) -> int:
        """Connections currently open."""
        return len(self._runtime.connections) if self._runtime is not None else 0

    @property
    def connections_total(self) -> int:
        """Connections accepted since start."""
        return self._runtime.connections_total if self._runtime is not None else 0

    @property
    def address(self) -> str:
        """host:port of the SMTP listener, bracketed for IPv6."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    async def start(self) -> None:
        """Bind the listeners and start accepting connections.

        Raises:
            ListenError: an address cannot be bound (an OSError naming the address).
            ssl.SSLError: the key does not match the certificate, or is not usable.
            OSError: the certificate files cannot be read.
            ValueError: the certificate files are not PEM.
        """
        cert_file, key_file = self._tls_files
        if cert_file is not None and key_file is not None:
            pair = load_pair(cert_file, key_file)
        else:
            pair = await asyncio.to_thread(self_signed, self.options.hostname)
        tls_context = server_context(pair)
        self.certificate_pem = pair.certificate_pem
        runtime = Runtime(
            scenario=self.scenario,
            options=self.options,
            store=self._store,
            tls_context=tls_context,
            report=self._on_event,
        )
        self._runtime = runtime
        try:
            server = await self._listen(lambda: SandboxProtocol(runtime), self.port)
            self._servers.append(server)
            self.port = server.sockets[0].getsockname()[1]
            if self.implicit_tls_port is not None:
                tls_server = await self._listen(
                    lambda: SandboxProtocol(runtime, implicit_tls=True),
                    self.implicit_tls_port,
                    tls_context,
                )
                self._servers.append(tls_server)
                self.implicit_tls_port = tls_server.sockets[0].getsockname()[1]
        except BaseException:
            await self.stop()
            raise

    async def _listen(
        self,
        protocol: Callable[[], SandboxProtocol],
        port: int,
        tls_context: ssl.SSLContext | None = None,
    ) -> asyncio.Server:
        """Listen on host:PORT; a failure names that address."""
        try:
            return await asyncio.get_running_loop().create_server(
                protocol,
                self.host,
                port,
                ssl=tls_context,
                backlog=LISTEN_BACKLOG,
                reuse_address=True,
            )
        except OSError as exc:
            raise ListenError(self.host, port, _reason(exc)) from exc

    async def stop(self) -> None:
        """Stop listening and close every open connection (idempotent)."""
        servers, self._servers = self._servers, []
        for server in servers:
            server.close()
        if self._runtime is not None:
            for connection in list(self._runtime.connections):
                transport = connection.transport
                if transport is not None:
                    transport.close()
        for server in servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), timeout=5)
        # Let the connections' close callbacks run.
        await asyncio.sleep(0)

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @contextlib.contextmanager
    def running_in_thread(self) -> Iterator[Sandbox]:
        """Run the sandbox on its own event loop in a background thread while in the block.

        Raises:
            OSError, ValueError: as start() does, in the calling thread.
        """
        loop = asyncio.new_event_loop()
        started = threading.Event()
        failure: list[BaseException] = []
        stopping: asyncio.Event | None = None

        async def serve() -> None:
            nonlocal stopping
            stopping = asyncio.Event()
            try:
                await self.start()
            except BaseException as error:
                failure.append(error)
                started.set()
                return
            started.set()
            await stopping.wait()
            await self.stop()
            # Connections still sleeping (a tarpit's delay) end with the loop.
            current = asyncio.current_task()
            leftovers = [task for task in asyncio.all_tasks() if task is not current]
            for task in leftovers:
                task.cancel()
            await asyncio.gather(*leftovers, return_exceptions=True)

        thread = threading.Thread(
            target=loop.run_until_complete, args=(serve(),), name="ehlo-sandbox", daemon=True
        )
        thread.start()
        started.wait()
        if failure:
            thread.join()
            loop.close()
            raise failure[0]
        try:
            yield self
        finally:
            if stopping is not None:
                loop.call_soon_threadsafe(stopping.set)
            thread.join(timeout=10)
            if not thread.is_alive():
                loop.close()
