"""What `ehlo check` was asked to do, validated (kept free of the engine's heavy imports)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from ehlo.smtp.options import ConnectOptions, Credentials, Mechanism, Timeouts, TlsMode
from ehlo.smtp.target import Endpoint, Family, ParsedTarget


@dataclass(frozen=True)
class CheckRequest:
    """Everything `ehlo check` was asked to do, validated."""

    target: ParsedTarget
    sender: str
    recipients: tuple[str, ...]
    tls: str = "auto"
    verify: bool = True
    ca_file: str | None = None
    server_name: str | None = None
    family: Family = "any"
    port: int | None = None
    resolver: str | None = None
    helo: str | None = None
    mechanism: str | None = None
    user: str | None = None
    secret: str | None = field(default=None, repr=False)
    message: bytes | None = field(default=None, repr=False)
    data_file: str | None = None
    subject: str | None = None
    body: str | None = None
    quit_after: str | None = None
    timeout: float | None = None
    as_json: bool = False
    show_secrets: bool = False

    @property
    def default_port(self) -> int:
        """The port when neither TARGET nor --port gives one."""
        return self.port or (465 if self.tls == "implicit" else 25)

    def tls_mode(self, port: int) -> TlsMode:
        """The engine's TLS mode; `auto` means implicit TLS on 465, else opportunistic STARTTLS."""
        if self.tls == "auto":
            return "implicit" if port == 465 else "opportunistic"
        return cast("TlsMode", self.tls)

    @property
    def credentials(self) -> Credentials | None:
        """The AUTH credentials, if any."""
        if self.mechanism is None or self.user is None or self.secret is None:
            return None
        return Credentials(cast("Mechanism", self.mechanism), self.user, self.secret)

    def connect_options(self, endpoint: Endpoint) -> ConnectOptions:
        """The engine's options for one endpoint."""
        timeouts = Timeouts.uniform(self.timeout) if self.timeout else Timeouts()
        return ConnectOptions(
            host=endpoint.host,
            port=endpoint.port,
            tls=self.tls_mode(endpoint.port),
            verify="verify" if self.verify else "report",
            server_name=self.server_name or endpoint.server_name,
            family=self.family,
            ca_file=self.ca_file,
            helo=self.helo,
            timeouts=timeouts,
        )

    def first_endpoint(self) -> Endpoint:
        """The endpoint without DNS (host targets), or the domain itself as a placeholder."""
        return Endpoint(
            self.target.host,
            self.target.port or self.default_port,
            server_name=None if self.target.is_ip else self.target.host,
        )
