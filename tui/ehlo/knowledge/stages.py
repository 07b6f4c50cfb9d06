"""Stage names: the engine's stages, and the spellings logs and people use for them."""

from __future__ import annotations

from ehlo.smtp.stages import STAGES

ALIASES: dict[str, str] = {
    "greeting": "connect",
    "banner": "connect",
    "connection": "connect",
    "initial connection": "connect",
    "mail from": "mail",
    "mail-from": "mail",
    "mailfrom": "mail",
    "rcpt to": "rcpt",
    "rcpt-to": "rcpt",
    "rcptto": "rcpt",
    "recipient": "rcpt",
    "end of data": "end-of-data",
    "end-of-message": "end-of-data",
    "end of message": "end-of-data",
    "eod": "end-of-data",
    "eom": "end-of-data",
    "dot": "end-of-data",
    ".": "end-of-data",
    "message": "end-of-data",
    "end of data transfer": "end-of-data",
    "data transfer": "end-of-data",
    "tls": "starttls",
    "xclient": "raw",
}

KNOWN = frozenset(STAGES)

DESCRIPTIONS: dict[str, str] = {
    "connect": "the greeting",
    "ehlo": "EHLO",
    "helo": "HELO",
    "starttls": "STARTTLS",
    "auth": "AUTH",
    "mail": "MAIL FROM",
    "rcpt": "RCPT TO",
    "data": "DATA",
    "end-of-data": "the end of the message data",
    "bdat": "BDAT",
    "rset": "RSET",
    "noop": "NOOP",
    "vrfy": "VRFY",
    "help": "HELP",
    "quit": "QUIT",
    "raw": "a command",
}


def normalize_stage(stage: object) -> str | None:
    """The engine's stage name for `stage`, or None when it names no stage."""
    if not isinstance(stage, str):
        return None
    if stage in KNOWN:
        return stage
    key = " ".join(stage.strip().lower().replace("_", " ").split())
    if key in STAGES:
        return key
    if key.replace(" ", "-") in STAGES:
        return key.replace(" ", "-")
    return ALIASES.get(key)
