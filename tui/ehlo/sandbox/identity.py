"""Who the sandbox is: its host name, the demo account and the demo mailboxes."""

from __future__ import annotations

import hmac

SANDBOX_HOSTNAME = "sandbox.ehlo.test"
"""The name the sandbox greets with (.test is reserved by RFC 2606, so it never leaks anywhere)."""

DEMO_USER = "demo"
DEMO_PASSWORD = "sandbox-pass-2525"
DEMO_SENDER = "demo@example.com"
DEMO_MAILBOXES: tuple[str, ...] = ("alice@example.net", "bob@example.net", "postmaster@example.net")
"""Mailboxes that exist in every scenario; the first is the demo's default recipient."""


def is_demo_mailbox(address: str) -> bool:
    """Whether ADDRESS is one of the demo mailboxes (case-insensitive)."""
    return address.strip().lower() in DEMO_MAILBOXES


def credentials_match(username: str, password: str) -> bool:
    """Whether the username and password are the demo credentials (constant-time compare)."""
    user_ok = hmac.compare_digest(username.encode("utf-8"), DEMO_USER.encode("utf-8"))
    password_ok = hmac.compare_digest(password.encode("utf-8"), DEMO_PASSWORD.encode("utf-8"))
    return user_ok and password_ok
