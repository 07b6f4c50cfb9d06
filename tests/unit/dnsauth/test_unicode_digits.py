"""Numbers in records are ASCII digits: other Unicode digits are refused, never a crash.

`str.isdigit()` is true for characters such as '¹' that `int()` cannot read, so every numeric
field taken from the network is checked to be ASCII as well.
"""

from __future__ import annotations

import pytest

from ehlo.dnsauth.common import mx_hosts
from ehlo.dnsauth.dmarc_record import parse_dmarc
from ehlo.dnsauth.mta_sts_policy import parse_policy
from ehlo.dnsauth.resolver import parse_resolver_arg
from ehlo.dnsauth.tlsa import parse_tlsa

ODD_DIGITS = ["¹", "²5", "٣", "１０"]  # superscripts, Arabic-Indic, full-width


@pytest.mark.parametrize("digits", ODD_DIGITS)
def test_mx_preference(digits: str) -> None:
    assert mx_hosts([f"{digits} mx.example.net.", "10 mx2.example.net."]) == [
        (10, "mx2.example.net.")
    ]


@pytest.mark.parametrize("digits", ODD_DIGITS)
def test_dmarc_pct_and_ri(digits: str) -> None:
    record = parse_dmarc(f"v=DMARC1; p=reject; pct={digits}; ri={digits}")
    assert record.policy == "reject"
    assert any(error.startswith("pct=") for error in record.errors)
    assert any(error.startswith("ri=") for error in record.errors)


@pytest.mark.parametrize("digits", ODD_DIGITS)
def test_mta_sts_max_age(digits: str) -> None:
    policy = parse_policy(f"version: STSv1\nmode: enforce\nmx: mx.example.net\nmax_age: {digits}\n")
    assert policy.max_age is None


@pytest.mark.parametrize("digits", ODD_DIGITS)
def test_tlsa_fields(digits: str) -> None:
    record = parse_tlsa(f"3 {digits} 1 " + "ab" * 32)
    assert record.problem == "not 'usage selector matching-type data'"


@pytest.mark.parametrize("digits", ODD_DIGITS)
def test_resolver_port(digits: str) -> None:
    with pytest.raises(ValueError):
        parse_resolver_arg(f"127.0.0.1:{digits}")
