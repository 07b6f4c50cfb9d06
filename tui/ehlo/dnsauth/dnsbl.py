"""The dnsbl check: the sending IP against IP blocklists, in parallel, by their return codes."""

from __future__ import annotations

import asyncio
import ipaddress
import tomllib
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ehlo.dnsauth.answer import Answer, Resolver
from ehlo.dnsauth.common import describe, dig, parse_ip, reversed_labels
from ehlo.dnsauth.context import AuditContext
from ehlo.dnsauth.result import CheckResult, CheckStatus
from ehlo.fixes import Fix
from ehlo.paths import reference_dir

CHECK_ID = "dnsbl"
LOOPBACK = ipaddress.ip_network("127.0.0.0/8")


@dataclass(frozen=True, slots=True)
class Blocklist:
    """One DNSBL zone and the meaning of its return codes."""

    zone: str
    name: str
    ipv6: bool = False
    codes: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    removal: str | None = None
    source: str | None = None


@cache
def default_blocklists() -> tuple[Blocklist, ...]:
    """The blocklists of reference/dnsbl.toml."""
    data = tomllib.loads((reference_dir() / "dnsbl.toml").read_text(encoding="utf-8"))
    return tuple(
        Blocklist(
            zone=entry["zone"],
            name=entry["name"],
            ipv6=bool(entry.get("ipv6", False)),
            codes=dict(entry.get("codes", {})),
            errors=dict(entry.get("errors", {})),
            removal=entry.get("removal"),
            source=entry.get("source"),
        )
        for entry in data["list"]
    )


configured_blocklists: ContextVar[tuple[Blocklist, ...] | None] = ContextVar(
    "configured_blocklists", default=None
)
"""Blocklists to query instead of the defaults (set by the app's settings or tests)."""


def interpret(blocklist: Blocklist, answer: Answer) -> dict[str, Any]:
    """One list's answer as a `listings` entry: listed true/false/null, codes, meanings, error."""
    entry: dict[str, Any] = {
        "list": blocklist.zone,
        "name": blocklist.name,
        "query": answer.name,
        "listed": False,
        "codes": [],
        "meanings": [],
        "error": None,
        "removal": blocklist.removal,
    }
    if answer.failed:
        entry.update(listed=None, error=describe(answer))
        return entry
    if not answer.ok:
        return entry
    codes = sorted(set(answer.records), key=_address_key)
    entry["codes"] = codes
    errors: list[str] = []
    listings: list[str] = []
    for code in codes:
        try:
            address = ipaddress.ip_address(code)
        except ValueError:
            errors.append(f"answer {code!r} is not an IPv4 address")
            continue
        if code in blocklist.errors:
            errors.append(f"{code}: {blocklist.errors[code]}")
        elif address.version != 4 or address not in LOOPBACK:
            errors.append(
                f"answer {code} is outside 127.0.0.0/8, so it is not a listing: the resolver or "
                "network rewrites answers (NXDOMAIN redirection) or the list is gone"
            )
        else:
            listings.append(
                blocklist.codes.get(code, f"{code}: a listing code this list does not document")
            )
    if listings:
        entry.update(listed=True, meanings=listings)
        if errors:
            entry["error"] = "; ".join(errors)
    else:
        entry.update(listed=None, error="; ".join(errors))
    return entry


def _address_key(code: str) -> tuple[int, str]:
    try:
        return (int(ipaddress.ip_address(code)), code)
    except ValueError:
        return (-1, code)


async def _query(resolver: Resolver, blocklist: Blocklist, labels: str) -> dict[str, Any]:
    answer = await resolver.resolve(f"{labels}.{blocklist.zone}", "A")
    entry = interpret(blocklist, answer)
    if entry["listed"]:
        reason = await resolver.resolve(answer.name, "TXT")
        entry["txt"] = list(reason.records) if reason.ok else []
    return entry


async def check_dnsbl(resolver: Resolver, context: AuditContext) -> CheckResult:
    """Whether the sending IP is listed on the configured blocklists (all queried at once)."""
    if not context.ip:
        return CheckResult(CHECK_ID, "info", "no IP given: give --ip to check blocklists")
    try:
        ip = parse_ip(context.ip)
    except ValueError as exc:
        return CheckResult(CHECK_ID, "error", str(exc), {"error": str(exc)})
    lists = configured_blocklists.get() or default_blocklists()
    queried = [bl for bl in lists if ip.version == 4 or bl.ipv6]
    skipped = [
        {"list": bl.zone, "reason": "lists IPv4 addresses only"}
        for bl in lists
        if bl not in queried
    ]
    details: dict[str, Any] = {"ip": str(ip), "listings": [], "skipped": skipped}
    if not ip.is_global:
        details["note"] = f"{ip} is not a public address; blocklists only list public addresses"
    labels = reversed_labels(ip)
    entries = list(await asyncio.gather(*(_query(resolver, bl, labels) for bl in queried)))
    details["listings"] = entries
    return _verdict(str(ip), entries, details)


def _verdict(ip: str, entries: list[dict[str, Any]], details: dict[str, Any]) -> CheckResult:
    listed = [e for e in entries if e["listed"]]
    broken = [e for e in entries if e["listed"] is None]
    fixes: list[Fix] = []
    for entry in listed:
        removal = f" then request removal at {entry['removal']}" if entry["removal"] else ""
        fixes.append(
            Fix(
                f"{ip} is listed on {entry['name']} ({'; '.join(entry['meanings'])}). Find and "
                f"stop the cause (infected host, open relay, compromised account, bulk mail to "
                f"bad addresses){removal}.",
                dig("A", entry["query"]),
            )
        )
    for entry in broken:
        fixes.append(
            Fix(
                f"{entry['name']} could not be checked: {entry['error']}. Query it through your "
                "own recursive resolver (not a public one) and retry.",
                dig("A", entry["query"]),
            )
        )
    status: CheckStatus
    if listed:
        status = "fail"
        summary = f"{ip} is listed on " + ", ".join(
            f"{e['list']} ({', '.join(e['codes'])})" for e in listed
        )
    elif broken:
        status = "error"
        lists_by_error: dict[str, list[str]] = {}
        for entry in broken:
            lists_by_error.setdefault(str(entry["error"]), []).append(str(entry["list"]))
        reasons = (
            [next(iter(lists_by_error))]
            if len(lists_by_error) == 1
            else [f"{', '.join(names)}: {error}" for error, names in lists_by_error.items()]
        )
        summary = f"{len(broken)} of {len(entries)} blocklists could not be checked: " + "; ".join(
            reasons
        )
    else:
        status = "pass"
        summary = f"{ip} is not listed on any of {len(entries)} blocklists"
    if listed and broken:
        summary += f" ({len(broken)} could not be checked)"
    return CheckResult(CHECK_ID, status, summary, details, tuple(fixes))
