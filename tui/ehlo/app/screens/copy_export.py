"""The session screen's copy and export actions (all redacted), through one clipboard function."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from textual.screen import Screen

from ehlo.app import clipboard
from ehlo.app.settings import Settings
from ehlo.app.widgets.annotation_panel import AnnotationPanel
from ehlo.app.widgets.transcript import Transcript

if TYPE_CHECKING:
    from ehlo.smtp.events import Event
    from ehlo.smtp.options import ConnectOptions
    from ehlo.smtp.transaction import DeliveryPlan


class CopyExport(Screen[None]):
    """Copy a fix, a command, a reply, the transcript or an equivalent command; export to a file."""

    settings: Settings
    events: list[Event]
    options: ConnectOptions | None
    plan: DeliveryPlan | None

    def action_copy_fix(self) -> None:
        self._copy_first("fix")

    def action_copy_command(self) -> None:
        self._copy_first("command")

    def _copy_first(self, kind: Literal["fix", "command"]) -> None:
        """Copy the selected reply's first fix text, or its first command."""
        text = self.query_one(AnnotationPanel).first_fix(kind)
        if text is None:
            self.notify(f"The selected reply has no {kind} to copy.", severity="warning")
            return
        clipboard.copy(self.app, text, kind)

    def action_copy_reply(self) -> None:
        transcript = self.query_one(Transcript)
        if transcript.selected is None:
            self.notify("No reply selected.", severity="warning")
            return
        reply = transcript.replies[transcript.selected].reply
        clipboard.copy(self.app, "\n".join(reply.lines), "reply")

    def action_copy_transcript(self) -> None:
        from ehlo.app.exporting import transcript_text

        if not self.events:
            self.notify("Nothing to copy yet: the transcript is empty.", severity="warning")
            return
        clipboard.copy(self.app, transcript_text(self.events), "transcript")

    def action_copy_swaks(self) -> None:
        self._copy_equivalent("swaks")

    def action_copy_openssl(self) -> None:
        self._copy_equivalent("openssl")

    def _copy_equivalent(self, tool: str) -> None:
        from ehlo.app.exporting import equivalent_command

        if self.options is None or self.plan is None:
            self.notify("Connect first: the command repeats this session.", severity="warning")
            return
        command, problem = equivalent_command(tool, self.options, self.plan)
        if command is None:
            self.notify(f"Nothing copied: {problem}.", severity="error", timeout=8)
            return
        clipboard.copy(self.app, command, f"{tool} command")

    def action_export_text(self) -> None:
        self.export("txt")

    def action_export_json(self) -> None:
        self.export("json")

    def export(self, suffix: str) -> Path | None:
        """Save the transcript (redacted) as text or JSON in the export directory."""
        from ehlo.app.exporting import transcript_json, transcript_text

        if not self.events:
            self.notify("Nothing to export yet: the transcript is empty.", severity="warning")
            return None
        host = self.options.host if self.options else "session"
        target = f"{host}:{self.options.port}" if self.options else host
        text = (
            transcript_json(self.events, target)
            if suffix == "json"
            else transcript_text(self.events)
        )
        safe_host = "".join(c if c.isalnum() or c in ".-" else "_" for c in host)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = self.settings.export_dir / f"ehlo-{safe_host}-{stamp}.{suffix}"
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            self.notify(f"Could not write {path}: {exc}", severity="error")
            return None
        self.notify(f"Saved the transcript (redacted) to {path}", title="Exported")
        return path
