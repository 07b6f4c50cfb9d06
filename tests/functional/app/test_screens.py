"""The code table, help, TLS view, message editor, run-to dialog, palette and the 80x24 layout."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, TextArea
from textual.widgets._footer import FooterKey

from ehlo.app.app import make_app
from ehlo.app.palette import SESSION_ENTRIES
from ehlo.app.screens.code_table import CodeTableScreen
from ehlo.app.screens.help_screen import HelpScreen
from ehlo.app.screens.message_editor import MessageEditor
from ehlo.app.screens.run_to import RunToScreen
from ehlo.app.screens.session_screen import SessionScreen
from ehlo.app.screens.tls_view import TlsView
from ehlo.app.widgets.key_footer import KeyFooter
from ehlo.app.widgets.step_bar import StepBar
from ehlo.app.widgets.transcript import Transcript
from ehlo.sandbox import Sandbox

from .conftest import sandbox_app, screen_of, settle, wait_for


async def test_code_table_is_searched_offline(settings_path: Path) -> None:
    app = make_app(settings_path=settings_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, CodeTableScreen)
        table = app.screen.query_one(DataTable)
        everything = table.row_count
        assert everything > 50
        await pilot.press(*"5.1.1")
        await pilot.pause(0.2)
        keys = [row.value for row in table.rows]
        assert "x.1.1" in keys  # enhanced codes are listed for any class
        assert table.row_count < everything
        detail = str(app.screen.query_one("#codes-detail").render())
        assert ".1.1" in detail
        await pilot.press("ctrl+a", "ctrl+k")
        app.screen.query_one("#codes-class").value = 4  # type: ignore[attr-defined]
        await pilot.pause(0.2)
        assert all(str(row.value)[0] in "4x" for row in table.rows)
        assert any(str(row.value)[0] == "4" for row in table.rows)
        await pilot.press("escape")
        assert isinstance(app.screen, SessionScreen)


async def test_help_lists_every_session_binding(settings_path: Path) -> None:
    app = make_app(settings_path=settings_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        from ehlo.app.screens.help_screen import keys_text

        text = keys_text(screen_of(app))
        for binding in SessionScreen.BINDINGS:
            assert binding.tooltip in text  # type: ignore[union-attr]
            assert binding.id  # type: ignore[union-attr]
        await pilot.press("escape")
        assert isinstance(app.screen, SessionScreen)


def test_palette_names_every_action() -> None:
    titles = [entry.title for entry in SESSION_ENTRIES]
    assert len(titles) == len(set(titles))
    for entry in SESSION_ENTRIES:
        assert ":" in entry.title
        name = entry.action.split("(")[0]
        assert callable(getattr(SessionScreen, f"action_{name}"))
    for binding in SessionScreen.BINDINGS:
        action = binding.action  # type: ignore[union-attr]
        assert any(entry.action == action for entry in SESSION_ENTRIES), action


async def test_tls_view_and_message_editor(settings_path: Path) -> None:
    async with Sandbox("happy") as sandbox:
        app = sandbox_app(sandbox.port, settings_path)
        async with app.run_test(size=(140, 45)) as pilot:
            await settle(pilot)
            screen = screen_of(app)
            screen.run_to("starttls")
            await settle(pilot)
            await pilot.press("f3")
            await pilot.pause()
            assert isinstance(app.screen, TlsView)
            verdict = str(app.screen.query_one("#tls-verdict").render())
            assert verdict.startswith("Not verified")
            assert "self-signed" in verdict or "issuer" in verdict or "verify" in verdict
            await pilot.press("escape")
            await pilot.press("f4")
            await pilot.pause()
            assert isinstance(app.screen, MessageEditor)
            area = app.screen.query_one(TextArea)
            assert "Subject:" in area.text
            area.text = "Subject: edited\n\nhello from the editor\n"
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert screen.message == b"Subject: edited\r\n\r\nhello from the editor\r\n"
            await pilot.press("f6")
            await pilot.pause()
            assert isinstance(app.screen, RunToScreen)
            await pilot.press("end", "enter")
            await settle(pilot)
            assert screen.query_one(StepBar).statuses["quit"] == "done"
            assert b"hello from the editor" in sandbox.messages[-1].data  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_small_terminal_shows_tabs(settings_path: Path, size: tuple[int, int]) -> None:
    async with Sandbox("unknown-user") as sandbox:
        app = sandbox_app(sandbox.port, settings_path, recipient="nobody@example.net")
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await pilot.press("f7")
            await settle(pilot)
            screen = screen_of(app)
            assert screen.has_class("-narrow")
            assert screen.query_one("#pane-tabs").display
            assert not screen.query_one("#annotation-panel").display or screen.query_one(
                "#side"
            ).has_class("-tab-hidden")
            screen.query_one("#pane-tabs").active = "tab-annotation"  # type: ignore[attr-defined]
            await pilot.pause()
            assert screen.query_one("#session-pane").has_class("-tab-hidden")
            assert not screen.query_one("#annotation-panel").has_class("-tab-hidden")


@pytest.mark.parametrize(
    ("target", "explanation"),
    [
        ("two words", "not a host name"),
        ("mx.example.com:0", "not a number from 1 to 65535"),
        ("[2001:db8::1", "unclosed '['"),
        ("-bad-.example", "not a valid host name"),
    ],
)
async def test_bad_target_is_explained_not_fatal(
    settings_path: Path, target: str, explanation: str
) -> None:
    app = make_app(target, autoconnect=True, settings_path=settings_path)
    async with app.run_test(size=(120, 40)) as pilot:

        def explained() -> bool:
            return any(explanation in str(n.message) for n in app._notifications)

        await wait_for(pilot, explained, timeout=10)
        assert app.is_running


async def test_footer_keeps_its_keys_until_the_keys_change(settings_path: Path) -> None:
    app = make_app("127.0.0.1:9", settings_path=settings_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        screen = screen_of(app)

        def footer_keys() -> list[FooterKey]:
            return list(app.screen.query_one(KeyFooter).query(FooterKey))

        built = footer_keys()
        assert {"Step", "Deliver", "Help"} <= {key.description for key in built}
        screen.query_one(Transcript).focus()  # other bindings, the same keys shown
        await pilot.pause()
        screen.query_one("#command-input").focus()
        await pilot.pause()
        assert footer_keys() == built  # the same widgets: nothing was rebuilt
        await pilot.press("f1")
        await pilot.pause()
        shown = {key.description for key in footer_keys()}
        assert "Close" in shown and "Step" not in shown
        await pilot.press("escape")
        await pilot.pause()
        assert {"Step", "Deliver"} <= {key.description for key in footer_keys()}


async def test_message_editor_before_any_session_shows_the_forms_test_message(
    settings_path: Path,
) -> None:
    """F4 after a connect the form could not make (AUTH without a user name) opens the test
    message made from the form's envelope, instead of failing on the missing credentials."""
    from ehlo.app.request import ConnectForm

    app = sandbox_app(1, settings_path, autoconnect=False)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        screen.form = ConnectForm(
            target="127.0.0.1:1",
            auth_mechanism="PLAIN",
            username="",
            sender="me@example.com",
            recipients=("you@example.net",),
        )
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, MessageEditor)
        text = app.screen.query_one(TextArea).text
        assert "From: me@example.com" in text
        assert "To: you@example.net" in text


async def test_the_editor_shows_the_test_message_that_data_sends(settings_path: Path) -> None:
    async with Sandbox("happy") as sandbox:
        app = sandbox_app(sandbox.port, settings_path)
        async with app.run_test(size=(140, 45)) as pilot:
            await settle(pilot)
            screen = screen_of(app)
            screen.run_to("rcpt")
            await settle(pilot)
            await pilot.press("f4")
            await pilot.pause()
            assert isinstance(app.screen, MessageEditor)
            shown = app.screen.query_one(TextArea).text
            await pilot.press("escape")
            await pilot.pause()
            screen.run_to("quit")
            await settle(pilot)
            sent = sandbox.messages[-1].data.decode()  # type: ignore[attr-defined]
            message_id = next(line for line in shown.splitlines() if line.startswith("Message-ID"))
            assert message_id in sent
