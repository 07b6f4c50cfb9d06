"""The DATA message editor: headers and body, a test message by default."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, TextArea

from ehlo.app.widgets.key_footer import KeyFooter


class MessageEditor(ModalScreen[str | None]):
    """Edit the message sent with DATA; ctrl+s keeps it, escape discards the changes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Keep", id="message.save", tooltip="Use this message for DATA"),
        Binding(
            "escape",
            "dismiss(None)",
            "Discard",
            id="message.discard",
            tooltip="Close without changing the message",
        ),
    ]

    def __init__(self, text: str, send_label: str = "Keep") -> None:
        super().__init__()
        self._text = text
        self._send_label = send_label

    def compose(self) -> ComposeResult:
        with Vertical(id="message-dialog", classes="dialog"):
            yield Label(
                f"Message sent with DATA (headers, a blank line, the body): "
                f"ctrl+s {self._send_label.lower()}, escape cancel"
            )
            yield TextArea(
                self._text.replace("\r\n", "\n"),
                id="message-text",
                show_line_numbers=True,
                soft_wrap=False,
            )
        yield KeyFooter()

    def action_save(self) -> None:
        text = self.query_one(TextArea).text
        self.dismiss(text.replace("\r\n", "\n").replace("\n", "\r\n"))
