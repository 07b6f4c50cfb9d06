"""The built-in SMTP server and its failure scenarios: real SMTP on aiosmtpd, never relaying."""

from __future__ import annotations

from ehlo.sandbox.identity import (
    DEMO_MAILBOXES,
    DEMO_PASSWORD,
    DEMO_SENDER,
    DEMO_USER,
    SANDBOX_HOSTNAME,
)
from ehlo.sandbox.options import SandboxOptions
from ehlo.sandbox.scenario import Response, Scenario
from ehlo.sandbox.scenarios import SCENARIOS, get_scenario
from ehlo.sandbox.server import ListenError, Sandbox
from ehlo.sandbox.store import StoredMessage

__all__ = [
    "DEMO_MAILBOXES",
    "DEMO_PASSWORD",
    "DEMO_SENDER",
    "DEMO_USER",
    "SANDBOX_HOSTNAME",
    "SCENARIOS",
    "ListenError",
    "Response",
    "Sandbox",
    "SandboxOptions",
    "Scenario",
    "StoredMessage",
    "get_scenario",
]
