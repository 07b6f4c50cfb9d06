"""The stages of an SMTP session: what a command is, and so what its reply answers."""

from __future__ import annotations

from typing import Literal, get_args

Stage = Literal[
    "connect",
    "ehlo",
    "helo",
    "starttls",
    "auth",
    "mail",
    "rcpt",
    "data",
    "end-of-data",
    "bdat",
    "rset",
    "noop",
    "vrfy",
    "help",
    "quit",
    "raw",
]
"""`end-of-data` is the reply after the message (DATA's final dot or the last BDAT chunk)."""

STAGES: tuple[str, ...] = get_args(Stage)
