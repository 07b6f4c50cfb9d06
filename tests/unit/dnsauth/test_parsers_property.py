"""Property tests for what the checks parse from the network: DNSBL answers, report URIs, tags."""

from __future__ import annotations

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from ehlo.dnsauth.answer import Answer
from ehlo.dnsauth.common import mx_hosts, parse_tags
from ehlo.dnsauth.dnsbl import default_blocklists, interpret
from ehlo.dnsauth.ptr import looks_generic
from ehlo.dnsauth.tls_rpt import report_destination_problem

ZEN = next(bl for bl in default_blocklists() if bl.zone == "zen.spamhaus.org")
records = st.lists(
    st.one_of(
        st.ip_addresses(v=4).map(str),
        st.sampled_from(
            ["127.0.0.2", "127.0.0.4", "127.255.255.254", "127.255.255.252", "127.0.0.99"]
        ),
        st.text(max_size=20),
    ),
    max_size=5,
)


@given(records)
def test_dnsbl_interpret_only_loopback_non_error_codes_list(codes: list[str]) -> None:
    entry = interpret(ZEN, Answer("2.0.0.127.zen.spamhaus.org", "A", "ok", tuple(codes)))
    listing_codes = []
    for code in codes:
        try:
            address = ipaddress.ip_address(code)
        except ValueError:
            continue
        if address in ipaddress.ip_network("127.0.0.0/8") and code not in ZEN.errors:
            listing_codes.append(code)
    if not codes:
        assert entry["listed"] is False
    elif listing_codes:
        assert entry["listed"] is True
        assert len(entry["meanings"]) == len(set(listing_codes))
    else:
        assert entry["listed"] is None
        assert entry["error"]


def test_spamhaus_error_codes_are_errors() -> None:
    for code in ("127.255.255.252", "127.255.255.254", "127.255.255.255"):
        entry = interpret(ZEN, Answer("x.zen.spamhaus.org", "A", "ok", (code,)))
        assert entry["listed"] is None
        assert code in entry["error"]


def test_dnsbl_failures_and_void_answers() -> None:
    assert interpret(ZEN, Answer("x", "A", "nxdomain"))["listed"] is False
    timeout = interpret(ZEN, Answer("x", "A", "timeout", error="no answer"))
    assert timeout["listed"] is None
    assert "no answer" in timeout["error"]


@given(st.text(max_size=200))
def test_report_destination_never_raises(uri: str) -> None:
    problem = report_destination_problem(uri)
    assert problem is None or isinstance(problem, str)


def test_report_destinations() -> None:
    assert report_destination_problem("mailto:tls@example.com") is None
    assert report_destination_problem("https://reports.example.com/v1") is None
    assert report_destination_problem("mailto:nobody") is not None
    assert report_destination_problem("http://example.com") is not None


@given(st.text(max_size=300))
def test_parse_tags_never_raises(record: str) -> None:
    tags = parse_tags(record)
    assert all(key == key.lower() and key for key in tags)


@given(st.lists(st.text(max_size=40), max_size=6))
def test_mx_hosts_never_raises(texts: list[str]) -> None:
    pairs = mx_hosts(texts)
    assert pairs == sorted(pairs)


def test_generic_names() -> None:
    ip = ipaddress.ip_address("203.0.113.7")
    assert looks_generic("203-0-113-7.dynamic.isp.example", ip)
    assert looks_generic("dsl-pool.isp.example", ip)
    assert not looks_generic("mail.example.com", ip)


def test_parse_ip_forms() -> None:
    from ehlo.dnsauth.common import parse_ip

    assert str(parse_ip("[192.0.2.1]")) == "192.0.2.1"
    assert str(parse_ip("::ffff:192.0.2.1")) == "192.0.2.1"
    assert str(parse_ip("IPv6:2001:db8::1")) == "2001:db8::1"
    for bad in ("", "1.2.3", "300.1.1.1", "example.com", "1.2.3.4/24"):
        try:
            parse_ip(bad)
        except ValueError as exc:
            assert "is not an IPv4 or IPv6 address" in str(exc)
        else:
            raise AssertionError(bad)


def test_address_literal_forms() -> None:
    from ehlo.dnsauth.common import is_address_literal

    for literal in ("[192.0.2.1]", "[IPv6:2001:db8::1]", "[ipv6:2001:db8::1]"):
        assert is_address_literal(literal), literal
    for other in ("192.0.2.1", "[192.0.2.1", "[mail.example.com]", "[]", "mail.example.com"):
        assert not is_address_literal(other), other
