"""The built-in SMTP server and its failure scenarios: real SMTP on aiosmtpd, never relaying.

The demo account and the scenarios' names load at once; everything else loads on first use,
so a process that only needs those (`ehlo demo`, whose server runs in a child process) skips
aiosmtpd.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ehlo.sandbox.identity import (
    DEMO_MAILBOXES,
    DEMO_PASSWORD,
    DEMO_SENDER,
    DEMO_USER,
    SANDBOX_HOSTNAME,
)
from ehlo.sandbox.scenario_names import SCENARIO_NAMES

if TYPE_CHECKING:
    from ehlo.sandbox.options import SandboxOptions
    from ehlo.sandbox.scenario import Response, Scenario
    from ehlo.sandbox.scenarios import SCENARIOS, get_scenario
    from ehlo.sandbox.server import ListenError, Sandbox
    from ehlo.sandbox.store import StoredMessage

_LAZY = {
    "SandboxOptions": "ehlo.sandbox.options",
    "Response": "ehlo.sandbox.scenario",
    "Scenario": "ehlo.sandbox.scenario",
    "SCENARIOS": "ehlo.sandbox.scenarios",
    "get_scenario": "ehlo.sandbox.scenarios",
    "ListenError": "ehlo.sandbox.server",
    "Sandbox": "ehlo.sandbox.server",
    "StoredMessage": "ehlo.sandbox.store",
}


def __getattr__(name: str) -> object:
    """Load the server, scenarios and options on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "DEMO_MAILBOXES",
    "DEMO_PASSWORD",
    "DEMO_SENDER",
    "DEMO_USER",
    "SANDBOX_HOSTNAME",
    "SCENARIOS",
    "SCENARIO_NAMES",
    "ListenError",
    "Response",
    "Sandbox",
    "SandboxOptions",
    "Scenario",
    "StoredMessage",
    "get_scenario",
]
