"""F1: the keys, and what each pane does."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from ehlo.app.widgets.key_footer import KeyFooter

PANES = """\
[b]Panes[/b]

- [b]Connect bar[/b]: the server (host, host:port, or @domain to use its MX), port, TLS mode,
  certificate checking, HELO name, AUTH, MAIL FROM and RCPT TO. Enter or Connect starts a session.
- [b]Session[/b]: the live transcript. C: lines are what ehlo sent, S: lines what the server
  replied, with the latency of each reply; T marks TLS steps, A AUTH steps, ! protocol
  violations. Focus it (ctrl+l) and use Up/Down to select a reply.
- [b]Step bar[/b]: the stages of a delivery and where the session is (✓ done, ✗ failed, › next).
- [b]Command line[/b]: prefilled with the suggested next command. Enter sends it; edit it or type
  any command; Up/Down recall history; the grey completion shows the commands valid now.
- [b]Explain[/b]: the selected reply taken apart: class, subject and detail, what it means,
  who sent it, whether to retry, likely causes and fixes, each with a copy button.
- [b]DNS / auth[/b]: checks for what the session learned (sender domain, recipient domain, client
  IP), filled as results arrive; expand a row for details and fixes. Rows the selected reply
  points at are highlighted.

Every action is also in the command palette (ctrl+p). Copies go to the system clipboard, or
to the terminal's clipboard (OSC 52) when there is none. Transcripts and exports never contain
passwords.
"""


def keys_text(screen: Screen[object]) -> str:
    """The screen's and the app's bindings, one a line: keys, name, tooltip, id (for keymaps)."""
    rows: list[str] = []
    seen: set[str] = set()
    for binding in [*screen.BINDINGS, *screen.app.BINDINGS]:
        if not isinstance(binding, Binding) or binding.id is None or binding.id in seen:
            continue
        seen.add(binding.id)
        keys = ", ".join(
            screen.app.get_key_display(Binding(key, binding.action))
            for key in binding.key.split(",")
        )
        rows.append(f"{keys:>8}  {binding.description:<16} {binding.tooltip}  [{binding.id}]")
    return "\n".join(rows)


class HelpScreen(ModalScreen[None]):
    """Keys and panes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,f1,q", "dismiss(None)", "Close", id="help.close", tooltip="Back to the session"
        )
    ]

    def __init__(self, about: Screen[object]) -> None:
        super().__init__()
        self._about = about

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog", classes="dialog") as scroll:
            scroll.border_title = "Help"
            yield Static(Content.from_markup("[b]Keys[/b]"), classes="help-heading")
            yield Static(Content(keys_text(self._about)), id="help-keys")
            yield Static(Content.from_markup(PANES), id="help-panes")
        yield KeyFooter()
