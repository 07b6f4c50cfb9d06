"""Filling `{placeholder}` words of fix commands with shell-quoted context values."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ehlo.fixes import Fix
from ehlo.knowledge.model import FixTemplate
from ehlo.smtp.address import domain_of

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
UNSAFE = re.compile(r"[\x00-\x1f\x7f]")

DEFAULTS: dict[str, str] = {
    "host": "mx.example.net",
    "port": "25",
    "mail_from_domain": "example.com",
    "rcpt_domain": "example.net",
    "ip": "192.0.2.1",
    "helo": "mail.example.com",
    "sender": "sender@example.com",
    "recipient": "recipient@example.net",
}
"""Documentation values (RFC 2606, RFC 5737) used when the context does not say."""


def reversed_ip(ip: str) -> str | None:
    """The DNSBL query form of an address: 192.0.2.1 -> 1.2.0.192 (nibbles for IPv6)."""
    parts = ip.split(".")
    if len(parts) == 4 and all(
        (p.isascii() and p.isdigit()) and len(p) <= 3 and int(p) <= 255 for p in parts
    ):
        return ".".join(str(int(p)) for p in reversed(parts))
    import ipaddress

    try:
        pointer = ipaddress.ip_address(ip).reverse_pointer
    except ValueError:
        return None
    return pointer.removesuffix(".in-addr.arpa").removesuffix(".ip6.arpa")


def placeholder_values(
    context: Mapping[str, str] | None,
    domain_role: str,
    found_ip: str | None = None,
    found_address: str | None = None,
    stage: str | None = None,
    *,
    names: frozenset[str] | None = None,
) -> dict[str, str]:
    """Every placeholder's value: the context first, then what the reply said, then defaults.

    `names`, when given, are the placeholders that will be filled: costly values that none of
    them needs are left out.
    """
    given = {k: UNSAFE.sub("", str(v)) for k, v in (context or {}).items() if v not in (None, "")}
    values = dict(DEFAULTS)
    if found_address:
        role = {"mail": "sender", "rcpt": "recipient"}.get(stage or "", "")
        role = role or ("sender" if domain_role == "sender" else "recipient")
        values[role] = found_address
    if found_ip:
        values["ip"] = found_ip
    values.update({k: v for k, v in given.items() if k in DEFAULTS or k == "domain"})
    domain = given.get("domain")
    if "mail_from_domain" not in given:
        from_sender = domain_of(given.get("sender")) or (
            domain if domain_role == "sender" else None
        )
        values["mail_from_domain"] = (
            from_sender or domain_of(values["sender"]) or DEFAULTS["mail_from_domain"]
        )
    if "rcpt_domain" not in given:
        from_recipient = domain_of(given.get("recipient")) or (
            domain if domain_role == "recipient" else None
        )
        values["rcpt_domain"] = (
            from_recipient or domain_of(values["recipient"]) or DEFAULTS["rcpt_domain"]
        )
    if "domain" not in given:
        key = "rcpt_domain" if domain_role == "recipient" else "mail_from_domain"
        values["domain"] = values[key]
    values["dmarc_name"] = "_dmarc." + values["domain"]
    if names is None or "reversed_ip" in names:
        values["reversed_ip"] = reversed_ip(values["ip"]) or "1.2.0.192"
    return values


_ROLE_OF_STAGE = {"mail": "sender", "rcpt": "recipient"}


def reply_values(
    domain_role: str,
    found_ip: str | None,
    found_address: str | None,
    stage: str | None,
    names: frozenset[str],
) -> dict[str, str]:
    """`placeholder_values(None, ...)` for the `names` a plan fills, made from the defaults
    (`default_values`): only what the reply's own address and IP change is worked out."""
    values = dict(default_values(domain_role))
    if found_address:
        role = _ROLE_OF_STAGE.get(stage or "") or (
            "sender" if domain_role == "sender" else "recipient"
        )
        values[role] = found_address
        key = "mail_from_domain" if role == "sender" else "rcpt_domain"
        values[key] = domain_of(found_address) or DEFAULTS[key]
        domain = values["rcpt_domain" if domain_role == "recipient" else "mail_from_domain"]
        values["domain"] = domain
        values["dmarc_name"] = "_dmarc." + domain
    if found_ip:
        values["ip"] = found_ip
        if "reversed_ip" in names:
            values["reversed_ip"] = reversed_ip(found_ip) or "1.2.0.192"
    return values


def fill_command(template: str, values: Mapping[str, str]) -> str:
    """Replace each `{name}` with the shell-quoted value (unknown names stay as written)."""

    def replace(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return shlex.quote(value) if value is not None else match.group(0)

    return PLACEHOLDER.sub(replace, template)


def fill_text(text: str, values: Mapping[str, str]) -> str:
    """Replace `{name}` in prose with the plain value."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


MAX_FIXES = 6
"""More fixes than this bury the ones that matter; the most specific come first."""
_FILLER = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "for",
        "in",
        "on",
        "at",
        "by",
        "is",
        "are",
        "be",
        "it",
        "its",
        "this",
        "that",
        "your",
        "you",
        "with",
        "from",
        "if",
        "as",
        "so",
        "then",
        "their",
        "there",
    ]
)
_WORDS = re.compile(r"[a-z0-9][a-z0-9._-]*")


def _gist(text: str) -> tuple[str, ...]:
    """The words of a fix that carry its meaning, in order."""
    return tuple(w for w in _WORDS.findall(text.lower()) if w not in _FILLER)


def _same_advice(one: tuple[str, ...], other: tuple[str, ...]) -> bool:
    """Whether two fixes say nearly the same thing (same opening, or mostly the same words)."""
    if not one or not other:
        return False
    a, b = set(one), set(other)
    shared = len(a & b) / len(a | b)
    if len(one) >= 2 and one[:2] == other[:2]:
        return shared >= 0.3 or one[:3] == other[:3]
    return shared >= 0.6


def fill_fixes(templates: tuple[FixTemplate, ...], values: Mapping[str, str]) -> tuple[Fix, ...]:
    """Concrete fixes from templates, the first of near-duplicates kept, at most MAX_FIXES.

    Templates come most specific first (a provider signature's before its reason's), so a
    reason's generic wording of the same fix, or the same command, is dropped.
    """
    fixes = [
        Fix(fill_text(t.text, values), fill_command(t.command, values) if t.command else None)
        for t in templates
    ]
    return _choose(fixes, _repeats([fix.text for fix in fixes]))


def _repeats(texts: list[str]) -> tuple[frozenset[int], ...]:
    """For each text, the earlier texts that say nearly the same thing."""
    gists = [_gist(text) for text in texts]
    return tuple(
        frozenset(j for j in range(i) if _same_advice(gist, gists[j]))
        for i, gist in enumerate(gists)
    )


def _choose(fixes: list[Fix], repeats: tuple[frozenset[int], ...]) -> tuple[Fix, ...]:
    """The fixes to show, in order: none repeating the command or the advice of one already
    kept, at most MAX_FIXES."""
    chosen: list[Fix] = []
    commands: set[str] = set()
    kept: set[int] = set()
    for index, fix in enumerate(fixes):
        if fix.command is not None and fix.command in commands:
            continue
        if not kept.isdisjoint(repeats[index]):
            continue
        chosen.append(fix)
        kept.add(index)
        if fix.command is not None:
            commands.add(fix.command)
        if len(chosen) == MAX_FIXES:
            break
    return tuple(chosen)


ADDRESS_NAMES = frozenset(
    {"sender", "recipient", "domain", "mail_from_domain", "rcpt_domain", "dmarc_name"}
)
"""Placeholders whose value can come from a mail address in the reply."""
IP_NAMES = frozenset({"ip", "reversed_ip"})
"""Placeholders whose value can come from an IP address in the reply."""


@dataclass(frozen=True, slots=True)
class FixPlan:
    """Fix templates prepared once: the placeholders they use, and which repeat an earlier one.

    `repeats[i]` holds the earlier templates whose text says nearly the same as template i;
    it is None when some text has placeholders, so texts are compared after filling. A
    command is kept split at its placeholders (odd items are names); a template with nothing
    to fill has its Fix made already, and `static` holds every fix when nothing is filled.
    """

    templates: tuple[FixTemplate, ...]
    names: frozenset[str]
    repeats: tuple[frozenset[int], ...] | None
    commands: tuple[tuple[str, ...], ...] = ()
    made: tuple[Fix | None, ...] = ()
    static: tuple[Fix, ...] | None = None
    with_defaults: dict[str, tuple[Fix, ...]] = field(default_factory=dict, compare=False)
    """The fixes filled with default_values(role), per role, made on first use."""


def plan_fixes(templates: tuple[FixTemplate, ...]) -> FixPlan:
    """Prepare templates (most specific first) for `apply_plan()`."""
    names = frozenset(
        name
        for template in templates
        for name in PLACEHOLDER.findall(template.text + " " + (template.command or ""))
    )
    if any(PLACEHOLDER.search(template.text) for template in templates):
        return FixPlan(templates, names, None)
    repeats = _repeats([template.text for template in templates])
    commands = tuple(tuple(PLACEHOLDER.split(t.command or "")) for t in templates)
    made = tuple(
        Fix(t.text, t.command or None) if len(parts) == 1 else None
        for t, parts in zip(templates, commands, strict=True)
    )
    plan = FixPlan(templates, names, repeats, commands, made)
    if names:
        return plan
    return FixPlan(templates, names, repeats, commands, made, apply_plan(plan, {}))


def _fill_parts(parts: tuple[str, ...], values: Mapping[str, str]) -> str:
    """`fill_command()` of a command already split at its placeholders."""
    filled = list(parts)
    for index in range(1, len(parts), 2):
        value = values.get(parts[index])
        filled[index] = shlex.quote(value) if value is not None else "{" + parts[index] + "}"
    return "".join(filled)


def apply_plan(plan: FixPlan, values: Mapping[str, str]) -> tuple[Fix, ...]:
    """The same fixes as `fill_fixes(plan.templates, values)`, without comparing texts again."""
    if plan.static is not None:
        return plan.static
    if plan.repeats is None:
        return fill_fixes(plan.templates, values)
    fixes = [
        made if made is not None else Fix(template.text, _fill_parts(parts, values))
        for template, made, parts in zip(plan.templates, plan.made, plan.commands, strict=True)
    ]
    return _choose(fixes, plan.repeats)


_DEFAULT_VALUES: dict[str, Mapping[str, str]] = {}


def default_values(domain_role: str) -> Mapping[str, str]:
    """`placeholder_values(None, domain_role)`: the same for every reply, so made once."""
    found = _DEFAULT_VALUES.get(domain_role)
    if found is None:
        found = _DEFAULT_VALUES[domain_role] = MappingProxyType(
            placeholder_values(None, domain_role)
        )
    return found


def apply_defaults(plan: FixPlan, domain_role: str) -> tuple[Fix, ...]:
    """`apply_plan(plan, default_values(domain_role))`, the same for every reply: made once."""
    found = plan.with_defaults.get(domain_role)
    if found is None:
        found = plan.with_defaults[domain_role] = apply_plan(plan, default_values(domain_role))
    return found
