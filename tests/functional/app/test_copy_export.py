"""Copying fixes and commands, exporting transcripts: what reaches the clipboard, nothing secret."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ehlo.app import clipboard
from ehlo.app.widgets.annotation_panel import AnnotationPanel
from ehlo.sandbox import DEMO_USER, Sandbox

from .conftest import sandbox_app, screen_of, settle

pytestmark = pytest.mark.slow

SECRET = "Tr0ub4dor&3-not-shown"


def _secret_forms() -> list[str]:
    """The password and the base64 forms an AUTH exchange would carry."""
    return [
        SECRET,
        base64.b64encode(SECRET.encode()).decode(),
        base64.b64encode(f"\0{DEMO_USER}\0{SECRET}".encode()).decode(),
    ]


async def test_a_fix_is_copied(settings_path: Path, copied: list[str]) -> None:
    async with Sandbox("unknown-user") as sandbox:
        app = sandbox_app(sandbox.port, settings_path, recipient="nobody@example.net")
        async with app.run_test(size=(140, 45)) as pilot:
            await settle(pilot)
            await pilot.press("f7")
            await settle(pilot)
            panel = screen_of(app).query_one(AnnotationPanel)
            annotation = panel.annotation
            assert annotation is not None
            fixes = annotation.fixes  # type: ignore[attr-defined]
            assert fixes
            first_copy = panel.query(".copy-button").first()
            first_copy.press()  # type: ignore[attr-defined]
            await pilot.pause()
            assert copied == [fixes[0].text]
            await pilot.press("ctrl+y")
            await pilot.pause()
            assert copied[-1] == fixes[0].text
            commands = [fix.command for fix in fixes if fix.command]
            if commands:
                await app.screen.run_action("copy_command")
                assert copied[-1] == commands[0]


async def test_copy_falls_back_to_osc52_and_says_so(
    settings_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyperclip

    def unavailable(text: str) -> None:
        raise pyperclip.PyperclipException("no clipboard mechanism")

    monkeypatch.setattr(pyperclip, "copy", unavailable)
    async with Sandbox("happy") as sandbox:
        app = sandbox_app(sandbox.port, settings_path)
        async with app.run_test(size=(140, 45)) as pilot:
            await settle(pilot)
            sent: list[str] = []
            monkeypatch.setattr(app, "copy_to_clipboard", sent.append)
            method = clipboard.copy(app, "dig +short MX example.net", "command")
            await pilot.pause()
            assert method == "terminal"
            assert sent == ["dig +short MX example.net"]
            assert any("OSC 52" in str(n.message) for n in app._notifications)


async def test_export_and_copies_redact_secrets(settings_path: Path, copied: list[str]) -> None:
    async with Sandbox("happy") as sandbox:
        sandbox_password = SECRET
        app = sandbox_app(sandbox.port, settings_path, password=sandbox_password)
        async with app.run_test(size=(140, 45)) as pilot:
            await settle(pilot)
            await pilot.press("f7")
            await settle(pilot)
            screen = screen_of(app)
            text_path = screen.export("txt")
            json_path = screen.export("json")
            assert text_path is not None and json_path is not None
            exported_text = text_path.read_text(encoding="utf-8")
            document = json.loads(json_path.read_text(encoding="utf-8"))
            assert "AUTH" in exported_text
            assert document["steps"]
            for action in ("copy_transcript", "copy_swaks", "copy_openssl"):
                await screen.run_action(action)
            assert len(copied) == 3
            assert copied[1].startswith("swaks ")
            assert copied[2].startswith("openssl s_client")
            everything = "\n".join([exported_text, json.dumps(document), *copied])
            for form in _secret_forms():
                assert form not in everything


async def test_commands_that_cannot_repeat_the_session_are_not_copied(
    settings_path: Path, copied: list[str]
) -> None:
    async with Sandbox("happy") as sandbox:
        app = sandbox_app(
            sandbox.port, settings_path, tls_mode="none", recipient="--pipe=sh@example.net"
        )
        async with app.run_test(size=(140, 45)) as pilot:
            await settle(pilot)
            screen = screen_of(app)
            for action in ("copy_swaks", "copy_openssl"):
                await screen.run_action(action)
            await pilot.pause()
            assert copied == []  # a swaks option in a value, openssl without TLS
            messages = [str(n.message) for n in app._notifications]
            assert any("Nothing copied: swaks cannot be given --to" in m for m in messages)
            assert any("Nothing copied: openssl s_client always speaks TLS" in m for m in messages)


@pytest.fixture
def xvfb_display(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A private Xvfb display for the real clipboard path."""
    if not (shutil.which("Xvfb") and shutil.which("xclip")):
        pytest.skip("Xvfb and xclip are needed (apt-get install xvfb xclip)")
    process = subprocess.Popen(
        ["Xvfb", "-displayfd", "1", "-nolisten", "tcp", "-screen", "0", "640x480x24"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    number = process.stdout.readline().decode().strip()
    display = f":{number}"
    monkeypatch.setenv("DISPLAY", display)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    try:
        yield display
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_real_clipboard_under_xvfb(settings_path: Path, xvfb_display: str) -> None:
    import pyperclip

    pyperclip.set_clipboard("xclip")
    try:
        async with Sandbox("happy") as sandbox:
            app = sandbox_app(sandbox.port, settings_path, autoconnect=False)
            async with app.run_test(size=(100, 30)) as pilot:
                await pilot.pause()
                text = 'v=spf1 ip4:192.0.2.10 -all ; it\'s "quoted"'
                assert clipboard.copy(app, text, "record") == "system"
                read_back = subprocess.run(
                    ["xclip", "-selection", "clipboard", "-o"],
                    capture_output=True,
                    text=True,
                    timeout=10,
                    check=True,
                ).stdout
                assert read_back == text
    finally:
        pyperclip.determine_clipboard()
