"""The dane check: TLSA records at _25._tcp of each MX, their DNSSEC status, and a chain match."""

from __future__ import annotations

import asyncio
from typing import Any

from ehlo.dnsauth.answer import Answer, Resolver
from ehlo.dnsauth.common import checked_domain, describe, dig, lookup_error, mx_hosts
from ehlo.dnsauth.context import AuditContext
from ehlo.dnsauth.result import CheckResult, CheckStatus
from ehlo.dnsauth.tlsa import describe_tlsa, matching_certificate, parse_tlsa
from ehlo.fixes import Fix, shell_join

CHECK_ID = "dane"


async def check_dane(resolver: Resolver, context: AuditContext) -> CheckResult:
    """Whether the MX hosts publish usable, DNSSEC-validated TLSA records, and which matches."""
    domain = checked_domain(CHECK_ID, context.domain)
    if isinstance(domain, CheckResult):
        return domain
    details: dict[str, Any] = {"hosts": [], "matched": None}
    hosts = [h.lower().rstrip(".") for h in context.mx_hosts]
    if not hosts:
        mx = await resolver.resolve(domain, "MX")
        if mx.failed:
            return lookup_error(CHECK_ID, mx, details)
        hosts = [host for _, host in mx_hosts(mx.records) if host != "."]
    if not hosts:
        return CheckResult(
            CHECK_ID, "info", f"{domain} has no MX host to protect with DANE", details
        )
    answers = await asyncio.gather(*(resolver.resolve(f"_25._tcp.{h}", "TLSA") for h in hosts))
    entries = [
        _host_entry(host, answer, context.certificate_chain)
        for host, answer in zip(hosts, answers, strict=True)
    ]
    details["hosts"] = entries
    return _verdict(domain, entries, answers, details, bool(context.certificate_chain))


def _host_entry(host: str, answer: Answer, chain: tuple[bytes, ...]) -> dict[str, Any]:
    records = []
    for text in answer.records if answer.ok else ():
        record = parse_tlsa(text)
        position = matching_certificate(record, chain) if chain else None
        records.append(
            {
                "record": text,
                "meaning": describe_tlsa(record),
                "problem": record.problem
                or (
                    "PKIX usages are not used for SMTP (RFC 7672 3.1.3)"
                    if record.usage in (0, 1)
                    else None
                ),
                "matches": position is not None if chain else None,
                "chain_position": position,
            }
        )
    return {
        "host": host,
        "name": f"_25._tcp.{host}",
        "tlsa": records,
        "authenticated": answer.authenticated,
        "error": describe(answer) if answer.failed else None,
    }


def _verdict(
    domain: str,
    entries: list[dict[str, Any]],
    answers: list[Answer],
    details: dict[str, Any],
    have_chain: bool,
) -> CheckResult:
    with_tlsa = [e for e in entries if e["tlsa"]]
    failed = [a for a in answers if a.failed]
    if not with_tlsa:
        if failed:
            return lookup_error(CHECK_ID, failed[0], details)
        return CheckResult(
            CHECK_ID,
            "info",
            f"no TLSA records for the MX hosts of {domain}: DANE is not in use",
            details,
            (
                Fix(
                    "Optional: sign the MX hosts' zone with DNSSEC and publish a DANE-EE record "
                    "of the server's public key at _25._tcp.MX.",
                    f"_25._tcp.{entries[0]['host']}. IN TLSA 3 1 1 <sha256 of the SPKI>",
                ),
            ),
        )
    problems: list[str] = []
    fixes: list[Fix] = []
    status: CheckStatus = "pass"
    unvalidated = [e for e in with_tlsa if not e["authenticated"]]
    if unvalidated:
        status = "warn"
        problems.append(
            f"{', '.join(e['name'] for e in unvalidated)} not DNSSEC-validated (unsigned zone, "
            "or the resolver does not validate): DANE cannot work"
        )
        fixes.append(
            Fix(
                f"Sign the zone of {unvalidated[0]['host']} with DNSSEC (and publish its DS), "
                "and query through a validating resolver.",
                shell_join(["dig", "+dnssec", "TLSA", unvalidated[0]["name"]]),
            )
        )
    for entry in with_tlsa:
        bad = [r for r in entry["tlsa"] if r["problem"]]
        if bad and len(bad) == len(entry["tlsa"]):
            status = "fail"
            problems.append(f"no usable TLSA record at {entry['name']}: {bad[0]['problem']}")
            fixes.append(Fix("Publish a DANE-EE (3 1 1) record.", dig("TLSA", entry["name"])))
    without = [e["host"] for e in entries if not e["tlsa"] and not e["error"]]
    if without:
        status = "fail" if status == "fail" else "warn"
        problems.append(f"no TLSA for {', '.join(without)} while other MX hosts have one")
    if have_chain:
        matched = [(e, r) for e in with_tlsa for r in e["tlsa"] if r["matches"]]
        if matched:
            entry, record = matched[0]
            details["matched"] = {"host": entry["host"], "record": record["record"]}
        else:
            status = "fail"
            problems.append("no TLSA record matches the server's certificate chain")
            fixes.append(
                Fix(
                    "Publish a TLSA record for the certificate the server presents now (keep the "
                    "old one until caches expire when rolling keys).",
                    dig("TLSA", with_tlsa[0]["name"]),
                )
            )
    count = sum(len(e["tlsa"]) for e in with_tlsa)
    summary = f"{count} TLSA record{'s' if count != 1 else ''} for {len(with_tlsa)} MX host(s)"
    if details["matched"]:
        summary += f"; the certificate matches {details['matched']['record'][:20]}…"
    if problems:
        details["problems"] = problems
        summary += "; " + "; ".join(problems)
    return CheckResult(CHECK_ID, status, summary, details, tuple(fixes))
