"""parse_resolver_arg, name normalisation and record text forms."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ehlo.dnsauth.resolver import normalize_name, parse_resolver_arg


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.1", ("127.0.0.1", 53)),
        ("127.0.0.1:5353", ("127.0.0.1", 5353)),
        ("[::1]:5353", ("::1", 5353)),
        ("[::1]", ("::1", 53)),
        ("::1", ("::1", 53)),
        ("2001:db8::53", ("2001:db8::53", 53)),
        ("dns.example.net:53", ("dns.example.net", 53)),
        (" 192.0.2.1 ", ("192.0.2.1", 53)),
    ],
)
def test_parse_resolver_arg(value: str, expected: tuple[str, int]) -> None:
    assert parse_resolver_arg(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "empty"),
        ("127.0.0.1:0", "1-65535"),
        ("127.0.0.1:70000", "1-65535"),
        ("127.0.0.1:abc", "1-65535"),
        ("[::1", "unclosed"),
        ("[nothost]:53", "not an IPv6"),
        ("2001:db8::zz", "not an IPv6"),
        (":53", "no host"),
        ("[::1]x", "unexpected"),
        ("127.0.0.1:", "no port after"),
        ("[::1]:", "no port after"),
        ("dns host.example", "not a host name"),
        ("$(id).example", "not a host name"),
        ("-x.example", "not a host name"),
    ],
)
def test_parse_resolver_arg_rejects(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_resolver_arg(value)


@given(st.text(max_size=80))
def test_parse_resolver_arg_never_crashes(value: str) -> None:
    try:
        host, port = parse_resolver_arg(value)
    except ValueError:
        return
    assert host
    assert 1 <= port <= 65535


def test_normalize_name() -> None:
    assert normalize_name("Example.TEST.") == "example.test"
    assert normalize_name("bücher.example") == "xn--bcher-kva.example"
    for bad in ("", ".", "@", "@.", "a..b", "x" * 64 + ".test", "a" * 300):
        with pytest.raises(ValueError):
            normalize_name(bad)


@given(st.text(max_size=300))
def test_normalize_name_never_crashes(value: str) -> None:
    try:
        result = normalize_name(value)
    except ValueError:
        return
    assert result == result.lower()
    assert not result.endswith(".")
