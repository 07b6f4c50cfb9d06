"""The names of the sandbox's scenarios, loadable without the server (for `ehlo demo --help`)."""

from __future__ import annotations

SCENARIO_NAMES: tuple[str, ...] = (
    "happy",
    "greylist",
    "rate-limit",
    "auth-fail",
    "tls-required",
    "unknown-user",
    "mailbox-full",
    "dmarc-reject",
    "auth-dns-451",
    "blocklisted",
    "spam-content",
    "too-large",
    "relay-denied",
    "tarpit",
    "disconnect",
    "garbage",
)
"""Every scenario's name in `ehlo sandbox --list` order (the keys of SCENARIOS; a test keeps
them equal)."""
