"""The connect bar: where to connect, how, and who sends to whom."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, Select

from ehlo.app.request import (
    AUTH_CHOICES,
    TLS_CHOICES,
    VERIFY_CHOICES,
    ConnectForm,
)
from ehlo.app.settings import Profile
from ehlo.smtp.target import TargetError, parse_target


class ConnectBar(Vertical):
    """Three compact rows of fields and a Connect button; posts SessionRequested."""

    @dataclass
    class SessionRequested(Message):
        """The user asks for a new session with these fields."""

        form: ConnectForm

    def __init__(
        self,
        form: ConnectForm,
        profiles: tuple[Profile, ...] = (),
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._initial = form
        self._profiles = profiles

    def compose(self) -> ComposeResult:
        form = self._initial
        with Horizontal(classes="connect-row"):
            yield Label("Server", classes="connect-label")
            yield Input(
                form.target,
                placeholder="host[:port] or @domain",
                id="target",
                compact=True,
                tooltip="SMTP server: host, host:port, [IPv6]:port, or @domain for its MX",
            )
            yield Label("Port", classes="connect-label")
            yield Input(
                form.port,
                placeholder="25",
                id="port",
                type="integer",
                compact=True,
                tooltip="TCP port: 25 (MX), 587 (submission), 465 (implicit TLS)",
            )
            yield Select(
                ((label, value) for label, value in TLS_CHOICES),
                value=form.tls_mode,
                allow_blank=False,
                id="tls-mode",
                compact=True,
                tooltip="TLS: auto uses STARTTLS when offered",
            )
            yield Select(
                ((label, value) for label, value in VERIFY_CHOICES),
                value=form.verify,
                allow_blank=False,
                id="verify",
                compact=True,
                tooltip="Verify the certificate, or only report what is wrong with it",
            )
            yield Button(
                "Connect",
                id="connect",
                variant="primary",
                compact=True,
                tooltip="Start a new session with these settings",
            )
        with Horizontal(classes="connect-row"):
            yield Label("HELO", classes="connect-label")
            yield Input(
                form.helo,
                placeholder="this host's name",
                id="helo",
                compact=True,
                tooltip="The name sent with EHLO/HELO",
            )
            yield Select(
                ((label, value) for label, value in AUTH_CHOICES),
                value=form.auth_mechanism,
                allow_blank=False,
                id="auth-mechanism",
                compact=True,
                tooltip="AUTH mechanism, if the server needs a login",
            )
            yield Input(
                form.username,
                placeholder="user",
                id="username",
                compact=True,
                tooltip="AUTH user name",
            )
            yield Input(
                form.password,
                placeholder="password",
                id="password",
                password=True,
                compact=True,
                tooltip="AUTH password: masked, never shown or saved",
            )
        with Horizontal(classes="connect-row"):
            yield Label("From", classes="connect-label")
            yield Input(
                form.sender,
                placeholder="sender@example.com",
                id="sender",
                compact=True,
                tooltip="MAIL FROM address (empty for a null sender)",
            )
            yield Label("To", classes="connect-label")
            yield Input(
                ", ".join(form.recipients),
                placeholder="rcpt@example.org[, ...]",
                id="recipients",
                compact=True,
                tooltip="RCPT TO addresses, comma separated",
            )
            if self._profiles:
                yield Select(
                    ((p.name, p.name) for p in self._profiles),
                    prompt="profile",
                    id="profile",
                    compact=True,
                    tooltip="Fill the fields from a saved profile",
                )

    def form(self) -> ConnectForm:
        """The fields as they are now."""

        def text(widget_id: str) -> str:
            return self.query_one(f"#{widget_id}", Input).value

        def choice(widget_id: str) -> str:
            value = self.query_one(f"#{widget_id}", Select).value
            return value if isinstance(value, str) else ""

        return ConnectForm(
            target=text("target"),
            port=text("port"),
            tls_mode=choice("tls-mode") or "opportunistic",
            verify=choice("verify") or "verify",
            helo=text("helo"),
            auth_mechanism=choice("auth-mechanism"),
            username=text("username"),
            password=text("password"),
            sender=text("sender"),
            recipients=tuple(r.strip() for r in text("recipients").split(",") if r.strip()),
        )

    def request_session(self) -> None:
        """Post SessionRequested with the current fields."""
        self.post_message(self.SessionRequested(self.form()))

    def on_mount(self) -> None:
        self._show_target_port(self._initial.target)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "target":
            self._show_target_port(event.value)

    def _show_target_port(self, target: str) -> None:
        """An empty Port field uses the target's own port (host:port): show that one, not 25."""
        try:
            port = parse_target(target).port
        except TargetError:
            port = None
        self.query_one("#port", Input).placeholder = str(port or 25)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "connect":
            event.stop()
            self.request_session()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.request_session()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id != "profile" or not isinstance(event.value, str):
            return
        event.stop()
        profile = next((p for p in self._profiles if p.name == event.value), None)
        if profile is None:
            return
        self.query_one("#target", Input).value = profile.target
        for widget_id, value in (
            ("sender", profile.sender),
            ("recipients", profile.recipient),
            ("username", profile.username),
            ("helo", profile.helo),
        ):
            if value is not None:
                self.query_one(f"#{widget_id}", Input).value = value
        for widget_id, value in (
            ("tls-mode", profile.tls_mode),
            ("verify", profile.verify),
            ("auth-mechanism", profile.auth_mechanism),
        ):
            if value is not None:
                self.query_one(f"#{widget_id}", Select).value = value
        self.query_one("#password", Input).value = ""
