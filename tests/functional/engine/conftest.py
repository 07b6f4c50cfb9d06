"""Helpers for engine tests: collect a step's events, make options for a loopback server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ehlo.smtp.events import Event
from ehlo.smtp.options import ConnectOptions, Timeouts
from tests.fixtures.certs import TestPki, make_pki

FAST = Timeouts(connect=2.0, banner=2.0, command=2.0, data=2.0, tls=2.0)


async def collect(events: AsyncIterator[Event]) -> list[Event]:
    """Every event of a step."""
    return [event async for event in events]


def options_for(port: int, **overrides: object) -> ConnectOptions:
    """Options for a loopback server with short timeouts."""
    values: dict[str, object] = {"host": "127.0.0.1", "port": port, "timeouts": FAST, "tls": "none"}
    values.update(overrides)
    return ConnectOptions(**values)  # type: ignore[arg-type]


@pytest.fixture
def pki(tmp_path: Path) -> TestPki:
    """A fresh test CA."""
    return make_pki(tmp_path)
