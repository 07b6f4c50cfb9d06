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


def equivalent_command(
    tool: str, options: ConnectOptions, plan: DeliveryPlan
) -> tuple[str | None, str | None]:
    """(command, None) for an equivalent swaks or openssl command line, or (None, why not).

    The password stays a placeholder; every value is shell-quoted.
    """
    if tool == "openssl":
        problem = export.openssl_problem(options)
        return (None, problem) if problem else (export.openssl_command(options), None)
    request = export.CommandRequest(
        options=options,
        sender=plan.sender,
        recipients=plan.recipients,
        credentials=plan.credentials,
    )
    try:
        return export.swaks_command(request), None
    except ValueError as problem:  # a value swaks would misread
        return None, str(problem)
