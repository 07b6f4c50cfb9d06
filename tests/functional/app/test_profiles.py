"""Saved targets (profiles) from the settings file, picked in the connect bar."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from textual.widgets import Input, Select

from ehlo.app.app import make_app
from ehlo.sandbox import DEMO_MAILBOXES, DEMO_PASSWORD, DEMO_SENDER, DEMO_USER, Sandbox

from .conftest import screen_of, settle, transcript_text

pytestmark = pytest.mark.slow


def _write_profiles(settings_path: Path, sandbox_port: int) -> str:
    """Add two profiles to the test settings file; return the file's text."""
    text = settings_path.read_text(encoding="utf-8") + (
        "[profiles.elsewhere]\n"
        'target = "mx.elsewhere.example"\n'
        'sender = "other@elsewhere.example"\n'
        "[profiles.sandbox]\n"
        f'target = "127.0.0.1:{sandbox_port}"\n'
        f'sender = "{DEMO_SENDER}"\n'
        f'recipient = "{DEMO_MAILBOXES[0]}"\n'
        f'username = "{DEMO_USER}"\n'
        'auth_mechanism = "PLAIN"\n'
        'tls_mode = "starttls"\n'
        'verify = "report"\n'
        'helo = "probe.example.org"\n'
    )
    settings_path.write_text(text, encoding="utf-8")
    return text


async def test_picked_profile_fills_the_connect_bar_and_never_the_password(
    settings_path: Path,
) -> None:
    async with Sandbox("happy") as sandbox:
        settings_text = _write_profiles(settings_path, sandbox.port)
        # EHLO_CONFIG (set by the settings_path fixture) is where the app finds the profiles
        app = make_app("typed.example.net", password="typed-secret")
        async with app.run_test(size=(140, 45)) as pilot:
            await pilot.pause()
            screen = screen_of(app)

            def field(widget_id: str) -> str:
                return screen.query_one(f"#{widget_id}", Input).value

            def choice(widget_id: str) -> object:
                return screen.query_one(f"#{widget_id}", Select).value

            assert field("password") == "typed-secret"
            picker = screen.query_one("#profile", Select)
            picker.focus()
            await pilot.press("enter")  # open the list: prompt, elsewhere, sandbox
            await pilot.press("down", "down", "enter")
            await pilot.pause()
            assert picker.value == "sandbox"
            assert field("target") == f"127.0.0.1:{sandbox.port}"
            assert field("sender") == DEMO_SENDER
            assert field("recipients") == DEMO_MAILBOXES[0]
            assert field("username") == DEMO_USER
            assert field("helo") == "probe.example.org"
            assert choice("tls-mode") == "starttls"
            assert choice("verify") == "report"
            assert choice("auth-mechanism") == "PLAIN"
            assert field("password") == ""  # a profile never carries one, nor keeps the last

            # the user types the password; it is masked on screen and connects with the profile
            screen.query_one("#password", Input).value = DEMO_PASSWORD
            await pilot.press("ctrl+r")
            await settle(pilot)
            await pilot.press("f7")
            await settle(pilot)
            assert len(sandbox.messages) == 1
            assert "C: EHLO probe.example.org" in transcript_text(app)
            blob = base64.b64encode(f"\0{DEMO_USER}\0{DEMO_PASSWORD}".encode()).decode()
            shown = app.export_screenshot() + transcript_text(app)
            assert DEMO_PASSWORD not in shown
            assert blob not in shown
            assert "•" * len(DEMO_PASSWORD) in app.export_screenshot().replace("&#160;", " ")

            # picking another profile replaces the fields and drops the password again
            picker.focus()
            await pilot.press("enter", "up", "enter")
            await pilot.pause()
            assert picker.value == "elsewhere"
            assert field("target") == "mx.elsewhere.example"
            assert field("sender") == "other@elsewhere.example"
            assert field("password") == ""
        assert settings_path.read_text(encoding="utf-8") == settings_text  # nothing saved
