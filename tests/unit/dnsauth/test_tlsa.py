"""TLSA parsing and matching against certificate chains (usages 2/3, selectors 0/1, types 0/1/2)."""

from __future__ import annotations

import hashlib

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from hypothesis import given
from hypothesis import strategies as st

from ehlo.dnsauth.tlsa import matching_certificate, parse_tlsa


def der_of(pem: bytes) -> bytes:
    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


@pytest.fixture(scope="module")
def chain() -> tuple[bytes, bytes]:
    ca = trustme.CA()
    leaf = ca.issue_cert("mx.example.test")
    return der_of(leaf.cert_chain_pems[0].bytes()), der_of(ca.cert_pem.bytes())


def data(der: bytes, selector: int, mtype: int) -> str:
    selected = der
    if selector == 1:
        selected = (
            x509.load_der_x509_certificate(der)
            .public_key()
            .public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    digest = {
        0: lambda b: b,
        1: lambda b: hashlib.sha256(b).digest(),
        2: lambda b: hashlib.sha512(b).digest(),
    }
    return digest[mtype](selected).hex()


@pytest.mark.parametrize("selector", [0, 1])
@pytest.mark.parametrize("mtype", [0, 1, 2])
def test_dane_ee_matches_the_leaf_only(
    chain: tuple[bytes, bytes], selector: int, mtype: int
) -> None:
    leaf, ca = chain
    record = parse_tlsa(f"3 {selector} {mtype} {data(leaf, selector, mtype)}")
    assert record.problem is None
    assert matching_certificate(record, chain) == 0
    ca_record = parse_tlsa(f"3 {selector} {mtype} {data(ca, selector, mtype)}")
    assert matching_certificate(ca_record, chain) is None


@pytest.mark.parametrize("selector", [0, 1])
@pytest.mark.parametrize("mtype", [0, 1, 2])
def test_dane_ta_matches_the_issuer(chain: tuple[bytes, bytes], selector: int, mtype: int) -> None:
    _, ca = chain
    record = parse_tlsa(f"2 {selector} {mtype} {data(ca, selector, mtype)}")
    assert matching_certificate(record, chain) == 1


def test_pkix_usages_and_mismatches_never_match(chain: tuple[bytes, bytes]) -> None:
    leaf, _ = chain
    assert matching_certificate(parse_tlsa(f"1 1 1 {data(leaf, 1, 1)}"), chain) is None
    assert matching_certificate(parse_tlsa(f"3 1 1 {'00' * 32}"), chain) is None
    assert matching_certificate(parse_tlsa(f"3 1 1 {data(leaf, 1, 1)}"), ()) is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("3 1 1 abcd", "64 hex digits"),
        ("3 1 2 " + "ab" * 32, "128 hex digits"),
        ("4 1 1 " + "ab" * 32, "unknown usage 4"),
        ("3 2 1 " + "ab" * 32, "unknown selector 2"),
        ("3 1 3 " + "ab" * 32, "unknown matching type 3"),
        ("3 1 1 zz", "not hex"),
        ("garbage", "not 'usage selector"),
    ],
)
def test_bad_records(text: str, problem: str) -> None:
    assert problem in (parse_tlsa(text).problem or "")


@given(st.text(max_size=300))
def test_parse_never_raises(text: str) -> None:
    record = parse_tlsa(text)
    assert matching_certificate(record, (b"not a certificate",)) is None
