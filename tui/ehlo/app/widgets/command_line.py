"""The command line: prefilled with the suggested command, history, completion, a pending timer."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.suggester import Suggester
from textual.timer import Timer
from textual.widgets import Input, Label

COMMAND_TEMPLATES: dict[str, str] = {
    "EHLO": "EHLO ",
    "HELO": "HELO ",
    "STARTTLS": "STARTTLS",
    "AUTH": "AUTH",
    "MAIL": "MAIL FROM:<",
    "RCPT": "RCPT TO:<",
    "DATA": "DATA",
    "BDAT": "BDAT ",
    "RSET": "RSET",
    "NOOP": "NOOP",
    "VRFY": "VRFY ",
    "EXPN": "EXPN ",
    "HELP": "HELP",
    "QUIT": "QUIT",
}


class VerbSuggester(Suggester):
    """Completes the SMTP verbs that are valid now."""

    def __init__(self, valid_verbs: Callable[[], frozenset[str]]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self._valid_verbs = valid_verbs

    async def get_suggestion(self, value: str) -> str | None:
        if not value or " " in value or ":" in value:
            return None
        typed = value.upper()
        for verb in sorted(self._valid_verbs()):
            template = COMMAND_TEMPLATES.get(verb, verb)
            if template.startswith(typed) and len(template) > len(value):
                return value + template[len(value) :]
        return None


class CommandInput(Input):
    """The input of the command line, with history on Up/Down."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "up",
            "history(-1)",
            "Older command",
            show=False,
            id="command.history-back",
            tooltip="Recall the previous command",
        ),
        Binding(
            "down",
            "history(1)",
            "Newer command",
            show=False,
            id="command.history-forward",
            tooltip="Recall the next command",
        ),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.history: list[str] = []
        self._history_at: int | None = None

    def remember(self, line: str) -> None:
        """Add a sent line to the history."""
        if line and (not self.history or self.history[-1] != line):
            self.history.append(line)
        self._history_at = None

    def action_history(self, delta: int) -> None:
        if not self.history:
            return
        at = len(self.history) if self._history_at is None else self._history_at
        at = max(0, min(len(self.history), at + delta))
        self._history_at = at
        self.value = self.history[at] if at < len(self.history) else ""
        self.cursor_position = len(self.value)


class CommandLine(Horizontal):
    """`>` input, then the state of the pending command."""

    @dataclass
    class Send(Message):
        """The user sends this line."""

        line: str

    pending: reactive[str | None] = reactive(None)
    """The command waiting for its reply, or None."""

    suggestion: reactive[str] = reactive("")
    """The suggested next command, prefilled unless the user has typed something else."""

    def __init__(
        self,
        valid_verbs: Callable[[], frozenset[str]],
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._valid_verbs = valid_verbs
        self._started = 0.0
        self._timer: Timer | None = None
        self._edited = False
        self._status_width = 0

    def compose(self) -> ComposeResult:
        yield Label("❯", id="command-prompt")
        yield CommandInput(
            placeholder="type an SMTP command, or Enter to send the suggested one",
            suggester=VerbSuggester(self._valid_verbs),
            compact=True,
            id="command-input",
        )
        yield Label("", id="command-status")

    @property
    def input(self) -> CommandInput:
        """The input widget."""
        return self.query_one(CommandInput)

    def watch_suggestion(self, suggestion: str) -> None:
        command_input = self.input
        if not self._edited or not command_input.value.strip():
            command_input.value = suggestion
            command_input.cursor_position = len(suggestion)
            self._edited = False

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._edited = event.value != self.suggestion

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        line = event.value.strip() or self.suggestion
        if not line:
            return
        self.input.remember(line)
        self._edited = False
        self.post_message(self.Send(line))

    def watch_pending(self, pending: str | None) -> None:
        status = self.query_one("#command-status", Label)
        if pending is None:
            if self._timer is not None:
                self._timer.stop()
                self._timer = None
            status.update("")
            self._status_width = 0
            self.remove_class("-pending")
            return
        self._started = time.monotonic()
        self.add_class("-pending")
        self._tick()
        if self._timer is None:
            self._timer = self.set_interval(0.1, self._tick)

    def _tick(self) -> None:
        if self.pending is None:
            return
        elapsed = time.monotonic() - self._started
        shown = self.pending if len(self.pending) <= 24 else self.pending[:23] + "…"
        text = f"⧗ {shown} {elapsed:4.1f}s (esc cancels)"
        # the timer ticks ten times a second: lay the screen out again only when the width changes
        resized = len(text) != self._status_width
        self._status_width = len(text)
        self.query_one("#command-status", Label).update(text, layout=resized)
