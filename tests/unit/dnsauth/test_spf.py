"""check_spf, the record-tree analysis and the evaluator's trace, with an in-memory resolver."""

from __future__ import annotations

import shlex

import pytest

from ehlo.dnsauth import spf as spf_module
from ehlo.dnsauth.context import AuditContext
from ehlo.dnsauth.spf import (
    analyse_spf,
    check_host,
    check_spf,
    format_trace,
    merged_record,
    validate_record,
    zone_txt,
)
from tests.fixtures.memory_resolver import MemoryResolver


def resolver_with(**txt: str | list[str]) -> MemoryResolver:
    """A resolver with TXT records given as name=record (underscores stand for dots)."""
    resolver = MemoryResolver()
    for key, value in txt.items():
        name = key.replace("__", "-").replace("_", ".")
        for record in [value] if isinstance(value, str) else value:
            resolver.add(name, "TXT", record)
    return resolver


async def test_no_record_fails_with_a_record_to_publish() -> None:
    resolver = MemoryResolver({"example.com": {"A": ["192.0.2.1"]}})
    result = await check_spf(resolver, AuditContext("example.com"))
    assert result.status == "fail"
    assert result.details["record"] is None
    assert any(fix.command and "v=spf1 mx -all" in fix.command for fix in result.fixes)
    assert any(fix.command == "dig +short TXT example.com" for fix in result.fixes)


async def test_pass_for_an_authorised_ip_with_a_trace() -> None:
    resolver = resolver_with(example_com="v=spf1 a mx -all")
    resolver.add("example.com", "A", "192.0.2.10")
    resolver.add("example.com", "MX", "10 mail.example.com")
    resolver.add("mail.example.com", "A", "192.0.2.25")
    result = await check_spf(resolver, AuditContext("example.com", ip="192.0.2.25"))
    assert result.status == "pass"
    assert result.details["result"] == "pass"
    assert result.details["lookups"] == 2
    trace = result.details["trace"]
    assert [step["term"] for step in trace if step["outcome"] in ("match", "no-match")] == [
        "a",
        "mx",
    ]
    matched = [step for step in trace if step["outcome"] == "match"]
    assert matched[0]["term"] == "mx" and matched[0]["lookups"] == 2


async def test_fail_offers_the_record_with_the_ip_added() -> None:
    resolver = resolver_with(example_com="v=spf1 ip4:192.0.2.0/24 -all")
    result = await check_spf(resolver, AuditContext("example.com", ip="198.51.100.7"))
    assert result.status == "fail"
    assert result.details["result"] == "fail"
    records = [fix.command for fix in result.fixes if fix.command and "IN TXT" in fix.command]
    assert records == ['example.com. IN TXT "v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.7 -all"']


async def test_softfail_and_neutral_warn() -> None:
    resolver = resolver_with(a_example="v=spf1 ~all", b_example="v=spf1")
    assert (await check_spf(resolver, AuditContext("a.example", ip="192.0.2.1"))).status == "warn"
    neutral = await check_spf(resolver, AuditContext("b.example", ip="192.0.2.1"))
    assert (neutral.status, neutral.details["result"]) == ("warn", "neutral")


async def test_too_many_lookups_are_counted_across_includes() -> None:
    includes = " ".join(f"include:s{n}.example.com" for n in range(6))
    resolver = resolver_with(example_com=f"v=spf1 {includes} -all")
    for n in range(6):
        resolver.add(f"s{n}.example.com", "TXT", "v=spf1 a:x.example.com ip4:192.0.2.1 ~all")
    resolver.add("x.example.com", "A", "192.0.2.9")
    analysis = await analyse_spf(resolver, "example.com")
    assert analysis.lookups == 12
    result = await check_spf(resolver, AuditContext("example.com"))
    assert result.status == "fail"
    assert result.details["lookups"] == 12
    assert "more than 10" in result.summary
    evaluated = await check_host(resolver, "203.0.113.5", "example.com", "a@example.com")
    assert evaluated.result == "permerror"
    assert evaluated.lookups == 11


async def test_void_lookups_over_the_limit() -> None:
    resolver = resolver_with(
        example_com="v=spf1 a:gone1.example.com a:gone2.example.com mx:gone3.example.com -all"
    )
    result = await check_spf(resolver, AuditContext("example.com"))
    assert result.details["void_lookups"] == 3
    assert result.status == "fail"
    assert any("gone1.example.com" in fix.text for fix in result.fixes)
    evaluated = await check_host(resolver, "192.0.2.1", "example.com", "a@example.com")
    assert (evaluated.result, evaluated.void_lookups) == ("permerror", 3)


async def test_loop_is_reported_with_its_path() -> None:
    resolver = resolver_with(
        a_example_com="v=spf1 include:b.example.com -all",
        b_example_com="v=spf1 redirect=a.example.com",
    )
    result = await check_spf(resolver, AuditContext("a.example.com"))
    assert result.status == "fail"
    assert "loop: a.example.com -> b.example.com -> a.example.com" in result.details["errors"]
    evaluated = await check_host(resolver, "192.0.2.1", "a.example.com", "x@a.example.com")
    assert evaluated.result == "permerror"
    assert "loop" in (evaluated.problem or "")


async def test_two_records_are_a_permerror_with_a_merged_record() -> None:
    resolver = resolver_with(example_com=["v=spf1 mx -all", "v=spf1 include:_spf.example.net ~all"])
    result = await check_spf(resolver, AuditContext("example.com", ip="192.0.2.1"))
    assert result.status == "fail"
    assert "2 SPF records" in result.summary
    merged = 'example.com. IN TXT "v=spf1 mx include:_spf.example.net -all"'
    assert any(fix.command == merged for fix in result.fixes)


async def test_plus_all_question_all_and_ptr_warn() -> None:
    for record, fragment in [
        ("v=spf1 +all", "every host"),
        ("v=spf1 ?all", "neutral"),
        ("v=spf1 ptr -all", "ptr"),
    ]:
        resolver = resolver_with(example_com=record)
        result = await check_spf(resolver, AuditContext("example.com"))
        assert result.status == "warn", record
        assert fragment in " ".join(result.details["warnings"])


async def test_long_record_warns_and_is_split_into_strings() -> None:
    networks = " ".join(f"ip4:198.51.{n}.0/24" for n in range(30))
    record = f"v=spf1 {networks} -all"
    assert len(record) > 450
    resolver = resolver_with(example_com=record)
    result = await check_spf(resolver, AuditContext("example.com"))
    assert result.status == "warn"
    assert "bytes" in result.summary
    split = [fix.command for fix in result.fixes if fix.command and fix.command.count('" "') >= 1]
    assert split, "a record longer than 255 bytes is offered as several strings"
    strings = split[0].split("IN TXT ", 1)[1]
    assert all(len(part) <= 255 for part in shlex.split(strings))


async def test_dns_failure_is_an_error() -> None:
    resolver = MemoryResolver(timeouts=["example.com"])
    result = await check_spf(resolver, AuditContext("example.com", ip="192.0.2.1"))
    assert result.status == "error"
    resolver = MemoryResolver(failures={"example.com": "servfail"})
    assert (await check_spf(resolver, AuditContext("example.com"))).status == "error"


async def test_temperror_inside_an_include() -> None:
    resolver = resolver_with(example_com="v=spf1 include:slow.example.net -all")
    resolver.timeouts.add("slow.example.net")
    evaluated = await check_host(resolver, "192.0.2.1", "example.com", "a@example.com")
    assert evaluated.result == "temperror"
    result = await check_spf(resolver, AuditContext("example.com", ip="192.0.2.1"))
    assert result.status == "error"


@pytest.mark.parametrize("ip", ["not-an-ip", "300.1.1.1", ""])
async def test_invalid_ip_is_a_clear_error(ip: str) -> None:
    result = await check_spf(MemoryResolver(), AuditContext("example.com", ip=ip))
    assert result.status == "error"
    assert "not an IP address" in result.summary


@pytest.mark.parametrize("domain", ["x$(touch pwned).example.com", "a..b", "", "com", "a b.test"])
async def test_invalid_domains_are_a_clear_error(domain: str) -> None:
    result = await check_spf(MemoryResolver(), AuditContext(domain))
    assert result.status == "error"
    assert "not a valid domain name" in result.summary


def test_dig_command_quotes_the_name() -> None:
    hostile = "x$(touch pwned).example.com"
    assert shlex.split(spf_module._dig(hostile)) == ["dig", "+short", "TXT", hostile]


async def test_explanation_and_macros_in_the_trace() -> None:
    resolver = resolver_with(
        example_com="v=spf1 exists:%{ir}.list.example.com -all exp=why.example.com",
        why_example_com="%{i} may not send for %{d} (sender %{l})",
    )
    resolver.add("1.2.0.192.list.example.com", "A", "127.0.0.2")
    allowed = await check_host(resolver, "192.0.2.1", "example.com", "joe@example.com")
    assert allowed.result == "pass"
    refused = await check_host(resolver, "192.0.2.2", "example.com", "joe@example.com")
    assert refused.result == "fail"
    assert refused.explanation == "192.0.2.2 may not send for example.com (sender joe)"
    assert refused.matched == "-all (example.com)"


async def test_ipv6_and_mapped_ipv4() -> None:
    resolver = resolver_with(example_com="v=spf1 ip6:2001:db8::/32 ip4:192.0.2.0/24 -all")
    assert (await check_host(resolver, "2001:db8::5", "example.com", "a@example.com")).result == (
        "pass"
    )
    mapped = await check_host(resolver, "::ffff:192.0.2.7", "example.com", "a@example.com")
    assert mapped.result == "pass"
    assert (await check_host(resolver, "2001:db9::1", "example.com", "a@example.com")).result == (
        "fail"
    )


def test_merged_record_keeps_the_strictest_all() -> None:
    merged = merged_record(["v=spf1 a ~all", "v=spf1 a mx -all"])
    assert merged == "v=spf1 a mx -all"


def test_zone_txt_escapes_quotes() -> None:
    assert zone_txt("example.com", 'v=spf1 "x') == 'example.com. IN TXT "v=spf1 \\"x"'


async def test_internationalised_domain_is_queried_as_a_label() -> None:
    resolver = resolver_with()
    resolver.add("xn--bcher-kva.example", "TXT", "v=spf1 ip4:192.0.2.0/24 -all")
    result = await check_spf(resolver, AuditContext("Bücher.example", ip="192.0.2.4"))
    assert (result.status, result.details["result"]) == ("pass", "pass")
    assert ("xn--bcher-kva.example", "TXT") in resolver.queries


async def test_helo_identity_is_checked_too() -> None:
    resolver = resolver_with(
        example_com="v=spf1 ip4:192.0.2.0/24 -all", mx_example_net="v=spf1 a -all"
    )
    resolver.add("mx.example.net", "A", "192.0.2.5")
    result = await check_spf(
        resolver, AuditContext("example.com", ip="192.0.2.5", helo="mx.example.net")
    )
    assert result.details["helo"]["result"] == "pass"
    assert result.details["helo"]["name"] == "mx.example.net"
    literal = await check_spf(
        resolver, AuditContext("example.com", ip="192.0.2.5", helo="[1.2.3.4]")
    )
    assert "helo" not in literal.details


async def test_format_trace_reads_like_the_evaluation() -> None:
    resolver = resolver_with(example_com="v=spf1 a:gone.example.com include:_spf.example.com -all")
    resolver.add("_spf.example.com", "TXT", "v=spf1 ip4:192.0.2.0/24 ~all")
    evaluation = await check_host(resolver, "192.0.2.8", "example.com", "a@example.com")
    lines = format_trace(evaluation.trace)
    record = "v=spf1 a:gone.example.com include:_spf.example.com -all"
    assert lines[0] == f"example.com: {record}  [1 query]"
    assert "a:gone.example.com  [no-match; 1 query; counts towards 10; void lookup]" in lines
    assert "  ip4:192.0.2.0/24  [match]" in lines
    assert lines[-1] == "=> pass: matched include:_spf.example.com (example.com)"


def test_validate_record() -> None:
    assert validate_record("v=spf1 ip4:192.0.2.0/24 include:_spf.example.com -all") is None
    assert "CIDR" in (validate_record("v=spf1 ip4:192.0.2.0/33 -all") or "")
    assert "unknown mechanism" in (validate_record("v=spf1 ipv4:192.0.2.1 -all") or "")
    assert "more than once" in (
        validate_record("v=spf1 redirect=a.example redirect=b.example") or ""
    )


async def test_the_same_fix_is_offered_once() -> None:
    resolver = resolver_with(example_com="v=spf1 include:a.example.com include:b.example.com")
    resolver.add("a.example.com", "TXT", "v=spf1 +all")
    resolver.add("b.example.com", "TXT", "v=spf1 +all")
    result = await check_spf(resolver, AuditContext("example.com"))
    texts = [fix.text for fix in result.fixes]
    assert len(texts) == len(set(texts))
    assert any("+all" in text for text in texts)
