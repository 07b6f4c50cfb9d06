"""Helpers for driving the app with Pilot against real servers on loopback."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from ehlo.app.app import EhloApp, make_app
from ehlo.app.screens.session_screen import SessionScreen


def closed_udp_port() -> int:
    """A loopback UDP port with nothing behind it (queries are refused at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def settings_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A settings file in tmp_path, also named by EHLO_CONFIG; exports go to tmp_path.

    DNS goes to a closed loopback port, so the DNS panel never asks the system's resolver.
    """
    path = tmp_path / "config.toml"
    resolver = f"127.0.0.1:{closed_udp_port()}"
    path.write_text(
        f'export_dir = "{tmp_path}"\n[dns]\nresolver = "{resolver}"\n', encoding="utf-8"
    )
    monkeypatch.setenv("EHLO_CONFIG", str(path))
    return path


@pytest.fixture
def copied(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What reached the system clipboard (pyperclip.copy, recorded instead of a real clipboard)."""
    texts: list[str] = []
    import pyperclip

    monkeypatch.setattr(pyperclip, "copy", texts.append)
    return texts


def sandbox_app(port: int, settings_path: Path, **options: object) -> EhloApp:
    """The app aimed at a sandbox on 127.0.0.1:PORT (defaults like `ehlo demo`, overridable)."""
    from ehlo.sandbox import DEMO_MAILBOXES, DEMO_PASSWORD, DEMO_SENDER, DEMO_USER

    arguments: dict[str, object] = {
        "sender": DEMO_SENDER,
        "recipient": DEMO_MAILBOXES[0],
        "username": DEMO_USER,
        "password": DEMO_PASSWORD,
        "tls_mode": "starttls",
        "verify": "report",
        "autoconnect": True,
        "settings_path": settings_path,
    }
    arguments.update(options)
    return make_app(f"127.0.0.1:{port}", **arguments)  # type: ignore[arg-type]


def screen_of(app: EhloApp) -> SessionScreen:
    """The app's session screen (under any dialog)."""
    for screen in app.screen_stack:
        if isinstance(screen, SessionScreen):
            return screen
    raise AssertionError("no session screen")


async def settle(pilot: Pilot[None], timeout: float = 15.0) -> None:
    """Wait until the session's workers are done and their messages handled."""
    await pilot.pause()
    await asyncio.wait_for(pilot.app.workers.wait_for_complete(), timeout)
    await pilot.pause()
    await pilot.pause(0.1)  # replies are explained on a short timer
    await pilot.pause()


async def wait_for(
    pilot: Pilot[None], condition: Callable[[], bool], timeout: float = 15.0
) -> None:
    """Pause until condition() holds (or fail after timeout seconds)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.05)


def transcript_text(app: EhloApp) -> str:
    """Every transcript line as shown."""
    from ehlo.app.widgets.transcript import Transcript

    return "\n".join(line.text for line in screen_of(app).query_one(Transcript).lines)
