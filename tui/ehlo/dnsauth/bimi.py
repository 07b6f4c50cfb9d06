"""The bimi check: the `default._bimi` record's syntax and the DMARC policy BIMI requires."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from ehlo.dnsauth.answer import Resolver
from ehlo.dnsauth.common import (
    checked_domain,
    dig,
    lookup_error,
    parse_tags,
    txt_records_starting,
    zone_txt,
)
from ehlo.dnsauth.context import AuditContext
from ehlo.dnsauth.result import CheckResult, CheckStatus
from ehlo.fixes import Fix

CHECK_ID = "bimi"


def _https_problem(tag: str, value: str, suffix: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        return f"{tag}= must be an https:// URL, not {value!r}"
    if not parts.path.lower().endswith(suffix):
        return f"{tag}= should point at a {suffix} file"
    return None


async def check_bimi(resolver: Resolver, context: AuditContext) -> CheckResult:
    """Whether DOMAIN's BIMI record is well-formed and its DMARC policy lets BIMI work."""
    domain = checked_domain(CHECK_ID, context.domain)
    if isinstance(domain, CheckResult):
        return domain
    name = f"default._bimi.{domain}"
    answer, dmarc = await asyncio.gather(
        resolver.resolve(name, "TXT"), resolver.resolve(f"_dmarc.{domain}", "TXT")
    )
    details: dict[str, Any] = {"record": None, "logo": None, "authority": None}
    if answer.failed:
        return lookup_error(CHECK_ID, answer, details)
    records = txt_records_starting(answer, "v=BIMI1")
    example = zone_txt(name, f"v=BIMI1; l=https://{domain}/logo.svg; a=")
    if not records:
        other = [r for r in answer.records if r.strip()]
        if other:
            details["records"] = other
            return CheckResult(
                CHECK_ID,
                "fail",
                f"{name} holds TXT data that is not a BIMI record",
                details,
                (Fix("Publish a record starting with v=BIMI1.", example),),
            )
        return CheckResult(
            CHECK_ID,
            "info",
            f"no BIMI record at {name}",
            details,
            (Fix("Optional: publish one.", example),),
        )
    if len(records) > 1:
        details["records"] = records
        return CheckResult(
            CHECK_ID,
            "fail",
            f"{len(records)} BIMI records at {name}",
            details,
            (Fix("Keep exactly one v=BIMI1 record.", dig("TXT", name)),),
        )
    tags = parse_tags(records[0])
    logo, authority = tags.get("l"), tags.get("a")
    details.update(record=records[0], logo=logo or None, authority=authority or None)
    if not logo and not authority:
        return CheckResult(CHECK_ID, "info", "the domain declines to show a BIMI logo", details)
    problems: list[str] = []
    if logo:
        problems += filter(None, [_https_problem("l", logo, ".svg")])
    else:
        problems.append("l= (the logo URL) is empty")
    if authority:
        problems += filter(None, [_https_problem("a", authority, ".pem")])
    policy = _dmarc_policy(dmarc.records if dmarc.ok else ())
    details["dmarc_policy"] = policy
    status: CheckStatus = "fail" if problems else "pass"
    fixes: list[Fix] = []
    if policy not in ("quarantine", "reject") and not dmarc.failed:
        problems.append(
            f"BIMI needs a DMARC policy of quarantine or reject at {domain} "
            f"(found {policy or 'none'})"
        )
        status = "fail" if status == "fail" else "warn"
        fixes.append(Fix("Move DMARC to p=quarantine or p=reject.", dig("TXT", f"_dmarc.{domain}")))
    if not authority and status == "pass":
        status = "info"
        problems.append("no a= certificate (VMC): most mailbox providers show no logo without one")
    if problems:
        details["problems"] = problems
    if problems and status in ("fail", "warn"):
        fixes.insert(0, Fix("Correct the BIMI record: " + "; ".join(problems), example))
    summary = f"logo {logo}" + (f"; {'; '.join(problems)}" if problems else "")
    return CheckResult(CHECK_ID, status, summary, details, tuple(fixes))


def _dmarc_policy(records: tuple[str, ...]) -> str | None:
    found = [r for r in records if r.strip().lower().startswith("v=dmarc1")]
    if len(found) != 1:
        return None
    return parse_tags(found[0]).get("p", "").lower() or None
