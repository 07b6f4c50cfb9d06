"""The SPF check: check_host() evaluation and record-tree analysis (RFC 7208)."""

from __future__ import annotations

import asyncio
from typing import Any

from ehlo.dnsauth.answer import Resolver
from ehlo.dnsauth.common import zone_txt
from ehlo.dnsauth.context import AuditContext
from ehlo.dnsauth.result import CheckResult, CheckStatus
from ehlo.dnsauth.spf_analysis import MAX_STRING_LENGTH, SpfAnalysis, analyse_spf
from ehlo.dnsauth.spf_eval import check_host
from ehlo.dnsauth.spf_lookup import (
    ascii_domain,
    domain_problem,
    lookup_record,
    parse_ip,
    sender_identity,
    valid_domain,
)
from ehlo.dnsauth.spf_macro import SpfSyntaxError
from ehlo.dnsauth.spf_record import SpfResult, parse_record
from ehlo.dnsauth.spf_trace import SpfEvaluation, SpfTraceStep, format_trace
from ehlo.fixes import Fix, shell_join

RESULT_STATUS: dict[SpfResult, CheckStatus] = {
    "pass": "pass",
    "fail": "fail",
    "softfail": "warn",
    "neutral": "warn",
    "none": "warn",
    "permerror": "fail",
    "temperror": "error",
}


def _dig(domain: str) -> str:
    return shell_join(["dig", "+short", "TXT", domain])


def with_ip(record: str, ip: str) -> str:
    """RECORD with an ip4:/ip6: term for IP added before its final `all` or redirect."""
    address = parse_ip(ip)
    term = f"ip4:{address}" if address.version == 4 else f"ip6:{address}"
    words = record.split()
    for index, word in enumerate(words):
        if word.lower().lstrip("+-~?") == "all" or word.lower().startswith("redirect="):
            return " ".join([*words[:index], term, *words[index:]])
    return " ".join([*words, term])


def merged_record(records: list[str]) -> str:
    """One record holding the terms of several, with the strictest `all` last."""
    terms: list[str] = []
    alls: list[str] = []
    for record in records:
        for word in record.split()[1:]:
            if word.lower().lstrip("+-~?") == "all":
                alls.append(word)
            elif word not in terms:
                terms.append(word)
    order = {"-": 0, "~": 1, "?": 2, "+": 3}
    final = min(alls, key=lambda w: order.get(w[0], 3)) if alls else "~all"
    return " ".join(["v=spf1", *terms, final])


def _fixes(
    domain: str, analysis: SpfAnalysis, evaluation: SpfEvaluation | None, ip: str | None
) -> list[Fix]:
    fixes: list[Fix] = []
    if analysis.status == "none":
        fixes.append(
            Fix(
                f"Publish one SPF record at {domain} listing the hosts that send its mail"
                " (here: its MX hosts), ending in -all.",
                zone_txt(domain, "v=spf1 mx -all"),
            )
        )
    elif analysis.status == "permerror" and analysis.problem and "SPF records" in analysis.problem:
        fixes.append(
            Fix(
                f"Merge the SPF records of {domain} into one record (check the result by hand).",
                zone_txt(domain, merged_record(list(analysis.candidates))),
            )
        )
    for error in analysis.errors:
        if "DNS-querying terms" in error:
            fixes.append(
                Fix(
                    "Bring the DNS-querying terms (include, a, mx, ptr, exists, redirect) to ten"
                    " or fewer: replace includes of fixed networks by ip4:/ip6: terms, drop unused"
                    " includes, or use a subdomain per sending service."
                )
            )
        elif "void lookups" in error:
            voids = [f"{s.term} ({s.domain})" for s in analysis.steps if s.void_lookups]
            fixes.append(
                Fix("Remove the terms that point at names without records: " + ", ".join(voids))
            )
        elif error.startswith("loop"):
            fixes.append(Fix(f"Break the include/redirect loop ({error})."))
    for warning in analysis.warnings:
        if "authorises every host" in warning or "makes the policy neutral" in warning:
            fixes.append(
                Fix("End the record with -all (or ~all while testing) instead of +all/?all.")
            )
        elif "'ptr" in warning:
            fixes.append(Fix("Replace ptr by the ip4:/ip6: networks or a: names of the senders."))
    unauthorised = evaluation is not None and evaluation.result in ("fail", "softfail", "neutral")
    if unauthorised and ip and analysis.record:
        fixes.append(
            Fix(
                f"If {ip} is allowed to send mail for {domain}, add it to the record.",
                zone_txt(domain, with_ip(analysis.record, ip)),
            )
        )
    if analysis.record and len(analysis.record.encode()) > MAX_STRING_LENGTH:
        fixes.append(
            Fix(
                "A TXT string holds at most 255 bytes: publish a long record as several strings"
                " in one TXT record.",
                zone_txt(domain, analysis.record),
            )
        )
    fixes.append(Fix(f"Look at the published record of {domain}.", _dig(domain)))
    return list(dict.fromkeys(fixes))


def _trace_dicts(steps: tuple[SpfTraceStep, ...]) -> list[dict[str, Any]]:
    return [step.to_dict() for step in steps]


def _status_and_summary(
    domain: str, analysis: SpfAnalysis, evaluation: SpfEvaluation | None, ip: str | None
) -> tuple[CheckStatus, str]:
    if analysis.status == "temperror":
        return "error", f"could not fetch the SPF record of {domain}: {analysis.problem}"
    if analysis.status == "none":
        return "fail", f"{domain} publishes no SPF record"
    if analysis.status == "permerror":
        return "fail", f"SPF permerror: {analysis.problem}"
    if evaluation is not None:
        status = RESULT_STATUS[evaluation.result]
        summary = f"SPF {evaluation.result} for {ip}"
        if evaluation.matched:
            summary += f" (matched {evaluation.matched})"
        elif evaluation.problem:
            summary += f": {evaluation.problem}"
        if status == "pass" and (analysis.errors or analysis.warnings):
            status = "warn" if not analysis.errors else "fail"
            summary += f"; {(analysis.errors or analysis.warnings)[0]}"
        return status, summary
    if analysis.errors:
        return "fail", f"SPF record of {domain} is broken: {analysis.errors[0]}"
    counts = f"{analysis.lookups} DNS lookups, {analysis.void_lookups} void"
    if analysis.warnings:
        return "warn", f"SPF record found ({counts}): {analysis.warnings[0]}"
    return "pass", f"SPF record found ({counts})"


async def _check_helo(resolver: Resolver, ip: str, helo: str | None) -> SpfEvaluation | None:
    """check_host() for the HELO identity (RFC 7208 2.3), when the HELO name is a domain."""
    if not helo or domain_problem(helo) is not None:
        return None
    name = ascii_domain(helo)
    return await check_host(resolver, ip, name, f"postmaster@{name}", name)


async def check_spf(resolver: Resolver, context: AuditContext) -> CheckResult:
    """Analyse the SPF record tree of context.domain and, given an IP, evaluate check_host().

    Args:
        resolver: answers the DNS queries.
        context: the domain, and optionally the client IP, HELO name and sender.

    Returns:
        A CheckResult with details record, lookups, void_lookups, trace, warnings, errors, and
        result/explanation when an IP was given (and `helo`, the HELO identity's result, when
        a HELO name was given too).
    """
    domain = ascii_domain(context.domain)
    message = domain_problem(context.domain)
    if context.ip is not None:
        try:
            parse_ip(context.ip)
        except ValueError:
            message = f"{context.ip!r} is not an IP address"
    if message is not None:
        return CheckResult("spf", "error", message, {"record": None, "error": message})
    evaluation: SpfEvaluation | None = None
    helo_evaluation: SpfEvaluation | None = None
    if context.ip is None:
        analysis = await analyse_spf(resolver, domain)
    else:
        sender = context.sender or f"postmaster@{domain}"
        if "@" in sender and ascii_domain(sender.rpartition("@")[2]) != domain:
            sender = f"{sender.rpartition('@')[0] or 'postmaster'}@{domain}"
        # The analysis fetches every term's records concurrently; the evaluation, which has to
        # go term by term, then finds most answers already on their way.
        analysis, evaluation, helo_evaluation = await asyncio.gather(
            analyse_spf(resolver, domain),
            check_host(resolver, context.ip, domain, sender, context.helo),
            _check_helo(resolver, context.ip, context.helo),
        )
    status, summary = _status_and_summary(domain, analysis, evaluation, context.ip)
    details: dict[str, Any] = {
        "record": analysis.record,
        "lookups": analysis.lookups,
        "void_lookups": analysis.void_lookups,
        "trace": _trace_dicts(evaluation.trace if evaluation else analysis.steps),
        "warnings": list(analysis.warnings),
        "errors": list(analysis.errors),
        "problem": analysis.problem,
        "records": [{"domain": name, "record": text} for name, text in analysis.records],
    }
    if evaluation is not None:
        details["analysis"] = _trace_dicts(analysis.steps)
        details.update(
            result=evaluation.result,
            explanation=evaluation.explanation,
            matched=evaluation.matched,
            evaluated_lookups=evaluation.lookups,
            evaluated_void_lookups=evaluation.void_lookups,
            result_problem=evaluation.problem,
        )
    if helo_evaluation is not None:
        details["helo"] = {
            "name": ascii_domain(context.helo or ""),
            "result": helo_evaluation.result,
            "record": helo_evaluation.record,
            "matched": helo_evaluation.matched,
            "problem": helo_evaluation.problem,
        }
    fixes = _fixes(domain, analysis, evaluation, context.ip)
    return CheckResult("spf", status, summary, details, tuple(fixes))


def validate_record(text: str) -> str | None:
    """The syntax error of an SPF record, or None when it parses."""
    try:
        parse_record(text)
    except SpfSyntaxError as error:
        return str(error)
    return None


__all__ = [
    "SpfAnalysis",
    "SpfEvaluation",
    "SpfTraceStep",
    "analyse_spf",
    "check_host",
    "check_spf",
    "format_trace",
    "lookup_record",
    "merged_record",
    "parse_ip",
    "sender_identity",
    "valid_domain",
    "validate_record",
    "zone_txt",
]
