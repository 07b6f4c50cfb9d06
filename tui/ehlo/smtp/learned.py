"""What a session has taught us about the parties, for the DNS/auth checks."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ehlo.smtp.address import domain_of

if TYPE_CHECKING:
    from ehlo.smtp.events import Event

_BRACKETED_IP = re.compile(r"\[(?:IPv6:)?([0-9A-Fa-f:.]+)\]")
_PATH = re.compile(r"^(?:MAIL FROM|RCPT TO):\s*<([^>]*)>", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Learned:
    """The server host, the client IP, the sender and recipient domains, the certificate chain."""

    server_host: str | None = None
    client_ip: str | None = None
    helo: str | None = None
    sender: str | None = None
    mail_from_domain: str | None = None
    rcpt_domain: str | None = None
    certificate_chain: tuple[bytes, ...] = ()

    def context(self) -> dict[str, str]:
        """The placeholder values for knowledge.annotate()."""
        values = {
            "host": self.server_host,
            "ip": self.client_ip,
            "helo": self.helo,
            "mail_from_domain": self.mail_from_domain,
            "rcpt_domain": self.rcpt_domain,
            "domain": self.rcpt_domain or self.mail_from_domain,
        }
        return {key: value for key, value in values.items() if value}


def learn(transcript: Sequence[Event], helo: str | None = None) -> Learned:
    """Read the transcript for what the DNS checks need."""
    from ehlo.smtp.events import Connected, Received, Sent, TlsUpgraded

    server_host = client_ip = sender = mail_from_domain = rcpt_domain = None
    local_ip: str | None = None
    chain: tuple[bytes, ...] = ()
    for event in transcript:
        if isinstance(event, Connected):
            server_host = event.host
            local_ip = event.local[0]
        elif isinstance(event, TlsUpgraded):
            chain = tuple(certificate.der for certificate in event.facts.chain)
        elif isinstance(event, Sent):
            if event.stage in ("ehlo", "helo"):
                helo = event.line.split(" ", 1)[1].strip() if " " in event.line else helo
            path = _PATH.match(event.line)
            if path and event.stage == "mail":
                sender = path.group(1)
                mail_from_domain = domain_of(sender)
            elif path and event.stage == "rcpt" and rcpt_domain is None:
                rcpt_domain = domain_of(path.group(1))
        elif isinstance(event, Received) and event.stage in ("ehlo", "helo") and event.reply.lines:
            client_ip = reported_ip(event.reply.lines[0]) or client_ip
    return Learned(
        server_host=server_host,
        client_ip=client_ip or local_ip,
        helo=helo,
        sender=sender,
        mail_from_domain=mail_from_domain,
        rcpt_domain=rcpt_domain,
        certificate_chain=chain,
    )


def reported_ip(line: str) -> str | None:
    """The client IP a server reports in its EHLO greeting ("Hello host [192.0.2.1]")."""
    for candidate in _BRACKETED_IP.findall(line):
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None
