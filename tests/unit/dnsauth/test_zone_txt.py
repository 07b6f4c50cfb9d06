"""Records offered for a zone file read back as exactly the text meant, whatever it holds."""

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
