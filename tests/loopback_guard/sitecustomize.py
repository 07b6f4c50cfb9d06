"""In `python -m ehlo` processes started by the tests, keep the network on loopback."""

from __future__ import annotations

import os

if os.environ.get("EHLO_TESTS_LOOPBACK_ONLY") == "1":
    from loopback_only import install

    install()
