"""Transcript text and JSON, equivalent swaks and openssl commands: ehlo.export, redacted."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ehlo import export

if TYPE_CHECKING:
    from ehlo.smtp.events import Event
    from ehlo.smtp.options import ConnectOptions
    from ehlo.smtp.transaction import DeliveryPlan


def transcript_text(events: Sequence[Event]) -> str:
    """The transcript as text, a timing per step and a one-line meaning per reply."""
    return export.to_text(events, explain=export.basic_meaning) + "\n"


def transcript_json(events: Sequence[Event], target: str) -> str:
    """The transcript as the `ehlo check --json` document."""
    return json.dumps(export.to_json(events, target=target), indent=2) + "\n"


def swaks_command(options: ConnectOptions, plan: DeliveryPlan) -> str:
    """An equivalent swaks command line; the password is a placeholder."""
    request = export.CommandRequest(
        options=options,
        sender=plan.sender,
        recipients=plan.recipients,
        credentials=plan.credentials,
    )
    return export.swaks_command(request)


def openssl_command(options: ConnectOptions) -> str:
    """An equivalent openssl s_client command line."""
    return export.openssl_command(options)
