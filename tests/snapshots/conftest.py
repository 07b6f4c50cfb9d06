"""Snapshot tests share one nsd serving the staging zones."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.nsd import NsdServer, start_nsd
from tests.snapshots.staging import ZONES


@pytest.fixture(scope="module")
def staging_dns() -> Iterator[NsdServer]:
    """nsd on a free loopback port with the staging zones."""
    directory = Path(tempfile.mkdtemp(prefix="ehlo-snapshot-nsd-"))
    process, server = start_nsd(directory, ZONES)
    try:
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)
