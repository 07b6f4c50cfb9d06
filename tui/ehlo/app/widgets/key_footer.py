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
        self._rebuild_pending = False
        self._built: tuple[KeyRow, ...] | None = None

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    def _shown_keys(self) -> tuple[KeyRow, ...]:
        """The bindings this footer displays (shown ones and the palette's), as displayed."""
        palette_key = self.app.COMMAND_PALETTE_BINDING
        return tuple(
            (key, binding.action, binding.description, enabled, tooltip, binding.show)
            for key, (_node, binding, enabled, tooltip) in self.screen.active_bindings.items()
            if binding.show or key == palette_key
        )

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        shown = self._shown_keys()
        if shown == self._built:
            return
        self._built = shown
        await self.recompose()
