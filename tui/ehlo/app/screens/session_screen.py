"""The main screen: connect bar, live transcript, step bar, command line, side panels."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Header, Tab, Tabs
from textual.worker import Worker, WorkerState

from ehlo.app import clipboard
from ehlo.app.messages import CopyRequested, SessionEvent
from ehlo.app.request import ConnectForm, RequestError, build_options, build_plan, form_message
from ehlo.app.screens.copy_export import CopyExport
from ehlo.app.screens.pane_layout import PaneLayout
from ehlo.app.screens.session_bindings import SESSION_BINDINGS
from ehlo.app.settings import Settings
from ehlo.app.widgets.annotation_panel import AnnotationPanel
from ehlo.app.widgets.command_line import CommandLine
from ehlo.app.widgets.connect_bar import ConnectBar
from ehlo.app.widgets.dns_panel import DnsPanel
from ehlo.app.widgets.key_footer import KeyFooter
from ehlo.app.widgets.step_bar import StepBar, slot_statuses
from ehlo.app.widgets.transcript import Transcript
from ehlo.smtp.learned import Learned, learn

if TYPE_CHECKING:
    from ehlo.dnsauth.answer import Resolver
    from ehlo.smtp.events import ErrorEvent, Event, Received
    from ehlo.smtp.options import ConnectOptions
    from ehlo.smtp.session import Session
    from ehlo.smtp.tls import TlsFacts
    from ehlo.smtp.transaction import DeliveryPlan


def _warm_caches() -> None:
    """Load the knowledge base and the engine before the first reply needs them."""
    from ehlo.knowledge import annotate, basic_codes
    from ehlo.smtp.reply import parse_reply

    basic_codes()
    annotate(parse_reply("250 2.0.0 Ok"), "mail")


class SessionScreen(CopyExport, PaneLayout):
    """One SMTP session at a time, stepped by hand or run to a stage."""

    BINDINGS: ClassVar[list[BindingType]] = SESSION_BINDINGS

    def __init__(self, form: ConnectForm, settings: Settings, autoconnect: bool = False) -> None:
        super().__init__()
        self.form = form
        self.settings = settings
        self.autoconnect = autoconnect
        self.session: Session | None = None
        self.options: ConnectOptions | None = None
        self.plan: DeliveryPlan | None = None
        self.message: bytes | None = None
        """The message edited in the editor; None sends a test message made from the form."""
        self._test_message: bytes | None = None
        """This session's test message, made once: the editor shows the one DATA sends."""
        self.learned = Learned()
        self.tls_facts: TlsFacts | None = None
        self.events: list[Event] = []
        """The events shown so far (the session's transcript as the screen has handled it)."""
        self._to_explain: Received | None = None
        self._last_error: ErrorEvent | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="✉")
        yield ConnectBar(self.form, self.settings.profiles, id="connect-bar")
        yield Tabs(
            Tab("Session", id="tab-session"),
            Tab("Explain", id="tab-annotation"),
            Tab("DNS", id="tab-dns"),
            id="pane-tabs",
        )
        with Horizontal(id="main"):
            with Vertical(id="session-pane", classes="pane"):
                yield Transcript(id="transcript")
                yield StepBar(id="step-bar")
                yield CommandLine(self._valid_verbs, id="command-line")
            with Vertical(id="side"):
                yield AnnotationPanel(id="annotation-panel", classes="pane")
                yield DnsPanel(
                    self._resolver,
                    self.settings.selectors,
                    self.settings.blocklists,
                    id="dns-panel",
                    classes="pane",
                )
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#session-pane").border_title = "Session"
        self.query_one("#annotation-panel").border_title = "Explain"
        self.query_one("#dns-panel").border_title = "DNS / auth"
        self._update_layout(self.size.width)
        self.query_one(StepBar).statuses = slot_statuses([], "connect")
        # focus where the user types first, now: moving it later costs another footer rebuild
        autoconnecting = self.autoconnect and self.form.target
        self.query_one("#command-input" if autoconnecting else "#target").focus()
        self.call_after_refresh(self.start)

    def start(self) -> None:
        """Once the screen is shown: connect when asked to; load the knowledge base off-thread."""
        if self.autoconnect and self.form.target:
            self.autoconnect = False
            self.query_one(ConnectBar).request_session()
        self.run_worker(_warm_caches, thread=True, group="warm", exit_on_error=False)

    # starting sessions ------------------------------------------------------------------
    def _resolver(self) -> Resolver:
        from ehlo.dnsauth.resolver import DnsResolver, parse_resolver_arg

        if not self.settings.resolver:
            return DnsResolver()
        try:
            host, port = parse_resolver_arg(self.settings.resolver)
        except ValueError as exc:
            self.notify(
                f"Settings: dns.resolver: {exc}; using the system resolver", severity="warning"
            )
            return DnsResolver()
        return DnsResolver(nameserver=host, port=port)

    def _valid_verbs(self) -> frozenset[str]:
        from ehlo.smtp.state import valid_commands

        return valid_commands(self.events)

    @on(ConnectBar.SessionRequested)
    def _session_requested(self, event: ConnectBar.SessionRequested) -> None:
        self.form = event.form
        from ehlo.smtp.target import TargetError, parse_target

        try:
            target = parse_target(event.form.target)
            build_plan(event.form)
        except (TargetError, RequestError) as exc:
            self.notify(str(exc), title="Cannot connect", severity="error")
            return
        if target.kind == "domain":
            self._lookup_mx(target.host, target.port)
            return
        self._start_session(target.host, target.port)

    @work(exclusive=True, exit_on_error=False, group="mx", name="mx lookup")
    async def _lookup_mx(self, domain: str, port: int | None) -> None:
        """Find the domain's MX hosts; connect to the only one, or let the user pick."""
        from ehlo.smtp.target import TargetError, mx_exchanges

        try:
            exchanges = await mx_exchanges(self._resolver(), domain)
        except TargetError as exc:
            self.notify(exc.message, title="Cannot connect", severity="error")
            return
        if not exchanges:
            self.notify(
                f"the MX records of {domain} name no host", title="Cannot connect", severity="error"
            )
            return
        if exchanges[0][0] is None:
            self.notify(
                f"{domain} has no MX records; mail goes to the domain itself.", title="MX lookup"
            )
            self._start_session(domain, port)
            return
        unique: dict[str, int] = {}
        for preference, host in exchanges:
            unique.setdefault(host, preference or 0)
        if len(unique) == 1:
            host, preference = next(iter(unique.items()))
            self._use_mx(domain, host, preference, port)
            return
        from ehlo.app.screens.mx_picker import MxPickScreen

        choices = tuple((preference, host) for host, preference in unique.items())

        def chosen(host: str | None) -> None:
            if host:
                self._use_mx(domain, host, unique[host], port)

        self.app.push_screen(MxPickScreen(domain, choices), chosen)

    def _use_mx(self, domain: str, host: str, preference: int, port: int | None) -> None:
        self.notify(f"Using {host} (preference {preference})", title=f"MX of {domain}")
        self.query_one("#target").value = host if port is None else f"{host}:{port}"  # type: ignore[attr-defined]
        self._start_session(host, port)

    def _start_session(self, host: str, port: int | None) -> None:
        from ehlo.smtp.session import Session

        try:
            options = build_options(self.form, host, port, self.settings)
            plan = build_plan(self.form)
        except (RequestError, TypeError, ValueError) as exc:
            self.notify(str(exc), title="Cannot connect", severity="error")
            return
        self._close_session()
        self.options, self.plan = options, plan
        self._test_message = None
        self.session = Session(options, plan.credentials)
        self.learned = Learned()
        self.tls_facts = None
        self.events = []
        self.query_one(Transcript).clear()
        self._refresh_state()
        self.query_one(CommandLine).pending = f"connect {options.host}:{options.port}"
        self._run_step("connect")
        self.query_one("#command-input").focus()

    def _close_session(self) -> None:
        self.workers.cancel_group(self, "smtp")
        if self.session is not None:
            self.run_worker(self.session.close(), group="smtp-close", exit_on_error=False)
        self.session = None

    # running steps ----------------------------------------------------------------------
    def _run_step(self, step: str) -> None:
        from ehlo.smtp.stepping import step_events

        if self.session is None or self.plan is None:
            return
        message = b"" if step == "connect" else self._message_bytes()
        self._relay(step_events(self.session, step, self.plan, message))  # type: ignore[arg-type]

    @work(exclusive=True, exit_on_error=False, group="smtp", name="smtp")
    async def _relay(self, events: AsyncIterator[Event]) -> None:
        """Relay engine events to the screen as messages."""
        async for event in events:
            self.post_message(SessionEvent(event))

    def _busy(self) -> bool:
        return any(worker.is_running for worker in self.workers if worker.group == "smtp")

    @on(CommandLine.Send)
    def _send_line(self, event: CommandLine.Send) -> None:
        from ehlo.smtp.stepping import line_events

        if self._busy():
            self.notify("A command is still waiting for its reply (esc cancels it).")
            return
        if self.session is None or not self.session.is_connected:
            if event.line.lower() in ("connect", self._suggestion().lower()):
                self.action_reconnect()
            else:
                self.notify("Not connected: press ctrl+r to connect.", severity="warning")
            return
        assert self.plan is not None
        session, plan = self.session, self.plan
        if event.line.strip().upper() == "DATA" and not session.sasl_pending:
            # DATA by hand: show the message first; ctrl+s sends it, escape sends nothing.
            from ehlo.app.screens.message_editor import MessageEditor

            def send(text: str | None) -> None:
                if text is not None:
                    self.message = text.encode("utf-8")
                    self._relay(line_events(session, "DATA", plan, self.message))

            self.app.push_screen(MessageEditor(self._message_text(), send_label="Send"), send)
            return
        self._relay(line_events(session, event.line, plan, self._message_bytes()))

    def _suggestion(self) -> str:
        if self.plan is None:
            return ""
        from ehlo.smtp.state import suggested_command

        return suggested_command(self.events, self.plan, self._message_bytes())

    def run_to(self, target: str) -> None:
        """Step until `target` or the first failure."""
        from ehlo.smtp.stepping import run_to

        if self.session is None or self.plan is None:
            self.notify("Connect first (the Connect button or ctrl+r).", severity="warning")
            return
        if self._busy():
            return
        self._relay(run_to(self.session, self.plan, target, self._message_bytes()))  # type: ignore[arg-type]

    # events from the worker --------------------------------------------------------------
    @on(SessionEvent)
    def _session_event(self, message: SessionEvent) -> None:
        from ehlo.smtp.events import Closed, Connected, ErrorEvent, Received, Sent, TlsUpgraded

        event = message.event
        self.events.append(event)
        self.query_one(Transcript).append_event(event)
        command_line = self.query_one(CommandLine)
        if isinstance(event, Sent):
            command_line.pending = event.line
        elif isinstance(event, Connected):
            command_line.pending = "waiting for the greeting"
        elif isinstance(event, Received | Closed | ErrorEvent):
            command_line.pending = None
        if isinstance(event, Received):
            self._last_error = None
        if isinstance(event, TlsUpgraded):
            self.tls_facts = event.facts
        if isinstance(event, ErrorEvent):
            self._last_error = event  # the error, not an earlier reply, is what needs explaining
            self._to_explain = None
            self.query_one(AnnotationPanel).explain_error(event)
            self._select_tab("tab-annotation")
        self._refresh_state()

    def _refresh_state(self) -> None:
        transcript = self.events
        suggested_step = None
        if self.plan is not None:
            from ehlo.smtp.state import suggested_step as suggest

            suggested_step = suggest(transcript, self.plan)
        self.query_one(StepBar).statuses = slot_statuses(transcript, suggested_step)
        self.query_one(CommandLine).suggestion = self._suggestion()
        learned = learn(transcript, self.options.helo if self.options else None)
        if learned != self.learned:
            self.learned = learned
            self.query_one(DnsPanel).learned = learned

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "smtp":
            return
        if event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            self.query_one(CommandLine).pending = None
        if event.state == WorkerState.ERROR:
            self.query_one(Transcript).append_note(
                f"internal error: {event.worker.error}", time.time(), "error"
            )
            self.notify(f"The session stopped: {event.worker.error}", severity="error")

    @on(Transcript.ReplySelected)
    def _reply_selected(self, event: Transcript.ReplySelected) -> None:
        # A burst of replies (run to, deliver) is explained once, for the newest.
        if self._last_error is not None and not event.by_user:
            return
        first = self._to_explain is None
        self._to_explain = event.received
        if first:
            self.set_timer(0.03, self._explain_selected)

    def _explain_selected(self) -> None:
        received, self._to_explain = self._to_explain, None
        if received is None:
            return
        panel = self.query_one(AnnotationPanel)
        panel.explain(received, self.learned.context())
        checks = getattr(panel.annotation, "dns_checks", ())
        self.query_one(DnsPanel).highlighted = frozenset(checks)

    @on(CopyRequested)
    def _copy(self, message: CopyRequested) -> None:
        clipboard.copy(self.app, message.text, message.what)

    # actions ------------------------------------------------------------------------------
    def action_step(self) -> None:
        if self.session is None or not self.session.is_connected:
            self.action_reconnect()
            return
        if self._busy():
            return
        line = self._suggestion()
        if line:
            self.query_one(CommandLine).input.remember(line)
            self._send_line(CommandLine.Send(line))

    def action_run_to(self) -> None:
        from ehlo.app.screens.run_to import RunToScreen

        def chosen(step: str | None) -> None:
            if step:
                self.run_to(step)

        self.app.push_screen(RunToScreen(), chosen)

    def action_deliver(self) -> None:
        self.run_to("quit")

    def action_cancel(self) -> None:
        if not self._busy():
            return
        from ehlo.smtp.events import Closed

        self.workers.cancel_group(self, "smtp")
        reason = "cancelled by the user (ctrl+r reconnects)"
        self.post_message(SessionEvent(Closed(time.time(), "client", reason)))
        if self.session is not None:
            self.run_worker(self.session.close(), group="smtp-close", exit_on_error=False)

    def action_reconnect(self) -> None:
        self.query_one(ConnectBar).request_session()

    def action_reset(self) -> None:
        self._close_session()
        self.options = self.plan = None
        self.message = self._test_message = None
        self.events = []
        self.query_one(Transcript).clear()
        self._refresh_state()
        self.notify("Session closed and transcript cleared.")

    def action_edit_message(self) -> None:
        from ehlo.app.screens.message_editor import MessageEditor

        def edited(text: str | None) -> None:
            if text is not None:
                self.message = text.encode("utf-8")

        self.app.push_screen(MessageEditor(self._message_text()), edited)

    def _message_bytes(self) -> bytes:
        """The message DATA sends: the one edited in the message editor, else a test message."""
        if self.message is not None:
            return self.message
        if self.plan is None:
            return b""
        if self._test_message is None:
            from ehlo.smtp.transaction import default_message

            helo = self.options.helo if self.options else None
            self._test_message = default_message(self.plan.sender, self.plan.recipients, helo=helo)
        return self._test_message

    def _message_text(self) -> str:
        """The message the editor opens with: the session's, or the one the form would send."""
        if self.message is not None or self.plan is not None:
            data = self._message_bytes()
        else:
            data = form_message(self.form, self.settings)
        return data.decode("utf-8", errors="replace")

    def action_tls_view(self) -> None:
        from ehlo.app.screens.tls_view import TlsView

        self.app.push_screen(TlsView(self.tls_facts))

    def action_code_table(self) -> None:
        from ehlo.app.screens.code_table import CodeTableScreen

        self.app.push_screen(CodeTableScreen())

    def action_toggle_connect_bar(self) -> None:
        self.query_one(ConnectBar).toggle_class("-hidden")

    def replay(self, events: list[Event], host: str, port: int) -> None:
        """Show recorded events as if a session had produced them (screenshots, snapshots)."""
        self.options = build_options(self.form, host, port, self.settings)
        self.plan = build_plan(self.form)
        for event in events:
            self.post_message(SessionEvent(event))

    def action_rerun_dns(self) -> None:
        self.query_one(DnsPanel).rerun()

    def action_add_dkim_selector(self) -> None:
        from ehlo.app.screens.selector_dialog import SelectorScreen

        panel = self.query_one(DnsPanel)

        def chosen(selector: str | None) -> None:
            if selector:
                panel.add_selector(selector)
                self.notify(f"DKIM selector {selector!r} added")

        self.app.push_screen(SelectorScreen(panel.learned.mail_from_domain), chosen)
