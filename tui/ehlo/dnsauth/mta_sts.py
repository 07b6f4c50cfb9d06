"""The mta-sts check: the `_mta-sts` record, the HTTPS policy, and the MX hosts it covers."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from ehlo.dnsauth.answer import Resolver
from ehlo.dnsauth.common import (
    checked_domain,
    dig,
    lookup_error,
    mx_hosts,
    parse_tags,
    query_dict,
    txt_records_starting,
    worst,
)
from ehlo.dnsauth.context import AuditContext
from ehlo.dnsauth.mta_sts_policy import fetch_policy, mx_matches, parse_policy
from ehlo.dnsauth.result import CheckResult, CheckStatus
from ehlo.fixes import Fix, shell_join

CHECK_ID = "mta-sts"
_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")
MIN_GOOD_MAX_AGE = 86_400


async def check_mta_sts(resolver: Resolver, context: AuditContext) -> CheckResult:
    """Whether DOMAIN publishes an MTA-STS policy that can be fetched and covers its MX hosts."""
    domain = checked_domain(CHECK_ID, context.domain)
    if isinstance(domain, CheckResult):
        return domain
    policy_host = f"mta-sts.{domain}"
    txt, mx, a, aaaa = await asyncio.gather(
        resolver.resolve(f"_mta-sts.{domain}", "TXT"),
        resolver.resolve(domain, "MX"),
        resolver.resolve(policy_host, "A"),
        resolver.resolve(policy_host, "AAAA"),
    )
    details: dict[str, Any] = {"record": None, "id": None, "policy": None, "mx_matches": []}
    if txt.failed:
        return lookup_error(CHECK_ID, txt, details)
    records = txt_records_starting(txt, "v=STSv1")
    record_fix = Fix(
        "Publish the policy at https://mta-sts.DOMAIN/.well-known/mta-sts.txt, then this record "
        "(change id whenever the policy changes).",
        f'_mta-sts.{domain}. IN TXT "v=STSv1; id=20250101T000000"',
    )
    if not records:
        return CheckResult(
            CHECK_ID,
            "info",
            f"no MTA-STS record at _mta-sts.{domain}: senders may deliver without TLS",
            details,
            (record_fix,),
        )
    if len(records) > 1:
        details["records"] = records
        return CheckResult(
            CHECK_ID,
            "fail",
            f"{len(records)} MTA-STS records at _mta-sts.{domain}: senders ignore them all",
            details,
            (
                Fix(
                    "Keep exactly one v=STSv1 record (RFC 8461 3.1).",
                    dig("TXT", f"_mta-sts.{domain}"),
                ),
            ),
        )
    record = records[0]
    tags = parse_tags(record)
    details.update(record=record, id=tags.get("id"))
    problems: list[str] = []
    if not record.startswith("v=STSv1"):
        problems.append("the record must start with exactly 'v=STSv1'")
    if not _ID.match(tags.get("id", "")):
        problems.append("id must be 1-32 letters and digits")
    addresses = [*a.records, *aaaa.records]
    fetched = await fetch_policy(domain, addresses)
    details["policy_url"] = fetched.url
    details["http_status"] = fetched.status
    curl = shell_join(["curl", "-sSv", fetched.url])
    if fetched.error is not None or fetched.status != 200 or fetched.body is None:
        reason = fetched.error or f"HTTP status {fetched.status}"
        if fetched.status is not None and 300 <= fetched.status < 400:
            reason += " (redirects are not followed, RFC 8461 3.3)"
        details["fetch_error"] = reason
        if problems:
            details["problems"] = problems
            reason += "; the record is invalid too: " + "; ".join(problems)
        if not addresses and (a.failed or aaaa.failed):
            details["query"] = query_dict(a)
        return CheckResult(
            CHECK_ID,
            "fail",
            f"the MTA-STS policy could not be fetched from {fetched.url}: {reason}",
            details,
            (
                Fix(
                    f"Serve the policy over HTTPS at {fetched.url} with a certificate valid for "
                    f"mta-sts.{domain} (status 200, text/plain, no redirect).",
                    curl,
                ),
            ),
        )
    policy = parse_policy(fetched.body)
    details["policy"] = {
        "version": policy.version,
        "mode": policy.mode,
        "mx": list(policy.mx),
        "max_age": policy.max_age,
    }
    problems += policy.problems
    if fetched.content_type and not fetched.content_type.lower().startswith("text/plain"):
        problems.append(f"the policy is served as {fetched.content_type}, not text/plain")
    hosts = [host for _, host in mx_hosts(mx.records)] if mx.ok else list(context.mx_hosts)
    matches = [
        {
            "host": host,
            "matches": any(mx_matches(host, pattern) for pattern in policy.mx),
            "pattern": next((p for p in policy.mx if mx_matches(host, p)), None),
        }
        for host in hosts
    ]
    details["mx_matches"] = matches
    return _verdict(
        domain,
        details,
        problems=problems,
        matches=matches,
        mode=policy.mode,
        max_age=policy.max_age,
        curl=curl,
    )


def _verdict(
    domain: str,
    details: dict[str, Any],
    *,
    problems: list[str],
    matches: list[dict[str, Any]],
    mode: str | None,
    max_age: int | None,
    curl: str,
) -> CheckResult:
    fixes: list[Fix] = []
    status: CheckStatus = "pass"
    unmatched = [m["host"] for m in matches if not m["matches"]]
    if problems:
        status = "fail"
        fixes.append(Fix("Correct the policy file and the record: " + "; ".join(problems), curl))
    if unmatched and mode != "none":
        status = worst([status, "fail" if mode == "enforce" else "warn"])
        problems.append(f"MX {', '.join(unmatched)} not covered by the policy's mx lines")
        fixes.append(
            Fix(
                "Add an mx line for each MX host to the policy, then change the record's id.",
                "\n".join(f"mx: {host}" for host in unmatched),
            )
        )
    if max_age is not None and max_age < MIN_GOOD_MAX_AGE and status == "pass" and mode != "none":
        status = "warn"
        problems.append(f"max_age {max_age} s is short; weeks are usual (e.g. 604800 or more)")
    if mode == "none" and status == "pass":
        status = "info"
    if status in ("pass", "info"):
        covered = f", covers {len(matches)} MX host{'s' if len(matches) != 1 else ''}"
        summary = f"policy mode {mode}, max_age {max_age}{covered if matches else ''}"
        if mode == "testing":
            summary += " (testing: failures are reported, not enforced)"
    else:
        summary = "; ".join(problems)
    if problems:
        details["problems"] = problems
    return CheckResult(CHECK_ID, status, summary, details, tuple(fixes))
