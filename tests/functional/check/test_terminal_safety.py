"""Whatever a server sends, `ehlo check` prints no control sequence to the terminal."""

from __future__ import annotations

import asyncio
import sys

from tests.conftest import ehlo_env
from tests.fixtures.hostile_server import hostile_server

HOSTILE_TEXT = b"\x1b]0;owned\x07\x1b[2J\x1b[31m gone"


async def _refuses_recipients_with_escapes(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    writer.write(b"220 hostile.ehlo.test ESMTP\r\n")
    while line := await reader.readline():
        verb = line[:4].upper()
        if verb == b"QUIT":
            writer.write(b"221 bye\r\n")
        elif verb == b"RCPT":
            writer.write(b"550 5.1.1 " + HOSTILE_TEXT + b"\r\n")
        else:
            writer.write(b"250 ok\r\n")
        await writer.drain()


async def test_a_refusal_with_escape_sequences_is_shown_escaped() -> None:
    async with hostile_server(_refuses_recipients_with_escapes) as port:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ehlo", "check", f"127.0.0.1:{port}", "--tls", "none",
            "--from", "a@example.org", "--to", "b@example.net", "--timeout", "10",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=ehlo_env(),
        )  # fmt: skip
        stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    output = (stdout + stderr).decode()
    assert process.returncode == 2, output
    assert "result: permanent failure at rcpt" in output
    for line in output.splitlines():
        assert line.isprintable(), repr(line)
    assert "\\x1b]0;owned\\x07" in output
