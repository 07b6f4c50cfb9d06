"""The DMARC check (RFC 7489): discovery, record validation, report authorisation, alignment."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from publicsuffixlist import PublicSuffixList

from ehlo.dnsauth.answer import Answer, Resolver
from ehlo.dnsauth.common import zone_txt
from ehlo.dnsauth.context import AuditContext
from ehlo.dnsauth.dmarc_record import (
    POLICY_STRENGTH,
    Alignment,
    DmarcRecord,
    Policy,
    is_dmarc_record,
    parse_dmarc,
)
from ehlo.dnsauth.result import CheckResult, CheckStatus
from ehlo.dnsauth.spf_lookup import ascii_domain, domain_problem
from ehlo.fixes import Fix, shell_join

DiscoveryStatus = Literal["found", "none", "multiple", "error"]
VerdictResult = Literal["pass", "fail", "none"]


@functools.lru_cache(maxsize=1)
def _public_suffixes() -> PublicSuffixList:
    return PublicSuffixList()


def organizational_domain(domain: str) -> str:
    """The organisational domain of DOMAIN (RFC 7489 3.2) from the Public Suffix List."""
    name = ascii_domain(domain)
    return _public_suffixes().privatesuffix(name) or name


def aligned(identifier: str, from_domain: str, mode: Alignment) -> bool:
    """Whether an authenticated domain aligns with the From domain: equal (s) or same org (r)."""
    left = ascii_domain(identifier)
    right = ascii_domain(from_domain)
    if not left or not right:
        return False
    if mode == "s":
        return left == right
    return organizational_domain(left) == organizational_domain(right)


@dataclass(frozen=True, slots=True)
class DmarcDiscovery:
    """Where the policy for a domain was found (the domain itself or its organisational domain)."""

    domain: str
    org_domain: str
    status: DiscoveryStatus
    record: DmarcRecord | None = None
    record_domain: str | None = None
    """The `_dmarc.` name the record was found at."""
    policy_domain: str | None = None
    """The domain that published the record."""
    candidates: tuple[str, ...] = ()
    queried: tuple[str, ...] = ()
    problem: str | None = None


async def _dmarc_records(resolver: Resolver, domain: str) -> tuple[Answer, tuple[str, ...]]:
    answer = await resolver.resolve(f"_dmarc.{domain}", "TXT")
    return answer, tuple(text for text in answer.records if is_dmarc_record(text))


async def discover_dmarc(resolver: Resolver, domain: str) -> DmarcDiscovery:
    """Find the DMARC record for DOMAIN: at `_dmarc.DOMAIN`, else at its organisational domain.

    Args:
        resolver: answers the DNS queries.
        domain: the RFC 5322 From domain (or any domain to audit).

    Returns:
        The discovery; `status` says whether one record was found, none, several, or DNS failed.
    """
    domain = ascii_domain(domain)
    org = organizational_domain(domain)
    candidates_domains = [domain] if org == domain else [domain, org]
    # The organisational domain's record is fetched at the same time, in case it is needed.
    lookups = await asyncio.gather(
        *(_dmarc_records(resolver, candidate) for candidate in candidates_domains)
    )
    queried: list[str] = []
    near_misses: list[str] = []
    for candidate, (answer, records) in zip(candidates_domains, lookups, strict=True):
        queried.append(f"TXT _dmarc.{candidate}: {answer.status}")
        if answer.failed:
            problem = f"lookup of _dmarc.{candidate} failed: {answer.error or answer.status}"
            return DmarcDiscovery(domain, org, "error", queried=tuple(queried), problem=problem)
        if len(records) > 1:
            return DmarcDiscovery(
                domain,
                org,
                "multiple",
                record_domain=f"_dmarc.{candidate}",
                policy_domain=candidate,
                candidates=records,
                queried=tuple(queried),
                problem=f"_dmarc.{candidate} has {len(records)} DMARC records: none applies",
            )
        if records:
            return DmarcDiscovery(
                domain,
                org,
                "found",
                record=parse_dmarc(records[0]),
                record_domain=f"_dmarc.{candidate}",
                policy_domain=candidate,
                candidates=records,
                queried=tuple(queried),
            )
        near_misses += [
            f"_dmarc.{candidate}: {text!r}"
            for text in answer.records
            if text.strip().lower().replace(" ", "").startswith("v=dmarc")
        ]
    where = " or ".join(f"_dmarc.{name}" for name in candidates_domains)
    problem = f"no DMARC record at {where}"
    if near_misses:
        problem += "; ignored because they do not start exactly with 'v=DMARC1': " + ", ".join(
            near_misses
        )
    return DmarcDiscovery(domain, org, "none", queried=tuple(queried), problem=problem)


@dataclass(frozen=True, slots=True)
class DmarcVerdict:
    """The DMARC result for one message and what the policy asks receivers to do."""

    result: VerdictResult
    spf_aligned: bool
    dkim_aligned: bool
    policy: Policy | None
    disposition: Policy
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a verdict."""
        return {
            "result": self.result,
            "spf_aligned": self.spf_aligned,
            "dkim_aligned": self.dkim_aligned,
            "policy": self.policy,
            "disposition": self.disposition,
            "reasons": list(self.reasons),
        }


def dmarc_verdict(
    from_domain: str,
    spf_domain: str | None,
    spf_result: str | None,
    dkim: Sequence[tuple[str, str]],
    policy_record: DmarcRecord | str | None,
    *,
    record_domain: str | None = None,
) -> DmarcVerdict:
    """Decide DMARC for a message from its SPF and DKIM results (RFC 7489 sections 3.1 and 6.6).

    Args:
        from_domain: the RFC 5322 From domain.
        spf_domain: the domain SPF authenticated (MAIL FROM, or HELO when MAIL FROM is empty).
        spf_result: that SPF result (`pass` counts).
        dkim: (signing domain d=, result) pairs; results `pass` count.
        policy_record: the DMARC record (parsed or text), or None when there is none.
        record_domain: the domain the record was published for; when it differs from the
            From domain (an organisational-domain record), sp= applies instead of p=.

    Returns:
        The verdict: pass when an aligned SPF or DKIM pass exists, the policy in force and
        the disposition it asks for on failure.
    """
    record = parse_dmarc(policy_record) if isinstance(policy_record, str) else policy_record
    reasons: list[str] = []
    if record is None or record.effective_policy is None:
        return DmarcVerdict("none", False, False, None, "none", ("no usable DMARC record",))
    spf_ok = bool(spf_domain) and spf_result == "pass"
    spf_aligned = spf_ok and aligned(spf_domain or "", from_domain, record.aspf)
    if spf_ok and not spf_aligned:
        reasons.append(f"SPF passed for {spf_domain}, which does not align with {from_domain}")
    elif not spf_ok:
        reasons.append(f"SPF did not pass ({spf_result or 'no result'})")
    dkim_aligned = False
    for signing_domain, result in dkim:
        if result != "pass":
            reasons.append(f"DKIM for d={signing_domain} did not pass ({result})")
        elif aligned(signing_domain, from_domain, record.adkim):
            dkim_aligned = True
        else:
            reasons.append(f"DKIM passed for d={signing_domain}, not aligned with {from_domain}")
    if not dkim:
        reasons.append("no DKIM signature")
    policy = record.effective_policy
    sub = record_domain is not None and ascii_domain(record_domain).removeprefix(
        "_dmarc."
    ) != ascii_domain(from_domain)
    if sub and record.subdomain_policy is not None:
        policy = record.subdomain_policy
    if spf_aligned or dkim_aligned:
        passed = "SPF" if spf_aligned else "DKIM"
        return DmarcVerdict(
            "pass", spf_aligned, dkim_aligned, policy, "none", (f"aligned {passed} pass",)
        )
    if record.pct < 100:
        reasons.append(f"pct={record.pct}: the policy applies to {record.pct}% of failing mail")
    return DmarcVerdict("fail", False, False, policy, policy, tuple(reasons))


@dataclass(frozen=True, slots=True)
class ReportDestination:
    """A report address outside the policy domain and whether it agreed to receive reports."""

    tag: str
    uri: str
    domain: str
    external: bool
    authorised: bool | None
    authorisation_name: str | None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a destination."""
        return {
            "tag": self.tag,
            "uri": self.uri,
            "domain": self.domain,
            "external": self.external,
            "authorised": self.authorised,
            "authorisation_name": self.authorisation_name,
        }


async def _authorised(resolver: Resolver, name: str) -> bool | None:
    answer = await resolver.resolve(name, "TXT")
    if answer.failed:
        return None
    return any(is_dmarc_record(text) for text in answer.records)


async def report_destinations(
    resolver: Resolver, record: DmarcRecord, policy_domain: str
) -> tuple[ReportDestination, ...]:
    """The rua/ruf destinations, checking external ones' authorisation (RFC 7489 7.1)."""
    own_org = organizational_domain(policy_domain)
    entries = [("rua", uri) for uri in record.rua] + [("ruf", uri) for uri in record.ruf]
    names: dict[str, str] = {}
    for _, uri in entries:
        if uri.domain and organizational_domain(uri.domain) != own_org:
            names[uri.domain] = f"{policy_domain}._report._dmarc.{uri.domain}"
    results = await asyncio.gather(*(_authorised(resolver, name) for name in names.values()))
    verdicts = dict(zip(names, results, strict=True))
    destinations = []
    for tag, uri in entries:
        external = uri.domain in names
        destinations.append(
            ReportDestination(
                tag=tag,
                uri=uri.uri,
                domain=uri.domain or "",
                external=external,
                authorised=verdicts[uri.domain] if external and uri.domain else True,
                authorisation_name=names.get(uri.domain or ""),
            )
        )
    return tuple(destinations)


def with_tag(record: str, tag: str, value: str) -> str:
    """RECORD with TAG set to VALUE (replaced in place, or added after p=)."""
    parts = [part.strip() for part in record.split(";") if part.strip()]
    for index, part in enumerate(parts):
        if part.split("=", 1)[0].strip().lower() == tag:
            parts[index] = f"{tag}={value}"
            return "; ".join(parts)
    position = next(
        (i + 1 for i, part in enumerate(parts) if part.split("=", 1)[0].strip().lower() == "p"),
        len(parts),
    )
    parts.insert(position, f"{tag}={value}")
    return "; ".join(parts)


def _assess(
    discovery: DmarcDiscovery, destinations: tuple[ReportDestination, ...]
) -> tuple[CheckStatus, str, list[str], list[Fix]]:
    domain = discovery.domain
    dmarc_name = f"_dmarc.{domain}"
    dig = Fix(
        f"Look at the published DMARC record of {domain}.",
        shell_join(["dig", "+short", "TXT", dmarc_name]),
    )
    if discovery.status == "error":
        return "error", f"could not fetch the DMARC record: {discovery.problem}", [], [dig]
    if discovery.status == "none":
        start = f"v=DMARC1; p=none; rua=mailto:dmarc-reports@{discovery.org_domain}"
        publish = Fix(
            f"Publish a DMARC record for {discovery.org_domain}: start with p=none and reports,"
            " then tighten to quarantine and reject.",
            zone_txt(f"_dmarc.{discovery.org_domain}", start),
        )
        summary = f"{domain} has no DMARC record"
        if discovery.problem and "ignored because" in discovery.problem:
            summary = discovery.problem
        return "fail", summary, [], [publish, dig]
    if discovery.status == "multiple":
        keep_one = Fix(f"Keep exactly one DMARC record at {discovery.record_domain}.")
        return "fail", discovery.problem or "several DMARC records", [], [keep_one, dig]
    record = discovery.record
    assert record is not None and discovery.record_domain is not None
    name = discovery.record_domain
    problems: list[str] = list(record.errors)
    fixes: list[Fix] = []
    status: CheckStatus = "pass"
    policy = record.effective_policy
    if policy is None:
        fixes.append(
            Fix(
                "Give the record a valid p= tag.",
                zone_txt(name, with_tag(record.text, "p", "none")),
            )
        )
        return "fail", f"the DMARC record at {name} has no valid p= policy", problems, [*fixes, dig]
    if record.errors:
        status = "warn"
        fixes.append(Fix("Correct the invalid tags: " + "; ".join(record.errors)))
    if record.policy is None:
        problems.append("p= is invalid: receivers treat the record as p=none because rua= is valid")
    if policy == "none":
        status = "warn"
        problems.append("p=none only monitors: failing mail is still delivered")
        fixes.append(
            Fix(
                "Once reports show all legitimate mail passes, move to p=quarantine, then"
                " p=reject.",
                zone_txt(name, with_tag(record.text, "p", "quarantine")),
            )
        )
    elif record.pct < 100:
        status = "warn"
        problems.append(
            f"pct={record.pct}: the policy applies to only {record.pct}% of failing mail"
        )
        fixes.append(Fix("Raise pct to 100.", zone_txt(name, with_tag(record.text, "pct", "100"))))
    if (
        record.subdomain_policy
        and POLICY_STRENGTH[record.subdomain_policy] < POLICY_STRENGTH[policy]
    ):
        status = "warn"
        problems.append(f"sp={record.subdomain_policy} is weaker than p={policy} for subdomains")
    if not record.rua:
        status = "warn"
        problems.append("no rua= address: you receive no aggregate reports")
        fixes.append(
            Fix(
                "Add an address for aggregate reports.",
                zone_txt(
                    name,
                    with_tag(record.text, "rua", f"mailto:dmarc-reports@{discovery.org_domain}"),
                ),
            )
        )
    for destination in destinations:
        if destination.external and destination.authorised is None:
            problems.append(
                f"could not check whether {destination.domain} accepts reports for"
                f" {discovery.policy_domain} (lookup of {destination.authorisation_name} failed)"
            )
        if destination.external and destination.authorised is False:
            status = "warn"
            problems.append(
                f"{destination.tag} destination {destination.domain} has not authorised reports"
                f" for {discovery.policy_domain} (no v=DMARC1 at {destination.authorisation_name}):"
                " receivers will not send them"
            )
            fixes.append(
                Fix(
                    f"The owner of {destination.domain} publishes the authorisation record.",
                    zone_txt(destination.authorisation_name or "", "v=DMARC1"),
                )
            )
    if discovery.policy_domain == domain:
        summary = f"p={policy} at {name}"
    else:
        summary = (
            f"sp={record.subdomain_policy} applies to {domain}"
            f" (record of the organisational domain at {name}, p={policy})"
        )
    if record.pct < 100:
        summary += f", pct={record.pct}"
    if problems:
        summary += f": {problems[0]}"
    return status, summary, problems, [*fixes, dig]


def _enforcement(record: DmarcRecord | None) -> str:
    """How strongly failing mail is treated: none, monitoring, partial, quarantine or reject."""
    if record is None or record.effective_policy is None:
        return "none"
    policy = record.effective_policy
    if policy == "none":
        return "monitoring"
    return "partial" if record.pct < 100 else policy


async def check_dmarc(resolver: Resolver, context: AuditContext) -> CheckResult:
    """Find and validate the DMARC record for context.domain.

    Args:
        resolver: answers the DNS queries.
        context: the domain to audit.

    Returns:
        A CheckResult with details record, record_domain, policy, subdomain_policy, and more.
    """
    message = domain_problem(context.domain)
    if message is not None:
        return CheckResult("dmarc", "error", message, {"record": None, "error": message})
    discovery = await discover_dmarc(resolver, context.domain)
    destinations: tuple[ReportDestination, ...] = ()
    record = discovery.record
    if record is not None and discovery.policy_domain is not None:
        destinations = await report_destinations(resolver, record, discovery.policy_domain)
    status, summary, problems, fixes = _assess(discovery, destinations)
    applied = None
    if record is not None:
        applied = (
            record.effective_policy
            if discovery.policy_domain == discovery.domain
            else record.subdomain_policy
        )
    details: dict[str, Any] = {
        "record": record.text if record else None,
        "record_domain": discovery.record_domain,
        "org_domain": discovery.org_domain,
        "policy": record.effective_policy if record else None,
        "subdomain_policy": record.subdomain_policy if record else None,
        "nonexistent_policy": record.nonexistent_policy if record else None,
        "applied_policy": applied,
        "enforcement": _enforcement(record),
        "pct": record.pct if record else None,
        "adkim": record.adkim if record else None,
        "aspf": record.aspf if record else None,
        "rua": [uri.uri for uri in record.rua] if record else [],
        "ruf": [uri.uri for uri in record.ruf] if record else [],
        "tags": dict(record.tags) if record else {},
        "destinations": [destination.to_dict() for destination in destinations],
        "problems": problems,
        "warnings": list(record.warnings) if record else [],
        "records": list(discovery.candidates),
        "queries": list(discovery.queried),
    }
    return CheckResult("dmarc", status, summary, details, tuple(fixes))
