"""SPF, DMARC and DKIM checks against a real nsd serving test zones on loopback."""

from __future__ import annotations

import base64
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from ehlo.dnsauth.context import AuditContext
from ehlo.dnsauth.dkim import check_dkim
from ehlo.dnsauth.dmarc import check_dmarc, dmarc_verdict
from ehlo.dnsauth.resolver import DnsResolver
from ehlo.dnsauth.spf import check_host, check_spf
from tests.fixtures.dns_servers import silent_port
from tests.fixtures.nsd import NsdServer, start_nsd, stop_nsd
from tests.fixtures.zones import txt

pytestmark = pytest.mark.nsd


def _spki(bits: int) -> str:
    if bits >= 1024:
        key = rsa.generate_private_key(65537, bits).public_key()
    else:
        key = rsa.RSAPublicNumbers(65537, (1 << (bits - 1)) | 0xF1).public_key()
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def _ed25519() -> str:
    raw = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return base64.b64encode(raw).decode()


LONG_SPF = "v=spf1 " + " ".join(f"ip4:198.51.{n}.0/24" for n in range(30)) + " -all"

SPF_ZONE = f"""
@ TXT "v=spf1 ip4:192.0.2.0/24 include:_spf.spf.test mx -all"
@ MX 10 mx.spf.test.
mx A 198.51.100.25
_spf TXT "v=spf1 ip6:2001:db8::/32 a:relay.spf.test -all"
relay A 203.0.113.5
toomany TXT "v=spf1 {" ".join(f"include:i{n}.spf.test" for n in range(6))} -all"
{"".join(f'i{n} TXT "v=spf1 a:relay.spf.test ~all"{chr(10)}' for n in range(6))}
void TXT "v=spf1 a:nx1.spf.test a:nx2.spf.test mx:nx3.spf.test -all"
loop-a TXT "v=spf1 include:loop-b.spf.test -all"
loop-b TXT "v=spf1 redirect=loop-a.spf.test"
two TXT "v=spf1 -all"
two TXT "v=spf1 ~all"
macro TXT "v=spf1 exists:%{{i}}._allow.spf.test -all exp=explain.spf.test"
192.0.2.77._allow A 127.0.0.2
explain TXT "%{{i}} may not send mail as %{{s}}"
syntax TXT "v=spf1 ip4:192.0.2.300 -all"
split TXT "v=spf1 ip4:192.0.2.0/24 " "ip4:198.51.100.0/24 -all"
long TXT {txt(LONG_SPF)}
ptr TXT "v=spf1 ptr +all"
"""

DMARC_RECORD = (
    "v=DMARC1; p=reject; sp=quarantine; rua=mailto:agg@dmarc.test,mailto:x@reports.test;"
    " ruf=mailto:f@unauth.test"
)
DMARC_ZONE = f"""
_dmarc TXT "{DMARC_RECORD}"
_dmarc.direct TXT "v=DMARC1; p=none; rua=mailto:a@dmarc.test"
_dmarc.bad TXT "v=DMARC1; p=block; pct=200; adkim=x"
_dmarc.lax TXT "v=DMARC1; p=quarantine; pct=25; sp=none; adkim=q; rua=mailto:a@dmarc.test"
_dmarc.two TXT "v=DMARC1; p=reject"
_dmarc.two TXT "v=DMARC1; p=none"
mail A 192.0.2.1
"""

REPORTS_ZONE = """
dmarc.test._report._dmarc TXT "v=DMARC1"
"""


def _dkim_zone() -> str:
    return "\n".join(
        [
            f"custom._domainkey TXT {txt('v=DKIM1; k=rsa; p=' + _spki(4096))}",
            f"selector1._domainkey TXT {txt('v=DKIM1; k=rsa; p=' + _spki(2048))}",
            f"google._domainkey TXT {txt('v=DKIM1; k=rsa; p=' + _spki(1024))}",
            f"mail._domainkey TXT {txt('v=DKIM1; k=rsa; p=' + _spki(512))}",
            f"s1._domainkey TXT {txt('v=DKIM1; k=ed25519; p=' + _ed25519())}",
            'k1._domainkey TXT "v=DKIM1; k=rsa; p="',
            'default._domainkey TXT "v=DKIM1; k=rsa; p=this*is*not*base64"',
            f'dkim._domainkey TXT "v=DKIM1; p={base64.b64encode(b"not a key").decode()}"',
            f"s2._domainkey TXT {txt('v=DKIM1; t=y; p=' + _spki(2048))}",
            "",
        ]
    )


@pytest.fixture(scope="module")
def auth_nsd() -> Iterator[NsdServer]:
    """One nsd for this module with the SPF, DMARC and DKIM zones."""
    zones = {
        "spf.test": SPF_ZONE,
        "dmarc.test": DMARC_ZONE,
        "reports.test": REPORTS_ZONE,
        "unauth.test": "@ A 192.0.2.2\n",
        "nodmarc.test": "@ A 192.0.2.3\n",
        "dkim.test": _dkim_zone(),
    }
    directory = Path(tempfile.mkdtemp(prefix="ehlo-auth-nsd-"))
    process, server = start_nsd(directory, zones)
    try:
        yield server
    finally:
        stop_nsd(process)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def resolver(auth_nsd: NsdServer) -> DnsResolver:
    return DnsResolver(auth_nsd.host, auth_nsd.port, timeout=2)


@pytest.mark.parametrize(
    ("ip", "result"),
    [
        ("192.0.2.10", "pass"),
        ("2001:db8::1", "pass"),
        ("203.0.113.5", "pass"),
        ("198.51.100.25", "pass"),
        ("203.0.113.99", "fail"),
    ],
)
async def test_good_record_evaluated_for_ips(resolver: DnsResolver, ip: str, result: str) -> None:
    checked = await check_spf(resolver, AuditContext("spf.test", ip=ip))
    assert checked.details["result"] == result
    assert checked.status == ("pass" if result == "pass" else "fail")
    assert checked.details["lookups"] == 3
    assert checked.details["record"] == "v=spf1 ip4:192.0.2.0/24 include:_spf.spf.test mx -all"


async def test_good_record_analysis(resolver: DnsResolver) -> None:
    checked = await check_spf(resolver, AuditContext("spf.test"))
    assert checked.status == "pass", checked.summary
    assert (checked.details["lookups"], checked.details["void_lookups"]) == (3, 0)
    terms = [(step["depth"], step["term"]) for step in checked.details["trace"]]
    assert (1, "a:relay.spf.test") in terms


async def test_too_many_lookups(resolver: DnsResolver) -> None:
    checked = await check_spf(resolver, AuditContext("toomany.spf.test", ip="198.51.100.1"))
    assert checked.status == "fail"
    assert checked.details["lookups"] == 12
    assert checked.details["result"] == "permerror"


async def test_void_lookups(resolver: DnsResolver) -> None:
    checked = await check_spf(resolver, AuditContext("void.spf.test"))
    assert (checked.status, checked.details["void_lookups"]) == ("fail", 3)
    evaluated = await check_host(resolver, "192.0.2.1", "void.spf.test", "a@void.spf.test")
    assert evaluated.result == "permerror"


async def test_loop(resolver: DnsResolver) -> None:
    checked = await check_spf(resolver, AuditContext("loop-a.spf.test", ip="192.0.2.1"))
    assert checked.status == "fail"
    assert checked.details["result"] == "permerror"
    assert any(error.startswith("loop") for error in checked.details["errors"])


async def test_two_records(resolver: DnsResolver) -> None:
    checked = await check_spf(resolver, AuditContext("two.spf.test"))
    assert checked.status == "fail"
    assert "2 SPF records" in checked.summary
    merged = 'two.spf.test. IN TXT "v=spf1 -all"'
    assert any(fix.command == merged for fix in checked.fixes)


async def test_macros_and_explanation(resolver: DnsResolver) -> None:
    allowed = await check_host(resolver, "192.0.2.77", "macro.spf.test", "joe@macro.spf.test")
    assert allowed.result == "pass"
    refused = await check_host(resolver, "192.0.2.78", "macro.spf.test", "joe@macro.spf.test")
    assert refused.result == "fail"
    assert refused.explanation == "192.0.2.78 may not send mail as joe@macro.spf.test"


async def test_syntax_error_split_and_long_records(resolver: DnsResolver) -> None:
    syntax = await check_spf(resolver, AuditContext("syntax.spf.test"))
    assert syntax.status == "fail" and "syntax error" in syntax.summary
    split = await check_spf(resolver, AuditContext("split.spf.test", ip="198.51.100.9"))
    assert split.details["result"] == "pass"
    long = await check_spf(resolver, AuditContext("long.spf.test"))
    assert long.details["record"] == LONG_SPF
    assert long.status == "warn"


async def test_ptr_and_plus_all_warn(resolver: DnsResolver) -> None:
    checked = await check_spf(resolver, AuditContext("ptr.spf.test"))
    assert checked.status == "warn"
    warnings = " ".join(checked.details["warnings"])
    assert "ptr" in warnings and "every host" in warnings


async def test_spf_when_dns_does_not_answer() -> None:
    with silent_port() as port:
        resolver = DnsResolver("127.0.0.1", port, timeout=0.3, retries=0)
        checked = await check_spf(resolver, AuditContext("spf.test", ip="192.0.2.1"))
    assert checked.status == "error"


async def test_dmarc_at_the_domain_with_report_authorisation(resolver: DnsResolver) -> None:
    checked = await check_dmarc(resolver, AuditContext("dmarc.test"))
    assert checked.details["record_domain"] == "_dmarc.dmarc.test"
    assert (checked.details["policy"], checked.details["subdomain_policy"]) == (
        "reject",
        "quarantine",
    )
    by_domain = {d["domain"]: d for d in checked.details["destinations"]}
    assert by_domain["reports.test"]["authorised"] is True
    assert by_domain["unauth.test"]["authorised"] is False
    assert by_domain["dmarc.test"]["external"] is False
    assert checked.status == "warn"
    assert any(
        fix.command == 'dmarc.test._report._dmarc.unauth.test. IN TXT "v=DMARC1"'
        for fix in checked.fixes
    )


async def test_dmarc_at_the_organisational_domain(resolver: DnsResolver) -> None:
    checked = await check_dmarc(resolver, AuditContext("mail.dmarc.test"))
    assert checked.details["record_domain"] == "_dmarc.dmarc.test"
    assert checked.details["applied_policy"] == "quarantine"
    verdict = dmarc_verdict(
        "mail.dmarc.test",
        "bounce.dmarc.test",
        "pass",
        [],
        checked.details["record"],
        record_domain=checked.details["record_domain"],
    )
    assert (verdict.result, verdict.spf_aligned) == ("pass", True)


async def test_dmarc_own_record_bad_tags_two_records_and_none(resolver: DnsResolver) -> None:
    direct = await check_dmarc(resolver, AuditContext("direct.dmarc.test"))
    assert (direct.details["record_domain"], direct.status) == ("_dmarc.direct.dmarc.test", "warn")
    bad = await check_dmarc(resolver, AuditContext("bad.dmarc.test"))
    assert bad.status == "fail"
    assert any("pct='200'" in problem for problem in bad.details["problems"])
    lax = await check_dmarc(resolver, AuditContext("lax.dmarc.test"))
    assert lax.status == "warn"
    problems = " ".join(lax.details["problems"])
    assert "pct=25" in problems and "adkim='q'" in problems and "weaker" in problems
    two = await check_dmarc(resolver, AuditContext("two.dmarc.test"))
    assert two.status == "fail" and "2 DMARC records" in two.summary
    none = await check_dmarc(resolver, AuditContext("nodmarc.test"))
    assert none.status == "fail"


async def test_dkim_keys_of_several_sizes_and_kinds(resolver: DnsResolver) -> None:
    checked = await check_dkim(resolver, AuditContext("dkim.test", selectors=("custom", "gone")))
    by_selector = {entry["selector"]: entry for entry in checked.details["selectors"]}
    expected = {
        "custom": ("pass", "rsa", 4096),
        "selector1": ("pass", "rsa", 2048),
        "google": ("warn", "rsa", 1024),
        "mail": ("fail", "rsa", 512),
        "s1": ("pass", "ed25519", 256),
        "s2": ("warn", "rsa", 2048),
        "default": ("fail", "rsa", None),
        "dkim": ("fail", "rsa", None),
        "gone": ("fail", None, None),
    }
    for selector, (status, key_type, bits) in expected.items():
        entry = by_selector[selector]
        assert (entry["status"], entry["key_type"], entry["key_bits"]) == (
            status,
            key_type,
            bits,
        ), (
            selector,
            entry,
        )
    assert by_selector["k1"]["revoked"] is True
    assert by_selector["s2"]["testing"] is True
    assert "base64" in " ".join(by_selector["default"]["problems"])
    assert checked.status == "fail"
