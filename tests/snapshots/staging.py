"""The app staged on a recorded session, for snapshot tests and screenshots (deterministic)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input
from textual.widgets.input import Selection

from ehlo.app.app import EhloApp, make_app
from ehlo.app.screens.session_screen import SessionScreen
from ehlo.app.widgets.dns_panel import DnsPanel
from ehlo.app.widgets.transcript import Transcript
from tests.snapshots.scripted import HOST, PORT, recorded_session

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
"""Test zones: the sender's SPF and DMARC, the recipient's MX, the client's PTR, a blocklist."""


def staged_app(directory: Path, resolver: tuple[str, int], theme: str = "textual-dark") -> EhloApp:
    """The app with settings in DIRECTORY, DNS from RESOLVER, the connect bar filled."""
    settings = directory / "config.toml"
    settings.write_text(
        f'theme = "{theme}"\nhelo = "client.example.com"\nexport_dir = "{directory}"\n'
        f'[dns]\nresolver = "{resolver[0]}:{resolver[1]}"\nblocklists = ["bl.test"]\n',
        encoding="utf-8",
    )
    return make_app(
        f"{HOST}:{PORT}",
        sender="demo@example.com",
        recipient="nobody@example.net",
        username="demo",
        password="not-the-real-one",
        tls_mode="starttls",
        verify="report",
        settings_path=settings,
    )


async def replay(pilot: Pilot[None], failure: bool = True) -> None:
    """Show the recorded session, wait for the DNS checks, stop every cursor blinking."""
    app = pilot.app
    screen = next(s for s in app.screen_stack if isinstance(s, SessionScreen))
    screen.replay(recorded_session(failure), HOST, PORT)
    await pilot.pause()
    await pilot.pause()
    await asyncio.wait_for(app.workers.wait_for_complete(), 30)
    await pilot.pause()
    panel = screen.query_one(DnsPanel)
    for _ in range(200):
        if all(row.result is not None for row in panel.rows().values()):
            break
        await pilot.pause(0.05)
    screen.query_one(Transcript).focus()  # no text cursor anywhere: nothing blinks
    await pilot.pause()
    for widget in app.query(Input):
        widget.cursor_blink = False
        widget.selection = Selection.cursor(len(widget.value))
    await pilot.pause()
    await pilot.pause()
