"""The DNS resolver the checks use: a thin async wrapper over dnspython.

It asks the system's nameservers or one given server (tests use a local nsd on a high port),
with a timeout and retries, and falls back to TCP when a UDP answer is truncated. It sets the
AD bit (and DO for DNSSEC record types) so a validating resolver reports validation, follows
CNAME chains a server left unfinished, and caches every answer per instance so that concurrent
identical queries share one lookup.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import secrets
import socket
import struct
from dataclasses import dataclass

import dns.exception
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.resolver

from ehlo.dnsauth.answer import Answer, AnswerStatus
from ehlo.dnsauth.transport import BadResponse, RawRecord, Response, exchange
from ehlo.smtp.address import is_host_name

MAX_CNAME_HOPS = 8
_RD = 0x0100
_AD = 0x0020
_DO = 0x8000
EDNS_PAYLOAD = 1232
DNSSEC_TYPES = frozenset(
    {dns.rdatatype.DNSKEY, dns.rdatatype.DS, dns.rdatatype.TLSA, dns.rdatatype.RRSIG}
)


@dataclass(frozen=True, slots=True)
class _Outcome:
    """One server's answer to one query, before CNAME chasing across queries."""

    status: AnswerStatus
    records: tuple[str, ...] = ()
    authenticated: bool = False
    error: str | None = None
    pending_target: dns.name.Name | None = None


def query_wire(qname: dns.name.Name, rdtype: int, dnssec_ok: bool = False) -> bytes:
    """A recursive query for QNAME/RDTYPE with EDNS0, in wire form (RFC 1035 4.1, RFC 6891).

    The AD bit asks a validating resolver to say whether it validated (RFC 6840 5.7); DO
    (and with it RRSIGs in the answer) is set only when DNSSEC_OK is asked for.
    """
    header = struct.pack("!HHHHHH", secrets.randbits(16), _RD | _AD, 1, 0, 0, 1)
    question = bytes(qname.to_wire() or b"") + struct.pack("!HH", rdtype, dns.rdataclass.IN)
    opt = b"\x00" + struct.pack(
        "!HHIH", dns.rdatatype.OPT, EDNS_PAYLOAD, _DO if dnssec_ok else 0, 0
    )
    return header + question + opt


def parse_resolver_arg(value: str) -> tuple[str, int]:
    """Split `HOST[:PORT]` (IPv6 as `[addr]:port` or bare) into host and port.

    Raises:
        ValueError: the value is empty, the port is not 1-65535, or the host is malformed.
    """
    text = value.strip()
    if not text:
        raise ValueError("the resolver is empty; give HOST or HOST:PORT")
    host, port_text = text, ""
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise ValueError(f"unclosed '[' in resolver {value!r}; write [IPv6]:PORT")
        host, rest = text[1:end], text[end + 1 :]
        if rest and not rest.startswith(":"):
            raise ValueError(f"unexpected {rest!r} after ']' in resolver {value!r}")
        port_text = rest[1:]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"{host!r} is not an IPv6 address") from None
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    elif text.count(":") > 1:
        try:
            ipaddress.IPv6Address(text)
        except ValueError:
            raise ValueError(
                f"{value!r} is not an IPv6 address; write [IPv6]:PORT to give a port"
            ) from None
    if text.endswith(":") and (text.startswith("[") or text.count(":") == 1):
        raise ValueError(f"no port after ':' in resolver {value!r}; write HOST or HOST:PORT")
    port = 53
    if port_text:
        if not (port_text.isascii() and port_text.isdigit()) or not 1 <= int(port_text) <= 65535:
            raise ValueError(f"port {port_text!r} of resolver {value!r} is not 1-65535")
        port = int(port_text)
    if not host:
        raise ValueError(f"resolver {value!r} has no host")
    if ":" not in host:
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            if not is_host_name(host):
                raise ValueError(
                    f"resolver host {host!r} is not a host name or an IP address"
                ) from None
    return host, port


@functools.lru_cache(maxsize=4096)
def normalize_name(name: str) -> str:
    """NAME in lower-case A-label form without the trailing dot; raises ValueError if invalid."""
    text = name.strip().rstrip(".")
    if not text:
        raise ValueError("the name is empty")
    try:
        parsed = dns.name.from_unicode(text) if not text.isascii() else dns.name.from_text(text)
    except (dns.exception.DNSException, UnicodeError) as exc:
        raise ValueError(f"{name!r} is not a valid domain name: {exc}") from None
    if parsed in (dns.name.root, dns.name.empty):  # "@" is the zone origin in dnspython's syntax
        raise ValueError(f"{name!r} is not a valid domain name")
    return parsed.to_text(omit_final_dot=True).lower()


def record_text(rdata: dns.rdata.Rdata) -> str:
    """The text form of one record as documented on `Answer`."""
    rdtype = rdata.rdtype
    if rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
        return str(rdata.address)  # type: ignore[attr-defined]
    if rdtype == dns.rdatatype.TXT:
        return b"".join(rdata.strings).decode("utf-8", errors="replace")  # type: ignore[attr-defined]
    if rdtype == dns.rdatatype.MX:
        return f"{rdata.preference} {_name_text(rdata.exchange)}"  # type: ignore[attr-defined]
    if rdtype in (dns.rdatatype.PTR, dns.rdatatype.CNAME, dns.rdatatype.NS):
        return _name_text(rdata.target)  # type: ignore[attr-defined]
    if rdtype == dns.rdatatype.TLSA:
        tlsa = rdata
        return f"{tlsa.usage} {tlsa.selector} {tlsa.mtype} {tlsa.cert.hex()}"  # type: ignore[attr-defined]
    return str(rdata.to_text())


def _name_text(name: dns.name.Name) -> str:
    if name == dns.name.root:
        return "."
    return str(name.to_text(omit_final_dot=True)).lower()


class DnsResolver:
    """`Resolver` over dnspython: one cache per instance; `.queries` counts queries sent."""

    def __init__(
        self,
        nameserver: str | None = None,
        port: int = 53,
        timeout: float = 3.0,
        retries: int = 1,
    ) -> None:
        self.nameserver = nameserver
        self.port = port
        self.timeout = timeout
        self.retries = max(0, retries)
        self.queries = 0
        self._cache: dict[tuple[str, str], asyncio.Future[Answer]] = {}
        self._servers: tuple[str, ...] | None = None
        self._setup_error: str | None = None
        if nameserver is None:
            try:
                system = dns.resolver.Resolver(configure=True)
                self._servers = tuple(str(server) for server in system.nameservers)
                self.port = int(getattr(system, "port", 53))
            except (dns.exception.DNSException, OSError) as exc:
                self._servers = ()
                self._setup_error = f"no system resolver configured ({exc})"
            if not self._servers and self._setup_error is None:
                self._setup_error = "no system resolver configured (no nameserver in resolv.conf)"

    @property
    def description(self) -> str:
        """Which server answers, for reports: `HOST:PORT` or `system (ADDR, ...)`."""
        if self.nameserver is not None:
            host = f"[{self.nameserver}]" if ":" in self.nameserver else self.nameserver
            return f"{host}:{self.port}"
        return f"system ({', '.join(self._servers or ()) or 'none'})"

    async def resolve(self, name: str, rdtype: str) -> Answer:
        """Look up NAME's RDTYPE records; returns failures as an Answer status, never raises."""
        rdtype_text = rdtype.upper()
        try:
            qname = normalize_name(name)
        except ValueError as exc:
            return Answer(name, rdtype_text, "error", error=str(exc))
        key = (qname, rdtype_text)
        future = self._cache.get(key)
        if future is None or future.cancelled():
            future = asyncio.ensure_future(self._lookup(qname, rdtype_text))
            self._cache[key] = future
        return await asyncio.shield(future)

    async def _lookup(self, qname: str, rdtype: str, hops: int = 0) -> Answer:
        try:
            rdtype_value = dns.rdatatype.from_text(rdtype)
        except dns.exception.DNSException:
            return Answer(qname, rdtype, "error", error=f"unknown record type {rdtype!r}")
        servers = await self._server_addresses()
        if isinstance(servers, str):
            return Answer(qname, rdtype, "error", error=servers)
        outcome = await self._ask(servers, dns.name.from_text(qname), rdtype_value)
        if outcome.pending_target is None:
            return Answer(
                qname, rdtype, outcome.status, outcome.records, outcome.authenticated, outcome.error
            )
        if hops >= MAX_CNAME_HOPS:
            return Answer(qname, rdtype, "error", error=f"CNAME chain longer than {MAX_CNAME_HOPS}")
        # The server gave a CNAME without the target's records: follow it with a new query.
        followed = await self._lookup(_name_text(outcome.pending_target), rdtype, hops + 1)
        return Answer(
            qname,
            rdtype,
            followed.status,
            followed.records,
            outcome.authenticated and followed.authenticated,
            followed.error,
        )

    async def _server_addresses(self) -> tuple[str, ...] | str:
        if self._servers is not None:
            return self._servers or (self._setup_error or "no nameserver")
        assert self.nameserver is not None
        try:
            ipaddress.ip_address(self.nameserver)
            self._servers = (self.nameserver,)
        except ValueError:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(
                    self.nameserver, self.port, type=socket.SOCK_DGRAM
                )
            except OSError as exc:
                return f"cannot find the address of resolver {self.nameserver}: {exc}"
            self._servers = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
        return self._servers

    async def _ask(
        self, servers: tuple[str, ...], qname: dns.name.Name, rdtype: dns.rdatatype.RdataType
    ) -> _Outcome:
        wire = query_wire(qname, rdtype, dnssec_ok=rdtype in DNSSEC_TYPES)
        last = _Outcome("error", error="no nameserver")
        for attempt in range(self.retries + 1):
            for server in servers:
                self.queries += 1
                try:
                    response = await exchange(
                        wire, qname, rdtype, server=server, port=self.port, timeout=self.timeout
                    )
                except (dns.exception.Timeout, TimeoutError):
                    last = _Outcome(
                        "timeout",
                        error=f"no answer from {self._where(server)} within {self.timeout:g} s"
                        f" ({attempt + 1} attempt{'s' if attempt else ''})",
                    )
                    continue
                except (OSError, EOFError) as exc:
                    last = _Outcome(
                        "error", error=f"cannot reach {self._where(server)}: {exc or type(exc)}"
                    )
                    continue
                except (BadResponse, dns.exception.DNSException) as exc:
                    last = _Outcome("error", error=f"bad answer from {self._where(server)}: {exc}")
                    continue
                outcome = self._interpret(response, qname, rdtype, server)
                if outcome.status in ("servfail", "refused", "error") and len(servers) > 1:
                    last = outcome
                    continue
                return outcome
            if last.status not in ("timeout", "error"):
                break
        return last

    def _where(self, server: str) -> str:
        host = f"[{server}]" if ":" in server else server
        return f"{host}:{self.port}"

    def _interpret(
        self,
        response: Response,
        qname: dns.name.Name,
        rdtype: dns.rdatatype.RdataType,
        server: str,
    ) -> _Outcome:
        rcode = response.rcode
        authenticated = response.authenticated
        if rcode == dns.rcode.SERVFAIL:
            return _Outcome("servfail", error=f"{self._where(server)} answered SERVFAIL")
        if rcode == dns.rcode.REFUSED:
            return _Outcome(
                "refused",
                error=f"{self._where(server)} refused the query (REFUSED): it does not serve"
                " this name or does not recurse for you",
            )
        if rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            return _Outcome(
                "error",
                error=f"{self._where(server)} answered "
                f"{dns.rcode.to_text(dns.rcode.Rcode.make(rcode))}",
            )
        current = qname
        for _ in range(MAX_CNAME_HOPS + 1):
            found = response.records(current, rdtype)
            if found:
                texts = dict.fromkeys(_text(response, record, rdtype) for record in found)
                return _Outcome("ok", tuple(texts), authenticated)
            if rdtype == dns.rdatatype.CNAME:
                break
            target = _cname_target(response, current)
            if target is None:
                break
            current = target
        else:
            return _Outcome("error", error=f"CNAME chain longer than {MAX_CNAME_HOPS} at {qname}")
        if rcode == dns.rcode.NXDOMAIN:
            return _Outcome("nxdomain", authenticated=authenticated)
        if current != qname and dns.rdatatype.SOA not in response.authority_types:
            return _Outcome("ok", authenticated=authenticated, pending_target=current)
        return _Outcome("nodata", authenticated=authenticated)


def _text(response: Response, record: RawRecord, rdtype: dns.rdatatype.RdataType) -> str:
    """A record's text form; a malformed one keeps a raw form instead of failing the lookup."""
    try:
        return record_text(response.parse(record))
    except dns.exception.DNSException:
        return _raw_text(rdtype, response.raw(record))


def _cname_target(response: Response, name: dns.name.Name) -> dns.name.Name | None:
    for record in response.records(name, dns.rdatatype.CNAME):
        try:
            target: dns.name.Name = response.parse(record).target  # type: ignore[attr-defined]
        except dns.exception.DNSException:
            continue
        return target
    return None


def _raw_text(rdtype: dns.rdatatype.RdataType, data: bytes) -> str:
    """A malformed record's text: TLSA keeps its fields, anything else RFC 3597's generic form."""
    if rdtype == dns.rdatatype.TLSA and len(data) >= 3:
        return f"{data[0]} {data[1]} {data[2]} {data[3:].hex()}"
    return f"\\# {len(data)} {data.hex()}"
