"""Loading reference/*.toml into typed, validated records (once per process)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ehlo.knowledge.anchors import PLANNER_VERSION, plan_alternatives, plan_entries, word_start
from ehlo.knowledge.cache import cached_documents
from ehlo.knowledge.matcher import PatternIndex
from ehlo.knowledge.model import (
    ACTORS,
    DNS_CHECK_IDS,
    PLACEHOLDERS,
    REASON_IDS,
    BasicCode,
    EnhancedCode,
    FixTemplate,
    Reason,
    Signature,
)
from ehlo.knowledge.prepared import Prepared
from ehlo.paths import reference_dir
from ehlo.smtp.stages import STAGES

FILES = (
    "basic-codes.toml",
    "enhanced-codes.toml",
    "reasons.toml",
    "signatures.toml",
    "wording.toml",
)

ENHANCED_FORM = re.compile(r"^[245xX]\.\d{1,3}\.\d{1,3}$")
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class KnowledgeError(Exception):
    """The reference data is malformed (raised by `validate()`, never by annotate())."""


@dataclass(frozen=True, slots=True)
class CodeRule:
    """How an enhanced code (class-independent, `x.Y.Z`) or a vendor range maps to a reason."""

    reason: str
    reason_transient: str | None = None
    specific: bool = True
    provider: str | None = None
    meaning: str | None = None
    reference: str | None = None
    retry: bool | None = None


@dataclass(frozen=True, slots=True)
class VendorRange:
    """Unregistered enhanced codes with a three-digit detail used by one provider."""

    klass: int
    subject: int
    low: int
    high: int
    rule: CodeRule


@dataclass(frozen=True, slots=True)
class BasicRule:
    """How a basic code maps to a reason, per stage (key "any" for the default)."""

    reasons: Mapping[str, str]
    specific: bool = False


@dataclass(frozen=True)
class Knowledge:
    """Everything in reference/, typed and indexed."""

    basic: Mapping[int, BasicCode]
    basic_rules: Mapping[int, BasicRule]
    first_digit: Mapping[str, str]
    second_digit: Mapping[str, str]
    enhanced: Mapping[str, EnhancedCode]
    enhanced_rules: Mapping[str, CodeRule]
    ranges: tuple[VendorRange, ...]
    class_titles: Mapping[str, str]
    subject_titles: Mapping[str, str]
    reasons: Mapping[str, Reason]
    signatures: tuple[Signature, ...]
    index: PatternIndex
    wording: PatternIndex
    problems: tuple[str, ...] = field(default=())
    prepared: dict[tuple[str, str], Prepared] = field(default_factory=dict, compare=False)
    """What annotate() needs per (signature id, reason id), made on first use."""
    code_rules: dict[str, CodeRule | None] = field(default_factory=dict, compare=False)
    """The rule of each enhanced code met so far (see `verdict.enhanced_rule`)."""
    explained: dict[tuple[object, ...], Any] = field(default_factory=dict, compare=False)
    """The parts of an annotation that follow from its codes, stage and verdict alone (see
    `annotation._Static`), made on first use."""


def _read_documents(directory: Path) -> dict[str, Any]:
    import tomllib

    documents: dict[str, Any] = {}
    for name in FILES:
        path = directory / name
        try:
            with path.open("rb") as handle:
                documents[name] = tomllib.load(handle)
        except FileNotFoundError:
            documents[name] = {}
        except (OSError, tomllib.TOMLDecodeError) as exc:
            documents[name] = {"_error": f"{name}: {exc}"}
    signatures = documents["signatures.toml"].get("signature", [])
    plans = plan_entries([str(entry.get("pattern", "")) for entry in signatures])
    documents["_plans"] = plans
    documents["_pattern_errors"] = [_compile_error(entry.get("pattern")) for entry in signatures]
    rules = documents["wording.toml"].get("rule", [])
    documents["_wording_errors"] = [
        _compile_error("|".join(str(p) for p in rule.get("patterns", []))) for rule in rules
    ]
    documents["_wording_plans"] = plan_alternatives(
        [[word_start(str(p)) for p in rule.get("patterns", [])] for rule in rules]
    )
    return documents


def _compile_error(pattern: Any) -> str:
    """Why a pattern does not compile ("" when it does); checked once, when the cache is built."""
    try:
        re.compile(str(pattern), re.IGNORECASE)
    except (re.error, RecursionError, OverflowError, ValueError) as exc:
        return str(exc) or type(exc).__name__
    return ""


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(item) for item in value)
    return ()


def check_command(command: str) -> list[str]:
    """Problems with a fix command template: unknown placeholders, placeholders in quotes."""
    problems = [
        f"unknown placeholder {{{name}}}"
        for name in PLACEHOLDER.findall(command)
        if name not in PLACEHOLDERS
    ]
    quote: str | None = None
    for index, char in enumerate(command):
        if quote is None and char in "'\"":
            quote = char
        elif quote is not None and char == quote:
            quote = None
        elif quote is not None and char == "{" and PLACEHOLDER.match(command, index):
            problems.append(f"placeholder inside quotes in {command!r}")
    if quote is not None:
        problems.append(f"unbalanced quotes in {command!r}")
    return problems


def _fixes(value: Any, where: str, problems: list[str]) -> tuple[FixTemplate, ...]:
    fixes: list[FixTemplate] = []
    for entry in value if isinstance(value, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
            problems.append(f"{where}: a fix needs a text")
            continue
        command = entry.get("command")
        if command is not None and not isinstance(command, str):
            problems.append(f"{where}: a fix command must be a string")
            command = None
        if command:
            problems.extend(f"{where}: {p}" for p in check_command(command))
        fixes.append(FixTemplate(entry["text"], command or None))
    return tuple(fixes)


def _basic(document: Mapping[str, Any], problems: list[str]) -> tuple[
    dict[int, BasicCode], dict[int, BasicRule], dict[str, str], dict[str, str]
]:  # fmt: skip
    digits = document.get("digits", {})
    first = {str(k): str(v) for k, v in digits.get("first", {}).items()}
    second = {str(k): str(v) for k, v in digits.get("second", {}).items()}
    codes: dict[int, BasicCode] = {}
    rules: dict[int, BasicRule] = {}
    for entry in document.get("code", []):
        code = entry.get("code")
        if not isinstance(code, int) or not 200 <= code <= 599:
            problems.append(f"basic-codes.toml: bad code {code!r}")
            continue
        stages = _strings(entry.get("stages", []))
        problems.extend(
            f"basic-codes.toml {code}: unknown stage {s}" for s in stages if s not in STAGES
        )
        text = str(code)
        described = (
            f"{text[0]}xx: {first.get(text[0], '?')}",
            f"x{text[1]}x: {second.get(text[1], '?')}",
            f"xx{text[2]}: {entry.get('third', 'a finer distinction within the group')}",
        )
        codes[code] = BasicCode(
            code=code,
            title=str(entry.get("title", "")),
            meaning=str(entry.get("meaning", "")),
            stages=stages,
            digits=described,
            rfc=_strings(entry.get("rfc", [])),
            standard=bool(entry.get("standard", True)),
        )
        reasons = {"any": str(entry.get("reason", "undefined"))}
        reasons.update({str(k): str(v) for k, v in entry.get("reasons", {}).items()})
        problems.extend(
            f"basic-codes.toml {code}: unknown reason {r}"
            for r in reasons.values()
            if r not in REASON_IDS
        )
        rules[code] = BasicRule(reasons, bool(entry.get("specific", False)))
    return codes, rules, first, second


def _enhanced(document: Mapping[str, Any], problems: list[str]) -> tuple[
    dict[str, EnhancedCode], dict[str, CodeRule], tuple[VendorRange, ...]
]:  # fmt: skip
    codes: dict[str, EnhancedCode] = {}
    rules: dict[str, CodeRule] = {}
    for entry in document.get("code", []):
        code = str(entry.get("code", "")).lower()
        if not ENHANCED_FORM.match(code):
            problems.append(f"enhanced-codes.toml: bad code {code!r}")
            continue
        codes[code] = EnhancedCode(
            code=code,
            title=str(entry.get("title", "")),
            description=str(entry.get("description", "")),
            basic_codes=_strings(entry.get("basic_codes", [])),
            rfc=_strings(entry.get("rfc", [])),
        )
        reason = entry.get("reason")
        if reason is not None:
            rules[code[2:]] = CodeRule(
                reason=str(reason),
                reason_transient=entry.get("reason_transient"),
                specific=bool(entry.get("specific", True)),
                retry=entry.get("retry"),
            )
    ranges: list[VendorRange] = []
    for entry in document.get("range", []):
        try:
            low, high = (int(n) for n in entry["detail"])
            rule = CodeRule(
                reason=str(entry["reason"]),
                reason_transient=entry.get("reason_transient"),
                specific=True,
                provider=entry.get("provider"),
                meaning=entry.get("meaning"),
                reference=entry.get("source"),
                retry=entry.get("retry"),
            )
            ranges.append(VendorRange(int(entry["class"]), int(entry["subject"]), low, high, rule))
        except (KeyError, TypeError, ValueError):
            problems.append(f"enhanced-codes.toml: bad range {entry!r}")
    for where, rule in [*rules.items(), *((f"range {r.low}", r.rule) for r in ranges)]:
        for reason in (rule.reason, rule.reason_transient):
            if reason is not None and reason not in REASON_IDS:
                problems.append(f"enhanced-codes.toml {where}: unknown reason {reason}")
    return codes, rules, tuple(ranges)


def _reasons(document: Mapping[str, Any], problems: list[str]) -> dict[str, Reason]:
    reasons: dict[str, Reason] = {}
    table = document.get("reason", {})
    for reason_id, entry in table.items():
        where = f"reasons.toml {reason_id}"
        if reason_id not in REASON_IDS:
            problems.append(f"{where}: not one of the reason ids")
        retry = entry.get("retry", {})
        advice = entry.get("retry_advice", {})
        who = str(entry.get("who", "nobody"))
        if who not in ACTORS:
            problems.append(f"{where}: who must be one of {', '.join(ACTORS)}")
        checks = _strings(entry.get("dns_checks", []))
        problems.extend(f"{where}: unknown dns check {c}" for c in checks if c not in DNS_CHECK_IDS)
        reasons[reason_id] = Reason(
            id=reason_id,
            title=str(entry.get("title", reason_id)),
            meaning=str(entry.get("meaning", "")),
            who=who,
            domain=str(entry.get("domain", "none")),
            retry_transient=bool(retry.get("transient", True)),
            retry_permanent=bool(retry.get("permanent", False)),
            advice_transient=str(advice.get("transient", "")),
            advice_permanent=str(advice.get("permanent", "")),
            causes=_strings(entry.get("causes", [])),
            fixes=_fixes(entry.get("fixes", []), where, problems),
            dns_checks=checks,
            references=_strings(entry.get("references", [])),
        )
    problems.extend(f"reasons.toml: reason {r} is missing" for r in REASON_IDS if r not in reasons)
    return reasons


def _signatures(
    document: Mapping[str, Any], plans: list[Any], errors: list[str], problems: list[str]
) -> tuple[list[Signature], list[Any]]:
    signatures: list[Signature] = []
    kept: list[Any] = []
    seen: set[str] = set()
    for position, entry in enumerate(document.get("signature", [])):
        where = f"signatures.toml {entry.get('id', position)}"
        try:
            signature = Signature(
                id=str(entry["id"]),
                provider=str(entry["provider"]),
                pattern=str(entry["pattern"]),
                reason=str(entry["reason"]),
                source=str(entry.get("source", "")),
                codes=tuple(int(c) for c in entry.get("codes", [])),
                enhanced=tuple(str(c).lower() for c in entry.get("enhanced", [])),
                stages=_strings(entry.get("stages", [])),
                retry=entry.get("retry"),
                meaning=entry.get("meaning"),
                fixes=_fixes(entry.get("fixes", []), where, problems),
                url=entry.get("url"),
                priority=int(entry.get("priority", 0)),
                dns_checks=_strings(entry.get("dns_checks", [])),
                retry_advice=entry.get("retry_advice"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"{where}: missing or malformed field ({exc})")
            continue
        error = errors[position] if position < len(errors) else _compile_error(signature.pattern)
        entry_problems = _signature_problems(signature, seen, error)
        seen.add(signature.id)
        if entry_problems:
            problems.extend(f"{where}: {p}" for p in entry_problems)
            continue
        signatures.append(signature)
        kept.append(plans[position] if position < len(plans) else [[signature.pattern, []]])
    return signatures, kept


def _signature_problems(signature: Signature, seen: set[str], compile_error: str) -> list[str]:
    problems: list[str] = []
    if signature.id in seen:
        problems.append("duplicate id")
    if signature.reason not in REASON_IDS:
        problems.append(f"unknown reason {signature.reason}")
    if not signature.source:
        problems.append("source is required")
    if compile_error:
        problems.append(f"pattern does not compile: {compile_error}")
    problems.extend(
        f"bad enhanced code {c}" for c in signature.enhanced if not ENHANCED_FORM.match(c)
    )
    problems.extend(f"bad basic code {c}" for c in signature.codes if not 200 <= c <= 599)
    problems.extend(f"unknown stage {s}" for s in signature.stages if s not in STAGES)
    problems.extend(
        f"unknown dns check {c}" for c in signature.dns_checks if c not in DNS_CHECK_IDS
    )
    if signature.retry is not None and not isinstance(signature.retry, bool):
        problems.append("retry must be true or false")
    return problems


def _wording(
    document: Mapping[str, Any], plans: list[Any], errors: list[str], problems: list[str]
) -> PatternIndex:
    rules: list[Signature] = []
    kept: list[Any] = []
    for position, entry in enumerate(document.get("rule", [])):
        where = f"wording.toml rule {position + 1}"
        try:
            patterns = [str(p) for p in entry["patterns"]]
            rule = Signature(
                id=f"wording-{position + 1}-{entry['reason']}",
                provider="",
                pattern="|".join(patterns),
                reason=str(entry["reason"]),
                source="reference/wording.toml",
                codes=tuple(int(c) for c in entry.get("codes", [])),
                enhanced=tuple(str(c).lower() for c in entry.get("enhanced", [])),
                priority=int(entry["strength"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"{where}: missing or malformed field ({exc})")
            continue
        error = errors[position] if position < len(errors) else _compile_error(rule.pattern)
        entry_problems = _signature_problems(rule, set(), error)
        if entry_problems:
            problems.extend(f"{where}: {p}" for p in entry_problems)
            continue
        rules.append(rule)
        kept.append(plans[position] if position < len(plans) else [[rule.pattern, []]])
    return PatternIndex(rules, kept)


def build(directory: Path) -> Knowledge:
    """Load and index the reference data in `directory` (bad entries become `problems`)."""
    paths = [directory / name for name in FILES]
    documents = cached_documents(
        paths, lambda: _read_documents(directory), salt=f"planner {PLANNER_VERSION}"
    )
    problems: list[str] = [
        documents[name]["_error"] for name in FILES if "_error" in documents.get(name, {})
    ]
    basic, basic_rules, first, second = _basic(documents.get("basic-codes.toml", {}), problems)
    enhanced_doc = documents.get("enhanced-codes.toml", {})
    enhanced, enhanced_rules, ranges = _enhanced(enhanced_doc, problems)
    reasons = _reasons(documents.get("reasons.toml", {}), problems)
    signatures, plans = _signatures(
        documents.get("signatures.toml", {}),
        documents.get("_plans", []),
        documents.get("_pattern_errors", []),
        problems,
    )
    return Knowledge(
        basic=basic,
        basic_rules=basic_rules,
        first_digit=first,
        second_digit=second,
        enhanced=enhanced,
        enhanced_rules=enhanced_rules,
        ranges=ranges,
        class_titles={str(k): str(v) for k, v in enhanced_doc.get("class", {}).items()},
        subject_titles={str(k): str(v) for k, v in enhanced_doc.get("subject", {}).items()},
        reasons=reasons,
        signatures=tuple(signatures),
        index=PatternIndex(signatures, plans),
        wording=_wording(
            documents.get("wording.toml", {}),
            documents.get("_wording_plans", []),
            documents.get("_wording_errors", []),
            problems,
        ),
        problems=tuple(problems),
    )


@cache
def knowledge() -> Knowledge:
    """The process-wide knowledge base, loaded on first use."""
    return build(reference_dir())


def validate(directory: Path | None = None) -> Knowledge:
    """Load the reference data and fail on any problem.

    Raises:
        KnowledgeError: listing every problem found.
    """
    loaded = build(directory) if directory is not None else knowledge()
    if loaded.problems:
        raise KnowledgeError("\n".join(loaded.problems))
    return loaded
