"""Messages that cross the app's parts (widget-owned messages live in their widgets)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from ehlo.dnsauth.result import CheckResult
    from ehlo.smtp.events import Event


@dataclass
class SessionEvent(Message):
    """One engine event, relayed from the SMTP worker."""

    event: Event


@dataclass
class CheckArrived(Message):
    """One DNS check result, relayed from the DNS worker."""

    group: str
    result: CheckResult


@dataclass
class CopyRequested(Message):
    """A widget asks for text to be copied to the clipboard."""

    text: str
    what: str = "text"
