"""The stages of a delivery, and where the session is among them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

if TYPE_CHECKING:
    from ehlo.smtp.events import Event


SlotStatus = Literal["todo", "current", "pending", "done", "failed", "skipped"]
SLOTS = ("connect", "ehlo", "starttls", "ehlo-tls", "auth", "mail", "rcpt", "data", "quit")
LABELS = {
    "connect": "connect",
    "ehlo": "EHLO",
    "starttls": "STARTTLS",
    "ehlo-tls": "EHLO",
    "auth": "AUTH",
    "mail": "MAIL",
    "rcpt": "RCPT",
    "data": "DATA",
    "quit": "QUIT",
}
ICONS = {"todo": " ", "current": "›", "pending": "…", "done": "✓", "failed": "✗", "skipped": "-"}


def slot_statuses(transcript: Sequence[Event], suggested: str | None) -> dict[str, SlotStatus]:
    """Each slot's status, from the transcript and the suggested next step."""
    from ehlo.smtp.events import Closed, Connected, ErrorEvent, Received, Sent, TlsUpgraded

    status: dict[str, SlotStatus] = dict.fromkeys(SLOTS, "todo")
    tls = False
    for event in transcript:
        if isinstance(event, Connected):
            status = dict.fromkeys(SLOTS, "todo")
            tls = event.implicit_tls
            if tls:
                status["starttls"] = "skipped"
                status["ehlo"] = "skipped"
            status["connect"] = "pending"
        elif isinstance(event, TlsUpgraded):
            tls = True
        elif isinstance(event, Sent):
            slot = _slot(event.stage, tls)
            if slot:
                status[slot] = "pending"
        elif isinstance(event, Received):
            slot = _slot(event.stage, tls)
            if slot:
                code = event.reply.code
                status[slot] = "failed" if code is None or code >= 400 else "done"
        elif isinstance(event, Closed):
            for slot, state in status.items():
                if state == "pending":
                    status[slot] = "failed"
        elif isinstance(event, ErrorEvent):
            slot = _slot(event.stage, tls) or "connect"
            status[slot] = "failed"
    reached = [index for index, slot in enumerate(SLOTS) if status[slot] != "todo"]
    for slot in SLOTS[: max(reached, default=0)]:
        if status[slot] == "todo":  # the session went past it (no AUTH asked for, no TLS)
            status[slot] = "skipped"
    if suggested and suggested != "done":
        slot = _slot(suggested, tls)
        if slot and status[slot] in ("todo", "done"):
            status[slot] = "current"
    if tls and status["starttls"] == "todo":
        status["starttls"] = "skipped"
    return status


def _slot(stage: str, tls: bool) -> str | None:
    if stage in ("ehlo", "helo"):
        return "ehlo-tls" if tls else "ehlo"
    if stage in ("data", "end-of-data", "bdat"):
        return "data"
    return stage if stage in SLOTS else None


class StepBar(Static):
    """One line: connect › EHLO › STARTTLS › EHLO › AUTH › MAIL › RCPT › DATA › QUIT."""

    statuses: reactive[dict[str, SlotStatus]] = reactive(dict, always_update=True)
    """Status of each slot, set by the session screen."""

    def render(self) -> Content:
        parts: list[Content] = []
        statuses = self.statuses or dict.fromkeys(SLOTS, "todo")
        for slot in SLOTS:
            state = statuses.get(slot, "todo")
            parts.append(Content.from_markup(f"[{_style(state)}]{ICONS[state]}{LABELS[slot]}[/]"))
        return Content(" ").join(parts)


def _style(state: SlotStatus) -> str:
    return {
        "todo": "$text-muted",
        "current": "bold $accent",
        "pending": "bold $warning",
        "done": "$success",
        "failed": "bold $error",
        "skipped": "dim",
    }[state]
