"""The sandbox's TLS certificate: self-signed at start, or loaded from files."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True, slots=True)
class CertificatePair:
    """A certificate and its private key, both PEM."""

    certificate_pem: str
    key_pem: str


def self_signed(hostname: str) -> CertificatePair:
    """A fresh self-signed certificate for HOSTNAME, localhost and the loopback addresses."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.datetime.now(datetime.UTC)
    alternative_names: list[x509.GeneralName] = [
        x509.DNSName(hostname),
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName(alternative_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certificate_pem = certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    return CertificatePair(certificate_pem, key_pem)


def load_pair(cert_file: str, key_file: str) -> CertificatePair:
    """Read a certificate and key from PEM files.

    Raises:
        OSError: a file cannot be read.
        ValueError: a file is not PEM text.
    """
    certificate_pem = Path(cert_file).read_text(encoding="ascii")
    key_pem = Path(key_file).read_text(encoding="ascii")
    if "-----BEGIN" not in certificate_pem or "-----BEGIN" not in key_pem:
        raise ValueError("the certificate and key must be PEM files")
    return CertificatePair(certificate_pem, key_pem)


def server_context(pair: CertificatePair) -> ssl.SSLContext:
    """A server-side TLS context using PAIR (ssl only loads chains from files)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    with tempfile.TemporaryDirectory(prefix="ehlo-sandbox-") as directory:
        cert_path = Path(directory) / "cert.pem"
        key_path = Path(directory) / "key.pem"
        cert_path.write_text(pair.certificate_pem, encoding="ascii")
        key_path.touch(mode=0o600)
        key_path.write_text(pair.key_pem, encoding="ascii")
        context.load_cert_chain(str(cert_path), str(key_path))
    return context
