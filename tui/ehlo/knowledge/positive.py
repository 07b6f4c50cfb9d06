"""What a positive or intermediate reply means at the stage it answered."""

from __future__ import annotations

STAGE_MEANINGS: dict[tuple[str, int], str] = {
    ("connect", 220): "The greeting: the server is ready to receive commands; send EHLO next.",
    ("ehlo", 250): "The server accepted EHLO and listed the SMTP extensions it supports.",
    ("helo", 250): "The server accepted HELO: plain SMTP, with no extensions announced.",
    ("starttls", 220): (
        "The server is ready for the TLS handshake: start TLS now, then send EHLO again "
        "over the encrypted connection (RFC 3207)."
    ),
    ("auth", 235): "Authentication succeeded: this session may now send as the authenticated user.",
    ("auth", 334): (
        "The server waits for the next step of the AUTH exchange: answer its base64 "
        "challenge or prompt on one line."
    ),
    ("mail", 250): "The server accepted the envelope sender (MAIL FROM); recipients come next.",
    ("rcpt", 250): (
        "The server accepted this recipient for now; the message itself can still be "
        "refused after DATA."
    ),
    ("rcpt", 251): "The recipient is not local; the server accepted it and will forward the mail.",
    (
        "rcpt",
        252,
    ): "The server cannot verify the recipient now but accepted it and will try to deliver.",
    ("data", 354): (
        "The server is ready for the message: send the headers and body, then a line with "
        "a single dot."
    ),
    ("end-of-data", 250): (
        "The receiving server accepted the message for delivery. Acceptance is not arrival "
        "in the inbox: filtering can still divert or drop it."
    ),
    ("bdat", 250): (
        "The server accepted this chunk; after the LAST chunk this is acceptance for "
        "delivery, which is not arrival in the inbox."
    ),
    ("quit", 221): "The server closes the connection: the session ended normally.",
    ("rset", 250): (
        "The server dropped the current transaction (sender, recipients, data); the "
        "connection stays open for a new one."
    ),
    ("noop", 250): "The server is alive and answering; NOOP changes nothing.",
    ("vrfy", 250): "The server confirms that the address is a deliverable mailbox.",
    ("vrfy", 251): "The address is not local; the server names where mail for it is forwarded.",
    ("vrfy", 252): (
        "The server will not confirm or deny the address (a common privacy choice) but "
        "will accept mail for it and try to deliver."
    ),
    ("help", 214): "Help text from the server, meant for a person reading the session.",
    ("help", 211): "System status or help text from the server.",
}


def positive_meaning(code: int | None, stage: str | None) -> str | None:
    """The stage-specific meaning of a 2xx/3xx reply, or None when none is known."""
    if code is None or stage is None:
        return None
    return STAGE_MEANINGS.get((stage, code))
