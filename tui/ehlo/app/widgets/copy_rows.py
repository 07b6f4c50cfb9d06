"""Rows of text with a copy button, and what each button copies."""

from __future__ import annotations

from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Button, Static

from ehlo.app.messages import CopyRequested


class CopyRows:
    """Makes copy rows for one widget and answers their buttons (the widget owns the rows)."""

    def __init__(self) -> None:
        self._texts: dict[str, tuple[str, str]] = {}

    def clear(self) -> None:
        """Forget the rows of the previous contents."""
        self._texts.clear()

    def row(self, label: str, text: str, what: str) -> Horizontal:
        """A row showing `label` whose button copies `text` (a `what`: fix, command...)."""
        key = f"copy-{len(self._texts)}"
        self._texts[key] = (text, what)
        return Horizontal(
            Static(Content(label), classes="fix-text"),
            Button(
                "copy", name=key, compact=True, classes="copy-button", tooltip=f"Copy this {what}"
            ),
            classes="fix-row",
        )

    def first(self, what: str) -> str | None:
        """The first text of this kind, if any row has one."""
        return next((text for text, kind in self._texts.values() if kind == what), None)

    def request(self, event: Button.Pressed) -> CopyRequested | None:
        """The copy a pressed button asks for (the event is stopped), or None if not ours."""
        entry = self._texts.get(event.button.name or "")
        if entry is None:
            return None
        event.stop()
        return CopyRequested(entry[0], entry[1])
