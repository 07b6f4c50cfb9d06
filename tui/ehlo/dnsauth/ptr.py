"""The ptr check: the IP's PTR names, forward confirmation (FCrDNS) and the HELO name."""

from __future__ import annotations

import asyncio
import ipaddress
import re
from typing import Any

from ehlo.dnsauth.answer import Answer, Resolver
from ehlo.dnsauth.common import describe, lookup_error, parse_ip
from ehlo.dnsauth.context import AuditContext
from ehlo.dnsauth.resolver import normalize_name
from ehlo.dnsauth.result import CheckResult, CheckStatus
from ehlo.fixes import Fix, shell_join

CHECK_ID = "ptr"
MAX_NAMES = 10
_GENERIC_WORDS = re.compile(
    r"(^|[.-])(dynamic|dyn|dhcp|pool|dsl|adsl|cable|ppp|pppoe|client|customer|host|ip|static|"
    r"broadband|user|res|residential)([.-]|\d|$)"
)


def looks_generic(name: str, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether a PTR name looks auto-generated from the address (receivers distrust those)."""
    if isinstance(ip, ipaddress.IPv4Address):
        octets = str(ip).split(".")
        embedded = "-".join(octets) in name or ".".join(reversed(octets)) in name
        embedded = embedded or "".join(f"{int(o):03d}" for o in octets) in name
    else:
        embedded = ip.exploded.replace(":", "")[-8:] in name.replace("-", "")
    return embedded or bool(_GENERIC_WORDS.search(name.split(".", 1)[0]))


async def check_ptr(resolver: Resolver, context: AuditContext) -> CheckResult:
    """Whether the sending IP has a PTR name that resolves back to it and matches the HELO name."""
    if not context.ip:
        return CheckResult(CHECK_ID, "info", "no IP given: give --ip to check its PTR record")
    try:
        ip = parse_ip(context.ip)
    except ValueError as exc:
        return CheckResult(CHECK_ID, "error", str(exc), {"error": str(exc)})
    family = "A" if ip.version == 4 else "AAAA"
    helo = _helo_name(context.helo)
    ptr_answer, helo_answer = await asyncio.gather(
        resolver.resolve(ip.reverse_pointer, "PTR"),
        resolver.resolve(helo, family) if helo else _nothing(),
    )
    details: dict[str, Any] = {
        "ip": str(ip),
        "reverse_name": ip.reverse_pointer,
        "ptr": None,
        "ptr_records": [],
        "fcrdns": False,
        "names": [],
        "helo": context.helo,
    }
    if ptr_answer.failed:
        return lookup_error(CHECK_ID, ptr_answer, details)
    if not ptr_answer.ok:
        return CheckResult(
            CHECK_ID,
            "fail",
            f"{ip} has no PTR record ({describe(ptr_answer)}); many receivers reject such mail",
            details,
            (
                Fix(
                    "Ask whoever holds the IP block (your hosting or network provider) to set a "
                    "PTR record naming this mail server, e.g. mail.example.com, and give that name "
                    "an A/AAAA record pointing back at the IP.",
                    shell_join(["dig", "+short", "-x", str(ip)]),
                ),
            ),
        )
    names = list(ptr_answer.records)[:MAX_NAMES]
    forwards = await asyncio.gather(*(resolver.resolve(name, family) for name in names))
    entries = [
        {
            "name": name,
            "addresses": list(answer.records) if answer.ok else [],
            "confirms": answer.ok and str(ip) in _normalized(answer.records),
            "error": None if answer.ok else describe(answer),
            "generic": looks_generic(name, ip),
        }
        for name, answer in zip(names, forwards, strict=True)
    ]
    confirmed = [str(entry["name"]) for entry in entries if entry["confirms"]]
    details.update(
        ptr=confirmed[0] if confirmed else names[0],
        ptr_records=list(ptr_answer.records),
        fcrdns=bool(confirmed),
        names=entries,
    )
    return _verdict(
        ip,
        family,
        helo=helo,
        helo_answer=helo_answer,
        details=details,
        entries=entries,
        confirmed=confirmed,
    )


def _verdict(
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address,
    family: str,
    *,
    helo: str | None,
    helo_answer: Answer | None,
    details: dict[str, Any],
    entries: list[dict[str, Any]],
    confirmed: list[str],
) -> CheckResult:
    fixes: list[Fix] = []
    notes: list[str] = []
    status: CheckStatus = "pass"
    name = details["ptr"]
    if not confirmed:
        failed = [e for e in entries if e["error"] and "NXDOMAIN" not in e["error"]]
        status = "fail"
        notes.append(f"{name} does not resolve back to {ip} (FCrDNS fails)")
        fixes.append(
            Fix(
                f"Publish an {family} record for {name} pointing at {ip}, or have the PTR changed "
                "to a name that does.",
                f"{name}. IN {family} {ip}",
            )
        )
        if failed and len(failed) == len(entries):
            status = "error"
    if len(entries) > 1:
        status = "warn" if status == "pass" else status
        notes.append(f"{len(details['ptr_records'])} PTR records; receivers use only one")
    if any(e["generic"] for e in entries if e["name"] == name):
        status = "warn" if status == "pass" else status
        notes.append(f"{name} looks like a generic (dynamic/ISP) name")
        fixes.append(Fix("Use a PTR name specific to the mail server, e.g. mail.example.com."))
    if helo is not None:
        details["helo_matches_ptr"] = helo in [n.lower() for n in confirmed]
        helo_addresses = (
            _normalized(helo_answer.records) if helo_answer and helo_answer.ok else set()
        )
        details["helo_resolves_to_ip"] = str(ip) in helo_addresses
        if not details["helo_matches_ptr"]:
            status = "warn" if status == "pass" else status
            notes.append(f"HELO {helo} does not match the PTR name {name}")
            fixes.append(
                Fix(
                    f"Configure the server to greet with its PTR name (e.g. Postfix "
                    f"smtp_helo_name = {name}).",
                    None,
                )
            )
        elif not details["helo_resolves_to_ip"]:
            status = "warn" if status == "pass" else status
            notes.append(f"HELO {helo} does not resolve to {ip}")
    if status == "pass":
        summary = f"{ip} → {name} → {ip} (forward-confirmed)"
        if helo is not None:
            summary += ", matches HELO"
    else:
        summary = f"{ip} → {name}: " + "; ".join(notes)
    return CheckResult(CHECK_ID, status, summary, details, tuple(fixes))


def _helo_name(helo: str | None) -> str | None:
    if not helo:
        return None
    try:
        return normalize_name(helo)
    except ValueError:
        return helo.strip().lower() or None


def _normalized(addresses: tuple[str, ...]) -> set[str]:
    normalized: set[str] = set()
    for address in addresses:
        try:
            normalized.add(str(ipaddress.ip_address(address)))
        except ValueError:
            continue
    return normalized


async def _nothing() -> None:
    return None
