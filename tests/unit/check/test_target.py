"""TARGET parsing and MX resolution order."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ehlo.dnsauth.answer import Answer
from ehlo.smtp.target import Endpoint, ParsedTarget, TargetError, parse_target, resolve_target


class ZoneResolver:
    """Answers from a dict {(name, rdtype): Answer-ish}; anything else is NXDOMAIN."""

    def __init__(self, records: dict[tuple[str, str], tuple[str, ...] | str]) -> None:
        self.records = records
        self.asked: list[tuple[str, str]] = []

    async def resolve(self, name: str, rdtype: str) -> Answer:
        self.asked.append((name, rdtype))
        value = self.records.get((name, rdtype))
        if isinstance(value, str):
            return Answer(name, rdtype, value, error=f"simulated {value}")  # type: ignore[arg-type]
        if value is None:
            known = any(key[0] == name for key in self.records)
            return Answer(name, rdtype, "nodata" if known else "nxdomain")
        return Answer(name, rdtype, "ok", value)


@pytest.mark.parametrize(
    ("text", "kind", "host", "port"),
    [
        ("mx.example.com", "host", "mx.example.com", None),
        ("MX.Example.COM.", "host", "mx.example.com", None),
        ("mx.example.com:587", "host", "mx.example.com", 587),
        ("192.0.2.7:2525", "host", "192.0.2.7", 2525),
        ("192.0.2.7", "host", "192.0.2.7", None),
        ("[2001:db8::1]:465", "host", "2001:db8::1", 465),
        ("[2001:db8::1]", "host", "2001:db8::1", None),
        ("2001:db8::1", "host", "2001:db8::1", None),
        ("localhost", "host", "localhost", None),
        ("@example.com", "domain", "example.com", None),
        ("@example.com:2525", "domain", "example.com", 2525),
        ("user@Example.com", "domain", "example.com", None),
        ("bücher.example", "host", "xn--bcher-kva.example", None),
    ],
)
def test_parse_valid_targets(text: str, kind: str, host: str, port: int | None) -> None:
    parsed = parse_target(text)
    assert (parsed.kind, parsed.host, parsed.port) == (kind, host, port)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("mx.example.com:0", "1 to 65535"),
        ("mx.example.com:99999", "1 to 65535"),
        ("mx.example.com:smtp", "1 to 65535"),
        ("[2001:db8::1", "unclosed"),
        ("[mx.example.com]:25", "not an IPv6"),
        ("[2001:db8::1]x", "unexpected"),
        ("2001:db8::zz", "not an IPv6"),
        ("a b", "spaces"),
        ("mx.example.com\r\nQUIT", "control"),
        ("@", "no host"),
        ("user@[192.0.2.1]", "address literal"),
        ("-bad-.example", "not a valid host name"),
        ("a..b", "not a valid host name"),
    ],
)
def test_parse_invalid_targets(text: str, fragment: str) -> None:
    with pytest.raises(TargetError) as caught:
        parse_target(text)
    assert fragment in caught.value.message
    assert caught.value.kind == "usage"


@settings(deadline=None)
@given(st.text(max_size=80))
def test_parse_never_crashes(text: str) -> None:
    try:
        parsed = parse_target(text)
    except TargetError as exc:
        assert exc.message
    else:
        assert isinstance(parsed, ParsedTarget)
        assert parsed.port is None or 1 <= parsed.port <= 65535


async def test_host_target_is_one_endpoint_without_dns() -> None:
    resolver = ZoneResolver({})
    endpoints = await resolve_target(parse_target("mx.example.com:587"), resolver)
    assert endpoints == (Endpoint("mx.example.com", 587, server_name="mx.example.com"),)
    assert resolver.asked == []
    ip_endpoints = await resolve_target(parse_target("192.0.2.1"), resolver, default_port=465)
    assert ip_endpoints == (Endpoint("192.0.2.1", 465, server_name=None),)


async def test_mx_hosts_lowest_preference_first() -> None:
    resolver = ZoneResolver(
        {
            ("example.com", "MX"): ("20 backup.example.com", "10 primary.example.com"),
            ("primary.example.com", "A"): ("192.0.2.10",),
            ("primary.example.com", "AAAA"): ("2001:db8::10",),
            ("backup.example.com", "A"): ("192.0.2.20",),
        }
    )
    endpoints = await resolve_target(parse_target("@example.com"), resolver)
    assert [(e.host, e.mx_host, e.preference) for e in endpoints] == [
        ("192.0.2.10", "primary.example.com", 10),
        ("2001:db8::10", "primary.example.com", 10),
        ("192.0.2.20", "backup.example.com", 20),
    ]
    assert all(e.port == 25 and e.server_name == e.mx_host for e in endpoints)
    v6 = await resolve_target(parse_target("x@example.com"), resolver, family="ipv6")
    assert [e.host for e in v6] == ["2001:db8::10"]


async def test_no_mx_falls_back_to_the_domains_address() -> None:
    resolver = ZoneResolver({("example.net", "A"): ("192.0.2.5",)})
    endpoints = await resolve_target(parse_target("@example.net:2525"), resolver)
    assert endpoints == (
        Endpoint("192.0.2.5", 2525, server_name="example.net", mx_host="example.net"),
    )


async def test_null_mx_is_a_clear_error() -> None:
    resolver = ZoneResolver({("example.org", "MX"): ("0 .",)})
    with pytest.raises(TargetError) as caught:
        await resolve_target(parse_target("@example.org"), resolver)
    assert "null MX" in caught.value.message and caught.value.kind == "resolve"


@pytest.mark.parametrize(
    ("records", "fragment"),
    [
        ({}, "does not exist"),
        ({("example.org", "MX"): "servfail"}, "could not look up the MX records"),
        ({("example.org", "MX"): "timeout"}, "could not look up the MX records"),
        ({("example.org", "MX"): ("10 gone.example.org",)}, "gone.example.org"),
        ({("example.org", "TXT"): ("v=spf1 -all",)}, "no MX records"),
    ],
)
async def test_domain_without_a_server(
    records: dict[tuple[str, str], tuple[str, ...] | str], fragment: str
) -> None:
    with pytest.raises(TargetError) as caught:
        await resolve_target(parse_target("@example.org"), ZoneResolver(records))
    assert fragment in caught.value.message
