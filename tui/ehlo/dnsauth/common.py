"""Small pieces the checks share: dig commands, DNS failure results, status ranking, names."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from typing import Any

from ehlo.dnsauth.answer import Answer
from ehlo.dnsauth.result import CheckResult, CheckStatus
from ehlo.fixes import Fix, shell_join

_RANK: dict[CheckStatus, int] = {"pass": 0, "info": 1, "warn": 2, "error": 3, "fail": 4}


def dig(rdtype: str, name: str) -> str:
    """A shell-safe `dig +short RDTYPE NAME` command line."""
    return shell_join(["dig", "+short", rdtype, name])


TXT_STRING_OCTETS = 255
"""The longest character-string a TXT record holds (RFC 1035 section 3.3)."""


def zone_txt(name: str, text: str) -> str:
    """A zone-file TXT line for NAME holding TEXT, valid whatever TEXT contains.

    Quotes and backslashes are escaped, control characters written as `\\DDD`, and the text is
    split into strings of at most 255 octets without cutting a character or an escape.
    """
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for char in text:
        encoded = char.encode("utf-8", errors="replace")
        if char in '"\\':
            piece = "\\" + char
        elif not char.isprintable():
            piece = "".join(f"\\{byte:03d}" for byte in encoded)
        else:
            piece = char
        octets = len(encoded)
        if size + octets > TXT_STRING_OCTETS:
            chunks.append("".join(current))
            current, size = [], 0
        current.append(piece)
        size += octets
    chunks.append("".join(current))
    return f"{name}. IN TXT " + " ".join(f'"{chunk}"' for chunk in chunks)


def worst(statuses: Iterable[CheckStatus]) -> CheckStatus:
    """The most severe status: fail > error > warn > info > pass."""
    return max(statuses, key=_RANK.__getitem__, default="pass")


def describe(answer: Answer) -> str:
    """One phrase saying what a lookup returned, e.g. 'NXDOMAIN' or 'timed out (...)'."""
    if answer.status == "ok":
        return ", ".join(answer.records) if answer.records else "no records"
    if answer.status == "nxdomain":
        return "NXDOMAIN (the name does not exist)"
    if answer.status == "nodata":
        return f"no {answer.rdtype} record (NODATA)"
    if answer.error and (answer.status == "error" or answer.status.upper() in answer.error):
        return answer.error
    return f"{answer.status.upper()}: {answer.error}" if answer.error else answer.status.upper()


def lookup_error(
    check_id: str, answer: Answer, details: dict[str, Any] | None = None
) -> CheckResult:
    """The `error` result of a check whose lookup of ANSWER failed."""
    summary = f"DNS lookup of {answer.rdtype} {answer.name} failed: {describe(answer)}"
    return CheckResult(
        check_id,
        "error",
        summary,
        {**(details or {}), "error": summary, "query": query_dict(answer)},
        (
            Fix(
                "Check that the resolver answers and the domain's nameservers respond, then retry.",
                dig(answer.rdtype, answer.name),
            ),
        ),
    )


def query_dict(answer: Answer) -> dict[str, Any]:
    """The JSON form of one lookup: name, type, status, records, authenticated, error."""
    return {
        "name": answer.name,
        "type": answer.rdtype,
        "status": answer.status,
        "records": list(answer.records),
        "authenticated": answer.authenticated,
        "error": answer.error,
    }


def parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """An IP address from user input (brackets, `IPv6:` and IPv4-mapped forms accepted).

    Raises:
        ValueError: TEXT is not an IPv4 or IPv6 address.
    """
    cleaned = text.strip().removeprefix("[").removesuffix("]")
    if cleaned.lower().startswith("ipv6:"):
        cleaned = cleaned[5:]
    try:
        address = ipaddress.ip_address(cleaned)
    except ValueError:
        raise ValueError(f"{text!r} is not an IPv4 or IPv6 address") from None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:192.0.2.1 as servers log IPv4 clients on dual stack
    return address


def is_address_literal(text: str) -> bool:
    """Whether TEXT is an address literal as SMTP carries one: [192.0.2.1] or [IPv6:2001:db8::1]."""
    if not (text.startswith("[") and text.endswith("]")):
        return False
    try:
        parse_ip(text)
    except ValueError:
        return False
    return True


def reversed_labels(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """IP as reversed DNS labels without a suffix: 2.0.192 style, or reversed nibbles for IPv6."""
    return ip.reverse_pointer.rsplit(".", 2)[0]


def mx_hosts(records: Sequence[str]) -> list[tuple[int, str]]:
    """(preference, host) pairs from MX record texts, by preference then name; bad ones dropped."""
    pairs: list[tuple[int, str]] = []
    for record in records:
        preference, _, host = record.partition(" ")
        if (preference.isascii() and preference.isdigit()) and host:
            pairs.append((int(preference), host))
    return sorted(pairs)


def txt_records_starting(answer: Answer, prefix: str) -> list[str]:
    """The TXT records of ANSWER whose text starts with PREFIX (case-insensitive, e.g. v=DMARC1)."""
    wanted = prefix.lower()
    return [record for record in answer.records if record.strip().lower().startswith(wanted)]


def parse_tags(record: str) -> dict[str, str]:
    """`tag=value; tag=value` records (DKIM, DMARC, MTA-STS style) into a dict; first wins."""
    tags: dict[str, str] = {}
    for part in record.split(";"):
        name, sep, value = part.partition("=")
        key = name.strip().lower()
        if sep and key and key not in tags:
            tags[key] = value.strip()
    return tags


def checked_domain(check_id: str, domain: str) -> str | CheckResult:
    """DOMAIN in A-label form, or the `error` result explaining why it is not a domain."""
    from ehlo.dnsauth.resolver import normalize_name

    try:
        name = normalize_name(domain)
    except ValueError as exc:
        return CheckResult(check_id, "error", str(exc), {"error": str(exc)})
    if "." not in name:
        message = f"{domain!r} is not a domain name (it has no dot)"
        return CheckResult(check_id, "error", message, {"error": message})
    return name
