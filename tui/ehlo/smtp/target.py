"""TARGET as the user writes it (`host`, `host:port`, `[ipv6]:port`, `@domain`, an address) and
the servers to try for it, in order (RFC 5321 section 5.1: MX by preference, else the domain)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ehlo.smtp.address import is_host_name
from ehlo.smtp.address import is_ip as is_ip_address

if TYPE_CHECKING:
    from ehlo.dnsauth.answer import Answer, Resolver

Family = Literal["any", "ipv4", "ipv6"]


class TargetError(ValueError):
    """TARGET cannot be used: bad syntax, or its domain has no server to deliver to."""

    def __init__(self, message: str, kind: Literal["usage", "resolve"] = "usage") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


@dataclass(frozen=True, slots=True)
class ParsedTarget:
    """What TARGET says before any DNS lookup.

    `kind` is `host` (connect to `host`) or `domain` (deliver to `domain`'s MX hosts).
    `port` is None when TARGET did not give one.
    """

    text: str
    kind: Literal["host", "domain"]
    host: str
    port: int | None = None

    @property
    def is_ip(self) -> bool:
        """Whether the host is an IP address literal."""
        return is_ip_address(self.host)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One server to try: where to connect, and the name to use for SNI and verification."""

    host: str
    port: int
    server_name: str | None = None
    mx_host: str | None = None
    preference: int | None = None

    @property
    def display(self) -> str:
        """`host:port` (IPv6 in brackets), with the MX host name when there is one."""
        where = f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"
        if self.mx_host and self.mx_host != self.host:
            return f"{self.mx_host} ({where})"
        return where


def port_number(text: str) -> int | None:
    """TEXT as a TCP port (ASCII digits, 1 to 65535), or None."""
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 65535:
        return None
    return int(text)


def _port(text: str, target: str) -> int:
    """A port number from TARGET, or a usage error."""
    port = port_number(text)
    if port is None:
        raise TargetError(f"port {text!r} in {target!r} is not a number from 1 to 65535")
    return port


def _check_host_name(name: str, target: str) -> str:
    """A host or domain name, lower-cased without a trailing dot, or a usage error."""
    cleaned = name.strip().rstrip(".").lower()
    if not cleaned:
        raise TargetError(f"no host name in {target!r}")
    try:
        ascii_name = cleaned.encode("idna").decode("ascii")
    except UnicodeError:
        raise TargetError(f"{name!r} in {target!r} is not a valid host name") from None
    if not is_host_name(ascii_name.lower()):
        raise TargetError(f"{name!r} in {target!r} is not a valid host name")
    return ascii_name


def parse_target(text: str) -> ParsedTarget:
    """Read TARGET without looking anything up.

    Accepts `host`, `host:port`, `IPv4:port`, a bare IPv6 address, `[IPv6]` or `[IPv6]:port`,
    `@domain`, `@domain:port` and `user@domain` (the domain part is used).

    Raises:
        TargetError: TARGET is empty or malformed (kind `usage`).
    """
    target = text.strip()
    if not target:
        raise TargetError("the target is empty; give a host, host:port, [IPv6]:port or @domain")
    if any(ord(char) < 32 or char.isspace() for char in target):
        raise TargetError(
            f"{target!r} is not a host name: it contains spaces or control characters"
        )
    if "@" in target:
        domain_part = target.rsplit("@", 1)[1]
        host, port = (
            ("", None) if domain_part.startswith("[") else _split_host_port(domain_part, target)
        )
        if domain_part.startswith("[") or is_ip_address(host):
            raise TargetError(
                f"{target!r} names an address literal; give the IP as TARGET to connect to it"
            )
        return ParsedTarget(target, "domain", _check_host_name(host, target), port)
    host, port = _split_host_port(target, target)
    if not is_ip_address(host):
        host = _check_host_name(host, target)
    return ParsedTarget(target, "host", host, port)


def _split_host_port(text: str, target: str) -> tuple[str, int | None]:
    """Split `host[:port]` or `[ipv6][:port]`; a bare IPv6 address has no port."""
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise TargetError(f"unclosed '[' in {target!r}; write [IPv6]:PORT")
        host, rest = text[1:end], text[end + 1 :]
        if not is_ip_address(host) or ":" not in host:
            raise TargetError(f"{host!r} in {target!r} is not an IPv6 address")
        if not rest:
            return host, None
        if not rest.startswith(":"):
            raise TargetError(f"unexpected {rest!r} after ']' in {target!r}")
        return host, _port(rest[1:], target)
    if text.count(":") > 1:
        if is_ip_address(text):
            return text, None
        raise TargetError(f"{text!r} in {target!r} is not an IPv6 address; write [IPv6]:PORT")
    if ":" in text:
        host, port_text = text.split(":")
        return host, _port(port_text, target)
    return text, None


def _mx_records(answer: Answer, domain: str) -> list[tuple[int, str]]:
    """(preference, host) pairs of an MX answer, lowest preference first."""
    pairs: list[tuple[int, str]] = []
    for record in answer.records:
        words = record.split()
        if not words or not (words[0].isascii() and words[0].isdigit()):
            continue
        host = words[1].rstrip(".").lower() if len(words) > 1 else ""
        pairs.append((int(words[0]), host))
    if any(host == "" for _, host in pairs):
        raise TargetError(
            f"{domain} publishes a null MX (RFC 7505): it accepts no mail at all",
            kind="resolve",
        )
    return sorted(pairs)


async def mx_exchanges(resolver: Resolver, domain: str) -> list[tuple[int | None, str]]:
    """The (preference, host) pairs to try for DOMAIN, lowest preference first; without MX
    records, [(None, DOMAIN)]: the domain itself (RFC 5321 section 5.1 implicit MX).

    Raises:
        TargetError: the domain publishes a null MX, does not exist, or DNS failed (kind
            `resolve`).
    """
    mx = await resolver.resolve(domain, "MX")
    if mx.failed:
        raise TargetError(
            f"could not look up the MX records of {domain}: {mx.error or mx.status}",
            kind="resolve",
        )
    if mx.status == "nxdomain":
        raise TargetError(f"the domain {domain} does not exist (NXDOMAIN)", kind="resolve")
    if not mx.ok:
        return [(None, domain)]
    return list(_mx_records(mx, domain))


async def _addresses(resolver: Resolver, host: str, family: Family) -> tuple[list[str], str]:
    """The host's addresses in the order to try (IPv4 first unless limited), and why none."""
    kinds = {"any": ("A", "AAAA"), "ipv4": ("A",), "ipv6": ("AAAA",)}[family]
    addresses: list[str] = []
    problems: list[str] = []
    for rdtype in kinds:
        answer = await resolver.resolve(host, rdtype)
        addresses.extend(answer.records if answer.ok else ())
        if answer.failed:
            problems.append(f"{rdtype} lookup failed ({answer.error or answer.status})")
        elif answer.status == "nxdomain":
            problems.append("the name does not exist (NXDOMAIN)")
    if not problems:
        problems.append(f"it has no {' or '.join(kinds)} records")
    return addresses, "; ".join(dict.fromkeys(problems))


async def resolve_target(
    parsed: ParsedTarget,
    resolver: Resolver,
    default_port: int = 25,
    family: Family = "any",
) -> tuple[Endpoint, ...]:
    """The servers to try for TARGET, in order.

    A host target gives one endpoint (the engine resolves the name itself). A domain target gives
    each MX host's addresses, lowest preference first; without MX records, the domain's own
    addresses (RFC 5321 section 5.1 implicit MX).

    Raises:
        TargetError: the domain publishes a null MX, does not exist, has no usable server, or DNS
            failed (kind `resolve`).
    """
    port = parsed.port or default_port
    if parsed.kind == "host":
        name = None if parsed.is_ip else parsed.host
        return (Endpoint(parsed.host, port, server_name=name),)
    domain = parsed.host
    exchanges = await mx_exchanges(resolver, domain)
    endpoints: list[Endpoint] = []
    problems: list[str] = []
    for preference, host in exchanges:
        addresses, why = await _addresses(resolver, host, family)
        if not addresses:
            problems.append(f"{host}: {why}")
        for address in addresses:
            endpoints.append(
                Endpoint(
                    address,
                    port,
                    server_name=host,
                    mx_host=host,
                    preference=preference,
                )
            )
    if not endpoints:
        implicit = exchanges == [(None, domain)]
        source = "it has no MX records and its own name" if implicit else "its MX hosts"
        raise TargetError(
            f"no server to connect to for {domain}: {source} did not resolve ("
            + "; ".join(problems)
            + ")",
            kind="resolve",
        )
    return tuple(endpoints)
