"""nsd fixtures for the DNS tests."""

from __future__ import annotations

from tests.fixtures.nsd import nsd_server, nsd_zones, rich_nsd

__all__ = ["nsd_server", "nsd_zones", "rich_nsd"]
