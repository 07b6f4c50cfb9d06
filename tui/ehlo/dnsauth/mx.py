"""The mx check: MX hosts by preference and their addresses, null MX, implicit MX, bad targets."""

from __future__ import annotations

import asyncio
from typing import Any

from ehlo.dnsauth.answer import Answer, Resolver
from ehlo.dnsauth.common import checked_domain, describe, dig, lookup_error, mx_hosts
from ehlo.dnsauth.context import AuditContext
from ehlo.dnsauth.result import CheckResult, CheckStatus
from ehlo.fixes import Fix
from ehlo.smtp.address import is_ip

CHECK_ID = "mx"


async def host_addresses(resolver: Resolver, host: str) -> dict[str, Any]:
    """A host's A, AAAA and CNAME lookups (concurrently) as an `mx` details entry."""
    a, aaaa, cname = await asyncio.gather(
        resolver.resolve(host, "A"), resolver.resolve(host, "AAAA"), resolver.resolve(host, "CNAME")
    )
    addresses = [*a.records, *aaaa.records] if a.ok or aaaa.ok else []
    errors = [f"{answer.rdtype}: {describe(answer)}" for answer in (a, aaaa) if answer.failed]
    return {
        "host": host,
        "addresses": addresses,
        "cname": cname.records[0] if cname.ok else None,
        "error": "; ".join(errors) or None,
        "lookup_failed": bool(errors) and not addresses,
    }


async def check_mx(resolver: Resolver, context: AuditContext) -> CheckResult:
    """Where DOMAIN's mail goes: MX hosts by preference with their addresses, and what is wrong."""
    domain = checked_domain(CHECK_ID, context.domain)
    if isinstance(domain, CheckResult):
        return domain
    mx = await resolver.resolve(domain, "MX")
    details: dict[str, Any] = {"domain": domain, "hosts": [], "null_mx": False, "implicit": False}
    if mx.failed:
        return lookup_error(CHECK_ID, mx, details)
    if mx.status == "nxdomain":
        return CheckResult(
            CHECK_ID,
            "fail",
            f"{domain} does not exist (NXDOMAIN): it cannot receive mail",
            details,
            (
                Fix(
                    "Check the spelling of the domain, or register and delegate it.",
                    dig("NS", domain),
                ),
            ),
        )
    pairs = mx_hosts(mx.records)
    if not pairs:
        return await _implicit_mx(resolver, domain, details)
    if any(host == "." for _, host in pairs):
        return _null_mx(domain, pairs, details)
    entries = await asyncio.gather(*(_mx_entry(resolver, p, h) for p, h in pairs))
    details["hosts"] = list(entries)
    return _verdict(domain, details)


async def _mx_entry(resolver: Resolver, preference: int, host: str) -> dict[str, Any]:
    if is_ip(host.strip("[]")):
        return {
            "host": host,
            "preference": preference,
            "addresses": [],
            "cname": None,
            "error": None,
            "lookup_failed": False,
            "ip_literal": True,
        }
    entry = await host_addresses(resolver, host)
    return {"host": host, "preference": preference, **entry, "ip_literal": False}


def _verdict(domain: str, details: dict[str, Any]) -> CheckResult:
    hosts: list[dict[str, Any]] = details["hosts"]
    problems: list[str] = []
    fixes: list[Fix] = []
    for entry in hosts:
        host = entry["host"]
        if entry["ip_literal"]:
            problems.append(f"{host} is an IP address, not a host name")
            fixes.append(
                Fix(
                    f"An MX must name a host (RFC 5321 5.1): publish an A record such as "
                    f"`mx.{domain}. IN A {host}` and point the MX at that name.",
                    f"{domain}. IN MX {entry['preference']} mx.{domain}.",
                )
            )
        elif entry["lookup_failed"]:
            problems.append(f"{host}: lookup failed ({entry['error']})")
        elif not entry["addresses"]:
            problems.append(f"{host} has no A or AAAA record")
            fixes.append(
                Fix(
                    f"Publish an A (and AAAA) record for {host}, or remove this MX record.",
                    dig("A", host),
                )
            )
        elif entry["cname"]:
            problems.append(f"{host} is a CNAME to {entry['cname']}")
            fixes.append(
                Fix(
                    f"An MX target must not be an alias (RFC 2181 10.3): point the MX directly "
                    f"at {entry['cname']}.",
                    f"{domain}. IN MX {entry['preference']} {entry['cname']}.",
                )
            )
    usable = [e for e in hosts if e["addresses"] and not e["ip_literal"]]
    status: CheckStatus
    if not usable:
        status = "error" if all(e["lookup_failed"] for e in hosts) else "fail"
    else:
        status = "warn" if problems else "pass"
    listing = ", ".join(f"{e['host']} ({e['preference']})" for e in hosts)
    if status == "pass":
        summary = f"{len(hosts)} MX host{'s' if len(hosts) > 1 else ''}: {listing}"
    elif status == "error":
        summary = f"MX hosts could not be resolved: {'; '.join(problems)}"
    elif not usable:
        summary = f"no MX host of {domain} is usable: {'; '.join(problems)}"
    else:
        summary = f"MX {listing}; {'; '.join(problems)}"
    return CheckResult(CHECK_ID, status, summary, details, tuple(fixes))


def _null_mx(domain: str, pairs: list[tuple[int, str]], details: dict[str, Any]) -> CheckResult:
    details["null_mx"] = True
    details["hosts"] = [
        {"host": h, "preference": p, "addresses": [], "cname": None, "error": None}
        for p, h in pairs
    ]
    if len(pairs) > 1:
        return CheckResult(
            CHECK_ID,
            "fail",
            f"{domain} publishes a null MX together with other MX records",
            details,
            (
                Fix(
                    "A null MX (`0 .`) must be the only MX record (RFC 7505 3): remove it if the "
                    "domain receives mail, or remove the other MX records if it does not.",
                    dig("MX", domain),
                ),
            ),
        )
    preference = pairs[0][0]
    if preference != 0:
        return CheckResult(
            CHECK_ID,
            "warn",
            f"{domain} has a null MX with preference {preference} instead of 0",
            details,
            (Fix("Publish the null MX with preference 0 (RFC 7505 3).", f"{domain}. IN MX 0 ."),),
        )
    return CheckResult(
        CHECK_ID,
        "info",
        f"{domain} accepts no mail: it publishes a null MX (RFC 7505)",
        details,
        (),
    )


async def _implicit_mx(resolver: Resolver, domain: str, details: dict[str, Any]) -> CheckResult:
    entry = await host_addresses(resolver, domain)
    details["implicit"] = True
    if entry["addresses"]:
        details["hosts"] = [{**entry, "preference": 0, "ip_literal": False}]
        return CheckResult(
            CHECK_ID,
            "warn",
            f"{domain} has no MX record; mail falls back to its address "
            f"{', '.join(entry['addresses'])} (implicit MX, RFC 5321 5.1)",
            details,
            (
                Fix(
                    "Publish an MX record naming the host that receives mail for the domain, "
                    "or a null MX if it receives none.",
                    f"{domain}. IN MX 10 mx.{domain}.",
                ),
            ),
        )
    if entry["lookup_failed"]:
        failed = Answer(domain, "A", "error", error=entry["error"])
        return lookup_error(CHECK_ID, failed, details)
    return CheckResult(
        CHECK_ID,
        "fail",
        f"{domain} has no MX and no A/AAAA record: it cannot receive mail",
        details,
        (
            Fix(
                "Publish an MX record for the host that receives mail.",
                f"{domain}. IN MX 10 mx.{domain}.",
            ),
            Fix(
                "If the domain sends but never receives mail, publish a null MX instead.",
                f"{domain}. IN MX 0 .",
            ),
        ),
    )
