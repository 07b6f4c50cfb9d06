"""The TLS view: the certificate chain the session received, and what verification concluded."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from ehlo.app.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from ehlo.smtp.tls import CertificateFacts, TlsFacts


def verification_words(facts: TlsFacts) -> str:
    """The verification result in plain words."""
    name = facts.hostname or "the server"
    if facts.verified and facts.hostname_matches:
        return f"Verified: the certificate chains to a trusted authority and is valid for {name}."
    problems = []
    if not facts.verified:
        problems.append(f"the chain did not verify ({facts.verify_error or 'no reason given'})")
    if not facts.hostname_matches:
        problems.append(f"the certificate is not issued for {name}")
    return (
        "Not verified: " + "; ".join(problems) + ". Senders that verify (MTA-STS, DANE, "
        "most submission clients) will refuse this connection."
    )


def certificate_text(position: int, certificate: CertificateFacts) -> str:
    """One certificate's facts, one per line."""
    role = "leaf" if position == 0 else f"intermediate {position}"
    expiry = (
        f"expired {-certificate.days_left} days ago"
        if certificate.days_left < 0
        else f"{certificate.days_left} days left"
    )
    bits = f" {certificate.key_bits} bits" if certificate.key_bits else ""
    return "\n".join(
        (
            f"[{role}] {certificate.subject}",
            f"  issuer     {certificate.issuer}",
            f"  names      {', '.join(certificate.sans) or '(no subjectAltName)'}",
            f"  valid      {certificate.not_before:%Y-%m-%d} to {certificate.not_after:%Y-%m-%d} "
            f"({expiry})",
            f"  key        {certificate.key_type}{bits}",
            f"  signature  {certificate.signature_algorithm}",
            f"  sha256     {certificate.sha256}",
            f"  spki       {certificate.spki_sha256}",
        )
    )


class TlsView(ModalScreen[None]):
    """Facts about the session's TLS, or why there are none."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,f3", "dismiss(None)", "Close", id="tls.close", tooltip="Back to the session"
        )
    ]

    def __init__(self, facts: TlsFacts | None) -> None:
        super().__init__()
        self.facts = facts

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="tls-dialog", classes="dialog") as scroll:
            scroll.border_title = "TLS"
            facts = self.facts
            if facts is None:
                yield Static(
                    "This session has not negotiated TLS yet. Step through STARTTLS "
                    "(or connect with implicit TLS) to see the certificate chain.",
                    id="tls-none",
                )
            else:
                yield Static(Content(f"{facts.version}  {facts.cipher}"), id="tls-summary")
                yield Static(
                    verification_words(facts),
                    id="tls-verdict",
                    classes="-ok" if facts.verified and facts.hostname_matches else "-bad",
                )
                for position, certificate in enumerate(facts.chain):
                    yield Static(
                        Content(certificate_text(position, certificate)), classes="tls-certificate"
                    )
        yield KeyFooter()
