"""SASL exchanges for SMTP AUTH (RFC 4954), and redaction that keeps secrets out of events."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import hmac
import re
from collections.abc import Iterable

from ehlo.smtp.events import Closed, ErrorEvent, Event, ProtocolViolation, Received, Sent
from ehlo.smtp.options import Credentials
from ehlo.smtp.reply import Reply

REDACTED = "<redacted>"

MIN_TYPED_SECRET = 4
"""Secrets shorter than this (in UTF-8 bytes) are redacted only where they stand alone: replaced
inside words they would mangle text, and point at themselves."""

_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{4,}={0,2}")


def _b64(data: str) -> str:
    """Standard base64 of UTF-8 text."""
    return base64.b64encode(data.encode("utf-8")).decode("ascii")


def _b64_decode_loose(token: str) -> bytes | None:
    """Decode base64 or base64url, repairing missing padding; None when it is not base64."""
    cleaned = token.rstrip("=")
    cleaned = cleaned[: len(cleaned) - len(cleaned) % 4] if len(cleaned) % 4 == 1 else cleaned
    padded = cleaned + "=" * (-len(cleaned) % 4)
    try:
        if "-" in padded or "_" in padded:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None


_EDGES = re.escape(b"\0\x01\r\n =:;,\"'")
"""Bytes that stand around a field in SASL data and typed answers: NUL (PLAIN), ^A (XOAUTH2),
line ends, spaces and the punctuation of key=value text."""


def _sasl_fields(decoded: bytes) -> list[bytes]:
    """The fields of decoded SASL data: PLAIN's and XOAUTH2's parts, `auth=Bearer ` removed."""
    return [
        field.removeprefix(b"auth=Bearer ").strip() for field in re.split(rb"[\0\x01]", decoded)
    ]


class Redactor:
    """Replaces secrets, their base64 forms and base64 text that decodes to them with <redacted>."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: list[str] = []
        self._forms: list[str] = []
        self._short_forms: set[str] = set()
        self._short: re.Pattern[str] | None = None
        self._long_bytes: list[bytes] = []
        """Secrets of MIN_TYPED_SECRET bytes or more, looked for anywhere in decoded base64."""
        self._short_bytes: list[bytes] = []
        self._short_field: re.Pattern[bytes] | None = None
        """Shorter secrets, looked for in decoded base64 only between _EDGES (or at its ends):
        a secret of 1-3 bytes turns up by chance inside most decoded base64 words."""
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        """Also redact this secret from now on."""
        if not secret or secret in self._secrets:
            return
        self._secrets.append(secret)
        raw = secret.encode("utf-8")
        if len(raw) >= MIN_TYPED_SECRET:
            self._long_bytes.append(raw)
        else:
            self._short_bytes.append(raw)
            shorts = b"|".join(
                re.escape(short) for short in sorted(self._short_bytes, key=len, reverse=True)
            )
            self._short_field = re.compile(
                b"(?<![^" + _EDGES + b"])(?:" + shorts + b")(?![^" + _EDGES + b"])"
            )
        forms = {
            secret,
            base64.b64encode(raw).decode("ascii"),
            base64.b64encode(raw).decode("ascii").rstrip("="),
            base64.urlsafe_b64encode(raw).decode("ascii").rstrip("="),
        }
        # Measured in bytes: a secret of three CJK characters is not short.
        long_forms = {form for form in forms if len(form.encode("utf-8")) >= MIN_TYPED_SECRET}
        self._forms = sorted({*self._forms, *long_forms}, key=len, reverse=True)
        if forms - long_forms:
            # A form of 1-3 characters replaced inside words would mangle text and point at
            # itself ("une<redacted>pected"): it is redacted only where it stands alone.
            self._short_forms |= forms - long_forms
            alternatives = "|".join(
                re.escape(form) for form in sorted(self._short_forms, key=len, reverse=True)
            )
            self._short = re.compile(f"(?<!\\w)(?:{alternatives})(?!\\w)")

    def add_response(self, response: str) -> None:
        """Also redact a typed SASL response, and the secrets inside it when it is base64."""
        response = response.strip()
        if response in ("", "*", "="):
            return
        self.add(response)
        decoded = _b64_decode_loose(response)
        if not decoded:
            return
        for field in _sasl_fields(decoded):
            if len(field) >= MIN_TYPED_SECRET:
                self.add(field.decode("utf-8", errors="replace"))

    @property
    def active(self) -> bool:
        """Whether there is anything to redact."""
        return bool(self._secrets)

    def _decodes_to_secret(self, token: str) -> bool:
        """Whether a base64 token, read from any of its four alignments, reveals a secret."""
        for offset in range(4):
            decoded = _b64_decode_loose(token[offset:])
            if not decoded:
                continue
            if any(secret in decoded for secret in self._long_bytes):
                return True
            if self._short_field is not None and self._short_field.search(decoded):
                return True
        return False

    def redact(self, text: str) -> str:
        """The text with every secret form replaced."""
        if not self._secrets or not text:
            return text
        text = _BASE64_RUN.sub(
            lambda m: REDACTED if self._decodes_to_secret(m.group(0)) else m.group(0), text
        )
        for form in self._forms:
            text = text.replace(form, REDACTED)
        if self._short is not None:
            text = self._short.sub(REDACTED, text)
        return text

    def redact_bytes(self, data: bytes) -> bytes:
        """Bytes with every secret form replaced (decoded as UTF-8 with surrogate escapes)."""
        if not self._secrets:
            return data
        text = data.decode("utf-8", errors="surrogateescape")
        return self.redact(text).encode("utf-8", errors="surrogateescape")

    def redact_event(self, event: Event) -> Event:
        """The event with secrets removed from its texts."""
        if not self._secrets:
            return event
        if isinstance(event, Sent):
            return dataclasses.replace(event, line=self.redact(event.line))
        if isinstance(event, Received):
            return dataclasses.replace(event, reply=self.redact_reply(event.reply))
        if isinstance(event, ErrorEvent | ProtocolViolation):
            return dataclasses.replace(event, message=self.redact(event.message))
        if isinstance(event, Closed):
            return dataclasses.replace(event, reason=self.redact(event.reason))
        return event

    def redact_reply(self, reply: Reply) -> Reply:
        """The reply with secrets removed from lines, texts, raw bytes and violations."""
        lines = tuple(self.redact(line) for line in reply.lines)
        texts = tuple(self.redact(text) for text in reply.texts)
        raw = self.redact_bytes(reply.raw)
        violations = tuple(self.redact(v) for v in reply.violations)
        if (lines, texts, raw, violations) == (
            reply.lines,
            reply.texts,
            reply.raw,
            reply.violations,
        ):
            return reply
        return dataclasses.replace(reply, lines=lines, texts=texts, raw=raw, violations=violations)


@dataclasses.dataclass(frozen=True, slots=True)
class AuthLine:
    """A line to send during AUTH and the form shown in the transcript."""

    line: str
    shown: str


class AuthExchange:
    """The client side of one SASL exchange: the AUTH command, then an answer per 334."""

    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials
        self.rounds = 0

    @property
    def mechanism(self) -> str:
        """The SASL mechanism name."""
        return self.credentials.mechanism

    def start(self) -> AuthLine:
        """The AUTH command (with an initial response where the mechanism has one)."""
        user, secret = self.credentials.username, self.credentials.secret
        if self.mechanism == "PLAIN":
            blob = _b64(f"\0{user}\0{secret}")
            return AuthLine(f"AUTH PLAIN {blob}", f"AUTH PLAIN {REDACTED}")
        if self.mechanism == "XOAUTH2":
            blob = _b64(f"user={user}\x01auth=Bearer {secret}\x01\x01")
            return AuthLine(f"AUTH XOAUTH2 {blob}", f"AUTH XOAUTH2 {REDACTED}")
        return AuthLine(f"AUTH {self.mechanism}", f"AUTH {self.mechanism}")

    def respond(self, challenge: Reply) -> AuthLine:
        """The answer to a 334 challenge; `*` cancels an exchange that should be over."""
        self.rounds += 1
        user, secret = self.credentials.username, self.credentials.secret
        text = challenge.texts[-1].strip() if challenge.texts else ""
        decoded = (_b64_decode_loose(text) or b"") if text else b""
        if self.mechanism == "LOGIN" and self.rounds <= 2:
            asks_password = b"pass" in decoded.lower() or (
                self.rounds == 2 and b"user" not in decoded.lower()
            )
            if asks_password:
                return AuthLine(_b64(secret), REDACTED)
            return AuthLine(_b64(user), _b64(user))
        if self.mechanism == "CRAM-MD5" and self.rounds == 1:
            digest = hmac.new(secret.encode("utf-8"), decoded, hashlib.md5).hexdigest()
            return AuthLine(_b64(f"{user} {digest}"), REDACTED)
        if self.mechanism == "XOAUTH2" and self.rounds == 1:
            return AuthLine(
                "", ""
            )  # the challenge carries an error; an empty line ends the exchange
        return AuthLine("*", "*")
