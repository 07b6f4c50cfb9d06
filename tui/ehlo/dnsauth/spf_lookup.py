"""SPF record selection (RFC 7208 4.5) and the inputs of check_host(): domain, sender, IP."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

import dns.exception
import dns.name

from ehlo.dnsauth.answer import Answer, Resolver
from ehlo.dnsauth.spf_record import SpfResult, is_spf_record

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\Z")


def domain_problem(domain: str) -> str | None:
    """Why DOMAIN (user input, as an A-label) cannot be audited, or None when it can."""
    name = ascii_domain(domain)
    if not valid_domain(name) or not all(_LABEL.match(label) for label in name.split(".")):
        return f"{domain!r} is not a valid domain name"
    return None


def ascii_domain(domain: str) -> str:
    """DOMAIN lower-cased without the final dot, internationalised names as A-labels."""
    name = domain.strip().rstrip(".").lower()
    if name.isascii():
        return name
    try:
        return dns.name.from_unicode(name).to_text(omit_final_dot=True).lower()
    except (dns.exception.DNSException, UnicodeError, ValueError):
        return name


@dataclass(frozen=True, slots=True)
class RecordLookup:
    """The SPF record of a domain, or why there is none."""

    answer: Answer
    record: str | None
    result: SpfResult | None
    """`none`, `permerror` or `temperror` when no single record was found."""
    problem: str | None = None


def valid_domain(name: str) -> bool:
    """Whether NAME can be a check_host() domain (section 4.3): an FQDN with sane labels."""
    if name.endswith("."):
        name = name[:-1]
    if not name or len(name) > 253 or name.startswith("["):
        return False
    labels = name.split(".")
    return len(labels) >= 2 and all(0 < len(label) <= 63 for label in labels)


async def lookup_record(resolver: Resolver, domain: str) -> RecordLookup:
    """Fetch DOMAIN's TXT records and select the SPF record (section 4.5)."""
    answer = await resolver.resolve(domain, "TXT")
    if answer.failed:
        problem = f"TXT lookup for {domain} failed: {answer.error or answer.status}"
        return RecordLookup(answer, None, "temperror", problem)
    records = [text for text in answer.records if is_spf_record(text)]
    if not records:
        return RecordLookup(answer, None, "none", f"{domain} has no SPF record")
    if len(records) > 1:
        problem = f"{domain} has {len(records)} SPF records; exactly one is allowed"
        return RecordLookup(answer, None, "permerror", problem)
    return RecordLookup(answer, records[0], None)


def sender_identity(mail_from: str, helo: str | None) -> tuple[str, str]:
    """The (domain, sender) pair to check for a MAIL FROM, or for the HELO name when it is empty."""
    if not mail_from:
        name = helo or ""
        return name, f"postmaster@{name}"
    local, at, domain = mail_from.rpartition("@")
    if not at:
        return mail_from, f"postmaster@{mail_from}"
    return domain, f"{local or 'postmaster'}@{domain}"


def parse_ip(text: str) -> IpAddress:
    """Parse a client IP; IPv4-mapped IPv6 addresses become IPv4 (section 5)."""
    address = ipaddress.ip_address(text.strip().strip("[]"))
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
