"""Which DNS checks a live session can run, for what it has learned about each party."""

from __future__ import annotations

from ehlo.dnsauth.context import AuditContext
from ehlo.smtp.address import is_ip
from ehlo.smtp.learned import Learned

GROUPS: dict[str, tuple[str, ...]] = {
    "sender": ("spf", "dmarc", "dkim"),
    "recipient": ("mx", "mta-sts", "tls-rpt", "dane", "dnssec"),
    "client": ("ptr", "dnsbl"),
}
"""The checks of each party: the sender's domain, the recipient's domain and server, the client."""


def group_context(group: str, learned: Learned, selectors: tuple[str, ...]) -> AuditContext | None:
    """The audit context of a group, or None while the session has not learned enough."""
    if group == "sender" and learned.mail_from_domain:
        return AuditContext(
            domain=learned.mail_from_domain,
            ip=learned.client_ip,
            helo=learned.helo,
            sender=learned.sender,
            selectors=selectors,
        )
    if group == "recipient" and learned.rcpt_domain:
        server = learned.server_host
        mx_hosts = (server,) if server and not is_ip(server) else ()
        return AuditContext(
            domain=learned.rcpt_domain,
            mx_hosts=mx_hosts,
            certificate_chain=learned.certificate_chain,
        )
    if group == "client" and learned.client_ip:
        names = (learned.mail_from_domain, learned.helo, learned.server_host)
        domain = next((name for name in names if name and _is_domain(name)), None)
        if domain is None:
            return None  # ptr and dnsbl wait for a domain to compare the PTR name with
        return AuditContext(domain=domain, ip=learned.client_ip, helo=learned.helo)
    return None


def _is_domain(text: str) -> bool:
    """Whether text looks like a domain name (not an address literal)."""
    return "." in text and not text.startswith("[") and not is_ip(text)
