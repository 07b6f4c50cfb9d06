"""DKIM selectors added from the DNS panel, checked against zones served by a real nsd."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ehlo.app.screens.selector_dialog import SelectorScreen
from ehlo.app.widgets.dns_panel import DnsPanel
from ehlo.sandbox import Sandbox
from tests.fixtures.nsd import NsdServer, nsd_server  # noqa: F401

from .conftest import sandbox_app, screen_of, settle, wait_for

pytestmark = [pytest.mark.nsd, pytest.mark.slow]


def _public_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def _zones() -> dict[str, str]:
    key = _public_key()
    chunks = " ".join(f'"{key[i : i + 200]}"' for i in range(0, len(key), 200))
    return {
        "example.com": (
            "@ MX 10 mail.example.com.\n"
            "mail A 127.0.0.1\n"
            '@ TXT "v=spf1 ip4:127.0.0.1 -all"\n'
            f'custom2026._domainkey TXT "v=DKIM1; k=rsa; p=" {chunks}\n'
        ),
    }


async def test_added_selector_finds_the_key_at_a_custom_selector(
    nsd_server: Callable[[dict[str, str]], NsdServer],  # noqa: F811
    settings_path: Path,
) -> None:
    server = nsd_server(_zones())
    settings_path.write_text(f'[dns]\nresolver = "{server.host}:{server.port}"\n', encoding="utf-8")
    async with Sandbox("happy") as sandbox:
        app = sandbox_app(sandbox.port, settings_path, tls_mode="none", username=None)
        async with app.run_test(size=(140, 45)) as pilot:
            await settle(pilot)
            await pilot.press("f7")
            await settle(pilot)
            panel = screen_of(app).query_one(DnsPanel)
            await wait_for(pilot, lambda: "sender/dkim" in panel.rows(), timeout=30)
            dkim = panel.rows()["sender/dkim"]
            await wait_for(pilot, lambda: dkim.result is not None, timeout=30)
            assert dkim.result is not None
            assert dkim.result.status == "info", dkim.result  # only common selectors probed
            assert "custom2026" not in dkim.title

            await pilot.press("f8")
            await pilot.pause()
            assert isinstance(app.screen, SelectorScreen)
            await pilot.press(*"Custom2026", "enter")
            await pilot.pause()
            assert not isinstance(app.screen, SelectorScreen)
            assert "custom2026" in panel.selectors
            await wait_for(pilot, lambda: dkim.result is not None, timeout=30)
            result = dkim.result
            assert result is not None
            assert result.status == "pass", result
            found = {entry["selector"]: entry for entry in result.details["selectors"]}
            assert found["custom2026"]["found"] is True
            assert found["custom2026"]["given"] is True
            assert found["custom2026"]["key_bits"] == 2048
            assert "custom2026" in result.summary
            assert "custom2026" in str(dkim.title)


async def test_selector_dialog_escape_adds_nothing(settings_path: Path) -> None:
    async with Sandbox("happy") as sandbox:
        app = sandbox_app(sandbox.port, settings_path, tls_mode="none", username=None)
        async with app.run_test(size=(140, 45)) as pilot:
            await settle(pilot)
            panel = screen_of(app).query_one(DnsPanel)
            before = panel.selectors
            await app.run_action("command_palette")
            await pilot.pause()
            await pilot.press(*"add DKIM selector")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, SelectorScreen)
            await pilot.press("x", "escape")
            await pilot.pause()
            assert not isinstance(app.screen, SelectorScreen)
            assert panel.selectors == before
