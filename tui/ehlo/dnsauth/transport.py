"""One DNS exchange: UDP with TCP fallback on truncation, and a lazy reading of the response.

dnspython builds the query and parses each record the checks need; the exchange itself and the
walk over the response are done here because dnspython's asyncio path and full-message parsing
cost one to three milliseconds of CPU per query, which dominates an audit's wall time once
dozens of queries run at once. Only records of the queried name (and its CNAMEs) are parsed.
"""

from __future__ import annotations

import asyncio
import struct
import time
from dataclasses import dataclass

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.wire

QR = 0x8000
TC = 0x0200
AD = 0x0020


class BadResponse(Exception):
    """The server's answer is not a well-formed response to the query."""


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One resource record of a response, its RDATA not parsed yet."""

    name: dns.name.Name
    rdtype: int
    rdclass: int
    offset: int
    length: int


@dataclass(frozen=True, slots=True)
class Response:
    """The parts of a DNS response the resolver reads: rcode, flags, answer and authority."""

    wire: bytes
    rcode: int
    flags: int
    answer: tuple[RawRecord, ...]
    authority_types: frozenset[int]

    @property
    def authenticated(self) -> bool:
        """The AD flag: a validating resolver vouches for the answer."""
        return bool(self.flags & AD)

    def records(self, name: dns.name.Name, rdtype: int) -> list[RawRecord]:
        """The answer records of NAME and RDTYPE (class IN)."""
        return [
            record
            for record in self.answer
            if record.rdtype == rdtype
            and record.rdclass == dns.rdataclass.IN
            and record.name == name
        ]

    def parse(self, record: RawRecord) -> dns.rdata.Rdata:
        """Parse one record's RDATA (names in it may be compressed against the whole message).

        Raises:
            dns.exception.DNSException: the RDATA is malformed.
        """
        try:
            return dns.rdata.from_wire(
                dns.rdataclass.IN,
                dns.rdatatype.RdataType.make(record.rdtype),
                self.wire,
                record.offset,
                record.length,
            )
        except (ValueError, IndexError, struct.error) as exc:
            raise dns.exception.SyntaxError(str(exc)) from exc  # type: ignore[no-untyped-call]

    def raw(self, record: RawRecord) -> bytes:
        """One record's RDATA bytes."""
        return self.wire[record.offset : record.offset + record.length]


def read_response(wire: bytes, query_id: int, qname: dns.name.Name, rdtype: int) -> Response:
    """Check that WIRE answers the query, and index its answer and authority sections.

    Raises:
        BadResponse: not a response, another query's response, or truncated past repair.
    """
    parser = dns.wire.Parser(wire)
    try:
        ident, flags, qdcount, ancount, nscount, _ = parser.get_struct("!HHHHHH")
        if ident != query_id or not flags & QR:
            raise BadResponse("the answer is not a response to this query")
        if qdcount != 1:
            raise BadResponse(f"the answer has {qdcount} questions instead of 1")
        question = parser.get_name(decompress=True)
        qtype, _ = parser.get_struct("!HH")
        if question != qname or qtype != rdtype:
            raise BadResponse(f"the answer is for {question} type {qtype}, not this query")
        answer: list[RawRecord] = []
        authority: set[int] = set()
        if flags & TC:
            return Response(wire, flags & 0xF, flags, (), frozenset())
        for index in range(ancount + nscount):
            owner = parser.get_name(decompress=True)
            record_type, record_class, _, length = parser.get_struct("!HHIH")
            offset = parser.current
            parser.seek(offset + length)
            if parser.current > len(wire):
                raise BadResponse("a record runs past the end of the answer")
            if index < ancount:
                answer.append(RawRecord(owner, record_type, record_class, offset, length))
            else:
                authority.add(record_type)
    except (dns.exception.DNSException, struct.error, ValueError) as exc:
        if isinstance(exc, BadResponse):
            raise
        raise BadResponse(f"malformed answer: {exc}") from exc
    return Response(wire, flags & 0xF, flags, tuple(answer), frozenset(authority))


class _Reply(asyncio.DatagramProtocol):
    """Collects the first datagram that answers the query (same ID and question)."""

    def __init__(
        self, query_id: int, qname: dns.name.Name, rdtype: int, answer: asyncio.Future[Response]
    ) -> None:
        self.query = (query_id, qname, rdtype)
        self.answer = answer
        self.problem: BadResponse | None = None

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if self.answer.done():
            return
        try:
            self.answer.set_result(read_response(data, *self.query))
        except BadResponse as exc:
            self.problem = exc  # keep waiting: a forged or stray datagram is ignored

    def error_received(self, exc: Exception) -> None:
        if not self.answer.done():
            self.answer.set_exception(exc)


async def exchange(
    wire: bytes, qname: dns.name.Name, rdtype: int, *, server: str, port: int, timeout: float
) -> Response:
    """Send the query WIRE to SERVER over UDP, and over TCP when the answer is truncated.

    Raises:
        TimeoutError: no answer within TIMEOUT seconds.
        OSError: the network refused (e.g. ICMP port unreachable).
        BadResponse: the answer over TCP was malformed.
    """
    deadline = time.monotonic() + timeout
    query_id = int.from_bytes(wire[:2], "big")
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[Response] = loop.create_future()
    transport, protocol = await loop.create_datagram_endpoint(
        lambda: _Reply(query_id, qname, rdtype, answer), remote_addr=(server, port)
    )
    try:
        transport.sendto(wire)
        try:
            response = await asyncio.wait_for(answer, max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            if protocol.problem is not None:
                raise protocol.problem from None
            raise
    finally:
        transport.close()
    if not response.flags & TC:
        return response
    remaining = max(0.05, deadline - time.monotonic())
    return await asyncio.wait_for(_tcp(wire, qname, rdtype, server, port), remaining)


async def _tcp(wire: bytes, qname: dns.name.Name, rdtype: int, server: str, port: int) -> Response:
    reader, writer = await asyncio.open_connection(server, port)
    try:
        writer.write(struct.pack("!H", len(wire)) + wire)
        await writer.drain()
        length = struct.unpack("!H", await reader.readexactly(2))[0]
        data = await reader.readexactly(length)
    except asyncio.IncompleteReadError as exc:
        raise BadResponse("the server closed the TCP connection before answering") from exc
    finally:
        writer.close()
    return read_response(data, int.from_bytes(wire[:2], "big"), qname, rdtype)
