"""DnsResolver against a real nsd and scripted misbehaving servers."""

from __future__ import annotations

import asyncio
import time

import pytest

from ehlo.dnsauth.resolver import DnsResolver
from tests.fixtures.dns_servers import ScriptedDns, proxy_handler, servfail_handler, silent_port
from tests.fixtures.nsd import NsdServer
from tests.fixtures.zones import MX_TLSA

pytestmark = pytest.mark.nsd


def resolver_for(server: NsdServer, **options: float) -> DnsResolver:
    return DnsResolver(server.host, server.port, **options)  # type: ignore[arg-type]


async def test_record_text_forms(rich_nsd: NsdServer) -> None:
    resolver = resolver_for(rich_nsd)
    mx = await resolver.resolve("Example.Test.", "mx")
    assert mx.status == "ok"
    assert mx.name == "example.test"
    assert mx.rdtype == "MX"
    assert sorted(mx.records) == ["10 mx1.example.test", "20 mx2.example.test"]
    assert (await resolver.resolve("mx1.example.test", "AAAA")).records == ("2001:db8::25",)
    assert (await resolver.resolve("_25._tcp.mx1.example.test", "TLSA")).records == (MX_TLSA,)
    null_mx = await resolver.resolve("nullmx.test", "MX")
    assert null_mx.records == ("0 .",)
    ptr = await resolver.resolve("25.2.0.192.in-addr.arpa", "PTR")
    assert ptr.records == ("mx1.example.test",)


async def test_txt_split_strings_garbage_and_large(rich_nsd: NsdServer) -> None:
    resolver = resolver_for(rich_nsd)
    spf = await resolver.resolve("garbage.test", "TXT")
    assert spf.records == ("v=spf1 ip4:192.0.2.0/24 -all",)
    dmarc = await resolver.resolve("_dmarc.garbage.test", "TXT")
    assert dmarc.records[0].startswith("v=DMARC1; p=none; ")
    assert "\ufffd" in dmarc.records[0]
    big = await resolver.resolve("big.garbage.test", "TXT")
    assert big.status == "ok"
    assert big.records == ("x" * 4000,)


async def test_nxdomain_nodata_refused(rich_nsd: NsdServer) -> None:
    resolver = resolver_for(rich_nsd)
    nx = await resolver.resolve("missing.example.test", "A")
    assert nx.status == "nxdomain"
    assert nx.void
    nodata = await resolver.resolve("mx2.example.test", "AAAA")
    assert nodata.status == "nodata"
    assert nodata.void
    refused = await resolver.resolve("example.org", "A")
    assert refused.status == "refused"
    assert refused.failed
    assert "REFUSED" in (refused.error or "")


async def test_cname_followed(rich_nsd: NsdServer) -> None:
    resolver = resolver_for(rich_nsd)
    answer = await resolver.resolve("alias.cnamemx.test", "A")
    assert answer.status == "ok"
    assert answer.records == ("192.0.2.25",)
    cname = await resolver.resolve("alias.cnamemx.test", "CNAME")
    assert cname.records == ("mx1.example.test",)


async def test_cache_and_inflight_sharing(rich_nsd: NsdServer) -> None:
    resolver = resolver_for(rich_nsd)
    answers = await asyncio.gather(*(resolver.resolve("example.test", "MX") for _ in range(20)))
    assert len({answer.records for answer in answers}) == 1
    assert resolver.queries == 1
    await resolver.resolve("EXAMPLE.test.", "mx")
    assert resolver.queries == 1
    await resolver.resolve("example.test", "A")
    assert resolver.queries == 2


async def test_bad_input_is_an_error_answer(rich_nsd: NsdServer) -> None:
    resolver = resolver_for(rich_nsd)
    bad_name = await resolver.resolve("a..b", "A")
    assert bad_name.status == "error"
    assert "not a valid domain name" in (bad_name.error or "")
    bad_type = await resolver.resolve("example.test", "NOPE")
    assert bad_type.status == "error"
    assert resolver.queries == 0


async def test_timeout_where_nothing_answers() -> None:
    with silent_port() as port:
        resolver = DnsResolver("127.0.0.1", port, timeout=0.3, retries=1)
        started = time.monotonic()
        answer = await resolver.resolve("example.test", "A")
        elapsed = time.monotonic() - started
    assert answer.status == "timeout"
    assert "within 0.3 s" in (answer.error or "")
    assert resolver.queries == 2
    assert elapsed < 2.0


async def test_servfail() -> None:
    with ScriptedDns(servfail_handler()) as server:
        resolver = DnsResolver(server.host, server.port, timeout=1)
        answer = await resolver.resolve("example.test", "TXT")
    assert answer.status == "servfail"
    assert "SERVFAIL" in (answer.error or "")


async def test_truncation_falls_back_to_tcp(rich_nsd: NsdServer) -> None:
    handler = proxy_handler((rich_nsd.host, rich_nsd.port), truncate_udp=True)
    with ScriptedDns(handler) as server:
        resolver = DnsResolver(server.host, server.port, timeout=2)
        answer = await resolver.resolve("big.garbage.test", "TXT")
        assert server.queries == 2  # UDP (truncated) then TCP
    assert answer.status == "ok"
    assert answer.records == ("x" * 4000,)


async def test_ad_flag_kept(rich_nsd: NsdServer) -> None:
    handler = proxy_handler((rich_nsd.host, rich_nsd.port), set_ad=True)
    with ScriptedDns(handler) as server:
        resolver = DnsResolver(server.host, server.port, timeout=2)
        answer = await resolver.resolve("example.test", "MX")
    assert answer.authenticated
    plain = await resolver_for(rich_nsd).resolve("example.test", "MX")
    assert not plain.authenticated


def test_system_resolver_description() -> None:
    resolver = DnsResolver()
    assert resolver.description.startswith("system (")


async def test_malformed_records_are_kept_in_raw_form(nsd_server) -> None:
    server = nsd_server({"raw.test": "_25._tcp TLSA 3 1 1 00\nok TLSA 3 1 1 " + "ab" * 32 + "\n"})
    resolver = resolver_for(server)
    bad = await resolver.resolve("_25._tcp.raw.test", "TLSA")
    assert bad.status == "ok"
    assert bad.records == ("3 1 1 00",)
    good = await resolver.resolve("ok.raw.test", "TLSA")
    assert good.records == ("3 1 1 " + "ab" * 32,)


async def test_resolver_given_by_host_name(rich_nsd: NsdServer) -> None:
    resolver = DnsResolver("localhost", rich_nsd.port, timeout=2)
    answer = await resolver.resolve("mx2.example.test", "A")
    assert answer.records == ("192.0.2.26",)
    assert resolver.description == f"localhost:{rich_nsd.port}"


async def test_closed_port_is_an_error_not_a_hang() -> None:
    from tests.fixtures.nsd import free_port

    resolver = DnsResolver("127.0.0.1", free_port(), timeout=2, retries=1)
    started = time.monotonic()
    answer = await resolver.resolve("example.test", "A")
    assert time.monotonic() - started < 1.0
    assert answer.status == "error"
    assert "cannot reach 127.0.0.1" in (answer.error or "")


async def test_ipv6_resolver_address(rich_nsd: NsdServer) -> None:
    from ehlo.dnsauth.resolver import parse_resolver_arg

    handler = proxy_handler((rich_nsd.host, rich_nsd.port))
    with ScriptedDns(handler, host="::1") as server:
        host, port = parse_resolver_arg(f"[::1]:{server.port}")
        resolver = DnsResolver(host, port, timeout=2)
        answer = await resolver.resolve("mx2.example.test", "A")
    assert answer.records == ("192.0.2.26",)
    assert resolver.description == f"[::1]:{server.port}"
