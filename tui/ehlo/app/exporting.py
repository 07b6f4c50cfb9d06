"""Transcript text, JSON and equivalent commands, through ehlo.export (all redacted)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ehlo.smtp.events import Event
    from ehlo.smtp.options import ConnectOptions
    from ehlo.smtp.transaction import DeliveryPlan


class ExportUnavailable(Exception):
    """This build's ehlo.export does not offer the requested form."""


def _export_function(*names: str) -> Any:
    from ehlo import export

    for name in names:
        function = getattr(export, name, None)
        if callable(function):
            return function
    raise ExportUnavailable(f"ehlo.export offers none of: {', '.join(names)}")


def transcript_text(events: Sequence[Event]) -> str:
    """The transcript as text, one line per client or server line."""
    return str(_export_function("transcript_text", "to_text", "export_text")(list(events)))


def transcript_json(events: Sequence[Event]) -> str:
    """The transcript as a JSON document."""
    function = _export_function("transcript_json", "to_json", "export_json")
    result = function(list(events))
    return result if isinstance(result, str) else json.dumps(result, indent=2)


def swaks_command(options: ConnectOptions, plan: DeliveryPlan) -> str:
    """An equivalent swaks command line (password left out)."""
    return str(_export_function("swaks_command", "to_swaks")(options, plan))


def openssl_command(options: ConnectOptions) -> str:
    """An equivalent openssl s_client command line."""
    return str(_export_function("openssl_command", "to_openssl")(options))
