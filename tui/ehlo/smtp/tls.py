"""TLS for sessions: client contexts, certificate facts, offline verification (report mode)."""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import ssl
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from ehlo.smtp.options import ConnectOptions

if TYPE_CHECKING:  # cryptography is imported when first needed: it is slow to import
    from cryptography import x509
    from cryptography.x509 import verification


@dataclass(frozen=True, slots=True)
class CertificateFacts:
    """What one certificate says; `sha256`, `spki_sha256`: lower-case hex (DANE 3 0 1, 3 1 1)."""

    subject: str
    sans: tuple[str, ...]
    issuer: str
    not_before: datetime
    not_after: datetime
    days_left: int
    key_type: str
    key_bits: int | None
    signature_algorithm: str
    sha256: str
    spki_sha256: str
    der: bytes

    @property
    def self_signed(self) -> bool:
        """Subject and issuer are the same name."""
        return self.subject == self.issuer

    def to_dict(self) -> dict[str, object]:
        """JSON shape (without the DER bytes)."""
        return {
            "subject": self.subject,
            "sans": list(self.sans),
            "issuer": self.issuer,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "days_left": self.days_left,
            "key_type": self.key_type,
            "key_bits": self.key_bits,
            "signature_algorithm": self.signature_algorithm,
            "sha256": self.sha256,
            "spki_sha256": self.spki_sha256,
        }


@dataclass(frozen=True, slots=True)
class TlsFacts:
    """The negotiated TLS session, the server's chain (leaf first) and the verification verdict."""

    version: str
    cipher: str
    chain: tuple[CertificateFacts, ...]
    hostname: str | None
    hostname_matches: bool
    verified: bool
    verify_error: str | None

    @property
    def leaf(self) -> CertificateFacts | None:
        """The server's own certificate."""
        return self.chain[0] if self.chain else None

    def to_dict(self) -> dict[str, object]:
        """JSON shape."""
        return {
            "version": self.version,
            "cipher": self.cipher,
            "hostname": self.hostname,
            "hostname_matches": self.hostname_matches,
            "verified": self.verified,
            "verify_error": self.verify_error,
            "chain": [certificate.to_dict() for certificate in self.chain],
        }


def client_context(options: ConnectOptions) -> ssl.SSLContext:
    """An SSL context for the options: verifying, or (report mode) accepting any certificate.

    Raises:
        OSError, ssl.SSLError: when the CA file or the client certificate cannot be loaded.
    """
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=options.ca_file)
    if options.verify == "report":
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        try:  # a debugger must be able to talk to old servers too
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                context.minimum_version = ssl.TLSVersion.TLSv1
            context.set_ciphers("DEFAULT:@SECLEVEL=0")
        except (ssl.SSLError, ValueError):
            pass
    if options.client_cert:
        context.load_cert_chain(options.client_cert, options.client_key, password=_no_passphrase)
    return context


def _no_passphrase() -> str:
    """Refuse encrypted client keys (OpenSSL would otherwise prompt on the terminal).

    Raises:
        ssl.SSLError: always.
    """
    raise ssl.SSLError("the client key is encrypted with a passphrase; give an unencrypted key")


def certificate_facts(der: bytes, now: datetime | None = None) -> CertificateFacts:
    """Facts of one DER certificate.

    Raises:
        ValueError: when the bytes are not a certificate.
    """
    from cryptography import x509

    certificate = x509.load_der_x509_certificate(der)
    now = now or datetime.now(UTC)
    try:
        public_key = certificate.public_key()
    except Exception:  # an algorithm cryptography does not support: keep the other facts
        oid = certificate.public_key_algorithm_oid
        key_type, key_bits = getattr(oid, "_name", oid.dotted_string), None
    else:
        key_type, key_bits = _key_description(public_key)
    try:
        spki = subject_public_key_info(der)
    except ValueError:
        spki = b""
    spki_sha256 = hashlib.sha256(spki).hexdigest() if spki else ""
    oid = certificate.signature_algorithm_oid
    not_after = certificate.not_valid_after_utc
    return CertificateFacts(
        subject=certificate.subject.rfc4514_string(),
        sans=_subject_alt_names(certificate),
        issuer=certificate.issuer.rfc4514_string(),
        not_before=certificate.not_valid_before_utc,
        not_after=not_after,
        days_left=(not_after - now).days,
        key_type=key_type,
        key_bits=key_bits,
        signature_algorithm=getattr(oid, "_name", None) or oid.dotted_string,
        sha256=hashlib.sha256(der).hexdigest(),
        spki_sha256=spki_sha256,
        der=der,
    )


def _der_element(data: bytes, offset: int) -> tuple[int, int]:
    """The header length and content length of the DER element at offset.

    Raises:
        ValueError: when the bytes there are not a definite-length DER element.
    """
    if offset + 2 > len(data) or data[offset] & 0x1F == 0x1F:
        raise ValueError("truncated or multi-byte DER tag")
    first = data[offset + 1]
    if first < 0x80:
        header, length = 2, first
    else:
        count = first & 0x7F
        if not 1 <= count <= 4 or offset + 2 + count > len(data):
            raise ValueError("unsupported DER length")
        header, length = 2 + count, int.from_bytes(data[offset + 2 : offset + 2 + count], "big")
    if offset + header + length > len(data):
        raise ValueError("DER element runs past the end")
    return header, length


def subject_public_key_info(der: bytes) -> bytes:
    """The SubjectPublicKeyInfo exactly as encoded in the certificate (what DANE selector 1 hashes).

    Re-encoding the parsed key is not enough: a compressed EC point, for one, comes back
    uncompressed and hashes differently.

    Raises:
        ValueError: when the DER is not an X.509 certificate.
    """
    tbs, _ = _der_element(der, 0)
    header, _ = _der_element(der, tbs)
    offset = tbs + header
    header, length = _der_element(der, offset)
    if der[offset] == 0xA0:  # [0] EXPLICIT version
        offset += header + length
    for _ in range(5):  # serialNumber, signature, issuer, validity, subject
        offset += sum(_der_element(der, offset))
    header, length = _der_element(der, offset)
    if der[offset] != 0x30:
        raise ValueError("no SubjectPublicKeyInfo where expected")
    return der[offset : offset + header + length]


def _key_description(public_key: object) -> tuple[str, int | None]:
    """Key type name and size in bits."""
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

    if isinstance(public_key, rsa.RSAPublicKey):
        return "RSA", public_key.key_size
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return f"EC {public_key.curve.name}", public_key.key_size
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256
    if isinstance(public_key, ed448.Ed448PublicKey):
        return "Ed448", 456
    if isinstance(public_key, dsa.DSAPublicKey):
        return "DSA", public_key.key_size
    return type(public_key).__name__, None


def _subject_alt_names(certificate: x509.Certificate) -> tuple[str, ...]:
    """DNS names and IP addresses from the subjectAltName extension."""
    from cryptography import x509

    try:
        extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except (x509.ExtensionNotFound, ValueError):
        return ()
    names: list[str] = list(extension.value.get_values_for_type(x509.DNSName))
    names += [str(address) for address in extension.value.get_values_for_type(x509.IPAddress)]
    return tuple(names)


def name_matches(sans: tuple[str, ...], hostname: str) -> bool:
    """Whether a certificate with these SANs is valid for hostname (RFC 6125 wildcards)."""
    wanted = _a_label_name(hostname.strip("[]").rstrip(".").lower())
    try:
        address = ipaddress.ip_address(wanted)
    except ValueError:
        address = None
    for san in sans:
        if address is not None:
            try:
                if ipaddress.ip_address(san) == address:
                    return True
            except ValueError:
                continue
            continue
        pattern = san.rstrip(".").lower()
        if pattern == wanted:
            return True
        if pattern.startswith("*.") and "." in wanted:
            first, rest = wanted.split(".", 1)
            if first and rest == pattern[2:]:
                return True
    return False


def _a_label_name(name: str) -> str:
    """An internationalised host name in the A-label form certificates carry (IDNA, as SNI)."""
    if name.isascii():
        return name
    try:
        return name.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return name


def peer_chain(ssl_object: ssl.SSLObject | ssl.SSLSocket) -> tuple[bytes, ...]:
    """The chain the server sent, DER, leaf first (the leaf alone when the chain is unavailable)."""
    inner = getattr(ssl_object, "_sslobj", None)
    get_chain = getattr(inner, "get_unverified_chain", None)
    if get_chain is not None:
        try:
            chain = get_chain() or []
            encoded = tuple(bytes(c.public_bytes(ssl._ssl.ENCODING_DER)) for c in chain)  # type: ignore[attr-defined]
            if encoded:
                return encoded
        except (AttributeError, ValueError, ssl.SSLError):
            pass
    leaf = ssl_object.getpeercert(binary_form=True)
    return (leaf,) if leaf else ()


def tls_facts(
    ssl_object: ssl.SSLObject | ssl.SSLSocket, hostname: str | None, options: ConnectOptions
) -> TlsFacts:
    """Facts of an established TLS session; in report mode the chain is verified here, offline."""
    now = datetime.now(UTC)
    chain: list[CertificateFacts] = []
    for der in peer_chain(ssl_object):
        try:
            chain.append(certificate_facts(der, now))
        except Exception:
            continue
    matches = bool(chain and hostname and name_matches(chain[0].sans, hostname))
    cipher = ssl_object.cipher()
    verify_error = (
        None
        if options.verify == "verify"
        else verify_chain(tuple(chain), hostname, options.ca_file, now)
    )
    return TlsFacts(
        version=ssl_object.version() or "unknown",
        cipher=cipher[0] if cipher else "unknown",
        chain=tuple(chain),
        hostname=hostname,
        hostname_matches=matches,
        verified=verify_error is None,
        verify_error=verify_error,
    )


def verify_chain(
    chain: tuple[CertificateFacts, ...],
    hostname: str | None,
    ca_file: str | None = None,
    now: datetime | None = None,
) -> str | None:
    """Why the chain is not valid for hostname, in plain words; None when it is."""
    if not chain:
        return "the server sent no certificate"
    now = now or datetime.now(UTC)
    leaf = chain[0]
    problems: list[str] = []
    if now > leaf.not_after:
        problems.append(f"certificate has expired (not after {leaf.not_after:%Y-%m-%d %H:%M} UTC)")
    elif now < leaf.not_before:
        problems.append(f"certificate is not yet valid (not before {leaf.not_before:%Y-%m-%d} UTC)")
    if hostname and not name_matches(leaf.sans, hostname):
        names = ", ".join(leaf.sans[:5]) or leaf.subject or "no names"
        problems.append(f"hostname mismatch: the certificate is for {names}, not {hostname}")
    chain_problem = _chain_problem(chain, ca_file, now)
    if chain_problem:
        problems.append(chain_problem)
    return "; ".join(problems) or None


def _chain_problem(
    chain: tuple[CertificateFacts, ...], ca_file: str | None, now: datetime
) -> str | None:
    """Whether the chain leads to a trusted root (ignoring the host name and the leaf's dates)."""
    from cryptography import x509
    from cryptography.x509 import verification

    leaf = chain[0]
    roots = _trust_roots(ca_file)
    if not roots:
        return "no trusted certificate authorities could be loaded to verify against"
    moment = min(
        max(now, leaf.not_before + timedelta(seconds=1)), leaf.not_after - timedelta(seconds=1)
    )
    leaf_certificate = x509.load_der_x509_certificate(leaf.der)
    intermediates = [x509.load_der_x509_certificate(c.der) for c in chain[1:]]
    subject = _verifier_subject(leaf)
    try:
        builder = (
            verification.PolicyBuilder()
            .store(verification.Store(list(roots)))
            .time(moment)
            .extension_policies(
                ca_policy=verification.ExtensionPolicy.webpki_defaults_ca(),
                ee_policy=verification.ExtensionPolicy.permit_all().require_present(
                    x509.SubjectAlternativeName, verification.Criticality.AGNOSTIC, None
                ),
            )
        )
        if subject is None:
            raise verification.VerificationError("the certificate has no DNS name or IP address")
        builder.build_server_verifier(subject).verify(leaf_certificate, intermediates)
    except verification.VerificationError as exc:
        if leaf.self_signed:
            return "self-signed certificate: it is not issued by a trusted certificate authority"
        return f"certificate chain is not trusted: {exc}"
    except Exception as exc:  # any other parsing or policy problem is reported, not raised
        return f"certificate chain could not be checked: {exc}"
    return None


def _verifier_subject(leaf: CertificateFacts) -> verification.Subject | None:
    """A name the leaf claims, so that chain verification ignores the host name (checked apart)."""
    from cryptography import x509

    for san in leaf.sans:
        try:
            return x509.IPAddress(ipaddress.ip_address(san))
        except ValueError:
            pass
        name = "x" + san[1:] if san.startswith("*.") else san
        try:
            return x509.DNSName(name)
        except ValueError:
            continue
    return None


@functools.lru_cache(maxsize=8)
def _trust_roots(ca_file: str | None) -> tuple[x509.Certificate, ...]:
    """Certificates trusted for offline verification: the CA file given, else the system bundle."""
    paths = ssl.get_default_verify_paths()
    candidates = [ca_file] if ca_file else [paths.cafile, paths.openssl_cafile]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return _load_pem_bundle(Path(candidate).read_bytes())
    return ()


def _load_pem_bundle(data: bytes) -> tuple[x509.Certificate, ...]:
    """Every certificate of a PEM bundle that parses; broken entries are skipped."""
    from cryptography import x509

    marker = b"-----END CERTIFICATE-----"
    found: list[x509.Certificate] = []
    for block in data.split(marker):
        start = block.find(b"-----BEGIN CERTIFICATE-----")
        if start < 0:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                found.append(x509.load_pem_x509_certificate(block[start:] + marker + b"\n"))
        except ValueError:
            continue
    return tuple(found)
