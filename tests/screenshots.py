"""Regenerate screenshots/*.svg from the real app, on the sandbox, with DNS from test zones.

Run from the repository root: `python tests/screenshots.py` (needs nsd, like the tests).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tui"), str(ROOT)]

from textual.pilot import Pilot  # noqa: E402
from textual.widgets import Input  # noqa: E402
from textual.widgets.input import Selection  # noqa: E402

from ehlo.app.app import EhloApp, make_app  # noqa: E402
from ehlo.app.screens.session_screen import SessionScreen  # noqa: E402
from ehlo.app.widgets.dns_panel import DnsPanel  # noqa: E402
from ehlo.app.widgets.transcript import Transcript  # noqa: E402
from ehlo.sandbox import DEMO_PASSWORD, DEMO_SENDER, DEMO_USER, Sandbox  # noqa: E402
from tests.fixtures.nsd import start_nsd  # noqa: E402
from tests.snapshots.staging import ZONES  # noqa: E402

OUT = ROOT / "screenshots"


def _app(directory: Path, port: int, dns: tuple[str, int]) -> EhloApp:
    settings = directory / "config.toml"
    settings.write_text(
        f'helo = "client.example.com"\nexport_dir = "{directory}"\n'
        f'[dns]\nresolver = "{dns[0]}:{dns[1]}"\nblocklists = ["bl.test"]\n',
        encoding="utf-8",
    )
    return make_app(
        f"127.0.0.1:{port}",
        sender=DEMO_SENDER,
        recipient="nobody@example.net",
        username=DEMO_USER,
        password=DEMO_PASSWORD,
        tls_mode="starttls",
        verify="report",
        autoconnect=True,
        settings_path=settings,
    )


async def _quiet(pilot: Pilot[None]) -> None:
    """Wait for the session and the DNS checks; no text cursor in the picture."""
    app = pilot.app
    screen = next(s for s in app.screen_stack if isinstance(s, SessionScreen))
    await asyncio.wait_for(app.workers.wait_for_complete(), 60)
    panel = screen.query_one(DnsPanel)
    for _ in range(400):
        if panel.rows() and all(row.result is not None for row in panel.rows().values()):
            break
        await pilot.pause(0.05)
    screen.query_one(Transcript).focus()
    for widget in app.query(Input):
        widget.cursor_blink = False
        widget.selection = Selection.cursor(len(widget.value))
    app.clear_notifications()
    await pilot.pause(0.3)
    await pilot.pause()


async def _session(directory: Path, port: int, dns: tuple[str, int], size: tuple[int, int]) -> None:
    app = _app(directory, port, dns)
    async with app.run_test(size=size) as pilot:
        await pilot.pause(0.5)
        await pilot.press("f7")
        await pilot.pause(0.5)
        await _quiet(pilot)
        if size[0] < 100:
            app.save_screenshot("small-terminal.svg", str(OUT))
            return
        app.save_screenshot("session-failure.svg", str(OUT))
        screen = app.screen
        screen.query_one(DnsPanel).rows()["client/dnsbl"].collapsed = False
        screen.query_one(DnsPanel).rows()["sender/spf"].collapsed = False
        await pilot.pause(0.3)
        app.save_screenshot("dns-panel.svg", str(OUT))
        await pilot.press("f3")
        await pilot.pause(0.3)
        app.save_screenshot("tls-view.svg", str(OUT))
        await pilot.press("escape", "f2")
        await pilot.pause(0.3)
        await pilot.press(*"mailbox")
        await pilot.pause(0.3)
        app.screen.query_one("#codes-table").focus()
        await pilot.pause(0.3)
        app.save_screenshot("code-table.svg", str(OUT))


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    directory = Path(tempfile.mkdtemp(prefix="ehlo-screenshots-"))
    process, dns = start_nsd(directory / "nsd", ZONES)
    try:
        async with Sandbox("unknown-user") as sandbox:
            await _session(directory, sandbox.port, (dns.host, dns.port), (150, 44))
            await _session(directory, sandbox.port, (dns.host, dns.port), (80, 24))
    finally:
        process.terminate()
        process.wait(timeout=10)
    for path in sorted(OUT.glob("*.svg")):
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    asyncio.run(main())
