"""Analysis of a whole SPF record tree without a client IP: what every term costs and risks."""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import dataclass, field

from ehlo.dnsauth.answer import Answer, Resolver
from ehlo.dnsauth.spf_eval import MAX_LOOKUP_TERMS, MAX_NAMES_PER_TERM, MAX_VOID_LOOKUPS
from ehlo.dnsauth.spf_lookup import ascii_domain, lookup_record, valid_domain
from ehlo.dnsauth.spf_macro import Macro, MacroContext, SpfSyntaxError, Token, expand_domain
from ehlo.dnsauth.spf_record import Mechanism, Modifier, SpfRecord, is_spf_record, parse_record
from ehlo.dnsauth.spf_trace import SpfTraceStep

RECOMMENDED_MAX_LENGTH = 450
"""Section 3.4: records should stay small enough for a 512-octet UDP answer."""
MAX_STRING_LENGTH = 255
"""A TXT character-string holds at most 255 octets; longer records are split into several."""
MAX_RECORDS_VISITED = 60
_STATIC_LETTERS = frozenset("do")


@dataclass(frozen=True, slots=True)
class SpfAnalysis:
    """The record tree of a domain: its cost against the limits, warnings and errors."""

    domain: str
    record: str | None
    lookups: int = 0
    void_lookups: int = 0
    steps: tuple[SpfTraceStep, ...] = ()
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    """Problems that make check_host() return permerror (or temperror) for some or all IPs."""
    status: str | None = None
    """`none`, `permerror` or `temperror` when the domain itself has no single usable record."""
    problem: str | None = None
    records: tuple[tuple[str, str], ...] = ()
    """Every (domain, record) visited, for length and content checks."""
    candidates: tuple[str, ...] = ()
    """The SPF records found at the domain when there are several."""


@dataclass(slots=True)
class _Walk:
    resolver: Resolver
    top: str
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    records: list[tuple[str, str]] = field(default_factory=list)
    visited: int = 0


def _static_target(tokens: tuple[Token, ...], domain: str, top: str) -> str | None:
    """Expand a domain-spec that only uses %{d}/%{o}; None when it depends on the message."""
    letters = {token.letter.lower() for token in tokens if isinstance(token, Macro)}
    if not letters <= _STATIC_LETTERS:
        return None
    context = MacroContext(
        sender=f"postmaster@{top}", domain=domain, ip=ipaddress.IPv4Address("192.0.2.1")
    )
    return expand_domain(tokens, context).lower()


def _describe(answer: Answer) -> str:
    if answer.ok:
        shown = ", ".join(answer.records[:4])
        return shown + (f", ... ({len(answer.records)} records)" if len(answer.records) > 4 else "")
    return answer.status


async def _addresses(resolver: Resolver, name: str) -> tuple[Answer, Answer]:
    a, aaaa = await asyncio.gather(resolver.resolve(name, "A"), resolver.resolve(name, "AAAA"))
    return a, aaaa


async def _mechanism_steps(
    walk: _Walk, mechanism: Mechanism, domain: str, depth: int, chain: tuple[str, ...]
) -> list[SpfTraceStep]:
    text = mechanism.text
    kind = mechanism.kind
    if kind == "all":
        if mechanism.qualifier == "+":
            walk.warnings.append(f"{domain}: '{text}' authorises every host on the internet")
        elif mechanism.qualifier == "?":
            walk.warnings.append(
                f"{domain}: '{text}' makes the policy neutral: it protects nothing"
            )
        return [SpfTraceStep(depth, domain, text, "cost")]
    if kind in ("ip4", "ip6"):
        return [SpfTraceStep(depth, domain, text, "cost")]
    if kind == "ptr":
        walk.warnings.append(
            f"{domain}: '{text}' is slow and unreliable; RFC 7208 (5.5) says not to use it"
        )
    target = _static_target(mechanism.tokens, domain, walk.top) if mechanism.tokens else domain
    if target is None:
        note = "depends on the message (macros): not resolved here"
        return [SpfTraceStep(depth, domain, text, "cost", counted=True, note=note)]
    if kind == "include":
        head = SpfTraceStep(depth, domain, text, "cost", counted=True, note=f"-> {target}")
        return [head, *await _record_steps(walk, target, depth + 1, chain, "include")]
    if not valid_domain(target):
        note = f"{target or '(empty)'} is not a valid domain name"
        walk.warnings.append(f"{domain}: '{text}': {note}")
        return [SpfTraceStep(depth, domain, text, "cost", counted=True, note=note)]
    if kind in ("a", "exists"):
        a, aaaa = await _addresses(walk.resolver, target)
        queries = (f"A {target}: {_describe(a)}", f"AAAA {target}: {_describe(aaaa)}")
        void = int(a.void and (aaaa.void or kind == "exists"))
        note = f"{target} does not exist or has no address" if void else ""
        if a.failed:
            walk.errors.append(f"{domain}: '{text}': lookup of {target} failed ({a.status})")
        return [
            SpfTraceStep(depth, domain, text, "cost", len(queries), True, void, queries, note=note)
        ]
    if kind == "mx":
        answer = await walk.resolver.resolve(target, "MX")
        mx_query = f"MX {target}: {_describe(answer)}"
        note = ""
        if answer.failed:
            walk.errors.append(f"{domain}: '{text}': MX lookup of {target} failed")
        elif len(answer.records) > MAX_NAMES_PER_TERM:
            note = (
                f"{len(answer.records)} MX records: more than {MAX_NAMES_PER_TERM} is a permerror"
            )
            walk.errors.append(f"{domain}: '{text}': {note}")
        elif answer.void:
            note = f"{target} has no MX records"
        else:
            note = f"{len(answer.records)} MX host(s), each looked up too"
        return [
            SpfTraceStep(
                depth, domain, text, "cost", 1, True, int(answer.void), (mx_query,), note=note
            )
        ]
    return [SpfTraceStep(depth, domain, text, "cost", counted=True, note="PTR of the client IP")]


async def _record_steps(
    walk: _Walk, domain: str, depth: int, chain: tuple[str, ...], via: str
) -> list[SpfTraceStep]:
    """Steps for DOMAIN's record and, recursively, everything it includes or redirects to."""
    if domain in chain:
        problem = f"loop: {' -> '.join((*chain, domain))}"
        walk.errors.append(problem)
        return [SpfTraceStep(depth, domain, "", "error", note=problem)]
    if not valid_domain(domain):
        problem = f"{via} target {domain or '(empty)'} is not a valid domain name (permerror)"
        walk.errors.append(problem)
        return [SpfTraceStep(depth, domain, "", "error", note=problem)]
    walk.visited += 1
    if walk.visited > MAX_RECORDS_VISITED:
        return [SpfTraceStep(depth, domain, "", "error", note="record tree too large: stopped")]
    found = await lookup_record(walk.resolver, domain)
    query = (f"TXT {domain}: {found.answer.status}",)
    if found.record is None:
        problem = f"{via} {domain}: {found.problem}"
        if found.result == "none":
            problem += " (permerror)"
        walk.errors.append(problem)
        return [SpfTraceStep(depth, domain, "", "error", 1, queries=query, note=problem)]
    walk.records.append((domain, found.record))
    try:
        record = parse_record(found.record)
    except SpfSyntaxError as error:
        problem = f"syntax error in the record of {domain}: {error}"
        walk.errors.append(problem)
        return [SpfTraceStep(depth, domain, found.record, "error", 1, queries=query, note=problem)]
    steps = [SpfTraceStep(depth, domain, found.record, "record", 1, queries=query)]
    chain = (*chain, domain)
    groups = await asyncio.gather(
        *(_mechanism_steps(walk, m, domain, depth, chain) for m in record.mechanisms)
    )
    for group in groups:
        steps.extend(group)
    steps.extend(await _modifier_steps(walk, record, domain, depth, chain))
    return steps


async def _modifier_steps(
    walk: _Walk, record: SpfRecord, domain: str, depth: int, chain: tuple[str, ...]
) -> list[SpfTraceStep]:
    steps: list[SpfTraceStep] = []
    modifier: Modifier
    for modifier in record.modifiers:
        if modifier.name not in ("redirect", "exp"):
            note = "unknown modifier: ignored"
            steps.append(SpfTraceStep(depth, domain, modifier.text, "cost", note=note))
    if record.explanation is not None:
        steps.append(
            SpfTraceStep(depth, domain, record.explanation.text, "cost", note="explanation")
        )
    if record.redirect is None:
        return steps
    text = record.redirect.text
    if any(m.kind == "all" for m in record.mechanisms):
        walk.warnings.append(f"{domain}: '{text}' is never used because the record has 'all'")
        return [*steps, SpfTraceStep(depth, domain, text, "cost", note="unused: 'all' comes first")]
    target = _static_target(record.redirect.tokens, domain, walk.top)
    if target is None:
        note = "depends on the message (macros): not resolved here"
        return [*steps, SpfTraceStep(depth, domain, text, "cost", counted=True, note=note)]
    head = SpfTraceStep(depth, domain, text, "cost", counted=True, note=f"-> {target}")
    return [*steps, head, *await _record_steps(walk, target, depth + 1, chain, "redirect")]


async def analyse_spf(resolver: Resolver, domain: str) -> SpfAnalysis:
    """Walk DOMAIN's SPF record tree and count its DNS-querying terms and void lookups.

    Args:
        resolver: answers the DNS queries.
        domain: the domain whose record is analysed.

    Returns:
        The analysis; `status` is set when the domain has no single usable record.
    """
    domain = ascii_domain(domain)
    found = await lookup_record(resolver, domain)
    if found.record is None:
        candidates = tuple(text for text in found.answer.records if is_spf_record(text))
        return SpfAnalysis(
            domain, None, status=found.result, problem=found.problem, candidates=candidates
        )
    walk = _Walk(resolver, domain)
    steps = await _record_steps(walk, domain, 0, (), "record")
    lookups = sum(1 for step in steps if step.counted)
    void = sum(step.void_lookups for step in steps)
    if lookups > MAX_LOOKUP_TERMS:
        walk.errors.append(
            f"{lookups} DNS-querying terms: more than {MAX_LOOKUP_TERMS} is a permerror"
            " (RFC 7208 4.6.4) for every IP they are evaluated for"
        )
    elif lookups >= MAX_LOOKUP_TERMS - 1:
        walk.warnings.append(f"{lookups} DNS-querying terms: close to the limit of ten")
    if void > MAX_VOID_LOOKUPS:
        walk.errors.append(
            f"{void} void lookups: more than {MAX_VOID_LOOKUPS} is a permerror (RFC 7208 4.6.4)"
        )
    for name, text in walk.records:
        size = len(text.encode("utf-8"))
        if size > RECOMMENDED_MAX_LENGTH:
            walk.warnings.append(
                f"the record of {name} is {size} bytes: over {RECOMMENDED_MAX_LENGTH}, answers may"
                " not fit a UDP packet (RFC 7208 3.4)"
            )
    return SpfAnalysis(
        domain,
        found.record,
        lookups=lookups,
        void_lookups=void,
        steps=tuple(steps),
        warnings=tuple(dict.fromkeys(walk.warnings)),
        errors=tuple(dict.fromkeys(walk.errors)),
        records=tuple(walk.records),
    )
