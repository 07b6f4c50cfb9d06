"""The DNS/authentication panel: checks for what the session learned, rows filled as they arrive."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Button, Collapsible, Label, Static
from textual.worker import Worker, WorkerState

from ehlo.app.messages import CheckArrived
from ehlo.app.widgets.copy_rows import CopyRows
from ehlo.dnsauth.context import AuditContext
from ehlo.dnsauth.session_checks import GROUPS, group_context
from ehlo.smtp.learned import Learned

if TYPE_CHECKING:
    from ehlo.dnsauth.answer import Resolver
    from ehlo.dnsauth.result import CheckResult

GROUP_TITLES = {
    "sender": "MAIL FROM domain",
    "recipient": "RCPT domain / server",
    "client": "client IP",
}
STATUS_ICONS = {"pass": "✓", "warn": "!", "fail": "✗", "info": "i", "error": "?", "running": "…"}


class CheckRow(Collapsible):
    """One check: icon, id and summary as the title; details and fixes inside."""

    def __init__(self, group: str, check_id: str) -> None:
        super().__init__(
            title=f"{STATUS_ICONS['running']} {check_id}  checking…",
            collapsed=True,
            id=f"check-{group}-{check_id}",
            classes="check-row -running",
        )
        self.group = group
        self.check_id = check_id
        self.result: CheckResult | None = None
        self._copy_rows = CopyRows()

    def show_running(self) -> None:
        """Back to "checking…" (re-run)."""
        self.result = None
        self.title = f"{STATUS_ICONS['running']} {self.check_id}  checking…"
        for status in ("pass", "warn", "fail", "info", "error"):
            self.remove_class(f"-{status}")
        self.add_class("-running")
        if self.is_mounted:
            self.query_one(Collapsible.Contents).remove_children()

    def show_result(self, result: CheckResult) -> None:
        """Fill the row with a result."""
        self.result = result
        self.title = f"{STATUS_ICONS.get(result.status, '?')} {self.check_id}  {result.summary}"
        for status in ("running", "pass", "warn", "fail", "info", "error"):
            self.remove_class(f"-{status}")
        self.add_class(f"-{result.status}")
        if not self.is_mounted:
            return  # on_mount fills the contents
        contents = self.query_one(Collapsible.Contents)
        contents.remove_children()
        widgets: list[Static | Horizontal] = [
            Static(Content(f"{key}: {_format_value(value)}"), classes="check-detail")
            for key, value in result.details.items()
        ]
        self._copy_rows.clear()
        for fix in result.fixes:
            widgets.append(self._copy_rows.row(f"• {fix.text}", fix.text, "fix"))
            if fix.command:
                widgets.append(self._copy_rows.row(f"  $ {fix.command}", fix.command, "command"))
        if not widgets:
            widgets.append(Static("No details.", classes="check-detail"))
        contents.mount_all(widgets)

    def on_mount(self) -> None:
        if self.result is not None:
            self.show_result(self.result)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        request = self._copy_rows.request(event)
        if request is not None:
            self.post_message(request)


def _load_audit() -> Callable[..., Awaitable[object]]:
    """ehlo.dnsauth.audit.audit, imported on first use."""
    from ehlo.dnsauth.audit import audit

    return audit


def _format_value(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value) or "(none)"
    return str(value)


class DnsPanel(Vertical):
    """Runs the DNS checks in its own worker groups; never blocks the UI."""

    learned: reactive[Learned] = reactive(Learned, always_update=True)
    """What the session has learned; set by the session screen."""

    highlighted: reactive[frozenset[str]] = reactive(frozenset)
    """Check ids the selected reply points at."""

    def __init__(
        self,
        resolver_factory: Callable[[], Resolver],
        selectors: tuple[str, ...] = (),
        blocklists: tuple[str, ...] = (),
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._resolver_factory = resolver_factory
        self.selectors = selectors
        self.blocklists = blocklists
        self._contexts: dict[str, AuditContext] = {}
        self._rows: dict[str, CheckRow] = {}
        self._titles: dict[str, Static] = {}

    def compose(self) -> ComposeResult:
        with Horizontal(id="dns-toolbar"):
            yield Label("DNS and authentication", id="dns-title")
            yield Button(
                "re-run",
                id="dns-rerun",
                compact=True,
                tooltip="Run every DNS check again (dns: re-run)",
            )
        with VerticalScroll(id="dns-rows"):
            yield Static(
                "Checks start as the session learns the server, the sender and the "
                "recipient domains, and the client IP.",
                id="dns-empty",
            )

    def watch_learned(self, learned: Learned) -> None:
        for group in GROUPS:
            context = group_context(group, learned, self.selectors)
            if context is not None and context != self._contexts.get(group):
                self._contexts[group] = context
                self._start(group, context)

    def watch_highlighted(self, highlighted: frozenset[str]) -> None:
        for row in self._rows.values():
            row.set_class(row.check_id in highlighted, "-highlight")

    def rerun(self) -> None:
        """Run every known group again (a fresh resolver, so no cached answers)."""
        for group, context in self._contexts.items():
            self._start(group, context)

    def add_selector(self, selector: str) -> None:
        """Check one more DKIM selector at the sender domain and re-run the DKIM row's group."""
        selector = selector.strip().lower()
        if not selector or selector in self.selectors:
            return
        self.selectors = (*self.selectors, selector)
        sender = self._contexts.get("sender")
        if sender is not None:
            self._contexts["sender"] = replace(sender, selectors=self.selectors)
            self._start("sender", self._contexts["sender"])

    def rows(self) -> dict[str, CheckRow]:
        """Rows by "group/check"."""
        return dict(self._rows)

    def _start(self, group: str, context: AuditContext) -> None:
        container = self.query_one("#dns-rows", VerticalScroll)
        for empty in container.query("#dns-empty"):
            empty.remove()
        title = f"{GROUP_TITLES[group]}: {context.ip if group == 'client' else context.domain}"
        if group not in self._titles:
            rows = [CheckRow(group, check_id) for check_id in GROUPS[group]]
            for row in rows:
                row.set_class(row.check_id in self.highlighted, "-highlight")
                self._rows[f"{group}/{row.check_id}"] = row
            self._titles[group] = Static(Content(title), classes="dns-group-title")
            container.mount(
                Vertical(self._titles[group], *rows, id=f"dns-group-{group}", classes="dns-group")
            )
        else:
            self._titles[group].update(Content(title))
            for key, row in self._rows.items():
                if key.startswith(f"{group}/"):
                    row.show_running()
        self.run_worker(
            partial(self._audit, group, context),  # type: ignore[arg-type]
            name=f"dns {group}",
            group=f"dns-{group}",
            exclusive=True,
            exit_on_error=False,
        )

    async def _audit(self, group: str, context: AuditContext) -> None:
        """Relay each check result as it arrives."""
        # the first import of the checks is heavy: do it off the event loop, which stays responsive
        audit = await asyncio.to_thread(_load_audit)

        if self.blocklists:
            from ehlo.dnsauth.dnsbl import Blocklist, configured_blocklists

            configured_blocklists.set(tuple(Blocklist(zone=z, name=z) for z in self.blocklists))

        def relay(result: CheckResult) -> None:
            self.post_message(CheckArrived(group, result))

        await audit(self._resolver_factory(), context, only=GROUPS[group], on_result=relay)

    def on_check_arrived(self, message: CheckArrived) -> None:
        message.stop()
        row = self._rows.get(f"{message.group}/{message.result.id}")
        if row is not None:
            row.show_result(message.result)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state not in (WorkerState.ERROR, WorkerState.SUCCESS):
            return
        if not (worker.group or "").startswith("dns-"):
            return
        event.stop()
        group = (worker.group or "")[4:]
        from ehlo.dnsauth.result import CheckResult

        summary = (
            f"could not run: {worker.error}" if worker.error else "no result within the time limit"
        )
        for row in list(self._rows.values()):
            if row.group == group and row.result is None:
                row.show_result(CheckResult(row.check_id, "error", summary))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "dns-rerun":
            event.stop()
            self.rerun()
