"""Transcript export: text, JSON, and an equivalent swaks or openssl command, redacted.

The transcript is the engine's list of events. Secrets never reach it (the engine redacts AUTH),
and the commands built here show a placeholder instead of a password unless asked otherwise.
"""

from __future__ import annotations

from ehlo.export.equivalent import (
    REDACTED,
    CommandRequest,
    QuitAfter,
    openssl_command,
    openssl_problem,
    swaks_command,
    swaks_problem,
)
from ehlo.export.text import (
    Explain,
    basic_meaning,
    describe_tls,
    format_event,
    to_text,
)
from ehlo.export.transcript import (
    EXIT_CODES,
    Result,
    Step,
    classify,
    deciding_reply,
    first_error,
    peer,
    steps,
    tls_facts,
    to_json,
)
from ehlo.terminal_text import printable

__all__ = [
    "EXIT_CODES",
    "REDACTED",
    "CommandRequest",
    "Explain",
    "QuitAfter",
    "Result",
    "Step",
    "basic_meaning",
    "classify",
    "deciding_reply",
    "describe_tls",
    "first_error",
    "format_event",
    "openssl_command",
    "openssl_problem",
    "peer",
    "printable",
    "steps",
    "swaks_command",
    "swaks_problem",
    "tls_facts",
    "to_json",
    "to_text",
]
