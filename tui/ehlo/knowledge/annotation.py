"""annotate(): read a whole reply the way a postmaster does, and say what to do about it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple, cast

from ehlo.fixes import Fix
from ehlo.knowledge.extract import extract
from ehlo.knowledge.fill import (
    ADDRESS_NAMES,
    IP_NAMES,
    apply_defaults,
    apply_plan,
    placeholder_values,
    reply_values,
)
from ehlo.knowledge.loader import Knowledge, knowledge
from ehlo.knowledge.matcher import Candidate, make_candidate
from ehlo.knowledge.model import (
    Annotation,
    Reason,
    ReasonId,
    ReplyClass,
    make_annotation,
)
from ehlo.knowledge.positive import STAGE_MEANINGS, positive_meaning
from ehlo.knowledge.prepared import Prepared, dns_checks, prepared
from ehlo.knowledge.providers import provider_from_markers
from ehlo.knowledge.replytext import (
    client_ip,
    find_enhanced,
    leading_enhanced,
    mail_address,
    read_input,
    search_text,
)
from ehlo.knowledge.stages import DESCRIPTIONS, normalize_stage
from ehlo.knowledge.verdict import (
    RANK_GENERIC_ENHANCED,
    Verdict,
    failure_verdict,
    positive_reason,
)
from ehlo.smtp.reply import Reply, parse_reply

CLASSES: dict[int, ReplyClass] = {2: "success", 3: "intermediate", 4: "transient", 5: "permanent"}

TEMPORARY_WORDING = re.compile(
    r"temporar(?:il)?y (?:blocked|blacklisted|banned|deferred|rate.limited|suspended|locked|"
    r"rejected|refused|restricted|throttled)|rate.limited|try again (?:later|in \d)|"
    r"automat(?:ed|ic) (?:block|ban)|automatically (?:blocked|banned)",
    re.IGNORECASE,
)
LIFTING_REASONS = frozenset(
    {"blocked", "badreputation", "ratelimited", "policyviolation", "spamdetected", "filtered"}
)
"""Refusals that can lift by themselves when the server says they are temporary."""
CODE_AT_START = re.compile(r"^\s*(\d{3,})")


_CACHE: dict[object, Annotation] = {}
_CACHE_LIMIT = 4096
"""Annotations remembered before starting again: a session's replies, or the repeated
replies of a log, fit; a long stream of distinct replies does not grow memory past a few MB."""


def annotate(
    reply: Reply | str, stage: str | None = None, context: Mapping[str, str] | None = None
) -> Annotation:
    """Explain one server reply.

    Args:
        reply: a Reply from the engine, or reply text (multi-line, or a log or bounce line).
        stage: the command it answered (connect, ehlo, starttls, auth, mail, rcpt, data,
            end-of-data, ...); None when unknown.
        context: values for fix commands: host, port, domain, mail_from_domain, rcpt_domain,
            ip, helo, sender, recipient.

    Returns:
        The annotation; input that is not a reply gives class "unknown", reason "undefined".
    """
    try:
        key = _cache_key(reply, stage, context)
    except TypeError:
        key = None
    if key is not None:
        cached = _CACHE.get(key)
        if cached is not None:
            return cached
    try:
        result = _annotate(reply, normalize_stage(stage), context)
    except Exception as exc:  # annotate() must never raise, whatever the input
        result = unknown_annotation(f"ehlo could not read this reply ({type(exc).__name__}).")
    if key is not None:
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        _CACHE[key] = result
    return result


def clear_cache() -> None:
    """Forget the annotations remembered so far, so that the next call on any reply reads,
    matches and explains it again.

    Tables derived from the knowledge base itself on first use are kept, as compiled
    patterns are: the bits each word selects, and what follows from codes, stage and verdict
    alone (`Knowledge.explained`).
    """
    _CACHE.clear()


def _cache_key(reply: object, stage: object, context: Mapping[str, str] | None) -> object:
    items = tuple(sorted(context.items())) if context else ()
    if isinstance(reply, str):
        return ("s", reply, stage, items)
    if isinstance(reply, Reply):
        return ("r", reply.lines, reply.violations, stage, items)
    return None


def unknown_annotation(meaning: str, basic: int | None = None) -> Annotation:
    """The annotation for input that is not a readable reply."""
    return Annotation(
        basic=basic,
        enhanced=None,
        reply_class="unknown",
        reason="undefined",
        retry=False,
        retry_advice="Nothing to retry: this is not a server reply ehlo can read.",
        provider=None,
        meaning=meaning,
    )


def _annotate(value: object, stage: str | None, context: Mapping[str, str] | None) -> Annotation:
    read = read_input(value)
    if read.reply is None:
        return unknown_annotation(f"Not an SMTP reply: {read.problem}.")
    reply = read.reply
    if reply.code is None:
        extracted = extract("\n".join(reply.lines))
        if extracted is not None:
            inner = parse_reply(extracted.reply)
            if inner.code is not None or leading_enhanced(extracted.reply):
                return _explain(inner, stage or extracted.stage, context)
        if reply.texts and leading_enhanced(reply.texts[-1]):
            return _explain(reply, stage, context)
        return unknown_annotation(_no_code_meaning(reply))
    return _explain(reply, stage, context)


def _no_code_meaning(reply: Reply) -> str:
    first = reply.lines[0] if reply.lines else ""
    found = CODE_AT_START.match(first)
    if found:
        return (
            f"Not an SMTP reply: {found.group(1)} is not a reply code "
            "(codes run from 200 to 599, RFC 5321 section 4.2)."
        )
    return (
        "Not an SMTP reply: no three-digit reply code at the start of a line, and no server "
        "reply inside a log or bounce line."
    )


def _explain(reply: Reply, stage: str | None, context: Mapping[str, str] | None) -> Annotation:
    base = knowledge()
    code = reply.code
    enhanced = find_enhanced(reply, code // 100 if code else None)
    class_digit = code // 100 if code else int(enhanced[0]) if enhanced else 0
    reply_class = CLASSES.get(class_digit, "unknown")
    text = search_text(reply)
    candidate = make_candidate(text, code, enhanced, stage)
    if reply_class in ("success", "intermediate"):
        verdict = Verdict(positive_reason(code, stage, text), 0)
    else:
        verdict = failure_verdict(base, candidate, class_digit)
    reason = base.reasons.get(verdict.reason) or base.reasons.get("undefined")
    return _build(
        base,
        reply,
        candidate=candidate,
        reply_class=reply_class,
        enhanced=enhanced,
        stage=stage,
        text=text,
        verdict=verdict,
        reason=reason,
        context=context,
    )


def _says_temporary(text: str) -> bool:
    """Whether a transient refusal says itself that it lifts by itself."""
    return TEMPORARY_WORDING.search(text) is not None


class _Static(NamedTuple):
    """What an annotation holds that follows from its codes, stage and verdict alone.

    The same for every reply that shares those, so made once for them (`Knowledge.explained`);
    what the reply's own words add (provider markers, values for fixes, DNS checks it names,
    protocol notes) is added per reply.
    """

    fields: dict[str, object]
    """Every Annotation field but provider, fixes, dns_checks and notes."""
    provider: str | None
    """The signature's or code rule's provider; None leaves it to the reply's markers."""
    pair: Prepared
    domain_role: str


EXPLAINED_LIMIT = 4096
"""Combinations of codes, stage and verdict remembered before starting again."""


def _build(
    base: Knowledge,
    reply: Reply,
    *,
    candidate: Candidate,
    reply_class: ReplyClass,
    enhanced: str | None,
    stage: str | None,
    text: str,
    verdict: Verdict,
    reason: Reason | None,
    context: Mapping[str, str] | None,
) -> Annotation:
    failure = reply_class in ("transient", "permanent")
    lifts = (
        reply_class == "transient"
        and reason is not None
        and not reason.retry_transient
        and verdict.reason in LIFTING_REASONS
        and _says_temporary(text)
    )
    signature = verdict.signature
    key = (
        reply.code,
        enhanced,
        stage,
        reply_class,
        verdict.reason,
        verdict.rank,
        signature.id if signature is not None else None,
        id(verdict.rule),
        lifts,
    )
    static = base.explained.get(key)
    if static is None:
        static = _static(
            base,
            code=reply.code,
            reply_class=reply_class,
            enhanced=enhanced,
            stage=stage,
            verdict=verdict,
            reason=reason,
            lifts=lifts,
        )
        if len(base.explained) >= EXPLAINED_LIMIT:
            base.explained.clear()
        base.explained[key] = static
    values = static.fields.copy()
    values["provider"] = static.provider or provider_from_markers(candidate)
    values["fixes"] = _fixes(static, text, stage, context)
    values["dns_checks"] = dns_checks(static.pair, candidate.words) if failure else ()
    values["notes"] = reply.violations
    return make_annotation(values)


def _fixes(
    static: _Static, text: str, stage: str | None, context: Mapping[str, str] | None
) -> tuple[Fix, ...]:
    """The pair's fixes, filled from the context and from what the reply names."""
    plan = static.pair.fixes
    if plan.static is not None:
        return plan.static
    names = plan.names
    found_ip = client_ip(text) if not names.isdisjoint(IP_NAMES) else None
    found_address = mail_address(text) if not names.isdisjoint(ADDRESS_NAMES) else None
    if context:
        values = placeholder_values(
            context, static.domain_role, found_ip, found_address, stage, names=names
        )
    elif found_ip or found_address:
        values = reply_values(static.domain_role, found_ip, found_address, stage, names)
    else:
        return apply_defaults(plan, static.domain_role)
    return apply_plan(plan, values)


def _static(
    base: Knowledge,
    *,
    code: int | None,
    reply_class: ReplyClass,
    enhanced: str | None,
    stage: str | None,
    verdict: Verdict,
    reason: Reason | None,
    lifts: bool,
) -> _Static:
    signature = verdict.signature
    basic = base.basic.get(code) if code else None
    registry = base.enhanced.get("x." + enhanced.split(".", 1)[1]) if enhanced else None
    failure = reply_class in ("transient", "permanent")
    retry = False
    advice = "Nothing to retry: the server accepted this step."
    if reply_class == "intermediate":
        advice = "Nothing to retry: the server waits for the client's next line."
    if failure and reason is not None:
        retry = reason.retry_transient if reply_class == "transient" else reason.retry_permanent
        retry = retry or lifts
        if signature is not None and signature.retry is not None:
            retry = signature.retry
        elif verdict.rule is not None and verdict.rule.retry is not None:
            retry = verdict.rule.retry
        advice = reason.advice_transient if reply_class == "transient" else reason.advice_permanent
        if signature is not None and signature.retry_advice:
            advice = signature.retry_advice
    provider = signature.provider if signature else None
    if provider is None and verdict.rule is not None:
        provider = verdict.rule.provider
    meaning = _meaning(
        code,
        reply_class=reply_class,
        stage=stage,
        verdict=verdict,
        reason=reason,
        basic=basic,
        enhanced=enhanced,
        registry=registry,
    )
    references = [*(basic.rfc if basic else ()), *(registry.rfc if registry else ())]
    if signature is not None and signature.url:
        references.append(signature.url)
    if verdict.rule is not None and verdict.rule.reference:
        references.append(verdict.rule.reference)
    if reason is not None and failure:
        references.extend(reason.references)
    fields: dict[str, object] = {
        "basic": code,
        "enhanced": enhanced,
        "reply_class": reply_class,
        "reason": cast(ReasonId, verdict.reason),
        "retry": retry,
        "retry_advice": advice,
        "meaning": meaning,
        "causes": reason.causes if reason and failure else (),
        "references": tuple(dict.fromkeys(references)),
        "signature": signature.id if signature else None,
        "enhanced_title": registry.title if registry else None,
        "code_meaning": basic.meaning if basic else None,
        "stage": stage,
        "who": reason.who if reason and failure else None,
    }
    pair = prepared(base.prepared, signature, reason if failure else None)
    return _Static(fields, provider, pair, reason.domain if reason else "none")


def _meaning(
    code: int | None,
    *,
    reply_class: ReplyClass,
    stage: str | None,
    verdict: Verdict,
    reason: Reason | None,
    basic: object,
    enhanced: str | None,
    registry: object,
) -> str:
    if verdict.signature is not None and verdict.signature.meaning:
        return verdict.signature.meaning
    if verdict.rule is not None and verdict.rule.meaning and verdict.rank >= RANK_GENERIC_ENHANCED:
        lead = verdict.rule.meaning
    elif reason is not None and reply_class in ("transient", "permanent"):
        lead = reason.meaning
    else:
        lead = getattr(basic, "meaning", "") or "The server accepted this step."
        if verdict.reason == "delivered":
            lead = STAGE_MEANINGS[("end-of-data", 250)]
        lead = positive_meaning(code, stage) or lead
    parts = [f"{code}" if code else "", enhanced or ""]
    said = " ".join(p for p in parts if p)
    where = f" to {DESCRIPTIONS[stage]}" if stage in DESCRIPTIONS else ""
    titles = [getattr(basic, "title", ""), getattr(registry, "title", "")]
    detail = "; ".join(t for t in titles if t)
    tail = f" The server answered {said}{where}" + (f" ({detail})." if detail else ".")
    return (lead + tail).strip()
