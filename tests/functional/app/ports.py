"""A port nothing listens on, for refused-connection tests."""

from __future__ import annotations

import socket


def unused_port() -> int:
    """A loopback port that was free a moment ago (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
