"""Shared pieces of the checks: zone-file TXT lines that read back exactly, failure phrases."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import dns.rdataclass
import dns.rdatatype
import dns.rrset
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ehlo.dnsauth.answer import Resolver
from ehlo.dnsauth.bimi import check_bimi
from ehlo.dnsauth.common import TXT_STRING_OCTETS, zone_txt
from ehlo.dnsauth.context import AuditContext
from ehlo.dnsauth.result import CheckResult
from ehlo.dnsauth.tls_rpt import check_tls_rpt
from tests.fixtures.memory_resolver import MemoryResolver

Check = Callable[[Resolver, AuditContext], Awaitable[CheckResult]]


def _read_back(line: str) -> list[bytes]:
    name, rclass, rdtype, rdata = line.split(" ", 3)
    assert (name, rclass, rdtype) == ("_dmarc.example.test.", "IN", "TXT")
    assert "\n" not in line and "\r" not in line
    (record,) = dns.rrset.from_text(name, 300, dns.rdataclass.IN, dns.rdatatype.TXT, rdata)
    strings: list[bytes] = list(record.strings)  # type: ignore[attr-defined]
    return strings


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=700))
def test_any_text_reads_back_unchanged(text: str) -> None:
    strings = _read_back(zone_txt("_dmarc.example.test", text))
    assert b"".join(strings) == text.encode("utf-8", errors="replace")
    assert all(len(string) <= TXT_STRING_OCTETS for string in strings)


def test_long_non_ascii_text_is_split_between_characters() -> None:
    text = "v=DMARC1; p=none; " + "é" * 300
    strings = _read_back(zone_txt("_dmarc.example.test", text))
    assert len(strings) == 3
    for string in strings:
        string.decode("utf-8")  # no character cut in two


def test_a_failure_that_names_its_status_is_not_prefixed_again() -> None:
    from ehlo.dnsauth.answer import Answer
    from ehlo.dnsauth.common import describe

    refused = Answer("x.test", "MX", "refused", error="192.0.2.53:53 refused the query (REFUSED)")
    assert describe(refused) == "192.0.2.53:53 refused the query (REFUSED)"
    timeout = Answer("x.test", "MX", "timeout", error="no answer within 3 s")
    assert describe(timeout) == "TIMEOUT: no answer within 3 s"


LONG_DOMAIN = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 33, "test"])
"""230 characters: the record's name is valid, the example value is over 255 octets."""


@pytest.mark.parametrize("check", [check_bimi, check_tls_rpt])
async def test_example_records_read_back_for_any_domain(check: Check) -> None:
    ordinary = await check(MemoryResolver(), AuditContext("example.test"))
    assert ordinary.fixes[0].command in (
        'default._bimi.example.test. IN TXT "v=BIMI1; l=https://example.test/logo.svg; a="',
        '_smtp._tls.example.test. IN TXT "v=TLSRPTv1; rua=mailto:tls-reports@example.test"',
    )
    long = await check(MemoryResolver(), AuditContext(LONG_DOMAIN))
    command = long.fixes[0].command
    assert command is not None
    name, _, _, rdata = command.split(" ", 3)
    (record,) = dns.rrset.from_text(name, 300, dns.rdataclass.IN, dns.rdatatype.TXT, rdata)
    strings: list[bytes] = list(record.strings)  # type: ignore[attr-defined]
    assert LONG_DOMAIN.encode() in b"".join(strings)
    assert all(len(string) <= TXT_STRING_OCTETS for string in strings)
