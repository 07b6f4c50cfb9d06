"""dane, dnssec, tls-rpt and bimi checks against nsd (and a proxy that sets the AD flag)."""

from __future__ import annotations

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ehlo.dnsauth.bimi import check_bimi
from ehlo.dnsauth.context import AuditContext
from ehlo.dnsauth.dane import check_dane
from ehlo.dnsauth.dnssec import check_dnssec
from ehlo.dnsauth.resolver import DnsResolver
from ehlo.dnsauth.tls_rpt import check_tls_rpt
from tests.fixtures.dns_servers import ScriptedDns, proxy_handler
from tests.fixtures.nsd import NsdServer
from tests.fixtures.zones import MX_CERT_DER, MX_TLSA

pytestmark = pytest.mark.nsd
DNSKEY = (
    "@ DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+"
    "KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==\n"
)


def other_certificate() -> bytes:
    pem = trustme.CA().issue_cert("mx1.example.test").cert_chain_pems[0].bytes()
    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


def resolver_for(server: NsdServer) -> DnsResolver:
    return DnsResolver(server.host, server.port, timeout=2)


async def test_dane_unvalidated_tlsa_warns_and_matches_chain(rich_nsd: NsdServer) -> None:
    context = AuditContext("example.test", certificate_chain=(MX_CERT_DER,))
    result = await check_dane(resolver_for(rich_nsd), context)
    assert result.status == "warn"
    assert "not DNSSEC-validated" in result.summary
    assert result.details["matched"] == {"host": "mx1.example.test", "record": MX_TLSA}
    mx1 = result.details["hosts"][0]
    assert mx1["tlsa"][0]["matches"] is True
    assert mx1["tlsa"][0]["meaning"] == "DANE-EE, public key (SPKI), SHA-256"


async def test_dane_validated_passes_and_wrong_chain_fails(rich_nsd: NsdServer) -> None:
    with ScriptedDns(proxy_handler((rich_nsd.host, rich_nsd.port), set_ad=True)) as server:
        resolver = DnsResolver(server.host, server.port, timeout=2)
        good = await check_dane(
            resolver, AuditContext("example.test", certificate_chain=(MX_CERT_DER,))
        )
        no_chain = await check_dane(resolver, AuditContext("example.test"))
        wrong = await check_dane(
            resolver, AuditContext("example.test", certificate_chain=(other_certificate(),))
        )
    assert good.status == "pass", good
    assert no_chain.status == "pass"
    assert no_chain.details["matched"] is None
    assert wrong.status == "fail"
    assert "no TLSA record matches" in wrong.summary


async def test_dane_without_tlsa_and_given_mx_hosts(rich_nsd: NsdServer) -> None:
    resolver = resolver_for(rich_nsd)
    none = await check_dane(resolver, AuditContext("nomx.test"))
    assert none.status == "info"
    given = await check_dane(
        resolver, AuditContext("whatever.test", mx_hosts=("MX1.example.test.",))
    )
    assert given.details["hosts"][0]["host"] == "mx1.example.test"
    assert given.details["hosts"][0]["tlsa"][0]["record"] == MX_TLSA


async def test_dnssec_states(nsd_server, rich_nsd: NsdServer) -> None:
    unsigned = await check_dnssec(resolver_for(rich_nsd), AuditContext("example.test"))
    assert unsigned.status == "info"
    assert unsigned.details["dnskey"] == 0
    server = nsd_server({"signed.test": DNSKEY + "@ MX 10 mx.signed.test.\n"})
    no_ad = await check_dnssec(resolver_for(server), AuditContext("signed.test"))
    assert no_ad.status == "warn"
    assert no_ad.details["dnskey"] == 1
    with ScriptedDns(proxy_handler((server.host, server.port), set_ad=True)) as proxy:
        validated = await check_dnssec(
            DnsResolver(proxy.host, proxy.port, timeout=2), AuditContext("signed.test")
        )
    assert validated.status == "pass"
    assert validated.details["authenticated"] is True


async def test_tls_rpt(rich_nsd: NsdServer, nsd_server) -> None:
    resolver = resolver_for(rich_nsd)
    good = await check_tls_rpt(resolver, AuditContext("example.test"))
    assert good.status == "pass"
    assert good.details["rua"] == ["mailto:tlsrpt@example.test"]
    bad = await check_tls_rpt(resolver, AuditContext("garbage.test"))
    assert bad.status == "fail"
    assert "'nonsense' must be a mailto: or https: URI" in bad.summary
    missing = await check_tls_rpt(resolver, AuditContext("nomx.test"))
    assert missing.status == "info"
    server = nsd_server(
        {
            "rpt.test": '_smtp._tls TXT "v=TLSRPTv1; rua=mailto:a@rpt.test,https://reports.rpt.test/tls"\n'
        }
    )
    both = await check_tls_rpt(resolver_for(server), AuditContext("rpt.test"))
    assert both.status == "pass"
    assert both.details["rua"] == ["mailto:a@rpt.test", "https://reports.rpt.test/tls"]


async def test_bimi(rich_nsd: NsdServer, nsd_server) -> None:
    resolver = resolver_for(rich_nsd)
    no_vmc = await check_bimi(resolver, AuditContext("example.test"))
    assert no_vmc.status == "info"
    assert no_vmc.details["logo"] == "https://example.test/logo.svg"
    assert no_vmc.details["dmarc_policy"] == "reject"
    garbage = await check_bimi(resolver, AuditContext("garbage.test"))
    assert garbage.status == "fail"
    server = nsd_server(
        {
            "logo.test": '_dmarc TXT "v=DMARC1; p=none"\n'
            'default._bimi TXT "v=BIMI1; l=http://logo.test/logo.png; a=https://logo.test/vmc.pem"\n'
        }
    )
    weak = await check_bimi(resolver_for(server), AuditContext("logo.test"))
    assert weak.status == "fail"
    problems = " ".join(weak.details["problems"])
    assert "l= must be an https:// URL" in problems
    assert "quarantine or reject" in problems
