"""The annotation panel: the selected reply taken apart, explained, with fixes to copy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static

from ehlo.app.widgets.copy_rows import CopyRows

if TYPE_CHECKING:
    from ehlo.smtp.events import ErrorEvent, Received

BASIC_CLASS = {2: "success", 3: "intermediate", 4: "transient failure", 5: "permanent failure"}
BASIC_CATEGORY = {
    0: "syntax",
    1: "information",
    2: "connection",
    3: "unspecified",
    4: "unspecified",
    5: "mail system",
}
ENHANCED_SUBJECT = {
    "0": "other or undefined",
    "1": "addressing",
    "2": "mailbox",
    "3": "mail system",
    "4": "network and routing",
    "5": "mail delivery protocol",
    "6": "message content or media",
    "7": "security or policy",
}


class AnnotationPanel(VerticalScroll):
    """Explains one reply (or one error) at a time; rebuilt when the selection changes."""

    def __init__(self, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.annotation: object | None = None
        self._copy_rows = CopyRows()

    def compose(self) -> ComposeResult:
        yield Static("Select a server reply to see what it means.", classes="annotation-empty")

    def explain(self, received: Received, context: Mapping[str, str]) -> None:
        """Annotate a reply with the knowledge base and show it."""
        self._copy_rows.clear()
        try:
            from ehlo.knowledge import annotate

            annotation = annotate(received.reply, received.stage, context)
        except Exception as exc:  # never let one reply break the panel
            self.annotation = None
            lines = "\n".join(received.reply.lines)
            self._show(
                [
                    Static(Content(lines), classes="annotation-heading"),
                    Static(
                        Content(f"No explanation available: {exc}"), classes="annotation-meaning"
                    ),
                ]
            )
            return
        self.annotation = annotation
        self._show(list(self._reply_widgets(received, annotation)))

    def explain_error(self, error: ErrorEvent) -> None:
        """Show an engine error as an explained event."""
        self.annotation = None
        title = Content.from_markup(
            "[b $error]$kind error[/] during [b]$stage[/]", kind=error.kind, stage=error.stage
        )
        self._show(
            [
                Static(title, classes="annotation-heading"),
                Static(Content(error.message), classes="annotation-meaning"),
            ]
        )

    def _show(self, widgets: list[Static | Horizontal]) -> None:
        with self.app.batch_update():
            self.remove_children()
            self.mount_all(widgets)
            self.scroll_home(animate=False)

    def _reply_widgets(self, received: Received, annotation: object) -> list[Static | Horizontal]:
        from ehlo.knowledge import Annotation

        assert isinstance(annotation, Annotation)
        reply = received.reply
        widgets: list[Static | Horizontal] = []
        code = "" if reply.code is None else str(reply.code)
        retry = "retry later" if annotation.retry else "do not retry as is"
        if annotation.reply_class in ("success", "intermediate"):
            retry = "nothing to retry"
        heading = Content.from_markup(
            f"[b]$code $enhanced[/]  [{_class_style(annotation.reply_class)}]$klass[/] · $retry",
            code=code or "???",
            enhanced=annotation.enhanced or "",
            klass=annotation.reply_class,
            retry=retry,
        )
        widgets.append(Static(heading, classes="annotation-heading"))
        widgets.append(
            Static(
                _code_parts(reply.code, annotation.enhanced, annotation.enhanced_title),
                classes="annotation-code",
            )
        )
        if annotation.provider:
            widgets.append(
                Static(
                    Content.from_markup("[b]Recognised:[/] $p", p=annotation.provider),
                    classes="annotation-provider",
                )
            )
        widgets.append(Static(Content(annotation.meaning), classes="annotation-meaning"))
        if annotation.reply_class not in ("success", "intermediate"):
            widgets.append(
                Static(
                    Content.from_markup("[b]Retry:[/] $advice", advice=annotation.retry_advice),
                    classes="annotation-retry",
                )
            )
        if annotation.causes:
            widgets.append(
                Static(Content.from_markup("[b]Likely causes[/]"), classes="annotation-section")
            )
            widgets.extend(
                Static(Content(f"• {cause}"), classes="annotation-cause")
                for cause in annotation.causes
            )
        if annotation.fixes:
            widgets.append(Static(Content.from_markup("[b]Fixes[/]"), classes="annotation-section"))
            for fix in annotation.fixes:
                widgets.append(self._copy_rows.row(f"• {fix.text}", fix.text, "fix"))
                if fix.command:
                    widgets.append(
                        self._copy_rows.row(f"  $ {fix.command}", fix.command, "command")
                    )
        if annotation.dns_checks:
            widgets.append(
                Static(
                    Content(f"DNS checks to look at: {', '.join(annotation.dns_checks)}"),
                    classes="annotation-dns",
                )
            )
        if annotation.references:
            widgets.append(
                Static(
                    Content("See: " + "; ".join(annotation.references)),
                    classes="annotation-references",
                )
            )
        return widgets

    def first_fix(self, kind: str = "fix") -> str | None:
        """The first fix text (kind "fix") or command (kind "command") shown, if any."""
        return self._copy_rows.first(kind)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        request = self._copy_rows.request(event)
        if request is not None:
            self.post_message(request)


def _class_style(reply_class: str) -> str:
    return {
        "success": "$success",
        "intermediate": "$accent",
        "transient": "$warning",
        "permanent": "$error",
    }.get(reply_class, "$text-muted")


def _code_parts(code: int | None, enhanced: str | None, enhanced_title: str | None) -> Content:
    """The code taken apart: class, category, detail; the enhanced code's class.subject.detail."""
    lines: list[str] = []
    if code is not None and 200 <= code <= 599:
        first, second, third = code // 100, (code // 10) % 10, code % 10
        lines.append(
            f"{code}: {first}xx {BASIC_CLASS.get(first, '?')} · x{second}x "
            f"{BASIC_CATEGORY.get(second, '?')} · detail {third}"
        )
    elif code is None:
        lines.append("No valid reply code: the server broke the protocol.")
    if enhanced:
        parts = enhanced.split(".")
        if len(parts) == 3:
            klass = (
                BASIC_CLASS.get(int(parts[0]), "?")
                if (parts[0].isascii() and parts[0].isdigit())
                else "?"
            )
            subject = ENHANCED_SUBJECT.get(parts[1], "unknown subject")
            lines.append(
                f"{enhanced}: class {parts[0]} {klass} · subject {parts[1]} {subject} · "
                f"detail {parts[2]}"
            )
        if enhanced_title:
            lines.append(f"{enhanced}: {enhanced_title}")
    return Content("\n".join(lines))
