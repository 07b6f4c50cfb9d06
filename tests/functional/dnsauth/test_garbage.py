"""Garbage in DNS and garbage input never crash a check or the audit."""

from __future__ import annotations

import pytest

from ehlo.dnsauth.audit import CHECK_IDS, audit
from ehlo.dnsauth.context import AuditContext
from ehlo.dnsauth.resolver import DnsResolver
from tests.fixtures.nsd import NsdServer
from tests.fixtures.zones import txt

pytestmark = pytest.mark.nsd

GARBAGE = f"""
@ MX 10 \\255\\254.mess.test.
@ MX 20 mx
@ TXT "v=spf1 \\200 include:" "x -all"
@ TXT {txt("v=spf1 " + "a " * 2000)}
mx A 192.0.2.1
_dmarc TXT "v=DMARC1; p=\\300\\301; rua=mailto:\\255"
_mta-sts TXT "v=STSv1; id=" "abc" "def"
_smtp._tls TXT "v=TLSRPTv1;;;; rua=,,,"
default._bimi TXT "v=BIMI1; l=\\000"
default._domainkey TXT "v=DKIM1; p=!!!notbase64"
_25._tcp.mx TLSA 3 1 1 00
"""


async def test_audit_of_a_garbage_domain_explains_and_never_crashes(nsd_server) -> None:
    server: NsdServer = nsd_server({"mess.test": GARBAGE})
    resolver = DnsResolver(server.host, server.port, timeout=2)
    report = await audit(
        resolver,
        AuditContext("mess.test", ip="192.0.2.1", helo="\\255.mess.test", selectors=("default",)),
        timeout=15,
    )
    assert [check.id for check in report.checks] == list(CHECK_IDS)
    for check in report.checks:
        assert "crashed" not in check.summary, check
        assert check.summary
        for fix in check.fixes:
            assert fix.text
    by_id = {check.id: check for check in report.checks}
    assert by_id["tls-rpt"].status == "fail"
    assert by_id["mta-sts"].details["record"] == "v=STSv1; id=abcdef"
    assert by_id["dane"].details["hosts"][1]["tlsa"][0]["problem"]


@pytest.mark.parametrize("bad", ["", "..", "a" * 64 + ".test", "exa mple.test", "-", "a..b.test"])
async def test_invalid_domains_are_refused(bad: str, rich_nsd: NsdServer) -> None:
    resolver = DnsResolver(rich_nsd.host, rich_nsd.port)
    with pytest.raises(ValueError):
        await audit(resolver, AuditContext(bad))
