"""The code table: every basic and enhanced code, searchable and filterable, offline."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Select, Static

from ehlo.app.widgets.key_footer import KeyFooter

CLASS_FILTERS = (
    ("all classes", 0),
    ("2 success", 2),
    ("3 intermediate", 3),
    ("4 transient", 4),
    ("5 permanent", 5),
)


class CodeTableScreen(Screen[None]):
    """A DataTable over knowledge.search_codes(); Enter or a click shows the detail below."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,f2", "app.pop_screen", "Back", id="codes.close", tooltip="Back to the session"
        ),
        Binding(
            "ctrl+f", "focus_search", "Search", id="codes.search", tooltip="Type to search codes"
        ),
    ]

    def compose(self) -> ComposeResult:
        yield Header(icon="✉")
        with Horizontal(id="codes-toolbar"):
            yield Input(
                placeholder="search: 550, 5.7.26, mailbox, relay…",
                id="codes-search",
                compact=True,
                tooltip="Search codes, titles and meanings",
            )
            yield Select(
                CLASS_FILTERS,
                value=0,
                allow_blank=False,
                id="codes-class",
                compact=True,
                tooltip="Only codes of one class",
            )
        with Vertical(id="codes-body"):
            yield DataTable(id="codes-table", cursor_type="row", zebra_stripes=True)
            yield Static("Select a code to see its meaning.", id="codes-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "Reply codes"
        table = self.query_one(DataTable)
        table.add_columns("code", "kind", "title")
        self._codes: dict[str, Any] = {}
        self.refill()
        self.query_one("#codes-search").focus()

    def refill(self) -> None:
        """Fill the table from the search box and the class filter."""
        from ehlo.knowledge import search_codes

        query = self.query_one("#codes-search", Input).value.strip() or None
        klass = self.query_one("#codes-class", Select).value
        reply_class = klass if isinstance(klass, int) and klass else None
        results = search_codes(query, reply_class)
        table = self.query_one(DataTable)
        table.clear()
        self._codes.clear()
        for code in results:
            key = str(code.code)
            if key in self._codes:
                continue
            self._codes[key] = code
            kind = "enhanced" if "." in key else "basic"
            table.add_row(key, kind, code.title, key=key)
        self.sub_title = f"{len(self._codes)} codes"
        if self._codes:
            self._show(next(iter(self._codes)))
        else:
            self.query_one("#codes-detail", Static).update("No code matches.")

    @on(Input.Changed, "#codes-search")
    @on(Select.Changed, "#codes-class")
    def _filters_changed(self) -> None:
        self.refill()

    @on(Input.Submitted, "#codes-search")
    def _search_submitted(self) -> None:
        self.query_one(DataTable).focus()

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self._show(event.row_key.value)

    def _show(self, key: str) -> None:
        code = self._codes.get(key)
        if code is None:
            return
        lines = [f"{key}  {code.title}"]
        meaning = getattr(code, "meaning", None) or getattr(code, "description", None)
        if meaning:
            lines.append(str(meaning))
        stages = getattr(code, "stages", None)
        if stages:
            lines.append("Sent after: " + ", ".join(stages))
        basic = getattr(code, "basic_codes", None)
        if basic:
            lines.append("Used with: " + ", ".join(str(b) for b in basic))
        rfc = getattr(code, "rfc", None)
        if rfc:
            lines.append(f"Defined in: {rfc}")
        self.query_one("#codes-detail", Static).update("\n".join(lines))

    def action_focus_search(self) -> None:
        self.query_one("#codes-search").focus()
