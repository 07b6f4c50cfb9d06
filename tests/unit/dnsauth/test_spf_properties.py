"""Property tests: the SPF parser, macro expander and evaluator never raise on any input."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from ehlo.dnsauth.spf import check_host
from ehlo.dnsauth.spf_macro import (
    EXPLANATION_LETTERS,
    MacroContext,
    SpfSyntaxError,
    expand,
    expand_domain,
    parse_macro_string,
    validate_domain_spec,
)
from ehlo.dnsauth.spf_record import Mechanism, Modifier, SpfRecord, parse_record, parse_term
from tests.fixtures.memory_resolver import MemoryResolver

SPF_ALPHABET = st.sampled_from(
    [*list("v=spf1 -+~?:/.%{}_,aiplmxnehrstdoc0123456789"), "all", "ip4:", "ip6:", "include:"]
)
spf_like = st.lists(SPF_ALPHABET, max_size=40).map("".join)
any_text = st.text(max_size=200)
CONTEXT = MacroContext(
    sender="strong-bad@email.example.com",
    domain="email.example.com",
    ip=ipaddress.IPv4Address("192.0.2.3"),
    helo="mx.example.org",
)


@given(st.one_of(any_text, spf_like, spf_like.map(lambda s: "v=spf1 " + s)))
def test_parse_record_returns_a_record_or_a_syntax_error(text: str) -> None:
    try:
        record = parse_record(text)
    except SpfSyntaxError:
        return
    assert isinstance(record, SpfRecord)
    assert all(isinstance(term, Mechanism) for term in record.mechanisms)
    assert all(isinstance(term, Modifier) for term in record.modifiers)


@given(st.one_of(any_text, spf_like))
def test_parse_term_returns_a_term_or_a_syntax_error(text: str) -> None:
    with contextlib.suppress(SpfSyntaxError):
        parse_term(text)


@given(st.one_of(any_text, spf_like), st.booleans())
def test_macro_expansion_returns_text_or_a_syntax_error(text: str, explanation: bool) -> None:
    try:
        if explanation:
            tokens = parse_macro_string(text, EXPLANATION_LETTERS)
        else:
            tokens = validate_domain_spec(text)
    except SpfSyntaxError:
        return
    expanded = expand(tokens, CONTEXT)
    assert isinstance(expanded, str)
    name = expand_domain(tokens, CONTEXT)
    assert len(name) <= 253 or "." not in name


@settings(max_examples=60, deadline=None)
@given(st.one_of(any_text, spf_like.map(lambda s: "v=spf1 " + s)))
def test_check_host_returns_a_result_for_any_record(record: str) -> None:
    resolver = MemoryResolver({"example.com": {"TXT": [record], "A": ["192.0.2.1"]}})
    evaluation = asyncio.run(check_host(resolver, "192.0.2.1", "example.com", "a@example.com"))
    assert evaluation.result in {
        "pass",
        "fail",
        "softfail",
        "neutral",
        "none",
        "permerror",
        "temperror",
    }


def test_rfc_examples_of_macro_expansion() -> None:
    # RFC 7208 section 7.4, with the sender, IP and domain given there.
    def run(text: str) -> str:
        return expand(validate_domain_spec(text), CONTEXT)

    assert run("%{s}") == "strong-bad@email.example.com"
    assert run("%{o}") == "email.example.com"
    assert run("%{d}") == "email.example.com"
    assert run("%{d4}") == "email.example.com"
    assert run("%{d3}") == "email.example.com"
    assert run("%{d2}") == "example.com"
    assert run("%{d1}") == "com"
    assert run("%{dr}") == "com.example.email"
    assert run("%{d2r}") == "example.email"
    assert run("%{l}") == "strong-bad"
    assert run("%{l-}") == "strong.bad"
    assert run("%{lr}") == "strong-bad"
    assert run("%{lr-}") == "bad.strong"
    assert run("%{l1r-}") == "strong"
    assert run("%{ir}.%{v}._spf.%{d2}") == "3.2.0.192.in-addr._spf.example.com"
    assert run("%{lr-}.lp._spf.%{d2}") == "bad.strong.lp._spf.example.com"
    assert run("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}") == (
        "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"
    )
    assert run("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}") == (
        "3.2.0.192.in-addr.strong.lp._spf.example.com"
    )
    assert run("%{d2}.trusted-domains.example.net") == "example.com.trusted-domains.example.net"
    ipv6 = MacroContext(
        sender=CONTEXT.sender, domain=CONTEXT.domain, ip=ipaddress.IPv6Address("2001:db8::cb01")
    )
    assert expand(validate_domain_spec("%{ir}.%{v}._spf.%{d2}"), ipv6) == (
        "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"
    )


@given(
    st.text(max_size=80),
    st.text(max_size=80),
    st.ip_addresses(),
    st.sampled_from(["%{s}", "%{L}", "%{o3r-}", "%{d2}", "%{ir}.%{v}", "%{H}", "%{p}", "%{c}"]),
)
def test_expansion_of_any_sender_and_helo(
    sender: str, helo: str, ip: ipaddress.IPv4Address | ipaddress.IPv6Address, macro: str
) -> None:
    context = MacroContext(sender=sender, domain="example.com", ip=ip, helo=helo)
    tokens = parse_macro_string(macro + ".example.com", EXPLANATION_LETTERS)
    assert isinstance(expand(tokens, context), str)
    assert isinstance(expand_domain(tokens, context), str)
