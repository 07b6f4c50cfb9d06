"""The DNS/auth panel filled from test zones served by a real nsd on loopback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ehlo.app.widgets.dns_panel import DnsPanel
from ehlo.sandbox import Sandbox
from tests.fixtures.nsd import NsdServer, nsd_server  # noqa: F401

from .conftest import sandbox_app, screen_of, settle, wait_for

pytestmark = [pytest.mark.nsd, pytest.mark.slow]

ZONES = {
    "example.com": (
        "@ MX 10 mail.example.com.\n"
        "mail A 127.0.0.1\n"
        '@ TXT "v=spf1 ip4:127.0.0.1 -all"\n'
        '_dmarc TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.com"\n'
    ),
    "example.net": "@ MX 10 mx.example.net.\nmx A 127.0.0.1\n",
    "0.0.127.in-addr.arpa": "1 PTR mail.example.com.\n",
    "bl.test": "1.0.0.127 A 127.0.0.2\n",
}


def _settings(path: Path, host: str, port: int) -> None:
    path.write_text(
        f'[dns]\nresolver = "{host}:{port}"\nblocklists = ["bl.test"]\n', encoding="utf-8"
    )


async def test_dns_panel_filled_from_test_zones(
    nsd_server: Callable[[dict[str, str]], NsdServer],  # noqa: F811
    settings_path: Path,
) -> None:
    server = nsd_server(ZONES)
    _settings(settings_path, server.host, server.port)
    async with Sandbox("happy") as sandbox:
        app = sandbox_app(sandbox.port, settings_path, tls_mode="none", username=None)
        async with app.run_test(size=(140, 45)) as pilot:
            await settle(pilot)
            await pilot.press("f7")
            await settle(pilot)
            panel = screen_of(app).query_one(DnsPanel)
            await wait_for(
                pilot,
                lambda: (
                    all(row.result is not None for row in panel.rows().values())
                    and len(panel.rows()) >= 8
                ),
                timeout=30,
            )
            rows = panel.rows()
            results = {key: row.result for key, row in rows.items()}
            assert results["sender/spf"].status == "pass", results["sender/spf"]  # type: ignore[union-attr]
            assert results["sender/dmarc"].status in ("pass", "info")  # type: ignore[union-attr]
            assert results["recipient/mx"].status == "pass"  # type: ignore[union-attr]
            assert results["client/dnsbl"].status == "fail"  # type: ignore[union-attr]
            assert results["client/ptr"].status in ("pass", "warn")  # type: ignore[union-attr]
            assert rows["client/dnsbl"].has_class("-fail")
            # re-run starts every row again and fills it again
            panel.rerun()
            await pilot.pause()
            await wait_for(pilot, lambda: all(r.result is not None for r in panel.rows().values()))
            assert panel.rows()["sender/spf"].result.status == "pass"  # type: ignore[union-attr]


async def test_failing_reply_highlights_its_dns_rows(
    nsd_server: Callable[[dict[str, str]], NsdServer],  # noqa: F811
    settings_path: Path,
) -> None:
    server = nsd_server(ZONES)
    _settings(settings_path, server.host, server.port)
    async with Sandbox("dmarc-reject") as sandbox:
        app = sandbox_app(sandbox.port, settings_path, tls_mode="none", username=None)
        async with app.run_test(size=(140, 45)) as pilot:
            await settle(pilot)
            await pilot.press("f7")
            await settle(pilot)
            panel = screen_of(app).query_one(DnsPanel)
            assert "dmarc" in panel.highlighted
            assert panel.rows()["sender/dmarc"].has_class("-highlight")
            assert not panel.rows()["recipient/mx"].has_class("-highlight")
