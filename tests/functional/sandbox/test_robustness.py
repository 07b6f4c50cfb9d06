"""The sandbox survives misbehaving clients, keeps serving others, and its memory stays bounded."""

from __future__ import annotations

import asyncio
import gc
import time
import tracemalloc
from collections.abc import Iterator

import pytest

from ehlo.sandbox import DEMO_MAILBOXES, DEMO_SENDER, Sandbox, SandboxOptions
from tests.functional.sandbox.conftest import StartSandbox
from tests.functional.sandbox.rawclient import RawClient

TIMEOUT = 20.0


async def read_reply(reader: asyncio.StreamReader) -> bytes:
    lines = [await asyncio.wait_for(reader.readline(), TIMEOUT)]
    while len(lines[-1]) >= 4 and lines[-1][3:4] == b"-":
        lines.append(await asyncio.wait_for(reader.readline(), TIMEOUT))
    return b"".join(lines)


async def open_session(
    sandbox: Sandbox, *commands: bytes
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection(sandbox.host, sandbox.port)
    assert (await read_reply(reader)).startswith(b"220 ")
    for command in commands:
        writer.write(command + b"\r\n")
        assert (await read_reply(reader))[:1] in (b"2", b"3"), command
    return reader, writer


async def deliver(sandbox: Sandbox) -> float:
    """One complete transaction by a well-behaved client; returns how long it took."""
    started = time.monotonic()
    reader, writer = await open_session(
        sandbox,
        b"EHLO good.client.test",
        f"MAIL FROM:<{DEMO_SENDER}>".encode(),
        f"RCPT TO:<{DEMO_MAILBOXES[0]}>".encode(),
        b"DATA",
    )
    writer.write(b"Subject: still served\r\n\r\nhello\r\n.\r\n")
    assert (await read_reply(reader)).startswith(b"250 2.0.0 Ok: queued as ")
    writer.write(b"QUIT\r\n")
    assert await read_reply(reader) == b"221 2.0.0 Bye\r\n"
    writer.close()
    return time.monotonic() - started


async def drop_mid_data(sandbox: Sandbox, body_bytes: int) -> None:
    """Start a message, send part of it, then vanish (RST) without the final dot."""
    _reader, writer = await open_session(
        sandbox, b"EHLO rude.client.test", b"MAIL FROM:<a@example.org>", b"RCPT TO:<b@example.net>"
    )
    writer.write(b"DATA\r\n")
    line = b"z" * 998 + b"\r\n"
    for _ in range(body_bytes // len(line)):
        writer.write(line)
    await writer.drain()
    writer.transport.abort()


async def wait_for_connections(sandbox: Sandbox, count: int) -> None:
    deadline = time.monotonic() + TIMEOUT
    while sandbox.connection_count != count:
        assert time.monotonic() < deadline, f"{sandbox.connection_count} connections, not {count}"
        await asyncio.sleep(0.02)


@pytest.fixture
def traced() -> Iterator[None]:
    tracemalloc.start()
    try:
        yield
    finally:
        tracemalloc.stop()


def test_one_megabyte_command_line_is_refused_and_session_continues(
    start_sandbox: StartSandbox,
) -> None:
    sandbox = start_sandbox()
    client = RawClient(sandbox.host, sandbox.port)
    client.reply()
    assert client.command(b"EHLO " + b"x" * 1_000_000) == b"500 Command line too long\r\n"
    assert client.command("EHLO client.test").startswith(b"250-")
    assert client.command(b"NOOP " + b"y" * 1_000_000) == b"500 5.5.2 Command line too long\r\n"
    assert client.command(f"MAIL FROM:<{DEMO_SENDER}>") == b"250 2.1.0 Ok\r\n"


def test_one_megabyte_line_in_data_rejects_the_message(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox()
    client = RawClient(sandbox.host, sandbox.port)
    client.reply()
    client.command("EHLO client.test")
    client.command(f"MAIL FROM:<{DEMO_SENDER}>")
    client.command(f"RCPT TO:<{DEMO_MAILBOXES[0]}>")
    assert client.command("DATA").startswith(b"354")
    reply = client.command(b"Subject: long\r\n\r\n" + b"y" * 1_000_000 + b"\r\n.")
    assert reply.startswith(b"500 5.5.2 Line too long")
    assert sandbox.store.snapshot() == ()
    assert client.command("NOOP") == b"250 2.0.0 Ok\r\n"


def test_one_megabyte_auth_response_is_refused(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox()
    client = RawClient(sandbox.host, sandbox.port)
    client.reply()
    client.command("EHLO client.test")
    client.starttls()
    client.command("EHLO client.test")
    assert client.command("AUTH LOGIN").startswith(b"334 ")
    assert client.command(b"A" * 1_000_000)[:4] in (b"500 ", b"501 ")
    assert client.command("NOOP").startswith(b"250") or client.command("NOOP").startswith(b"250")


def test_message_over_size_limit_is_refused(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox(options=SandboxOptions(size_limit=10_000))
    client = RawClient(sandbox.host, sandbox.port)
    client.reply()
    client.command("EHLO client.test")
    assert client.command(f"MAIL FROM:<{DEMO_SENDER}> SIZE=20000").startswith(b"552 5.3.4 ")
    client.command(f"MAIL FROM:<{DEMO_SENDER}>")
    client.command(f"RCPT TO:<{DEMO_MAILBOXES[0]}>")
    client.command("DATA")
    body = b"".join(b"%04d" % i + b"x" * 94 + b"\r\n" for i in range(200))
    assert client.command(body + b".").startswith(b"552 5.3.4 ")
    assert sandbox.store.snapshot() == ()


async def test_disconnect_mid_data_leaves_the_server_serving() -> None:
    async with Sandbox("happy") as sandbox:
        await asyncio.gather(*(drop_mid_data(sandbox, 300_000) for _ in range(10)))
        assert await deliver(sandbox) < 5
        await wait_for_connections(sandbox, 0)
        assert [m.sender for m in sandbox.store.snapshot()] == [DEMO_SENDER]


def test_messages_in_flight_are_bounded_by_the_data_budget(start_sandbox: StartSandbox) -> None:
    options = SandboxOptions(size_limit=100_000, data_memory_budget=250_000)
    sandbox = start_sandbox(options=options)
    clients = [RawClient(sandbox.host, sandbox.port) for _ in range(3)]
    for client in clients:
        client.reply()
        client.command("EHLO client.test")
        client.command(f"MAIL FROM:<{DEMO_SENDER}>")
        client.command(f"RCPT TO:<{DEMO_MAILBOXES[0]}>")
    assert clients[0].command("DATA").startswith(b"354 ")
    assert clients[1].command("DATA").startswith(b"354 ")
    assert clients[2].command("DATA") == b"452 4.3.1 Insufficient system storage\r\n"
    assert clients[0].command("Subject: one\r\n\r\nbody\r\n.").startswith(b"250 2.0.0 ")
    clients[1].close()  # vanishes mid-DATA: its reservation is released too
    deadline = time.monotonic() + TIMEOUT
    while (data := clients[2].command("DATA")).startswith(b"452 "):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert data.startswith(b"354 ")
    assert clients[2].command("Subject: three\r\n\r\nbody\r\n.").startswith(b"250 2.0.0 ")
    assert clients[0].command("MAIL FROM:<a@example.com>") == b"250 2.1.0 Ok\r\n"
    assert clients[0].command(f"RCPT TO:<{DEMO_MAILBOXES[0]}>") == b"250 2.1.5 Ok\r\n"
    assert clients[0].command("DATA").startswith(b"354 ")


def test_idle_client_is_told_and_dropped(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox(options=SandboxOptions(idle_timeout=0.5))
    client = RawClient(sandbox.host, sandbox.port)
    client.reply()
    assert client.reply() == b"421 4.4.2 sandbox.ehlo.test Error: timeout exceeded\r\n"
    assert client.closed_by_server()


def test_connections_over_the_limit_get_421(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox(options=SandboxOptions(max_connections=3))
    held = [RawClient(sandbox.host, sandbox.port) for _ in range(3)]
    for client in held:
        assert client.reply().startswith(b"220 ")
    extra = RawClient(sandbox.host, sandbox.port)
    assert extra.reply() == (
        b"421 4.7.0 sandbox.ehlo.test Error: too many connections from 127.0.0.1\r\n"
    )
    assert extra.closed_by_server()
    held[0].close()
    deadline = time.monotonic() + TIMEOUT
    while sandbox.connection_count >= 3:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    again = RawClient(sandbox.host, sandbox.port)
    assert again.reply().startswith(b"220 ")


def test_store_is_bounded_in_count_and_bytes(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox(options=SandboxOptions(store_messages=3, store_bytes=5_000))
    client = RawClient(sandbox.host, sandbox.port)
    client.reply()
    client.command("EHLO client.test")
    sizes = [100, 200, 300, 4_000, 2_000]
    for number, size in enumerate(sizes):
        client.command(f"MAIL FROM:<n{number}@example.com>")
        client.command(f"RCPT TO:<{DEMO_MAILBOXES[0]}>")
        client.command("DATA")
        body = b"".join([b"x" * 99 + b"\r\n"] * (size // 101))
        assert client.command(b"Subject: s\r\n\r\n" + body + b".").startswith(b"250 ")
    kept = sandbox.store.snapshot()
    assert [m.sender for m in kept] == ["n4@example.com"]
    assert sandbox.store.total_bytes <= 5_000


@pytest.mark.slow
async def test_two_hundred_connections_memory_bounded(traced: None) -> None:
    """200 concurrent clients, 1 MB lines and mid-DATA drops: others served, memory returns."""
    async with Sandbox("happy") as sandbox:
        await deliver(sandbox)  # warm up (imports, TLS context, caches)
        gc.collect()
        baseline = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()

        held = await asyncio.gather(
            *(open_session(sandbox, b"EHLO idle.client.test") for _ in range(200))
        )
        await wait_for_connections(sandbox, 200)
        long_line = asyncio.open_connection(sandbox.host, sandbox.port)
        reader, writer = await long_line
        await read_reply(reader)
        writer.write(b"EHLO " + b"x" * 1_000_000 + b"\r\n")
        await asyncio.gather(*(drop_mid_data(sandbox, 1_000_000) for _ in range(20)))
        assert await read_reply(reader) == b"500 Command line too long\r\n"
        # Another client is served promptly while all that is going on.
        assert await deliver(sandbox) < 5

        writer.close()
        for _reader, held_writer in held:
            held_writer.close()
        await wait_for_connections(sandbox, 0)
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
    growth_mb = (current - baseline) / 1e6
    peak_mb = (peak - baseline) / 1e6
    print(f"memory: peak +{peak_mb:.1f} MB, after +{growth_mb:.1f} MB over the baseline")
    assert growth_mb < 2, growth_mb
    # 20 unfinished 1 MB messages are held at most once each, plus 200 small sessions.
    assert peak_mb < 60, peak_mb
