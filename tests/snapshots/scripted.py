"""A recorded session with fixed times, addresses and certificate, for snapshots and screenshots."""

from __future__ import annotations

from datetime import UTC, datetime

from ehlo.smtp.events import Connected, Event, Received, Sent, TlsUpgraded
from ehlo.smtp.reply import parse_reply
from ehlo.smtp.tls import CertificateFacts, TlsFacts

HOST = "mx.example.net"
PORT = 25
START = 1_790_000_000.0

LEAF = CertificateFacts(
    subject="CN=mx.example.net",
    sans=("mx.example.net", "mail.example.net"),
    issuer="CN=Example Issuing CA 1,O=Example Trust",
    not_before=datetime(2026, 9, 1, tzinfo=UTC),
    not_after=datetime(2026, 11, 30, tzinfo=UTC),
    days_left=64,
    key_type="EC secp256r1",
    key_bits=256,
    signature_algorithm="ecdsa-with-SHA256",
    sha256="3f" * 32,
    spki_sha256="a1" * 32,
    der=b"\x30\x03\x02\x01\x01",
)
ISSUER = CertificateFacts(
    subject="CN=Example Issuing CA 1,O=Example Trust",
    sans=(),
    issuer="CN=Example Root CA,O=Example Trust",
    not_before=datetime(2024, 1, 1, tzinfo=UTC),
    not_after=datetime(2029, 1, 1, tzinfo=UTC),
    days_left=1191,
    key_type="RSA",
    key_bits=2048,
    signature_algorithm="sha256WithRSAEncryption",
    sha256="5c" * 32,
    spki_sha256="7e" * 32,
    der=b"\x30\x03\x02\x01\x02",
)
TLS = TlsFacts(
    version="TLSv1.3",
    cipher="TLS_AES_256_GCM_SHA384",
    chain=(LEAF, ISSUER),
    hostname=HOST,
    hostname_matches=True,
    verified=False,
    verify_error="unable to get local issuer certificate",
)

EHLO_REPLY = (
    "250-mx.example.net Hello [127.0.0.1]\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n"
    "250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n"
)
EHLO_TLS_REPLY = (
    "250-mx.example.net Hello [127.0.0.1]\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n"
    "250-AUTH PLAIN LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n"
)


def _steps() -> list[tuple[str, str, str | None, float]]:
    """(stage, client line or "", server reply or None, latency ms) in order."""
    return [
        ("connect", "", "220 mx.example.net ESMTP ready\r\n", 31.0),
        ("ehlo", "EHLO client.example.com", EHLO_REPLY, 12.0),
        ("starttls", "STARTTLS", "220 2.0.0 Ready to start TLS\r\n", 9.0),
        ("ehlo", "EHLO client.example.com", EHLO_TLS_REPLY, 14.0),
        ("auth", "AUTH PLAIN <redacted>", "235 2.7.0 Authentication successful\r\n", 48.0),
        ("mail", "MAIL FROM:<demo@example.com>", "250 2.1.0 Ok\r\n", 11.0),
        (
            "rcpt",
            "RCPT TO:<nobody@example.net>",
            "550 5.1.1 <nobody@example.net>: Recipient address rejected: "
            "User unknown in local recipient table\r\n",
            23.0,
        ),
    ]


def recorded_session(failure: bool = True) -> list[Event]:
    """The events of a session through STARTTLS and AUTH, ending in RCPT (550 5.1.1 if failure)."""
    at = START
    events: list[Event] = [
        Connected(at, HOST, PORT, ("127.0.0.1", PORT), ("127.0.0.1", 40000), False)
    ]
    for stage, line, scripted_reply, latency in _steps():
        reply = "250 2.1.5 Ok\r\n" if stage == "rcpt" and not failure else scripted_reply
        at += 0.05
        if line:
            events.append(Sent(at, stage, line))  # type: ignore[arg-type]
        at += latency / 1000
        events.append(Received(at, stage, parse_reply(reply or ""), latency))  # type: ignore[arg-type]
        if stage == "starttls":
            at += 0.02
            events.append(TlsUpgraded(at, TLS))
    return events
