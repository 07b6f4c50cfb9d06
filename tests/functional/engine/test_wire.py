"""What goes on the wire: dot-stuffing, CRLF, BDAT chunks, HELO fallback, raw AUTH state."""

from __future__ import annotations

import asyncio

from ehlo.smtp.events import Received, Sent
from ehlo.smtp.session import Session
from tests.fixtures.hostile_server import hostile_server

from .conftest import collect, options_for


class Recorder:
    """A scripted server that records every byte and accepts DATA and BDAT."""

    def __init__(self) -> None:
        self.received = bytearray()
        self.chunks: list[bytes] = []

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 rec.ehlo.test ESMTP\r\n")
        while line := await reader.readline():
            self.received += line
            verb = line.split(b" ")[0].strip().upper()
            if verb == b"EHLO":
                writer.write(b"250-rec.ehlo.test\r\n250-CHUNKING\r\n250 8BITMIME\r\n")
            elif verb == b"DATA":
                writer.write(b"354 go ahead\r\n")
                await writer.drain()
                while True:
                    body_line = await reader.readline()
                    self.received += body_line
                    if body_line in (b".\r\n", b""):
                        break
                writer.write(b"250 2.0.0 queued\r\n")
            elif verb == b"BDAT":
                size = int(line.split()[1])
                chunk = await reader.readexactly(size)
                self.received += chunk
                self.chunks.append(chunk)
                last = b"LAST" in line.upper()
                writer.write(b"250 2.0.0 queued\r\n" if last else b"250 2.0.0 chunk ok\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(b"250 ok\r\n")
            await writer.drain()
        writer.close()


async def test_data_is_dot_stuffed_and_crlf_normalised() -> None:
    recorder = Recorder()
    async with hostile_server(recorder) as port:
        session = Session(options_for(port))
        await collect(session.connect())
        await collect(session.ehlo())
        await collect(session.mail("a@ehlo.test"))
        await collect(session.rcpt("b@ehlo.test"))
        events = await collect(session.data(".first\n..second\r\n.\nlast"))
        await collect(session.quit())
    wire = bytes(recorder.received)
    body = wire.split(b"DATA\r\n", 1)[1].split(b"QUIT", 1)[0]
    assert body == b"..first\r\n...second\r\n..\r\nlast\r\n.\r\n"
    assert events[-1].reply.code == 250  # type: ignore[union-attr]


async def test_bdat_chunks() -> None:
    recorder = Recorder()
    async with hostile_server(recorder) as port:
        session = Session(options_for(port))
        await collect(session.connect())
        await collect(session.ehlo())
        assert session.extensions is not None and session.extensions.chunking
        await collect(session.mail("a@ehlo.test"))
        await collect(session.rcpt("b@ehlo.test"))
        events = await collect(session.bdat(b"Subject: x\n\n.dot stays\n", chunk_size=10))
        await collect(session.quit())
    assert b"".join(recorder.chunks) == b"Subject: x\r\n\r\n.dot stays\r\n"
    sent = [e.line for e in events if isinstance(e, Sent)]
    assert sent == ["BDAT 10", "BDAT 10", "BDAT 6 LAST"]
    replies = [e for e in events if isinstance(e, Received)]
    assert [r.stage for r in replies] == ["bdat", "bdat", "end-of-data"]


async def test_typed_data_sends_the_session_message() -> None:
    recorder = Recorder()
    async with hostile_server(recorder) as port:
        session = Session(options_for(port))
        session.message = b"Subject: typed\r\n\r\nhello\r\n"
        await collect(session.connect())
        for line in ["EHLO me.test", "MAIL FROM:<a@ehlo.test>", "RCPT TO:<b@ehlo.test>", "DATA"]:
            events = await collect(session.command(line))
        await collect(session.command("QUIT"))
    assert events[-1].stage == "end-of-data"  # type: ignore[union-attr]
    assert b"Subject: typed\r\n\r\nhello\r\n.\r\n" in bytes(recorder.received)
    assert not session.is_connected


async def test_ehlo_falls_back_to_helo() -> None:
    async with hostile_server("helo-only") as port:
        session = Session(options_for(port))
        await collect(session.connect())
        events = await collect(session.ehlo("me.test"))
        await collect(session.quit())
    assert [e.line for e in events if isinstance(e, Sent)] == ["EHLO me.test", "HELO me.test"]
    assert [e.stage for e in events if isinstance(e, Received)] == ["ehlo", "helo"]
    assert session.extensions is not None and session.extensions.names == frozenset()
