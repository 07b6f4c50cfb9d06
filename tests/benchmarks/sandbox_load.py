"""Load on `ehlo sandbox`: 200 idle connections, 1 MB lines, mid-DATA drops; prints RSS figures.

Run: python tests/benchmarks/sandbox_load.py [CONNECTIONS]
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.conftest import ehlo_env  # noqa: E402


def rss_mb(pid: int) -> float:
    """Resident set size of PID in MB (Linux)."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(found.group(1)) / 1024 if found else float("nan")


async def reply(reader: asyncio.StreamReader) -> bytes:
    lines = [await asyncio.wait_for(reader.readline(), 30)]
    while lines[-1][3:4] == b"-":
        lines.append(await asyncio.wait_for(reader.readline(), 30))
    return b"".join(lines)


async def session(port: int, *commands: bytes) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await reply(reader)
    for command in commands:
        writer.write(command + b"\r\n")
        await reply(reader)
    return reader, writer


async def deliver(port: int) -> float:
    started = time.monotonic()
    reader, writer = await session(
        port, b"EHLO bench", b"MAIL FROM:<a@example.com>", b"RCPT TO:<alice@example.net>", b"DATA"
    )
    writer.write(b"Subject: bench\r\n\r\nhello\r\n.\r\n")
    assert (await reply(reader)).startswith(b"250 ")
    writer.close()
    return (time.monotonic() - started) * 1000


async def drop_mid_data(port: int, size: int) -> None:
    _reader, writer = await session(
        port, b"EHLO rude", b"MAIL FROM:<a@example.com>", b"RCPT TO:<b@example.net>"
    )
    writer.write(b"DATA\r\n")
    for _ in range(size // 1000):
        writer.write(b"z" * 998 + b"\r\n")
    await writer.drain()
    writer.transport.abort()


async def main(connections: int) -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "ehlo", "sandbox", "--port", "0", "--quiet"],
        stdout=subprocess.PIPE,
        text=True,
        env=ehlo_env(),
    )
    assert server.stdout is not None
    port = 0
    for line in server.stdout:
        found = re.search(r"SMTP\s+127\.0\.0\.1:(\d+)", line)
        if found:
            port = int(found.group(1))
        if line.startswith("Press Ctrl-C"):
            break
    try:
        await deliver(port)
        print(f"idle sandbox: {rss_mb(server.pid):.1f} MB RSS")
        held = await asyncio.gather(*(session(port, b"EHLO idle") for _ in range(connections)))
        print(f"{connections} open connections: {rss_mb(server.pid):.1f} MB RSS")
        _r, long_writer = await session(port)
        long_writer.write(b"EHLO " + b"x" * 1_000_000 + b"\r\n")
        await asyncio.gather(*(drop_mid_data(port, 1_000_000) for _ in range(20)))
        print(f"+ 1 MB line and 20 dropped 1 MB messages: {rss_mb(server.pid):.1f} MB RSS")
        print(f"another client's whole transaction meanwhile: {await deliver(port):.0f} ms")
        long_writer.close()
        for _reader, writer in held:
            writer.close()
        await asyncio.sleep(1)
        print(f"after they all left: {rss_mb(server.pid):.1f} MB RSS")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
