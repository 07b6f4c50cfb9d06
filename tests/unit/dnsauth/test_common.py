"""Shared pieces of the checks: zone-file TXT lines that read back exactly, failure phrases."""

from __future__ import annotations

import dns.rdataclass
import dns.rdatatype
import dns.rrset
from hypothesis import given, settings
from hypothesis import strategies as st

from ehlo.dnsauth.common import TXT_STRING_OCTETS, zone_txt


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
