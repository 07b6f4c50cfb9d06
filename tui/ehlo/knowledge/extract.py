"""Finding the server reply and the stage inside MTA log lines and bounce messages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Source = Literal["postfix", "exim", "sendmail", "bounce", "text"]

REPLY_START = r"[2-5]\d\d(?:[ -]|$)"

POSTFIX_SAID = re.compile(
    r"(?:said|refused to talk to me):\s*(?P<reply>" + REPLY_START + r".*?)"
    r"(?:\s*\(in reply to (?P<command>[^()]+?)(?: command)?\))?\)?\s*$",
    re.IGNORECASE | re.DOTALL,
)
POSTFIX_SMTPD = re.compile(
    r"\breject: (?P<command>[A-Z]+)(?: from [^:]*)?: (?P<reply>" + REPLY_START + r".*?)"
    r"(?:; from=<[^>]*>.*)?$",
    re.DOTALL,
)
EXIM_ERROR = re.compile(
    r"SMTP error from remote (?:mail server|mailer|server) after (?P<command>.+?):\s*"
    r"(?:host\s+\S+\s+\[[^\]]*\]:\s*)?(?P<reply>" + REPLY_START + r".*)$",
    re.IGNORECASE | re.DOTALL,
)
SENDMAIL_REPLY = re.compile(
    r"\b(?:reject|reply)=(?P<reply>" + REPLY_START + r"[^\n]*?)(?=,\s*\w+=|$)", re.IGNORECASE
)
SENDMAIL_STAT = re.compile(r"\bstat=(?:Deferred:\s*)?(?P<stat>[^\n]*?)\s*$", re.IGNORECASE)
SENDMAIL_DSN = re.compile(r"\bdsn=(?P<dsn>[245]\.\d{1,3}\.\d{1,3})\b", re.IGNORECASE)
SENDMAIL_RULESET = re.compile(r"\bruleset=check_(?P<ruleset>\w+)", re.IGNORECASE)
DIAGNOSTIC = re.compile(
    r"^Diagnostic-Code:\s*smtp\s*;\s*(?P<reply>.+?)(?=^\S|\Z)",
    re.IGNORECASE | re.MULTILINE | re.DOTALL,
)
SMTP_SEMICOLON = re.compile(r"\bsmtp\s*;\s*(?P<reply>" + REPLY_START + r"[^\n>']*)", re.IGNORECASE)
RETURNED = re.compile(r"returned '(?P<reply>" + REPLY_START + r"[^']*)'", re.IGNORECASE)
CODE_LINE = re.compile(r"^\s*(?P<reply>" + REPLY_START + r".*)$", re.MULTILINE)
CODE_ANYWHERE = re.compile(
    r"(?<![\w.:/-])(?P<reply>[2-5]\d\d[ -]#?[245]\.\d{1,3}\.\d{1,3}\s[^\n]*)"
)

RULESETS = {
    "rcpt": "rcpt",
    "mail": "mail",
    "relay": "connect",
    "eoh": "end-of-data",
    "eom": "end-of-data",
    "data": "data",
}
"""Sendmail's check_* rulesets and the stage whose command they judge."""

COMMANDS: tuple[tuple[str, str], ...] = (
    ("end of data", "end-of-data"),
    ("end of message", "end-of-data"),
    ("initial", "connect"),
    ("greeting", "connect"),
    ("connect", "connect"),
    ("mail", "mail"),
    ("rcpt", "rcpt"),
    ("pipelined rcpt", "rcpt"),
    ("pipelined mail", "mail"),
    ("pipelined data", "data"),
    ("bdat", "bdat"),
    ("data", "data"),
    ("ehlo", "ehlo"),
    ("helo", "helo"),
    ("lhlo", "ehlo"),
    ("starttls", "starttls"),
    ("auth", "auth"),
    ("quit", "quit"),
    ("rset", "rset"),
    ("vrfy", "vrfy"),
)


@dataclass(frozen=True, slots=True)
class Extracted:
    """The reply found in a log or bounce text, and the stage it answered if known."""

    reply: str
    stage: str | None
    source: Source


def stage_of_command(command: str | None) -> str | None:
    """The stage for a command as logs name it: `RCPT TO:<x>`, `end of DATA`, `MAIL FROM`."""
    if not command:
        return None
    words = command.strip().lower()
    for prefix, stage in COMMANDS:
        if words.startswith(prefix):
            return stage
    return None


def _unfold(text: str) -> str:
    return re.sub(r"\s*\n\s+", " ", text).strip()


def extract(text: str) -> Extracted | None:
    """Find the server reply in a Postfix, Exim or Sendmail log line or in a bounce.

    Returns:
        The reply text (codes included) and stage, or None when no reply is found.
    """
    if not text or len(text) > 1_000_000:
        return None
    found = POSTFIX_SAID.search(text)
    if found:
        return Extracted(
            _unfold(found["reply"]),
            stage_of_command(found["command"]) or _said_stage(found),
            "postfix",
        )
    found = POSTFIX_SMTPD.search(text)
    if found:
        return Extracted(found["reply"].strip(), stage_of_command(found["command"]), "postfix")
    found = EXIM_ERROR.search(text)
    if found:
        return Extracted(_unfold(found["reply"]), stage_of_command(found["command"]), "exim")
    sendmail = _sendmail(text)
    if sendmail is not None:
        return sendmail
    found = DIAGNOSTIC.search(text)
    if found:
        reply = _unfold(found["reply"])
        if re.match(REPLY_START, reply) or re.match(r"#?[245]\.\d", reply):
            return Extracted(reply, None, "bounce")
    for pattern in (RETURNED, SMTP_SEMICOLON):
        found = pattern.search(text)
        if found:
            return Extracted(found["reply"].strip(), None, "bounce")
    lines = text.splitlines()
    if len(lines) > 1:
        found = CODE_LINE.search(text)
        if found:
            start = text.index(found.group(0))
            block = [line.strip() for line in text[start:].splitlines()]
            kept = [line for line in block if re.match(REPLY_START, line)]
            return Extracted("\n".join(kept), None, "text")
    found = CODE_ANYWHERE.search(text)
    if found:
        return Extracted(found["reply"].strip(), None, "text")
    return None


def _said_stage(found: re.Match[str]) -> str | None:
    return "connect" if "refused to talk" in found.string.lower() else None


def _sendmail(text: str) -> Extracted | None:
    ruleset = SENDMAIL_RULESET.search(text)
    stage = RULESETS.get(ruleset["ruleset"].lower()) if ruleset else None
    found = SENDMAIL_REPLY.search(text)
    if found:
        return Extracted(found["reply"].strip(), stage, "sendmail")
    stat = SENDMAIL_STAT.search(text)
    if stat is None:
        return None
    status = stat["stat"]
    if re.match(REPLY_START, status):
        return Extracted(status, stage, "sendmail")
    dsn = SENDMAIL_DSN.search(text)
    if dsn:
        return Extracted(f"{dsn['dsn']} {status}", stage, "sendmail")
    return None
