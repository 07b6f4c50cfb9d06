"""The footer of keys, rebuilt only when the keys it shows change."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer

KeyRow = tuple[str, str, str, bool, str, bool]
"""What the footer shows of one binding: key, action, description, enabled, tooltip, shown."""


class KeyFooter(Footer):
    """Textual's Footer, rebuilt once per burst of binding changes, and only when keys change.

    The stock footer rebuilds every key for every change signal (focus moves, screen resumes,
    idle refreshes): five times while the app starts, and on every focus move, mostly to show
    the same keys.
    """

    def __init__(self, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._built: tuple[KeyRow, ...] | None = None
        self._signals = 0

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self._signals += 1
            self.call_after_refresh(self._rebuild, self._signals)

    def _shown_keys(self) -> tuple[KeyRow, ...]:
        """The bindings this footer displays (shown ones and the palette's), as displayed."""
        palette_key = self.app.COMMAND_PALETTE_BINDING
        return tuple(
            (key, binding.action, binding.description, enabled, tooltip, binding.show)
            for key, (_node, binding, enabled, tooltip) in self.screen.active_bindings.items()
            if binding.show or key == palette_key
        )

    async def _rebuild(self, signal: int) -> None:
        # Every change signal gets its call (dropping calls behind a "pending" flag once left
        # Enter undelivered after a dialog closed); only the burst's last call does the work,
        # and only when the keys shown have changed.
        if signal != self._signals or not self.is_attached:
            return
        shown = self._shown_keys()
        if shown == self._built:
            return
        self._built = shown
        await self.recompose()
