"""Which reason a reply gets: the verdict of its wording, its codes and its stage.

The best signature decides when one matches. Otherwise the generic wording rule, the enhanced
code's rule and the basic code's rule (per stage) each propose a reason with a rank, and the
highest rank wins; a refusal at the greeting blames the client itself.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ehlo.knowledge.loader import CodeRule, Knowledge
from ehlo.knowledge.matcher import Candidate
from ehlo.knowledge.model import Signature

RANK_SIGNATURE = 1000
RANK_SPECIFIC_ENHANCED = 60
RANK_SPECIFIC_BASIC = 55
RANK_GENERIC_ENHANCED = 40
RANK_GENERIC_BASIC = 20

DELIVERED_WORDING = re.compile(
    r"queued|accepted for delivery|message accepted|mail accepted|ok id=|\bsaved\b|delivered|"
    r"message received|\bid=|requested mail action okay, completed",
    re.IGNORECASE,
)
GREETING_STAGES = frozenset({"connect", "ehlo", "helo"})
CLIENT_REFUSALS = frozenset(
    {"spamdetected", "policyviolation", "filtered", "rejected", "userunknown", "systemerror"}
)
AUTH_CODES = frozenset({"5.6", "7.8", "7.9", "7.10", "7.11", "7.12", "7.13", "7.14"})
AUTH_STAGES = frozenset({"auth", "ehlo", "mail", None})
"""Stages where an AUTH code is believable (MAIL may answer that AUTH is required first)."""
CODE_RULES_LIMIT = 4096
"""Enhanced codes whose rule a knowledge base remembers before it starts again."""


class Verdict(NamedTuple):
    """The reason chosen for a reply, its rank, and the signature or code rule behind it."""

    reason: str
    rank: int
    signature: Signature | None = None
    rule: CodeRule | None = None


def positive_reason(code: int | None, stage: str | None, text: str) -> str:
    """`delivered` for a 250 that ends a message (by stage, or by its wording when the stage
    is unknown), else `ok`."""
    if code == 250 and stage in ("end-of-data", "bdat"):
        return "delivered"
    if code == 250 and stage is None and DELIVERED_WORDING.search(text):
        return "delivered"
    return "ok"


def failure_verdict(base: Knowledge, candidate: Candidate, class_digit: int) -> Verdict:
    """The verdict on a transient or permanent reply (`class_digit` 4 or 5)."""
    code_rule = enhanced_rule(base, candidate.enhanced)
    signature = base.index.match(candidate)
    if signature is not None:
        return Verdict(signature.reason, RANK_SIGNATURE + signature.priority, signature)
    # The best of the wording rule, the enhanced code's rule and the basic code's rule; the
    # first of them wins a tie.
    best: Verdict | None = None
    rule = base.wording.match(candidate)
    if rule is not None and rule.reason == "greylisted" and class_digit == 5:
        rule = next((r for r in base.wording.iterate(candidate) if r.reason != "greylisted"), None)
    if rule is not None:
        best = Verdict(rule.reason, rule.priority)
    if code_rule is not None:
        reason = code_rule.reason
        if class_digit == 4 and code_rule.reason_transient:
            reason = code_rule.reason_transient
        specific = code_rule.specific
        if (
            candidate.enhanced
            and auth_only(candidate.enhanced)
            and candidate.stage not in AUTH_STAGES
        ):
            specific = False
        rank = RANK_SPECIFIC_ENHANCED if specific else RANK_GENERIC_ENHANCED
        if best is None or rank > best.rank:
            best = Verdict(reason, rank, rule=code_rule)
    basic_rule = base.basic_rules.get(candidate.code or 0)
    if basic_rule is not None:
        reasons = basic_rule.reasons
        reason = reasons.get(candidate.stage or "", reasons.get("any", "undefined"))
        if reason != "undefined":
            rank = RANK_SPECIFIC_BASIC if basic_rule.specific else RANK_GENERIC_BASIC
            if best is None or rank > best.rank:
                best = Verdict(reason, rank)
    if best is None:
        return Verdict("undefined", 0)
    if (
        class_digit == 5
        and candidate.stage in GREETING_STAGES
        and best.reason in CLIENT_REFUSALS
        and not (best.reason == "systemerror" and best.rank >= RANK_SPECIFIC_ENHANCED)
    ):
        # Refused for good before any envelope or content was sent: the client itself is,
        # unless the server's own words say it is broken.
        best = Verdict("blocked", best.rank, rule=best.rule)
    if class_digit == 4 and best.reason == "notaccept":
        # "Not accepting messages" for now: a passing state of the receiving system.
        best = Verdict("systemerror", best.rank, rule=best.rule)
    if best.rule is None and code_rule is not None and code_rule.reason == best.reason:
        best = Verdict(best.reason, best.rank, rule=code_rule)
    return best


def auth_only(enhanced: str) -> bool:
    """Codes defined for AUTH replies (RFC 4954, RFC 5248), which some servers misuse."""
    return enhanced.split(".", 1)[1] in AUTH_CODES


def enhanced_rule(base: Knowledge, enhanced: str | None) -> CodeRule | None:
    """The rule of an enhanced code (`find_enhanced_rule`), remembered per knowledge base."""
    if enhanced is None:
        return None
    try:
        return base.code_rules[enhanced]
    except KeyError:
        pass
    rule = find_enhanced_rule(base, enhanced)
    if len(base.code_rules) >= CODE_RULES_LIMIT:
        base.code_rules.clear()
    base.code_rules[enhanced] = rule
    return rule


def find_enhanced_rule(base: Knowledge, enhanced: str) -> CodeRule | None:
    """A provider's range for an unregistered three-digit detail, else the registry's rule."""
    klass, subject, detail = (int(part) for part in enhanced.split("."))
    if detail >= 100:
        for vendor in base.ranges:
            if (vendor.klass, vendor.subject) == (
                klass,
                subject,
            ) and vendor.low <= detail <= vendor.high:
                return vendor.rule
    return base.enhanced_rules.get(f"{subject}.{detail}")
