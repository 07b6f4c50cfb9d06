"""RFC 7208 check_host(): evaluate an SPF record tree for one client IP, with a full trace."""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import dataclass
from typing import Any

from ehlo.dnsauth.answer import Answer, Resolver
from ehlo.dnsauth.spf_lookup import (
    IpAddress,
    RecordLookup,
    ascii_domain,
    lookup_record,
    parse_ip,
    sender_identity,
    valid_domain,
)
from ehlo.dnsauth.spf_macro import (
    EXPLANATION_LETTERS,
    MacroContext,
    SpfSyntaxError,
    Token,
    expand,
    expand_domain,
    parse_macro_string,
    uses_letter,
)
from ehlo.dnsauth.spf_record import Mechanism, SpfRecord, SpfResult, parse_record
from ehlo.dnsauth.spf_trace import SpfEvaluation, SpfTraceStep, TraceOutcome

MAX_LOOKUP_TERMS = 10
MAX_VOID_LOOKUPS = 2
MAX_NAMES_PER_TERM = 10


class _Stop(Exception):
    """Ends the evaluation with permerror or temperror."""

    def __init__(self, result: SpfResult, problem: str) -> None:
        super().__init__(problem)
        self.result = result
        self.problem = problem


@dataclass(slots=True)
class _Outcome:
    result: SpfResult
    explanation: str | None = None
    problem: str | None = None
    matched: str | None = None


class _Evaluator:
    """State of one check_host() run: counters, trace and caches."""

    def __init__(self, resolver: Resolver, ip: IpAddress, sender: str, helo: str) -> None:
        self.resolver = resolver
        self.ip = ip
        self.sender = sender
        self.helo = helo
        self.lookups = 0
        self.void_lookups = 0
        self.trace: list[SpfTraceStep] = []
        self.queries: list[str] = []
        self.ptr_names: tuple[str, ...] | None = None
        self.top_record: str | None = None

    async def query(self, name: str, rdtype: str) -> Answer:
        answer = await self.resolver.resolve(name, rdtype)
        detail = answer.status if not answer.ok else ", ".join(answer.records[:4])
        if answer.ok and len(answer.records) > 4:
            detail += f", ... ({len(answer.records)} records)"
        self.queries.append(f"{rdtype} {name}: {detail}")
        return answer

    def step(self, depth: int, domain: str, term: str, outcome: TraceOutcome, **extra: Any) -> None:
        queries = tuple(self.queries)
        self.queries = []
        self.trace.append(
            SpfTraceStep(
                depth, domain, term, outcome, lookups=len(queries), queries=queries, **extra
            )
        )

    def count_term(self, depth: int, domain: str, term: str) -> None:
        self.lookups += 1
        if self.lookups > MAX_LOOKUP_TERMS:
            problem = f"more than {MAX_LOOKUP_TERMS} DNS-querying terms (limit of section 4.6.4)"
            self.step(depth, domain, term, "error", counted=True, note=problem)
            raise _Stop("permerror", problem)

    def count_void(self, answer: Answer) -> int:
        if not answer.void:
            return 0
        self.void_lookups += 1
        if self.void_lookups > MAX_VOID_LOOKUPS:
            raise _Stop("permerror", f"more than {MAX_VOID_LOOKUPS} void lookups (section 4.6.4)")
        return 1

    async def validated_names(self, reverse: Answer | None = None) -> tuple[str, ...]:
        """PTR names of the IP whose A/AAAA records lead back to it (section 5.5), cached."""
        if self.ptr_names is not None:
            return self.ptr_names
        answer = reverse or await self.query(self.ip.reverse_pointer, "PTR")
        names: list[str] = []
        if answer.ok:
            candidates = list(dict.fromkeys(r.lower().rstrip(".") for r in answer.records))
            candidates = candidates[:MAX_NAMES_PER_TERM]
            rdtype = "A" if self.ip.version == 4 else "AAAA"
            answers = await asyncio.gather(*(self.query(name, rdtype) for name in candidates))
            for name, address_answer in zip(candidates, answers, strict=True):
                if address_answer.ok and any(
                    _same_address(record, self.ip) for record in address_answer.records
                ):
                    names.append(name)
        self.ptr_names = tuple(names)
        return self.ptr_names

    async def macro_context(self, tokens: tuple[Token, ...], domain: str) -> MacroContext:
        validated = "unknown"
        if uses_letter(tokens, "p"):
            names = await self.validated_names()
            validated = _preferred_name(names, domain) or "unknown"
        return MacroContext(
            sender=self.sender, domain=domain, ip=self.ip, helo=self.helo, validated_name=validated
        )

    async def target(self, mechanism: Mechanism, domain: str) -> str:
        if not mechanism.tokens:
            return domain
        context = await self.macro_context(mechanism.tokens, domain)
        return expand_domain(mechanism.tokens, context).lower()

    async def check_host(
        self, domain: str, depth: int, chain: tuple[str, ...], explain: bool
    ) -> _Outcome:
        domain = domain.lower().rstrip(".")
        if not valid_domain(domain):
            problem = f"{domain or '(empty)'} is not a valid domain name"
            self.step(depth, domain, "", "result", note=f"none: {problem}")
            return _Outcome("none", problem=problem)
        if domain in chain:
            problem = f"loop: {' -> '.join((*chain, domain))}"
            self.step(depth, domain, "", "error", note=problem)
            raise _Stop("permerror", problem)
        found = await lookup_record(self.resolver, domain)
        self.queries.append(
            f"TXT {domain}: {found.answer.status}"
            + (f" ({len(found.answer.records)} records)" if found.answer.records else "")
        )
        if depth == 0:
            self.top_record = found.record
        if found.result is not None:
            self.step(depth, domain, "", "result", note=f"{found.result}: {found.problem}")
            if found.result == "none":
                return _Outcome("none", problem=found.problem)
            raise _Stop(found.result, found.problem or found.result)
        assert found.record is not None
        try:
            record = parse_record(found.record)
        except SpfSyntaxError as error:
            self.step(depth, domain, found.record, "error", note=f"syntax error: {error}")
            raise _Stop("permerror", f"syntax error in the record of {domain}: {error}") from None
        self.step(depth, domain, found.record, "record")
        chain = (*chain, domain)
        for mechanism in record.mechanisms:
            if mechanism.costs_lookup:
                self.count_term(depth, domain, mechanism.text)
            matched, void, note = await self.evaluate(mechanism, domain, depth, chain)
            self.step(
                depth,
                domain,
                mechanism.text,
                "match" if matched else "no-match",
                counted=mechanism.costs_lookup,
                void_lookups=void,
                note=note,
            )
            if matched:
                outcome = _Outcome(mechanism.result, matched=f"{mechanism.text} ({domain})")
                if outcome.result == "fail" and explain:
                    outcome.explanation = await self.explanation(record, domain, depth)
                return outcome
        if record.redirect is not None:
            term = record.redirect.text
            self.count_term(depth, domain, term)
            context = await self.macro_context(record.redirect.tokens, domain)
            target = expand_domain(record.redirect.tokens, context).lower()
            self.step(depth, domain, term, "match", counted=True, note=f"redirect to {target}")
            outcome = await self.check_host(target, depth + 1, chain, explain)
            if outcome.result == "none":
                raise _Stop("permerror", f"redirect target {target} has no SPF record")
            return outcome
        self.step(depth, domain, "", "result", note="no term matched: neutral")
        return _Outcome("neutral")

    async def evaluate(
        self, mechanism: Mechanism, domain: str, depth: int, chain: tuple[str, ...]
    ) -> tuple[bool, int, str]:
        """Whether MECHANISM matches; also the void lookups it caused and a note."""
        kind = mechanism.kind
        if kind == "all":
            return True, 0, ""
        if kind in ("ip4", "ip6"):
            network = mechanism.network
            assert network is not None
            return network.version == self.ip.version and self.ip in network, 0, ""
        target = await self.target(mechanism, domain)
        if kind == "include":
            self.step(depth, domain, mechanism.text, "record", counted=True, note=f"-> {target}")
            outcome = await self.check_host(target, depth + 1, chain, explain=False)
            if outcome.result in ("none",):
                raise _Stop("permerror", f"include:{target} has no SPF record")
            return outcome.result == "pass", 0, f"{target} returned {outcome.result}"
        if not valid_domain(target):
            return False, 0, f"{target or '(empty)'} is not a valid domain name: no match"
        if kind == "exists":
            answer = await self.query(target, "A")
            self.raise_on_failure(answer)
            return answer.ok, self.count_void(answer), ""
        if kind == "a":
            answer = await self.query(target, self.address_type)
            self.raise_on_failure(answer)
            void = self.count_void(answer)
            return self.any_address_matches(answer, mechanism), void, ""
        if kind == "mx":
            return await self.evaluate_mx(mechanism, target)
        return await self.evaluate_ptr(target)

    @property
    def address_type(self) -> str:
        return "A" if self.ip.version == 4 else "AAAA"

    @staticmethod
    def raise_on_failure(answer: Answer) -> None:
        if answer.failed:
            raise _Stop(
                "temperror",
                f"{answer.rdtype} lookup for {answer.name} failed: {answer.error or answer.status}",
            )

    def any_address_matches(self, answer: Answer, mechanism: Mechanism) -> bool:
        prefix = mechanism.ip4_prefix if self.ip.version == 4 else mechanism.ip6_prefix
        for record in answer.records:
            try:
                network = ipaddress.ip_network(f"{record}/{prefix}", strict=False)
            except ValueError:
                continue
            if network.version == self.ip.version and self.ip in network:
                return True
        return False

    async def evaluate_mx(self, mechanism: Mechanism, target: str) -> tuple[bool, int, str]:
        answer = await self.query(target, "MX")
        self.raise_on_failure(answer)
        void = self.count_void(answer)
        hosts: list[str] = []
        for record in answer.records:
            parts = record.split(None, 1)
            host = parts[1].strip().rstrip(".").lower() if len(parts) > 1 else ""
            hosts.append(host)
        if len(hosts) > MAX_NAMES_PER_TERM:
            raise _Stop(
                "permerror",
                f"{target} has {len(hosts)} MX records; at most {MAX_NAMES_PER_TERM} may be"
                " looked up (section 4.6.4)",
            )
        names = [host for host in dict.fromkeys(hosts) if host]
        answers = await asyncio.gather(*(self.query(name, self.address_type) for name in names))
        for host_answer in answers:
            self.raise_on_failure(host_answer)
        matched = any(self.any_address_matches(a, mechanism) for a in answers)
        return matched, void, f"{len(names)} MX host(s)"

    async def evaluate_ptr(self, target: str) -> tuple[bool, int, str]:
        reverse = await self.query(self.ip.reverse_pointer, "PTR")
        if reverse.failed:
            return False, 0, "PTR lookup failed: no match (section 5.5)"
        void = self.count_void(reverse)
        names = await self.validated_names(reverse)
        matched = any(name == target or name.endswith("." + target) for name in names)
        return matched, void, f"validated names: {', '.join(names) or 'none'}"

    async def explanation(self, record: SpfRecord, domain: str, depth: int) -> str | None:
        """The exp= text for a fail result, or None when it cannot be had (section 6.2)."""
        modifier = record.explanation
        if modifier is None:
            return None
        try:
            context = await self.macro_context(modifier.tokens, domain)
            name = expand_domain(modifier.tokens, context)
            answer = await self.query(name, "TXT")
            if not answer.ok or len(answer.records) != 1:
                self.step(depth, domain, modifier.text, "no-match", note="no usable explanation")
                return None
            text = answer.records[0]
            if not text.isascii():
                self.step(depth, domain, modifier.text, "no-match", note="explanation not ASCII")
                return None
            tokens = parse_macro_string(text, EXPLANATION_LETTERS)
            context = await self.macro_context(tokens, domain)
            explanation = expand(tokens, context)
        except SpfSyntaxError as error:
            self.step(depth, domain, modifier.text, "error", note=f"explanation ignored: {error}")
            return None
        self.step(depth, domain, modifier.text, "match", note=explanation)
        return explanation


def _same_address(record: str, ip: IpAddress) -> bool:
    try:
        return ipaddress.ip_address(record) == ip
    except ValueError:
        return False


def _preferred_name(names: tuple[str, ...], domain: str) -> str | None:
    """The validated name to use for %{p}: the domain, else a subdomain, else any (5.5/7.3)."""
    for name in names:
        if name == domain:
            return name
    for name in names:
        if name.endswith("." + domain):
            return name
    return names[0] if names else None


async def check_host(
    resolver: Resolver, ip: str, domain: str, sender: str, helo: str | None = None
) -> SpfEvaluation:
    """Evaluate DOMAIN's SPF policy for a message from IP (RFC 7208 section 4).

    Args:
        resolver: answers the DNS queries.
        ip: the SMTP client's address (IPv4-mapped IPv6 counts as IPv4).
        domain: the domain whose policy applies (MAIL FROM domain, or the HELO name).
        sender: the MAIL FROM address (`postmaster@HELO` when checking the HELO identity).
        helo: the HELO/EHLO name, for the %{h} macro.

    Returns:
        The result, the explanation for `fail` when exp= gives one, and the trace.

    Raises:
        ValueError: IP is not an IP address.
    """
    address = parse_ip(ip)
    if "@" not in sender:
        sender = f"postmaster@{sender or domain}"
    evaluator = _Evaluator(resolver, address, sender, helo or "")
    try:
        outcome = await evaluator.check_host(ascii_domain(domain), 0, (), explain=True)
    except _Stop as stop:
        outcome = _Outcome(stop.result, problem=stop.problem)
        if evaluator.queries:
            evaluator.step(0, domain.lower(), "", "error", note=stop.problem)
    reason = outcome.problem or (f"matched {outcome.matched}" if outcome.matched else "")
    final = SpfTraceStep(
        0, ascii_domain(domain), "", "result", note=f"{outcome.result}: {reason}".rstrip(": ")
    )
    trace = (*evaluator.trace, final)
    return SpfEvaluation(
        result=outcome.result,
        explanation=outcome.explanation,
        trace=trace,
        lookups=evaluator.lookups,
        void_lookups=evaluator.void_lookups,
        record=evaluator.top_record,
        problem=outcome.problem,
        matched=outcome.matched,
    )


__all__ = ["RecordLookup", "SpfEvaluation", "SpfTraceStep", "check_host", "sender_identity"]
