"""Where the session screen's panes go: side by side, or tabs on small terminals."""

from __future__ import annotations

from textual import on
from textual.screen import Screen
from textual.widgets import Tabs

NARROW_WIDTH = 110
"""Below this many columns the panes become tabs."""


class PaneLayout(Screen[None]):
    """Shows the session, annotation and DNS panes side by side, or one at a time as tabs."""

    def on_resize(self) -> None:
        self._update_layout(self.size.width)

    def _update_layout(self, width: int) -> None:
        narrow = width < NARROW_WIDTH
        self.set_class(narrow, "-narrow")
        if narrow:
            self._show_pane(self.query_one("#pane-tabs", Tabs).active or "tab-session")
        else:
            for pane in self.query(".-tab-hidden"):
                pane.remove_class("-tab-hidden")

    @on(Tabs.TabActivated, "#pane-tabs")
    def _tab_activated(self, event: Tabs.TabActivated) -> None:
        if self.has_class("-narrow"):
            self._show_pane(event.tab.id or "tab-session")

    def _show_pane(self, tab_id: str) -> None:
        shown = tab_id.removeprefix("tab-")
        for pane_id in ("session", "annotation", "dns"):
            widget_id = "session-pane" if pane_id == "session" else f"{pane_id}-panel"
            self.query_one(f"#{widget_id}").set_class(pane_id != shown, "-tab-hidden")
        self.query_one("#side").set_class(shown == "session", "-tab-hidden")

    def _select_tab(self, tab_id: str) -> None:
        if self.has_class("-narrow"):
            self.query_one("#pane-tabs", Tabs).active = tab_id

    def action_show_pane(self, pane: str) -> None:
        """Show the session, annotation or DNS pane (a tab on small terminals)."""
        if self.has_class("-narrow"):
            self.query_one("#pane-tabs", Tabs).active = f"tab-{pane}"
        target = {"session": "#transcript", "annotation": "#annotation-panel", "dns": "#dns-rows"}
        self.query_one(target.get(pane, "#transcript")).focus()

    def action_focus_transcript(self) -> None:
        self._select_tab("tab-session")
        self.query_one("#transcript").focus()

    def action_focus_command(self) -> None:
        self._select_tab("tab-session")
        self.query_one("#command-input").focus()
