"""The live transcript: a virtual list of lines (Line API), replies selectable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ehlo.app.widgets.transcript_lines import TranscriptLine, event_lines

if TYPE_CHECKING:
    from ehlo.smtp.events import Event, Received

TIME_WIDTH = 9
"""Columns of the time gutter ("+123.456 ")."""


class Transcript(ScrollView, can_focus=True):
    """Every line of the session, drawn on demand so that long sessions stay fast."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "transcript--time",
        "transcript--marker",
        "transcript--client",
        "transcript--server",
        "transcript--server-bad",
        "transcript--tls",
        "transcript--auth",
        "transcript--error",
        "transcript--violation",
        "transcript--info",
        "transcript--latency",
        "transcript--selected",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "up,k",
            "select_reply(-1)",
            "Previous reply",
            show=False,
            id="transcript.previous",
            tooltip="Select the previous server reply",
        ),
        Binding(
            "down,j",
            "select_reply(1)",
            "Next reply",
            show=False,
            id="transcript.next",
            tooltip="Select the next server reply",
        ),
        Binding(
            "home",
            "select_first",
            "First reply",
            show=False,
            id="transcript.first",
            tooltip="Select the first server reply",
        ),
        Binding(
            "end",
            "select_last",
            "Newest reply",
            show=False,
            id="transcript.last",
            tooltip="Select the newest reply and follow new ones",
        ),
    ]

    @dataclass
    class ReplySelected(Message):
        """The user (or following) selected a reply."""

        index: int
        received: Received
        by_user: bool = False

    selected: reactive[int | None] = reactive(None, always_update=True)
    """Index of the selected reply in `replies`, or None before the first reply."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.lines: list[TranscriptLine] = []
        self.replies: list[Received] = []
        self._reply_first_line: list[int] = []
        self._origin: float | None = None
        self._width = 0
        self._following = True
        self._scroll_pending = False
        self._by_user = False
        self._cache: LRUCache[tuple[int, bool], Strip] = LRUCache(1024)

    def clear(self) -> None:
        """Forget every line (a new session)."""
        self.lines.clear()
        self.replies.clear()
        self._reply_first_line.clear()
        self._origin = None
        self._width = 0
        self._following = True
        self._cache.clear()
        self.selected = None
        self.virtual_size = Size(0, 0)
        self.scroll_to(0, 0, animate=False)
        self.refresh()

    def append_event(self, event: Event) -> None:
        """Add one engine event's lines; follow to the end when the user was there."""
        self.append_events((event,))

    def append_events(self, batch: tuple[Event, ...] | list[Event]) -> None:
        """Add several events at once (one layout update)."""
        from ehlo.smtp.events import Received

        newest_reply: int | None = None
        for event in batch:
            if self._origin is None:
                self._origin = event.at
            index: int | None = None
            if isinstance(event, Received):
                index = len(self.replies)
                self.replies.append(event)
                self._reply_first_line.append(len(self.lines))
                newest_reply = index
            new_lines = event_lines(event, index)
            self.lines.extend(new_lines)
            for line in new_lines:
                self._width = max(self._width, TIME_WIDTH + 2 + len(line.text) + 10)
        self.virtual_size = Size(self._width, len(self.lines))
        if newest_reply is not None and self._following:
            self.selected = newest_reply
        if self._following:
            self._scroll_later()
        self.refresh()

    def append_note(self, text: str, at: float, kind: str = "info") -> None:
        """Add a line that is not an engine event (e.g. "cancelled by the user")."""
        if self._origin is None:
            self._origin = at
        self.lines.append(TranscriptLine(kind, f"-- {text}", at))  # type: ignore[arg-type]
        self._width = max(self._width, TIME_WIDTH + 2 + len(text) + 13)
        self.virtual_size = Size(self._width, len(self.lines))
        if self._following:
            self._scroll_later()
        self.refresh()

    def _scroll_later(self) -> None:
        """Scroll to the end once the new virtual size is laid out (at most once a frame)."""
        if not self._scroll_pending:
            self._scroll_pending = True
            self.call_after_refresh(self._scroll_to_end)

    def _scroll_to_end(self) -> None:
        self._scroll_pending = False
        if self._following:
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    def on_mouse_scroll_up(self) -> None:
        self._following = False

    def on_mouse_scroll_down(self) -> None:
        self.call_after_refresh(self._follow_if_at_end)

    def _follow_if_at_end(self) -> None:
        if self.is_vertical_scroll_end:
            self._following = True

    def watch_selected(self, old: int | None, new: int | None) -> None:
        if new is None or new >= len(self.replies):
            return
        self.refresh()
        self.post_message(self.ReplySelected(new, self.replies[new], self._by_user))

    def action_select_reply(self, delta: int) -> None:
        if not self.replies:
            return
        current = len(self.replies) - 1 if self.selected is None else self.selected
        self._select(max(0, min(len(self.replies) - 1, current + delta)))

    def action_select_first(self) -> None:
        if self.replies:
            self._select(0)

    def action_select_last(self) -> None:
        if self.replies:
            self._select(len(self.replies) - 1)

    def _select(self, index: int) -> None:
        self._following = index == len(self.replies) - 1
        self._by_user = True
        self.selected = index
        self._by_user = False
        line = self._reply_first_line[index]
        self.scroll_to_region_line(line)

    def scroll_to_region_line(self, line: int) -> None:
        """Scroll just enough to show `line`."""
        height = self.scrollable_content_region.height
        if line < self.scroll_y:
            self.scroll_to(y=line, animate=False)
        elif line >= self.scroll_y + height:
            self.scroll_to(y=line - height + 1, animate=False)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = int(self.scroll_y) + offset.y
        if 0 <= index < len(self.lines):
            reply = self.lines[index].reply
            if reply is not None:
                self._select(reply)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        if index >= len(self.lines):
            return Strip.blank(width, self.rich_style)
        line = self.lines[index]
        selected = line.reply is not None and line.reply == self.selected
        key = (index, selected)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._render_full(line, selected)
            self._cache[key] = strip
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style)

    def _render_full(self, line: TranscriptLine, selected: bool) -> Strip:
        base = self.rich_style
        if selected:
            base = base + self.get_component_rich_style("transcript--selected")
        seconds = line.at - (self._origin or line.at)
        time_text = f"+{seconds:7.3f} " if seconds < 1000 else f"+{seconds:7.0f} "
        segments = [
            Segment(time_text, base + self.get_component_rich_style("transcript--time")),
            Segment(line.marker + " ", base + self.get_component_rich_style("transcript--marker")),
            Segment(line.text, base + self.get_component_rich_style(f"transcript--{line.kind}")),
        ]
        if line.latency_ms is not None:
            latency_style: Style = base + self.get_component_rich_style("transcript--latency")
            segments.append(Segment(f"  ({line.latency_ms:.0f} ms)", latency_style))
        return Strip(segments)
