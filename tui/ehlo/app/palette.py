"""Command palette entries: every action of the session screen, named "area: verb"."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.app import App, SystemCommand
from textual.screen import Screen


@dataclass(frozen=True, slots=True)
class PaletteEntry:
    """A palette title, its help line, and the screen action it runs."""

    title: str
    help: str
    action: str


SESSION_ENTRIES: tuple[PaletteEntry, ...] = (
    PaletteEntry("session: connect", "Connect with the connect bar's settings", "reconnect"),
    PaletteEntry(
        "session: reconnect", "Close and connect again with the same settings", "reconnect"
    ),
    PaletteEntry("session: step", "Send the suggested next command", "step"),
    PaletteEntry("session: run to…", "Step until a chosen stage or the first failure", "run_to"),
    PaletteEntry(
        "session: deliver", "Run the whole delivery until QUIT or the first failure", "deliver"
    ),
    PaletteEntry("session: cancel", "Cancel the pending command", "cancel"),
    PaletteEntry("session: reset", "Close the session and clear the transcript", "reset"),
    PaletteEntry("session: edit message", "Edit the message sent with DATA", "edit_message"),
    PaletteEntry("view: TLS", "The certificate chain and verification result", "tls_view"),
    PaletteEntry("view: code table", "Browse and search every reply code", "code_table"),
    PaletteEntry("view: toggle connect bar", "Show or hide the connect bar", "toggle_connect_bar"),
    PaletteEntry(
        "view: session pane", "The transcript (a tab on small terminals)", "show_pane('session')"
    ),
    PaletteEntry(
        "view: explain pane", "The explanation of the selected reply", "show_pane('annotation')"
    ),
    PaletteEntry("view: DNS pane", "The DNS and authentication checks", "show_pane('dns')"),
    PaletteEntry("focus: transcript", "Select replies with Up/Down", "focus_transcript"),
    PaletteEntry("focus: command line", "Type a command", "focus_command"),
    PaletteEntry("copy: fix", "Copy the first fix for the selected reply", "copy_fix"),
    PaletteEntry(
        "copy: command", "Copy the first fix command for the selected reply", "copy_command"
    ),
    PaletteEntry("copy: reply", "Copy the selected reply", "copy_reply"),
    PaletteEntry("copy: transcript", "Copy the whole transcript (redacted)", "copy_transcript"),
    PaletteEntry("copy: swaks command", "Copy an equivalent swaks command", "copy_swaks"),
    PaletteEntry(
        "copy: openssl command", "Copy an equivalent openssl s_client command", "copy_openssl"
    ),
    PaletteEntry(
        "export: transcript as text", "Save the transcript as text (redacted)", "export_text"
    ),
    PaletteEntry(
        "export: transcript as JSON", "Save the transcript as JSON (redacted)", "export_json"
    ),
    PaletteEntry("dns: re-run", "Run every DNS check again", "rerun_dns"),
    PaletteEntry(
        "dns: add DKIM selector", "Check one more DKIM selector (F8)", "add_dkim_selector"
    ),
)


def palette_commands(app: App[Any], screen: Screen[Any]) -> Iterable[SystemCommand]:
    """The session entries when the session screen is active, then the app's own."""
    from ehlo.app.screens.session_screen import SessionScreen

    if isinstance(screen, SessionScreen):
        for entry in SESSION_ENTRIES:
            yield SystemCommand(entry.title, entry.help, partial(screen.run_action, entry.action))
    yield SystemCommand(
        "help: keys and panes", "Show the help screen (F1)", partial(app.run_action, "help")
    )
