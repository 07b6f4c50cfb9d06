"""Ask for a DKIM selector to check at the sender domain."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class SelectorScreen(ModalScreen[str | None]):
    """One input; Enter adds the selector, Esc closes without adding."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "dismiss(None)",
            "Close",
            id="selector.close",
            tooltip="Close without adding a selector",
        )
    ]

    def __init__(self, domain: str | None) -> None:
        super().__init__()
        self.domain = domain

    def compose(self) -> ComposeResult:
        where = f" at {self.domain}" if self.domain else " (used once a sender domain is known)"
        with Vertical(id="selector-dialog", classes="dialog"):
            yield Label(f"DKIM selector to check{where}:")
            yield Input(placeholder="e.g. s2026", id="selector-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or None)
