"""What a session connects to and how: TLS mode, verification, addresses, timeouts, credentials."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

TlsMode = Literal["none", "starttls", "opportunistic", "implicit"]
"""`starttls` requires STARTTLS; `opportunistic` uses it if offered; `implicit`: TLS at once."""

VerifyMode = Literal["verify", "report"]
"""`verify` refuses a bad certificate; `report` connects anyway and records why it is bad."""

Family = Literal["any", "ipv4", "ipv6"]

Mechanism = Literal["PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2"]
MECHANISMS: tuple[Mechanism, ...] = ("PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2")


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Per-stage timeouts in seconds, shorter than RFC 5321 section 4.5.3.2's minimums."""

    connect: float = 10.0
    banner: float = 30.0
    command: float = 30.0
    data: float = 60.0
    tls: float = 15.0

    @classmethod
    def uniform(cls, seconds: float) -> Timeouts:
        """The same timeout for every stage."""
        return cls(seconds, seconds, seconds, seconds, seconds)


@dataclass(frozen=True, slots=True)
class ConnectOptions:
    """Where to connect and how; `server_name` overrides the SNI and verification name."""

    host: str
    port: int = 25
    tls: TlsMode = "opportunistic"
    verify: VerifyMode = "verify"
    server_name: str | None = None
    family: Family = "any"
    source_address: str | None = None
    ca_file: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    helo: str | None = None
    timeouts: Timeouts = field(default_factory=Timeouts)

    @property
    def bare_host(self) -> str:
        """The host without address-literal brackets: `[192.0.2.1]`, `[IPv6:2001:db8::1]`."""
        host = self.host.strip().strip("[]")
        return host[5:] if host[:5].lower() == "ipv6:" else host

    @property
    def tls_name(self) -> str:
        """The name sent as SNI and checked against the certificate."""
        return self.server_name or self.bare_host


@dataclass(frozen=True, slots=True)
class Credentials:
    """A SASL mechanism, a user name and a secret (password or token); repr hides the secret."""

    mechanism: Mechanism
    username: str
    secret: str = field(repr=False)

    def __str__(self) -> str:
        return f"{self.mechanism} as {self.username!r}"
