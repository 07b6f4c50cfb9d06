"""One DNS exchange over UDP with TCP fallback on truncation.

dnspython builds and parses the messages and carries the TCP fallback; the UDP leg is a plain
asyncio datagram endpoint (one fresh socket, so a fresh source port, per query) because
dnspython's asyncio UDP path costs over a millisecond of CPU per query, which dominates an
audit's wall time once dozens of queries run at once.
"""

from __future__ import annotations

import asyncio
import time

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.wire


class _Reply(asyncio.DatagramProtocol):
    """Collects the first datagram that answers QUERY (same ID and question)."""

    def __init__(self, query: dns.message.Message, answer: asyncio.Future[dns.message.Message]):
        self.query = query
        self.answer = answer
        self.wire = b""

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if self.answer.done() or len(data) < 12:
            return
        if int.from_bytes(data[:2], "big") != self.query.id:
            return
        try:
            response = dns.message.from_wire(data, ignore_trailing=True, continue_on_error=True)
        except dns.exception.DNSException as exc:
            self.answer.set_exception(exc)
            return
        if self.query.is_response(response):
            self.wire = data
            self.answer.set_result(response)

    def error_received(self, exc: Exception) -> None:
        if not self.answer.done():
            self.answer.set_exception(exc)


async def exchange(
    query: dns.message.Message, server: str, port: int, timeout: float
) -> tuple[dns.message.Message, bytes | None]:
    """Send QUERY to SERVER over UDP, retrying over TCP when the answer is truncated.

    Records that do not parse are skipped in the UDP response (`response.errors` says so) and
    the raw wire form is returned with it, so callers can still show them.

    Returns:
        The response, and its wire form when it came over UDP (None after TCP fallback).

    Raises:
        TimeoutError, dns.exception.Timeout: no answer within TIMEOUT seconds.
        OSError: the network refused (e.g. ICMP port unreachable).
        dns.exception.DNSException: the answer could not be parsed.
    """
    deadline = time.monotonic() + timeout
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[dns.message.Message] = loop.create_future()
    transport, protocol = await loop.create_datagram_endpoint(
        lambda: _Reply(query, answer), remote_addr=(server, port)
    )
    try:
        transport.sendto(query.to_wire())
        response = await asyncio.wait_for(answer, max(0.0, deadline - time.monotonic()))
    finally:
        transport.close()
    if not response.flags & dns.flags.TC:
        return response, protocol.wire
    remaining = max(0.05, deadline - time.monotonic())
    tcp_response = await dns.asyncquery.tcp(query, server, timeout=remaining, port=port)
    return tcp_response, None


def raw_answer_records(wire: bytes, name: dns.name.Name, rdtype: int) -> list[bytes]:
    """The raw RDATA of the answer-section records of NAME and RDTYPE in a wire message."""
    parser = dns.wire.Parser(wire)
    found: list[bytes] = []
    try:
        _, _, qdcount, ancount, _, _ = parser.get_struct("!HHHHHH")
        for _ in range(qdcount):
            parser.get_name()
            parser.get_struct("!HH")
        for _ in range(ancount):
            owner = parser.get_name(decompress=True)
            rr_type, _, _, length = parser.get_struct("!HHIH")
            data = parser.get_bytes(length)
            if owner == name and rr_type == rdtype:
                found.append(data)
    except dns.exception.DNSException:
        return found
    return found
