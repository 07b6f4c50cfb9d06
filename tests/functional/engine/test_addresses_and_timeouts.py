"""Address family, source address and per-stage timeouts."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Iterator

import pytest

from ehlo.smtp.events import Connected, ErrorEvent, Received
from ehlo.smtp.options import ConnectOptions, Timeouts
from ehlo.smtp.session import Session
from tests.fixtures.hostile_server import hostile_server
from tests.fixtures.smtp_server import smtp_server

from .conftest import FAST, collect


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="no IPv6 loopback here")
@pytest.mark.parametrize("host", ["[::1]", "::1", "[IPv6:::1]", "[ipv6:0:0::1]"])
async def test_ipv6_literal_and_family(host: str) -> None:
    async with smtp_server(host="::1") as server:
        session = Session(
            ConnectOptions(host, server.port, family="ipv6", tls="none", timeouts=FAST)
        )
        events = await collect(session.connect())
        connected = events[0]
        assert isinstance(connected, Connected) and connected.peer[0] == "::1"
        await collect(session.ehlo())
        sent = session.transcript[-2]
        assert sent.line == "EHLO [IPv6:::1]"  # type: ignore[union-attr]
        await collect(session.quit())


async def test_ipv4_family_for_a_name() -> None:
    async with smtp_server() as server:
        session = Session(ConnectOptions("localhost", server.port, family="ipv4", timeouts=FAST))
        events = await collect(session.connect())
        await session.close()
    assert events[0].peer == ("127.0.0.1", server.port)  # type: ignore[union-attr]


async def test_source_address() -> None:
    async with smtp_server() as server:
        options = ConnectOptions(
            "127.0.0.1", server.port, source_address="127.0.0.1", timeouts=FAST
        )
        session = Session(options)
        events = await collect(session.connect())
        await session.close()
    connected = events[0]
    assert isinstance(connected, Connected) and connected.local[0] == "127.0.0.1"
    assert isinstance(events[-1], Received) and events[-1].reply.code == 220


async def test_unusable_source_address_is_a_connect_error() -> None:
    async with smtp_server() as server:
        options = ConnectOptions(
            "127.0.0.1", server.port, source_address="192.0.2.1", timeouts=FAST
        )
        events = await collect(Session(options).connect())
    error = events[-1]
    assert isinstance(error, ErrorEvent) and error.kind == "connect"


async def test_banner_timeout_is_its_own() -> None:
    async with hostile_server("no-banner") as port:
        session = Session(
            ConnectOptions("127.0.0.1", port, timeouts=Timeouts(banner=0.3, command=30))
        )
        started = time.monotonic()
        events = await collect(session.connect())
    assert time.monotonic() - started < 2
    assert isinstance(events[-2], ErrorEvent) and events[-2].stage == "connect"
    assert "0.3 s" in events[-2].message


async def test_command_timeout_is_its_own() -> None:
    async with hostile_server("banner-then-silence") as port:
        session = Session(
            ConnectOptions("127.0.0.1", port, timeouts=Timeouts(banner=30, command=0.3))
        )
        await collect(session.connect())
        started = time.monotonic()
        events = await collect(session.ehlo())
    assert time.monotonic() - started < 2
    error = events[-2]
    assert isinstance(error, ErrorEvent) and error.stage == "ehlo" and error.kind == "timeout"


@contextlib.contextmanager
def black_hole(host: str, port: int) -> Iterator[None]:
    """A port on host whose accept queue is full: new connections are never answered."""
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    fillers: list[socket.socket] = []
    try:
        listener.bind((host, port))
        listener.listen(0)
        for _ in range(3):
            filler = socket.socket(listener.family)
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect((host, port))
            fillers.append(filler)
        yield
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="no IPv6 loopback here")
async def test_an_address_that_never_answers_leaves_time_for_the_next(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with smtp_server() as server:
        try:
            hole = black_hole("::1", server.port)
            hole.__enter__()
        except OSError:
            pytest.skip("the same port is taken on ::1")
        loop = asyncio.get_running_loop()

        async def two_addresses(host: str, port: int, **kwargs: object) -> list[tuple]:
            assert host == "dual.ehlo.test"
            return [
                (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", port, 0, 0)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
            ]

        monkeypatch.setattr(loop, "getaddrinfo", two_addresses)
        try:
            options = ConnectOptions(
                "dual.ehlo.test", server.port, tls="none", timeouts=Timeouts.uniform(1.0)
            )
            session = Session(options)
            events = await collect(session.connect())
            await session.close()
        finally:
            hole.__exit__(None, None, None)
    connected = events[0]
    assert isinstance(connected, Connected) and connected.peer[0] == "127.0.0.1"
    assert isinstance(events[-1], Received) and events[-1].reply.code == 220
