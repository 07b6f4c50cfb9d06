"""Mail addresses as they appear in envelopes and forms."""

from __future__ import annotations

import ipaddress


def domain_of(address: str | None) -> str | None:
    """The domain of an address (`<user@Example.COM.>` gives `example.com`), or None."""
    if not address:
        return None
    address = address.strip().strip("<>")
    if "@" not in address:
        return None
    domain = address.rsplit("@", 1)[1].strip().rstrip(".").lower()
    return domain or None


def is_ip(text: str) -> bool:
    """Whether text is an IPv4 or IPv6 address (no brackets, no zone)."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
