"""The tls-rpt check: the `_smtp._tls` record (RFC 8460) and its report addresses."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote, urlsplit

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
from ehlo.dnsauth.result import CheckResult
from ehlo.fixes import Fix

CHECK_ID = "tls-rpt"
_MAILBOX = re.compile(r"^[^@\s]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]+$")


def report_destination_problem(uri: str) -> str | None:
    """Why a `rua` URI is unusable (RFC 8460 3: mailto: or https:), or None when it is fine."""
    parts = urlsplit(uri)
    if parts.scheme == "mailto":
        address = unquote(parts.path)
        return None if _MAILBOX.match(address) else f"{uri!r} is not a valid mailto: address"
    if parts.scheme == "https":
        return None if parts.hostname else f"{uri!r} has no host"
    return f"{uri!r} must be a mailto: or https: URI"


async def check_tls_rpt(resolver: Resolver, context: AuditContext) -> CheckResult:
    """Whether DOMAIN asks for SMTP TLS reports, and whether its report addresses are usable."""
    domain = checked_domain(CHECK_ID, context.domain)
    if isinstance(domain, CheckResult):
        return domain
    name = f"_smtp._tls.{domain}"
    answer = await resolver.resolve(name, "TXT")
    details: dict[str, Any] = {"record": None, "rua": []}
    if answer.failed:
        return lookup_error(CHECK_ID, answer, details)
    records = txt_records_starting(answer, "v=TLSRPTv1")
    example = zone_txt(name, f"v=TLSRPTv1; rua=mailto:tls-reports@{domain}")
    if not records:
        return CheckResult(
            CHECK_ID,
            "info",
            f"no TLS-RPT record at {name}: you get no reports of failed TLS deliveries",
            details,
            (Fix("Publish a TLS-RPT record to receive daily TLS failure reports.", example),),
        )
    if len(records) > 1:
        details["records"] = records
        return CheckResult(
            CHECK_ID,
            "fail",
            f"{len(records)} TLS-RPT records at {name}: reporters ignore them all",
            details,
            (Fix("Keep exactly one v=TLSRPTv1 record (RFC 8460 3).", dig("TXT", name)),),
        )
    record = records[0]
    tags = parse_tags(record)
    destinations = [uri.strip() for uri in tags.get("rua", "").split(",") if uri.strip()]
    details.update(record=record, rua=destinations)
    problems = [p for p in map(report_destination_problem, destinations) if p]
    if not record.startswith("v=TLSRPTv1;") and record.strip() != "v=TLSRPTv1":
        problems.insert(0, "the record must start with exactly 'v=TLSRPTv1;'")
    if not destinations:
        problems.append("no rua= report destination")
    if problems:
        details["problems"] = problems
        return CheckResult(
            CHECK_ID,
            "fail",
            "TLS-RPT record is invalid: " + "; ".join(problems),
            details,
            (Fix("Publish a record with a mailto: or https: rua destination.", example),),
        )
    return CheckResult(CHECK_ID, "pass", f"TLS reports go to {', '.join(destinations)}", details)
