"""Mail addresses as they appear in envelopes and forms."""

from __future__ import annotations

import ipaddress
import re


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


_HOST_NAME = re.compile(
    r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9_-]{1,63}(?<!-))*", re.ASCII
)


def is_host_name(name: str) -> bool:
    """Whether NAME is made of letter-digit-hyphen labels (underscores allowed, IDNs too; a
    trailing dot is allowed)."""
    text = name.rstrip(".")
    if not text.isascii():
        try:
            text = text.encode("idna").decode("ascii")
        except UnicodeError:
            return False
    return len(text) <= 253 and _HOST_NAME.fullmatch(text) is not None
