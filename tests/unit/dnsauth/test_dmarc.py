"""DMARC: record parsing, discovery, report authorisation, alignment verdicts."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ehlo.dnsauth.context import AuditContext
from ehlo.dnsauth.dmarc import (
    aligned,
    check_dmarc,
    discover_dmarc,
    dmarc_verdict,
    organizational_domain,
    with_tag,
)
from ehlo.dnsauth.dmarc_record import DmarcRecord, parse_dmarc
from tests.fixtures.memory_resolver import MemoryResolver


def test_parse_full_record() -> None:
    record = parse_dmarc(
        "v=DMARC1; p=reject; sp=quarantine; np=reject; pct=50; adkim=s; aspf=r;"
        " rua=mailto:agg@example.com,mailto:x@reports.example.net!10m; ruf=mailto:f@example.com;"
        " fo=1:d; rf=afrf; ri=3600"
    )
    assert record.errors == ()
    assert (record.policy, record.subdomain_policy, record.nonexistent_policy) == (
        "reject",
        "quarantine",
        "reject",
    )
    assert (record.pct, record.adkim, record.aspf, record.ri) == (50, "s", "r", 3600)
    assert [uri.domain for uri in record.rua] == ["example.com", "reports.example.net"]
    assert record.rua[1].max_size == "10m"
    assert record.fo == ("1", "d")


def test_defaults() -> None:
    record = parse_dmarc("v=DMARC1; p=none")
    assert (record.pct, record.adkim, record.aspf, record.fo, record.rf, record.ri) == (
        100,
        "r",
        "r",
        ("0",),
        ("afrf",),
        86400,
    )
    assert record.subdomain_policy == "none"


def test_bad_tags_are_reported() -> None:
    record = parse_dmarc(
        "v=DMARC1; p=block; sp=maybe; pct=150; adkim=x; fo=9; rf=json; ri=soon; rua=foo"
    )
    text = " ".join(record.errors)
    for fragment in ["p='block'", "sp='maybe'", "pct='150'", "adkim='x'", "fo='9'", "rf='json'"]:
        assert fragment in text
    assert "ri='soon'" in text and "rua: 'foo'" in text
    assert record.effective_policy is None


def test_invalid_p_with_rua_acts_as_none() -> None:
    record = parse_dmarc("v=DMARC1; p=bogus; rua=mailto:r@example.com")
    assert record.policy is None
    assert record.effective_policy == "none"


def test_unknown_and_repeated_tags_warn() -> None:
    record = parse_dmarc("v=DMARC1; p=none; p=reject; foo=bar")
    assert record.policy == "none"
    assert any("more than once" in w for w in record.warnings)
    assert any("unknown tag" in w for w in record.warnings)


def test_version_must_come_first() -> None:
    assert parse_dmarc("p=reject; v=DMARC1").errors
    assert parse_dmarc("v=DMARC2; p=reject").errors


@given(st.text(max_size=300))
def test_parse_never_raises(text: str) -> None:
    assert isinstance(parse_dmarc(text), DmarcRecord)
    assert isinstance(parse_dmarc("v=DMARC1; " + text), DmarcRecord)


def test_organisational_domain() -> None:
    assert organizational_domain("mail.example.co.uk") == "example.co.uk"
    assert organizational_domain("a.b.example.com.") == "example.com"
    assert organizational_domain("example.com") == "example.com"


def test_alignment_modes() -> None:
    assert aligned("bounce.example.com", "example.com", "r")
    assert not aligned("bounce.example.com", "example.com", "s")
    assert aligned("EXAMPLE.com.", "example.com", "s")
    assert not aligned("example.net", "example.com", "r")
    assert not aligned("example.co.uk", "other.co.uk", "r")


def test_verdicts() -> None:
    record = "v=DMARC1; p=reject; sp=quarantine; adkim=s"
    passing = dmarc_verdict("example.com", "bounce.example.com", "pass", [], record)
    assert (passing.result, passing.spf_aligned, passing.disposition) == ("pass", True, "none")
    strict_dkim = dmarc_verdict(
        "example.com", "esp.example.net", "pass", [("mail.example.com", "pass")], record
    )
    assert (strict_dkim.result, strict_dkim.dkim_aligned) == ("fail", False)
    assert strict_dkim.disposition == "reject"
    dkim_ok = dmarc_verdict("example.com", None, None, [("example.com", "pass")], record)
    assert (dkim_ok.result, dkim_ok.dkim_aligned) == ("pass", True)
    failed = dmarc_verdict("example.com", "example.com", "softfail", [], record)
    assert failed.result == "fail" and failed.policy == "reject"
    sub = dmarc_verdict(
        "news.example.com", None, None, [], record, record_domain="_dmarc.example.com"
    )
    assert (sub.policy, sub.disposition) == ("quarantine", "quarantine")
    none = dmarc_verdict("example.com", "example.com", "pass", [], None)
    assert none.result == "none"


def test_with_tag() -> None:
    assert with_tag("v=DMARC1; p=none; rua=mailto:a@b.c", "p", "quarantine") == (
        "v=DMARC1; p=quarantine; rua=mailto:a@b.c"
    )
    assert with_tag("v=DMARC1; p=none", "pct", "100") == "v=DMARC1; p=none; pct=100"


async def test_record_at_the_domain_passes() -> None:
    resolver = MemoryResolver()
    resolver.add("_dmarc.example.com", "TXT", "v=DMARC1; p=reject; rua=mailto:d@example.com")
    result = await check_dmarc(resolver, AuditContext("example.com"))
    assert result.status == "pass", result.summary
    assert result.details["record_domain"] == "_dmarc.example.com"
    assert (result.details["policy"], result.details["subdomain_policy"]) == ("reject", "reject")


async def test_record_found_at_the_organisational_domain() -> None:
    resolver = MemoryResolver()
    resolver.add(
        "_dmarc.example.co.uk", "TXT", "v=DMARC1; p=reject; sp=none; rua=mailto:d@example.co.uk"
    )
    resolver.add("_dmarc.mail.example.co.uk", "TXT", "some other text")
    discovery = await discover_dmarc(resolver, "mail.example.co.uk")
    assert discovery.record_domain == "_dmarc.example.co.uk"
    result = await check_dmarc(resolver, AuditContext("mail.example.co.uk"))
    assert result.details["record_domain"] == "_dmarc.example.co.uk"
    assert result.details["applied_policy"] == "none"
    assert result.status == "warn"
    assert "weaker" in " ".join(result.details["problems"])


async def test_missing_record_fails_with_a_record_to_publish() -> None:
    result = await check_dmarc(MemoryResolver(), AuditContext("mail.example.com"))
    assert result.status == "fail"
    commands = [fix.command for fix in result.fixes]
    assert (
        '_dmarc.example.com. IN TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com"'
        in (commands)
    )
    assert "dig +short TXT _dmarc.mail.example.com" in commands


async def test_two_records_fail() -> None:
    resolver = MemoryResolver()
    resolver.add("_dmarc.example.com", "TXT", "v=DMARC1; p=reject", "v=DMARC1; p=none")
    result = await check_dmarc(resolver, AuditContext("example.com"))
    assert result.status == "fail"
    assert "2 DMARC records" in result.summary


async def test_p_none_and_pct_warn() -> None:
    resolver = MemoryResolver()
    resolver.add("_dmarc.a.example", "TXT", "v=DMARC1; p=none; rua=mailto:r@a.example")
    resolver.add("_dmarc.b.example", "TXT", "v=DMARC1; p=reject; pct=20; rua=mailto:r@b.example")
    none = await check_dmarc(resolver, AuditContext("a.example"))
    assert none.status == "warn"
    assert any(fix.command and "p=quarantine" in fix.command for fix in none.fixes)
    partial = await check_dmarc(resolver, AuditContext("b.example"))
    assert partial.status == "warn" and "pct=20" in partial.summary


async def test_external_report_destinations() -> None:
    resolver = MemoryResolver()
    resolver.add(
        "_dmarc.example.com",
        "TXT",
        "v=DMARC1; p=reject;"
        " rua=mailto:a@reports.example.net,mailto:b@example.org,mailto:c@example.com",
    )
    resolver.add("example.com._report._dmarc.reports.example.net", "TXT", "v=DMARC1")
    result = await check_dmarc(resolver, AuditContext("example.com"))
    by_domain = {d["domain"]: d for d in result.details["destinations"]}
    assert by_domain["reports.example.net"]["authorised"] is True
    assert by_domain["example.org"]["authorised"] is False
    assert by_domain["example.com"]["external"] is False
    assert result.status == "warn"
    assert any(
        fix.command == 'example.com._report._dmarc.example.org. IN TXT "v=DMARC1"'
        for fix in result.fixes
    )


async def test_dns_failure_is_an_error() -> None:
    resolver = MemoryResolver(timeouts=["_dmarc.example.com"])
    result = await check_dmarc(resolver, AuditContext("example.com"))
    assert result.status == "error"


async def test_invalid_policy_fails() -> None:
    resolver = MemoryResolver()
    resolver.add("_dmarc.example.com", "TXT", "v=DMARC1; p=block")
    result = await check_dmarc(resolver, AuditContext("example.com"))
    assert result.status == "fail"
    assert "no valid p=" in result.summary


async def test_unverifiable_report_destination_is_reported() -> None:
    resolver = MemoryResolver(failures={"example.com._report._dmarc.example.org": "servfail"})
    resolver.add("_dmarc.example.com", "TXT", "v=DMARC1; p=reject; rua=mailto:r@example.org")
    result = await check_dmarc(resolver, AuditContext("example.com"))
    assert result.details["destinations"][0]["authorised"] is None
    assert "could not check" in " ".join(result.details["problems"])


async def test_subdomain_summary_names_the_policy_that_applies() -> None:
    resolver = MemoryResolver()
    record = "v=DMARC1; p=reject; sp=reject; rua=mailto:r@example.com"
    resolver.add("_dmarc.example.com", "TXT", record)
    result = await check_dmarc(resolver, AuditContext("news.example.com"))
    assert result.status == "pass"
    assert result.summary.startswith("sp=reject applies to news.example.com")


def test_internationalised_alignment() -> None:
    assert aligned("mail.bücher.example", "xn--bcher-kva.example", "r")


async def test_lower_case_version_is_named_when_no_record_applies() -> None:
    resolver = MemoryResolver()
    resolver.add("_dmarc.example.com", "TXT", "v=dmarc1; p=reject")
    result = await check_dmarc(resolver, AuditContext("example.com"))
    assert result.status == "fail"
    assert "v=DMARC1" in result.summary and "v=dmarc1; p=reject" in result.summary


async def test_enforcement_levels() -> None:
    resolver = MemoryResolver()
    for name, record in {
        "a.example": "v=DMARC1; p=reject",
        "b.example": "v=DMARC1; p=quarantine; pct=10",
        "c.example": "v=DMARC1; p=none",
    }.items():
        resolver.add(f"_dmarc.{name}", "TXT", record)
    levels = [
        (await check_dmarc(resolver, AuditContext(name))).details["enforcement"]
        for name in ("a.example", "b.example", "c.example", "d.example")
    ]
    assert levels == ["reject", "partial", "monitoring", "none"]


async def test_invalid_domain_is_an_error() -> None:
    result = await check_dmarc(MemoryResolver(), AuditContext("not a domain"))
    assert result.status == "error"
