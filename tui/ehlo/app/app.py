"""The ehlo app and make_app(), the one factory used by the CLI and the tests."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from ehlo.app.request import ConnectForm
from ehlo.app.settings import Settings, load_settings


class EhloApp(App[None]):
    """Step through an SMTP session with every reply explained."""

    CSS_PATH = "ehlo.tcss"
    TITLE = "ehlo"
    SUB_TITLE = "SMTP debugger"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help", id="app.help", tooltip="Keys and what each pane does"),
        Binding(
            "ctrl+q",
            "quit",
            "Quit",
            id="app.quit",
            tooltip="Close the session and quit",
            priority=True,
        ),
    ]

    def __init__(self, form: ConnectForm, settings: Settings, autoconnect: bool = False) -> None:
        super().__init__()
        self.form = form
        self.settings = settings
        self.autoconnect = autoconnect

    def on_mount(self) -> None:
        if os.environ.get("NO_COLOR"):
            self.theme = "textual-ansi"
        elif self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
        if self.settings.problem:
            self.notify(self.settings.problem, title="Settings", severity="warning", timeout=10)

    def get_default_screen(self) -> Screen[None]:
        from ehlo.app.screens.session_screen import SessionScreen

        return SessionScreen(self.form, self.settings, self.autoconnect)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        from ehlo.app.palette import palette_commands

        yield from palette_commands(self, screen)
        yield from super().get_system_commands(screen)

    def action_help(self) -> None:
        from ehlo.app.screens.help_screen import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))


def make_app(
    target: str | None = None,
    *,
    sender: str | None = None,
    recipient: str | None = None,
    username: str | None = None,
    password: str | None = None,
    tls_mode: str | None = None,
    verify: str | None = None,
    autoconnect: bool = False,
    settings_path: Path | None = None,
) -> EhloApp:
    """The app, with the connect bar filled from the arguments and the settings file."""
    settings = load_settings(settings_path)
    mechanism = "PLAIN" if username else ""
    form = ConnectForm(
        target=target or "",
        tls_mode=tls_mode or "opportunistic",
        verify=verify or "verify",
        helo=settings.helo or "",
        auth_mechanism=mechanism,
        username=username or "",
        password=password or "",
        sender=sender or "",
        recipients=(recipient,) if recipient else (),
    )
    return EhloApp(form, settings, autoconnect=autoconnect)
