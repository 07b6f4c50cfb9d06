"""The SPKI SHA-256 of TLS facts is what DANE 3 1 1 records hash, checked against openssl."""

from __future__ import annotations

import hashlib
import ssl
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ehlo.smtp.events import TlsUpgraded
from ehlo.smtp.session import Session
from ehlo.smtp.tls import certificate_facts, subject_public_key_info
from tests.fixtures.smtp_server import smtp_server

from .conftest import collect, options_for

NAME = "mx.ehlo.test"


def openssl(*args: str, data: bytes | None = None) -> bytes:
    return subprocess.run(["openssl", *args], input=data, capture_output=True, check=True).stdout


def make_certificate(directory: Path, key_kind: str) -> tuple[Path, Path]:
    """A self-signed certificate made by openssl; `ec-compressed` stores its point compressed."""
    key = directory / f"{key_kind}.key"
    certificate = directory / f"{key_kind}.pem"
    if key_kind == "rsa":
        openssl(
            "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", str(key)
        )
    else:
        plain = directory / "plain.key"
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", str(plain))
        form = "compressed" if key_kind == "ec-compressed" else "uncompressed"
        openssl("ec", "-in", str(plain), "-conv_form", form, "-out", str(key))
    openssl(
        "req", "-x509", "-new", "-key", str(key), "-subj", f"/CN={NAME}", "-days", "30",
        "-addext", f"subjectAltName=DNS:{NAME}", "-out", str(certificate),
    )  # fmt: skip
    return certificate, key


def openssl_spki_sha256(certificate: Path) -> str:
    """`openssl x509 -pubkey | openssl pkey -pubin -outform DER | sha256sum`."""
    public_pem = openssl("x509", "-in", str(certificate), "-noout", "-pubkey")
    return hashlib.sha256(openssl("pkey", "-pubin", "-outform", "DER", data=public_pem)).hexdigest()


@pytest.mark.parametrize("key_kind", ["rsa", "ec", "ec-compressed"])
async def test_spki_hash_of_a_live_session_matches_openssl(tmp_path: Path, key_kind: str) -> None:
    certificate, key = make_certificate(tmp_path, key_kind)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate, key)
    async with smtp_server(tls_context=context, implicit_tls=True) as server:
        session = Session(options_for(server.port, tls="implicit", verify="report"))
        events = await collect(session.connect())
        await session.close()
    facts = next(e.facts for e in events if isinstance(e, TlsUpgraded))
    leaf = facts.chain[0]
    assert leaf.spki_sha256 == openssl_spki_sha256(certificate)
    der = openssl("x509", "-in", str(certificate), "-outform", "DER")
    assert leaf.sha256 == hashlib.sha256(der).hexdigest()


@given(st.binary(max_size=300))
def test_spki_extraction_never_fails_unexpectedly(data: bytes) -> None:
    try:
        spki = subject_public_key_info(data)
    except ValueError:
        return
    assert spki.startswith(b"\x30") and spki in data


def test_certificate_facts_keep_the_spki_of_an_unusual_key(tmp_path: Path) -> None:
    certificate, _ = make_certificate(tmp_path, "ec-compressed")
    der = openssl("x509", "-in", str(certificate), "-outform", "DER")
    facts = certificate_facts(der)
    assert facts.key_type == "EC secp256r1" and facts.key_bits == 256
    assert facts.spki_sha256 == openssl_spki_sha256(certificate)


def test_tlsa_association_uses_the_spki_as_encoded(tmp_path: Path) -> None:
    """A DANE 3 1 1 record made by openssl matches a compressed-point EC certificate."""
    from ehlo.dnsauth.tlsa import association

    certificate, _ = make_certificate(tmp_path, "ec-compressed")
    der = openssl("x509", "-in", str(certificate), "-outform", "DER")
    assert association(der, 1, 1) == bytes.fromhex(openssl_spki_sha256(certificate))
