"""Pick the stage to run to."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

STAGES = (
    ("ehlo", "EHLO (greeting and extensions)"),
    ("starttls", "STARTTLS (and EHLO again)"),
    ("auth", "AUTH"),
    ("mail", "MAIL FROM"),
    ("rcpt", "RCPT TO"),
    ("data", "DATA (send the message)"),
    ("quit", "QUIT (the whole delivery)"),
)


class RunToScreen(ModalScreen[str | None]):
    """A list of stages; the session steps until the chosen one or the first failure."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "dismiss(None)", "Close", id="run-to.close", tooltip="Close without running"
        )
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="run-to-dialog", classes="dialog"):
            yield Label("Run to which stage? (stops at the first failure)")
            yield OptionList(*(Option(title, id=step) for step, title in STAGES), id="run-to-list")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
