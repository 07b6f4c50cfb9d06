"""F1: the keys, and what each pane does."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Markdown

PANES = """\
## Panes

- **Connect bar**: the server (host, host:port, or @domain to use its MX), port, TLS mode,
  certificate checking, HELO name, AUTH, MAIL FROM and RCPT TO. Enter or *Connect* starts a session.
- **Session**: the live transcript. `C:` lines are what ehlo sent, `S:` lines what the server
  replied, with the latency of each reply; `T` marks TLS steps, `A` AUTH steps, `!` protocol
  violations. Focus it (ctrl+l) and use Up/Down to select a reply.
- **Step bar**: the stages of a delivery and where the session is (✓ done, ✗ failed, › next).
- **Command line**: prefilled with the suggested next command. Enter sends it; edit it or type
  any command; Up/Down recall history; the grey completion shows the commands valid now.
- **Explain**: the selected reply taken apart: class, subject and detail, what it means,
  who sent it, whether to retry, likely causes and fixes, each with a copy button.
- **DNS / auth**: checks for what the session learned (sender domain, recipient domain, client
  IP), filled as results arrive; expand a row for details and fixes. Rows the selected reply
  points at are highlighted.

Every action is also in the command palette (ctrl+p). Copies go to the system clipboard, or
to the terminal's clipboard (OSC 52) when there is none. Transcripts and exports never contain
passwords.
"""


def keys_markdown(screen: Screen[object]) -> str:
    """A table of the screen's and the app's bindings, from their ids and tooltips."""
    rows = ["| key | action | what it does |", "| --- | --- | --- |"]
    seen: set[str] = set()
    for binding in [*screen.BINDINGS, *screen.app.BINDINGS]:
        if not isinstance(binding, Binding) or binding.id is None or binding.id in seen:
            continue
        seen.add(binding.id)
        keys = ", ".join(
            screen.app.get_key_display(Binding(key, binding.action))
            for key in binding.key.split(",")
        )
        rows.append(f"| {keys} | {binding.description} | {binding.tooltip} |")
    return "## Keys\n\n" + "\n".join(rows)


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
            yield Markdown("# ehlo\n\n" + keys_markdown(self._about) + "\n\n" + PANES)
        yield Footer()
