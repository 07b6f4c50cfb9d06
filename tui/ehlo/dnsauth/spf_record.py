"""Parsing SPF records (RFC 7208 sections 4.5, 5, 6 and 12) into typed terms."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Literal

from ehlo.dnsauth.spf_macro import (
    EXPLANATION_LETTERS,
    SpfSyntaxError,
    Token,
    parse_macro_string,
    validate_domain_spec,
)

Qualifier = Literal["+", "-", "~", "?"]
MechanismKind = Literal["all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"]
SpfResult = Literal["pass", "fail", "softfail", "neutral", "none", "permerror", "temperror"]

QUALIFIER_RESULTS: dict[str, SpfResult] = {
    "+": "pass",
    "-": "fail",
    "~": "softfail",
    "?": "neutral",
}
LOOKUP_MECHANISMS = frozenset({"include", "a", "mx", "ptr", "exists"})
"""Mechanisms that cost one of the ten DNS-querying terms (section 4.6.4), with redirect."""

_VERSION = re.compile(r"v=spf1(?: |\Z)", re.IGNORECASE)
_MODIFIER = re.compile(r"([A-Za-z][A-Za-z0-9\-_.]*)=(.*)\Z", re.DOTALL)
_MECHANISM = re.compile(r"([+\-~?]?)([A-Za-z][A-Za-z0-9]*)(.*)\Z", re.DOTALL)
_CIDR_DIGITS = re.compile(r"(?:0|[1-9][0-9]{0,2})\Z")
_QNUM = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_IP4 = re.compile(rf"{_QNUM}(?:\.{_QNUM}){{3}}\Z")
_DUAL_CIDR = re.compile(r"(.*?)(?:/([0-9]+))?(?://([0-9]+))?\Z", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Mechanism:
    """A directive: qualifier, mechanism kind, its target and CIDR lengths."""

    text: str
    qualifier: Qualifier
    kind: MechanismKind
    domain_spec: str | None = None
    tokens: tuple[Token, ...] = ()
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
    ip4_prefix: int = 32
    ip6_prefix: int = 128

    @property
    def result(self) -> SpfResult:
        """The result this directive yields when it matches."""
        return QUALIFIER_RESULTS[self.qualifier]

    @property
    def costs_lookup(self) -> bool:
        """Whether the mechanism counts towards the limit of ten DNS-querying terms."""
        return self.kind in LOOKUP_MECHANISMS


@dataclass(frozen=True, slots=True)
class Modifier:
    """A `name=value` term: redirect, exp, or an unknown modifier (ignored)."""

    text: str
    name: str
    value: str
    tokens: tuple[Token, ...] = ()


@dataclass(frozen=True, slots=True)
class SpfRecord:
    """A parsed SPF record."""

    text: str
    mechanisms: tuple[Mechanism, ...]
    modifiers: tuple[Modifier, ...]
    redirect: Modifier | None = None
    explanation: Modifier | None = None


def is_spf_record(text: str) -> bool:
    """Whether a TXT record is an SPF version 1 record (`v=spf1` then a space or the end)."""
    return _VERSION.match(text) is not None


def _cidr(digits: str | None, maximum: int, text: str) -> int | None:
    if digits is None:
        return None
    if not _CIDR_DIGITS.match(digits) or int(digits) > maximum:
        raise SpfSyntaxError(f"invalid CIDR length /{digits} in {text!r}")
    return int(digits)


def _parse_ip4(qualifier: Qualifier, argument: str, text: str) -> Mechanism:
    address, _, prefix_text = argument.partition("/")
    if not _IP4.match(address):
        raise SpfSyntaxError(f"invalid IPv4 address in {text!r}")
    prefix = _cidr(prefix_text if "/" in argument else None, 32, text)
    network = ipaddress.IPv4Network((address, 32 if prefix is None else prefix), strict=False)
    return Mechanism(text, qualifier, "ip4", network=network, ip4_prefix=network.prefixlen)


def _parse_ip6(qualifier: Qualifier, argument: str, text: str) -> Mechanism:
    address, _, prefix_text = argument.partition("/")
    if "%" in address or not re.fullmatch(r"[0-9A-Fa-f:.]+", address):
        raise SpfSyntaxError(f"invalid IPv6 address in {text!r}")
    try:
        parsed = ipaddress.IPv6Address(address)
    except ValueError as error:
        raise SpfSyntaxError(f"invalid IPv6 address in {text!r}") from error
    prefix = _cidr(prefix_text if "/" in argument else None, 128, text)
    network = ipaddress.IPv6Network((parsed, 128 if prefix is None else prefix), strict=False)
    return Mechanism(text, qualifier, "ip6", network=network, ip6_prefix=network.prefixlen)


def parse_mechanism(text: str) -> Mechanism:
    """Parse one directive such as `-ip4:192.0.2.0/24` or `mx:example.com//64`.

    Raises:
        SpfSyntaxError: unknown mechanism or invalid argument.
    """
    match = _MECHANISM.match(text)
    if match is None:
        raise SpfSyntaxError(f"invalid term {text!r}")
    qualifier_text, name, rest = match.groups()
    qualifier: Qualifier = "+"
    if qualifier_text in ("-", "~", "?"):
        qualifier = qualifier_text  # type: ignore[assignment]
    kind = name.lower()
    if kind == "all":
        if rest:
            raise SpfSyntaxError(f"'all' takes no argument in {text!r}")
        return Mechanism(text, qualifier, "all")
    if kind in ("ip4", "ip6"):
        if not rest.startswith(":") or len(rest) == 1:
            raise SpfSyntaxError(f"{kind} needs an address in {text!r}")
        parse = _parse_ip4 if kind == "ip4" else _parse_ip6
        return parse(qualifier, rest[1:], text)
    if kind in ("include", "exists"):
        if not rest.startswith(":"):
            raise SpfSyntaxError(f"{kind} needs a domain in {text!r}")
        spec = rest[1:]
        return Mechanism(text, qualifier, kind, spec, validate_domain_spec(spec))  # type: ignore[arg-type]
    if kind == "ptr":
        if rest and not rest.startswith(":"):
            raise SpfSyntaxError(f"invalid ptr argument in {text!r}")
        spec = rest[1:] if rest else None
        tokens = validate_domain_spec(spec) if spec is not None else ()
        return Mechanism(text, qualifier, "ptr", spec, tokens)
    if kind in ("a", "mx"):
        if rest and rest[0] not in ":/":
            raise SpfSyntaxError(f"invalid term {text!r}")
        cidr_match = _DUAL_CIDR.match(rest)
        assert cidr_match is not None  # the pattern matches any string
        spec_part, ip4_digits, ip6_digits = cidr_match.groups()
        if spec_part and not spec_part.startswith(":"):
            raise SpfSyntaxError(f"invalid term {text!r}")
        spec = spec_part[1:] if spec_part else None
        tokens = validate_domain_spec(spec) if spec is not None else ()
        ip4_prefix = _cidr(ip4_digits, 32, text)
        ip6_prefix = _cidr(ip6_digits, 128, text)
        return Mechanism(
            text,
            qualifier,
            kind,  # type: ignore[arg-type]
            spec,
            tokens,
            ip4_prefix=32 if ip4_prefix is None else ip4_prefix,
            ip6_prefix=128 if ip6_prefix is None else ip6_prefix,
        )
    raise SpfSyntaxError(f"unknown mechanism {name!r} in {text!r}")


def parse_term(text: str) -> Mechanism | Modifier:
    """Parse one space-separated term of a record.

    Raises:
        SpfSyntaxError: the term is not valid.
    """
    modifier = _MODIFIER.match(text)
    if modifier is not None:
        name, value = modifier.groups()
        lowered = name.lower()
        if lowered in ("redirect", "exp"):
            return Modifier(text, lowered, value, validate_domain_spec(value))
        return Modifier(text, lowered, value, parse_macro_string(value, EXPLANATION_LETTERS))
    return parse_mechanism(text)


def parse_record(text: str) -> SpfRecord:
    """Parse an SPF record.

    Args:
        text: the record, starting with `v=spf1`.

    Returns:
        The record's mechanisms in order, its modifiers, and redirect/exp when present.

    Raises:
        SpfSyntaxError: any syntax error anywhere in the record (section 4.6: the whole record
            is a permerror), including a repeated redirect or exp modifier.
    """
    if not is_spf_record(text):
        raise SpfSyntaxError("the record does not start with 'v=spf1'")
    mechanisms: list[Mechanism] = []
    modifiers: list[Modifier] = []
    redirect: Modifier | None = None
    explanation: Modifier | None = None
    for word in text[6:].split(" "):
        if not word:
            continue
        term = parse_term(word)
        if isinstance(term, Mechanism):
            mechanisms.append(term)
            continue
        modifiers.append(term)
        if term.name == "redirect":
            if redirect is not None:
                raise SpfSyntaxError("redirect= appears more than once")
            redirect = term
        elif term.name == "exp":
            if explanation is not None:
                raise SpfSyntaxError("exp= appears more than once")
            explanation = term
    return SpfRecord(text, tuple(mechanisms), tuple(modifiers), redirect, explanation)
