"""mx, ptr and dnsbl checks against the rich zones on a real nsd."""

from __future__ import annotations

import pytest

from ehlo.dnsauth.context import AuditContext
from ehlo.dnsauth.dnsbl import Blocklist, check_dnsbl, configured_blocklists
from ehlo.dnsauth.mx import check_mx
from ehlo.dnsauth.ptr import check_ptr
from ehlo.dnsauth.resolver import DnsResolver
from tests.fixtures.nsd import NsdServer
from tests.fixtures.zones import ERROR_IP, GOOD_IP, GOOD_IP6, NO_PTR_IP, UNCONFIRMED_IP

pytestmark = pytest.mark.nsd


def resolver_for(server: NsdServer) -> DnsResolver:
    return DnsResolver(server.host, server.port, timeout=2)


async def test_mx_by_preference_with_addresses(rich_nsd: NsdServer) -> None:
    result = await check_mx(resolver_for(rich_nsd), AuditContext("example.test"))
    assert result.status == "pass"
    hosts = result.details["hosts"]
    assert [(h["host"], h["preference"]) for h in hosts] == [
        ("mx1.example.test", 10),
        ("mx2.example.test", 20),
    ]
    assert hosts[0]["addresses"] == ["192.0.2.25", "2001:db8::25"]
    assert hosts[1]["addresses"] == ["192.0.2.26"]
    assert result.details["null_mx"] is False


async def test_null_mx(rich_nsd: NsdServer) -> None:
    result = await check_mx(resolver_for(rich_nsd), AuditContext("nullmx.test"))
    assert result.status == "info"
    assert result.details["null_mx"] is True
    assert "RFC 7505" in result.summary


async def test_null_mx_with_other_mx(nsd_server) -> None:
    server = nsd_server({"mixed.test": "@ MX 0 .\n@ MX 10 mx\nmx A 192.0.2.1\n"})
    result = await check_mx(resolver_for(server), AuditContext("mixed.test"))
    assert result.status == "fail"
    assert result.details["null_mx"] is True
    assert "together with other MX" in result.summary


async def test_implicit_mx_and_no_mail(rich_nsd: NsdServer) -> None:
    resolver = resolver_for(rich_nsd)
    implicit = await check_mx(resolver, AuditContext("nomx.test"))
    assert implicit.status == "warn"
    assert implicit.details["implicit"] is True
    assert implicit.details["hosts"][0]["addresses"] == ["192.0.2.30", "2001:db8::30"]
    nothing = await check_mx(resolver, AuditContext("nomail.test"))
    assert nothing.status == "fail"
    assert any(fix.command == "nomail.test. IN MX 0 ." for fix in nothing.fixes)
    missing = await check_mx(resolver, AuditContext("missing.example.test"))
    assert missing.status == "fail"
    assert "NXDOMAIN" in missing.summary


async def test_mx_cname_ip_literal_and_unresolvable(rich_nsd: NsdServer) -> None:
    resolver = resolver_for(rich_nsd)
    cname = await check_mx(resolver, AuditContext("cnamemx.test"))
    assert cname.status == "warn"
    assert cname.details["hosts"][0]["cname"] == "mx1.example.test"
    assert cname.fixes[0].command == "cnamemx.test. IN MX 10 mx1.example.test."
    literal = await check_mx(resolver, AuditContext("ipmx.test"))
    assert literal.status == "fail"
    assert literal.details["hosts"][0]["ip_literal"] is True
    broken = await check_mx(resolver, AuditContext("brokenmx.test"))
    assert broken.status == "warn"
    assert broken.details["hosts"][0]["addresses"] == []
    assert "mx.brokenmx.test has no A or AAAA" in broken.summary


async def test_mx_fix_commands_are_shell_quoted(nsd_server) -> None:
    server = nsd_server({"quote.test": "@ MX 10 a\\$\\(touch\\ x\\).quote.test.\n"})
    result = await check_mx(resolver_for(server), AuditContext("quote.test"))
    assert result.status == "fail"
    assert result.fixes
    assert "'dig' '+short'" not in result.fixes[0].command
    assert result.fixes[0].command.startswith("dig +short A '")


async def test_ptr_confirmed_with_helo(rich_nsd: NsdServer) -> None:
    resolver = resolver_for(rich_nsd)
    result = await check_ptr(
        resolver, AuditContext("example.test", ip=GOOD_IP, helo="mx1.example.test")
    )
    assert result.status == "pass"
    assert result.details["ptr"] == "mx1.example.test"
    assert result.details["fcrdns"] is True
    assert result.details["helo_matches_ptr"] is True
    other_helo = await check_ptr(
        resolver, AuditContext("example.test", ip=GOOD_IP, helo="mx2.example.test")
    )
    assert other_helo.status == "warn"
    assert other_helo.details["helo_matches_ptr"] is False


async def test_ptr_ipv6(rich_nsd: NsdServer) -> None:
    result = await check_ptr(resolver_for(rich_nsd), AuditContext("example.test", ip=GOOD_IP6))
    assert result.status == "pass"
    assert result.details["ptr"] == "mx1.example.test"


async def test_ptr_not_confirming_and_missing(rich_nsd: NsdServer) -> None:
    resolver = resolver_for(rich_nsd)
    liar = await check_ptr(resolver, AuditContext("example.test", ip=UNCONFIRMED_IP))
    assert liar.status == "fail"
    assert liar.details["ptr"] == "liar.example.test"
    assert liar.details["fcrdns"] is False
    assert liar.fixes[0].command == f"liar.example.test. IN A {UNCONFIRMED_IP}"
    none = await check_ptr(resolver, AuditContext("example.test", ip=NO_PTR_IP))
    assert none.status == "fail"
    assert none.details["ptr"] is None
    assert none.fixes[0].command == f"dig +short -x {NO_PTR_IP}"


async def test_ptr_bad_and_missing_ip(rich_nsd: NsdServer) -> None:
    resolver = resolver_for(rich_nsd)
    assert (await check_ptr(resolver, AuditContext("example.test"))).status == "info"
    bad = await check_ptr(resolver, AuditContext("example.test", ip="300.1.1.1"))
    assert bad.status == "error"
    assert "not an IPv4 or IPv6 address" in bad.summary


def listing(result, zone: str) -> dict:
    return next(entry for entry in result.details["listings"] if entry["list"] == zone)


async def test_dnsbl_listed_with_codes_and_reason(rich_nsd: NsdServer) -> None:
    result = await check_dnsbl(
        resolver_for(rich_nsd), AuditContext("example.test", ip=UNCONFIRMED_IP)
    )
    assert result.status == "fail"
    zen = listing(result, "zen.spamhaus.org")
    assert zen["listed"] is True
    assert zen["codes"] == ["127.0.0.2", "127.0.0.4"]
    assert zen["meanings"][0].startswith("SBL")
    assert zen["meanings"][1].startswith("XBL")
    assert zen["txt"] == ["https://check.spamhaus.org/listed/?searchterm=192.0.2.99"]
    assert listing(result, "bl.spamcop.net")["listed"] is True
    assert listing(result, "psbl.surriel.com") == {
        **listing(result, "psbl.surriel.com"),
        "listed": False,
        "codes": [],
    }
    assert len(result.fixes) == 2


async def test_dnsbl_clean(rich_nsd: NsdServer) -> None:
    result = await check_dnsbl(resolver_for(rich_nsd), AuditContext("example.test", ip=GOOD_IP))
    assert result.status == "pass"
    assert all(entry["listed"] is False for entry in result.details["listings"])
    assert len(result.details["listings"]) == 6


async def test_dnsbl_spamhaus_error_code_is_never_a_listing(rich_nsd: NsdServer) -> None:
    result = await check_dnsbl(resolver_for(rich_nsd), AuditContext("example.test", ip=ERROR_IP))
    assert result.status == "error"
    zen = listing(result, "zen.spamhaus.org")
    assert zen["listed"] is None
    assert zen["codes"] == ["127.255.255.254"]
    assert "public or open resolver" in zen["error"]
    assert "public or open resolver" in result.summary


async def test_dnsbl_ipv6_nibbles_and_skips(nsd_server) -> None:
    ip = "2001:db8::1"
    nibbles = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
    server = nsd_server({"zen.spamhaus.org": f"{nibbles} A 127.0.0.3\n"})
    result = await check_dnsbl(resolver_for(server), AuditContext("example.test", ip=ip))
    assert result.status == "fail"
    zen = listing(result, "zen.spamhaus.org")
    assert zen["query"] == f"{nibbles}.zen.spamhaus.org"
    assert zen["listed"] is True
    assert {entry["list"] for entry in result.details["skipped"]} >= {"bl.spamcop.net"}


async def test_dnsbl_configured_lists_and_foreign_answers(nsd_server) -> None:
    server = nsd_server({"bl.example.test": "2.0.0.127 A 127.0.0.2\n1.2.0.192 A 192.0.2.80\n"})
    token = configured_blocklists.set((Blocklist("bl.example.test", "Example BL"),))
    try:
        resolver = resolver_for(server)
        test_entry = await check_dnsbl(resolver, AuditContext("example.test", ip="127.0.0.2"))
        hijacked = await check_dnsbl(resolver, AuditContext("example.test", ip="192.0.2.1"))
    finally:
        configured_blocklists.reset(token)
    assert test_entry.status == "fail"
    assert "does not document" in test_entry.details["listings"][0]["meanings"][0]
    assert hijacked.status == "error"
    assert hijacked.details["listings"][0]["listed"] is None
    assert "outside 127.0.0.0/8" in hijacked.details["listings"][0]["error"]
