"""Property tests: the three checks give a result for any published TXT content."""

from __future__ import annotations

import asyncio
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from ehlo.dnsauth.context import AuditContext
from ehlo.dnsauth.dkim import check_dkim
from ehlo.dnsauth.dmarc import check_dmarc
from ehlo.dnsauth.spf import check_spf
from tests.fixtures.memory_resolver import MemoryResolver

STATUSES = {"pass", "warn", "fail", "info", "error"}
records = st.one_of(
    st.text(max_size=400),
    st.text(max_size=200).map(lambda text: "v=spf1 " + text),
    st.text(max_size=200).map(lambda text: "v=DMARC1; " + text),
    st.text(max_size=200).map(lambda text: "v=DKIM1; p=" + text),
)


@settings(max_examples=80, deadline=None)
@given(records, records)
def test_any_txt_content_gives_a_json_safe_result(first: str, second: str) -> None:
    resolver = MemoryResolver()
    for name in ("example.com", "_dmarc.example.com", "default._domainkey.example.com"):
        resolver.add(name, "TXT", first, second)
    context = AuditContext("example.com", ip="192.0.2.1", helo="example.com")

    async def run() -> None:
        for check in (check_spf, check_dmarc, check_dkim):
            result = await check(resolver, context)
            assert result.status in STATUSES
            json.dumps(result.to_dict())

    asyncio.run(run())
