"""DKIM key records: key sizes and kinds made with cryptography, revoked and broken keys."""

from __future__ import annotations

import base64
import shlex

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from hypothesis import given
from hypothesis import strategies as st

from ehlo.dnsauth.context import AuditContext
from ehlo.dnsauth.dkim import COMMON_SELECTORS, assess_record, check_dkim, parse_tags
from tests.fixtures.memory_resolver import MemoryResolver


def rsa_p(bits: int) -> str:
    """The p= value of a fresh RSA key; under 1024 bits built from its public numbers."""
    if bits >= 1024:
        key = rsa.generate_private_key(65537, bits).public_key()
    else:
        modulus = (1 << (bits - 1)) | 0xF1  # loading a public key does not check primality
        key = rsa.RSAPublicNumbers(65537, modulus).public_key()
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def ed25519_p() -> str:
    raw = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return base64.b64encode(raw).decode()


@pytest.mark.parametrize(
    ("bits", "status"), [(512, "fail"), (1024, "warn"), (2048, "pass"), (4096, "pass")]
)
def test_rsa_key_sizes(bits: int, status: str) -> None:
    key = assess_record("s", "s._domainkey.example.com", f"v=DKIM1; k=rsa; p={rsa_p(bits)}", True)
    assert (key.status, key.key_type, key.key_bits) == (status, "rsa", bits)


def test_pkcs1_rsa_key_is_accepted() -> None:
    key = rsa.generate_private_key(65537, 2048).public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    p = base64.b64encode(der).decode()
    assessed = assess_record("s", "n", f"p={p}", True)
    assert (assessed.status, assessed.key_bits) == ("pass", 2048)


def test_ed25519_key() -> None:
    key = assess_record("s", "n", f"v=DKIM1; k=ed25519; p={ed25519_p()}", True)
    assert (key.status, key.key_type, key.key_bits) == ("pass", "ed25519", 256)


def test_split_key_with_spaces_is_joined() -> None:
    p = rsa_p(2048)
    spaced = " ".join(p[i : i + 60] for i in range(0, len(p), 60))
    assert assess_record("s", "n", f"v=DKIM1; p={spaced}", True).key_bits == 2048


@pytest.mark.parametrize(
    ("record", "fragment"),
    [
        ("v=DKIM1; p=!!notbase64!!", "base64"),
        ("v=DKIM1; p=" + base64.b64encode(b"garbage key bytes").decode(), "RSA public key"),
        ("v=DKIM1; k=ed25519; p=" + base64.b64encode(b"short").decode(), "32-byte"),
        ("v=DKIM1; k=dsa; p=AAAA", "unknown key type"),
        ("v=DKIM1; h=sha1; p=" + "A" * 8, "sha256"),
        ("v=DKIM1; s=tlsrpt; p=AAAA", "not for email"),
        ("v=DKIM2; p=AAAA", "DKIM1"),
        ("v=DKIM1; k=rsa", "p= tag is missing"),
        ("just text", "tag list"),
    ],
)
def test_broken_records_fail(record: str, fragment: str) -> None:
    key = assess_record("s", "n", record, True)
    assert key.status == "fail"
    assert fragment in " ".join(key.problems)


def test_ec_key_is_not_an_rsa_key() -> None:
    der = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    key = assess_record("s", "n", "p=" + base64.b64encode(der).decode(), True)
    assert key.status == "fail"


def test_revoked_testing_and_strict_flags() -> None:
    revoked = assess_record("s", "n", "v=DKIM1; k=rsa; p=", True)
    assert (revoked.revoked, revoked.status) == (True, "warn")
    testing = assess_record("s", "n", f"v=DKIM1; t=y:s; p={rsa_p(2048)}", True)
    assert (testing.testing, testing.strict, testing.status) == (True, True, "warn")


@given(st.text(max_size=300))
def test_any_record_gives_a_verdict(text: str) -> None:
    assert assess_record("s", "n", text, False).status in {"pass", "info", "warn", "fail"}
    parse_tags(text)


async def test_check_given_and_probed_selectors() -> None:
    resolver = MemoryResolver()
    resolver.add("custom._domainkey.example.com", "TXT", f"v=DKIM1; k=rsa; p={rsa_p(2048)}")
    resolver.add("google._domainkey.example.com", "TXT", f"v=DKIM1; k=rsa; p={rsa_p(1024)}")
    resolver.add("s1._domainkey.example.com", "TXT", f"v=DKIM1; k=ed25519; p={ed25519_p()}")
    resolver.add("k1._domainkey.example.com", "TXT", "v=DKIM1; p=")
    result = await check_dkim(resolver, AuditContext("example.com", selectors=("custom",)))
    by_selector = {entry["selector"]: entry for entry in result.details["selectors"]}
    assert set(by_selector) == {"custom", "google", "s1", "k1"}
    assert (by_selector["custom"]["key_type"], by_selector["custom"]["key_bits"]) == ("rsa", 2048)
    assert by_selector["custom"]["given"] is True
    assert by_selector["google"]["status"] == "warn"
    assert by_selector["s1"]["key_type"] == "ed25519"
    assert by_selector["k1"]["revoked"] is True
    assert result.status == "warn"
    assert any(fix.command and "rsa_keygen_bits:2048" in fix.command for fix in result.fixes)
    queried = {name for name, _ in resolver.queries}
    assert {f"{s}._domainkey.example.com" for s in COMMON_SELECTORS} <= queried


async def test_missing_given_selector_fails_with_a_quoted_dig() -> None:
    result = await check_dkim(MemoryResolver(), AuditContext("example.com", selectors=("sel-1",)))
    assert result.status == "fail"
    commands = [fix.command for fix in result.fixes if fix.command]
    assert shlex.split(commands[0]) == ["dig", "+short", "TXT", "sel-1._domainkey.example.com"]


async def test_nothing_found_by_probing_is_info() -> None:
    result = await check_dkim(MemoryResolver(), AuditContext("example.com"))
    assert result.status == "info"
    assert result.details["selectors"] == []


async def test_invalid_selector_is_reported() -> None:
    result = await check_dkim(MemoryResolver(), AuditContext("example.com", selectors=("a b;c",)))
    assert result.status == "fail"
    assert result.details["invalid_selectors"] == ["a b;c"]


async def test_dns_failure_is_an_error() -> None:
    resolver = MemoryResolver(
        failures={f"{s}._domainkey.example.com": "servfail" for s in COMMON_SELECTORS}
    )
    result = await check_dkim(resolver, AuditContext("example.com"))
    assert result.status == "error"


async def test_weak_key_fails_the_check() -> None:
    resolver = MemoryResolver()
    resolver.add("default._domainkey.example.com", "TXT", f"p={rsa_p(768)}")
    result = await check_dkim(resolver, AuditContext("example.com"))
    assert result.status == "fail"
    assert "768" in result.summary


async def test_summary_names_the_worst_problem() -> None:
    resolver = MemoryResolver()
    resolver.add("google._domainkey.example.com", "TXT", f"p={rsa_p(1024)}")
    resolver.add("mail._domainkey.example.com", "TXT", "p=%%%")
    result = await check_dkim(resolver, AuditContext("example.com"))
    assert result.status == "fail"
    assert "base64" in result.summary


async def test_invalid_domain_is_an_error() -> None:
    result = await check_dkim(MemoryResolver(), AuditContext("a..b"))
    assert result.status == "error"
