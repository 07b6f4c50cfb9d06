"""What the connect bar asks for, and how it becomes engine options and a delivery plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ehlo.app.settings import Settings
    from ehlo.smtp.options import ConnectOptions
    from ehlo.smtp.transaction import DeliveryPlan

TLS_CHOICES = (
    ("TLS if offered", "opportunistic"),
    ("STARTTLS required", "starttls"),
    ("implicit TLS", "implicit"),
    ("no TLS", "none"),
)
VERIFY_CHOICES = (("verify cert", "verify"), ("report only", "report"))
AUTH_CHOICES = (
    ("no AUTH", ""),
    ("PLAIN", "PLAIN"),
    ("LOGIN", "LOGIN"),
    ("CRAM-MD5", "CRAM-MD5"),
    ("XOAUTH2", "XOAUTH2"),
)


class RequestError(ValueError):
    """The connect form cannot be used as it is; the message says what to change."""


@dataclass(frozen=True)
class ConnectForm:
    """The connect bar's fields as typed (the password is kept out of repr)."""

    target: str
    port: str = ""
    tls_mode: str = "opportunistic"
    verify: str = "verify"
    helo: str = ""
    auth_mechanism: str = ""
    username: str = ""
    password: str = field(default="", repr=False)
    sender: str = ""
    recipients: tuple[str, ...] = ()


def _port(text: str) -> int:
    from ehlo.smtp.target import port_number

    port = port_number(text)
    if port is None:
        raise RequestError(f"port {text!r} must be a number from 1 to 65535")
    return port


def default_port(tls_mode: str) -> int:
    """465 for implicit TLS, else 25."""
    return 465 if tls_mode == "implicit" else 25


def build_options(
    form: ConnectForm, host: str, port: int | None, settings: Settings
) -> ConnectOptions:
    """The engine's ConnectOptions for this form."""
    from ehlo.smtp.options import ConnectOptions, Timeouts

    if form.port.strip():
        port = _port(form.port.strip())
    if port is None:
        port = default_port(form.tls_mode)
    verify = "report" if form.verify == "report" else "verify"
    timeouts = Timeouts(**settings.timeouts) if settings.timeouts else Timeouts()
    return ConnectOptions(
        host=host,
        port=port,
        tls=form.tls_mode,  # type: ignore[arg-type]
        verify=verify,  # type: ignore[arg-type]
        helo=_helo(form, settings),
        timeouts=timeouts,
    )


def _helo(form: ConnectForm, settings: Settings) -> str | None:
    return form.helo.strip() or settings.helo or None


def _envelope(form: ConnectForm) -> tuple[str, tuple[str, ...]]:
    """The sender and the recipients as typed, without blanks."""
    return form.sender.strip(), tuple(r.strip() for r in form.recipients if r.strip())


def form_message(form: ConnectForm, settings: Settings) -> bytes:
    """The test message a session from this form would send (no credentials needed)."""
    from ehlo.smtp.transaction import default_message

    sender, recipients = _envelope(form)
    return default_message(sender, recipients, helo=_helo(form, settings))


def build_plan(form: ConnectForm) -> DeliveryPlan:
    """The engine's DeliveryPlan for this form (credentials only when a mechanism is chosen)."""
    from ehlo.smtp.options import Credentials
    from ehlo.smtp.transaction import DeliveryPlan

    credentials = None
    if form.auth_mechanism:
        if not form.username:
            raise RequestError(f"AUTH {form.auth_mechanism} needs a user name")
        credentials = Credentials(
            mechanism=form.auth_mechanism,  # type: ignore[arg-type]
            username=form.username,
            secret=form.password,
        )
    sender, recipients = _envelope(form)
    return DeliveryPlan(
        sender=sender,
        recipients=recipients,
        credentials=credentials,
        tls=form.tls_mode,  # type: ignore[arg-type]
    )
