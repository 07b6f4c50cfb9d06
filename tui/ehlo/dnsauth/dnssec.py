"""The dnssec check: whether the domain is signed (DNSKEY, DS) and its answers validate (AD)."""

from __future__ import annotations

import asyncio
from typing import Any

from ehlo.dnsauth.answer import Resolver
from ehlo.dnsauth.common import checked_domain, dig, lookup_error
from ehlo.dnsauth.context import AuditContext
from ehlo.dnsauth.result import CheckResult
from ehlo.fixes import Fix, shell_join

CHECK_ID = "dnssec"


async def check_dnssec(resolver: Resolver, context: AuditContext) -> CheckResult:
    """Whether DOMAIN publishes DNSKEY and DS records and the resolver validates its answers."""
    domain = checked_domain(CHECK_ID, context.domain)
    if isinstance(domain, CheckResult):
        return domain
    dnskey, ds, mx = await asyncio.gather(
        resolver.resolve(domain, "DNSKEY"),
        resolver.resolve(domain, "DS"),
        resolver.resolve(domain, "MX"),
    )
    details: dict[str, Any] = {
        "dnskey": len(dnskey.records) if dnskey.ok else 0,
        "ds": len(ds.records) if ds.ok else 0,
        "authenticated": dnskey.authenticated or mx.authenticated,
    }
    if dnskey.failed:
        return lookup_error(CHECK_ID, dnskey, details)
    check_command = shell_join(["dig", "+dnssec", "DNSKEY", domain])
    if details["authenticated"]:
        return CheckResult(
            CHECK_ID,
            "pass",
            f"{domain} is signed and its answers validate (AD flag set)",
            details,
        )
    if not dnskey.ok:
        return CheckResult(
            CHECK_ID,
            "info",
            f"{domain} is not signed with DNSSEC (no DNSKEY): DANE cannot be used",
            details,
            (
                Fix(
                    "Enable DNSSEC signing at your DNS host and publish the DS record it gives "
                    "you at your registrar.",
                    check_command,
                ),
            ),
        )
    if not ds.ok and not ds.failed:
        return CheckResult(
            CHECK_ID,
            "warn",
            f"{domain} has DNSKEY records but no DS at its parent: the chain of trust is broken",
            details,
            (Fix("Publish the DS record of the zone's key at your registrar.", dig("DS", domain)),),
        )
    return CheckResult(
        CHECK_ID,
        "warn",
        f"{domain} is signed but its answers did not validate (no AD flag): the signatures "
        "are broken or the resolver does not validate",
        details,
        (
            Fix(
                "Check the signatures (e.g. with a DNSSEC debugger) and query through a "
                "validating resolver.",
                check_command,
            ),
        ),
    )
