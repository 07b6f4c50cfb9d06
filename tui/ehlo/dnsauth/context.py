"""What an audit knows about the mail in play: the domain, and optionally the IP, HELO and more."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AuditContext:
    """The inputs of the DNS checks; each check reads the fields it needs."""

    domain: str
    ip: str | None = None
    helo: str | None = None
    sender: str | None = None
    selectors: tuple[str, ...] = ()
    mx_hosts: tuple[str, ...] = ()
    certificate_chain: tuple[bytes, ...] = ()
    """DER certificates as a session received them, leaf first (for DANE)."""
