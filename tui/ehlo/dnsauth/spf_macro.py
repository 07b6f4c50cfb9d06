"""SPF macro strings (RFC 7208 section 7): parsing, validation and expansion."""

from __future__ import annotations

import ipaddress
import re
import time
from dataclasses import dataclass
from urllib.parse import quote

DOMAIN_LETTERS = frozenset("slodiphv")
"""Macro letters allowed in domain-specs."""
EXPLANATION_LETTERS = DOMAIN_LETTERS | frozenset("crt")
"""Letters allowed in the explanation text fetched through exp= (section 7.2)."""
DELIMITERS = frozenset(".-+,/_=")
MAX_DOMAIN_LENGTH = 253

_MACRO_BODY = re.compile(r"([A-Za-z])([0-9]*)(r?)([.\-+,/_=]*)\Z", re.IGNORECASE)
_TOPLABEL = re.compile(
    r"(?:[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9])\Z"
)


class SpfSyntaxError(ValueError):
    """A record, term or macro string does not follow the RFC 7208 grammar."""


@dataclass(frozen=True, slots=True)
class Text:
    """Literal text of a macro string."""

    text: str


@dataclass(frozen=True, slots=True)
class Macro:
    """One `%{...}` expansion: letter, keep the rightmost `digits` parts, reverse, delimiters."""

    letter: str
    digits: int | None
    reverse: bool
    delimiters: str

    @property
    def url_escape(self) -> bool:
        """An upper-case macro letter asks for URL escaping of the value."""
        return self.letter.isupper()


Token = Text | Macro


def parse_macro_string(text: str, allowed: frozenset[str] = DOMAIN_LETTERS) -> tuple[Token, ...]:
    """Split a macro string into literals and macros.

    Args:
        text: the macro string, e.g. `%{ir}.%{v}._spf.%{d2}`.
        allowed: the macro letters permitted here (lower case).

    Returns:
        The tokens in order; `%%`, `%_` and `%-` become literals.

    Raises:
        SpfSyntaxError: a `%` not followed by `{`, `%`, `_` or `-`, an unknown letter, a zero
            digit transformer, or a character outside visible ASCII (space allowed only when
            "space" is not a domain character, i.e. in explanations).
    """
    tokens: list[Token] = []
    literal: list[str] = []
    explanation = "c" in allowed
    index = 0
    while index < len(text):
        char = text[index]
        if char != "%":
            if not ("\x21" <= char <= "\x7e" or (explanation and char == " ")):
                raise SpfSyntaxError(f"invalid character {char!r} in {text!r}")
            literal.append(char)
            index += 1
            continue
        following = text[index + 1 : index + 2]
        if following in ("%", "_", "-"):
            literal.append({"%": "%", "_": " ", "-": "%20"}[following])
            index += 2
            continue
        if following != "{":
            raise SpfSyntaxError(f"'%' must be followed by '{{', '%', '_' or '-' in {text!r}")
        end = text.find("}", index + 2)
        if end < 0:
            raise SpfSyntaxError(f"unterminated macro in {text!r}")
        match = _MACRO_BODY.match(text, index + 2, end)
        if match is None or match.group(1).lower() not in allowed:
            raise SpfSyntaxError(f"invalid macro %{{{text[index + 2 : end]}}} in {text!r}")
        letter, digits, reverse, delimiters = match.groups()
        if digits and int(digits) == 0:
            raise SpfSyntaxError(f"macro digit transformer must not be zero in {text!r}")
        if literal:
            tokens.append(Text("".join(literal)))
            literal = []
        tokens.append(
            Macro(
                letter=letter,
                digits=int(digits) if digits else None,
                reverse=reverse.lower() == "r",
                delimiters=delimiters,
            )
        )
        index = end + 1
    if literal:
        tokens.append(Text("".join(literal)))
    return tuple(tokens)


def validate_domain_spec(text: str) -> tuple[Token, ...]:
    """Parse a domain-spec: a macro string ending in a top label or a macro (section 7.1).

    Raises:
        SpfSyntaxError: the string is not a valid domain-spec.
    """
    if not text:
        raise SpfSyntaxError("empty domain-spec")
    tokens = parse_macro_string(text)
    last = tokens[-1]
    ends_with_escape = re.search(r"(?:^|[^%])(?:%%)*%[%_-]\Z", text) is not None
    if isinstance(last, Macro) or ends_with_escape:
        return tokens
    tail = last.text
    if tail.endswith("."):
        tail = tail[:-1]
    dot = tail.rfind(".")
    if dot < 0 or not _TOPLABEL.match(tail[dot + 1 :]):
        raise SpfSyntaxError(f"domain-spec {text!r} does not end in a valid top-level label")
    return tokens


@dataclass(frozen=True, slots=True)
class MacroContext:
    """The values macros expand to for one check_host() evaluation."""

    sender: str
    domain: str
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address
    helo: str = ""
    validated_name: str = "unknown"
    receiver: str = "unknown"
    timestamp: int | None = None

    @property
    def local_part(self) -> str:
        """The sender's local part (`postmaster` when it has none)."""
        local, _, _ = self.sender.rpartition("@")
        return local or "postmaster"

    @property
    def sender_domain(self) -> str:
        """The domain of the sender."""
        return self.sender.rpartition("@")[2]

    def value(self, letter: str) -> str:
        """The raw value of one macro letter (lower case)."""
        if letter == "s":
            return f"{self.local_part}@{self.sender_domain}"
        if letter == "l":
            return self.local_part
        if letter == "o":
            return self.sender_domain
        if letter == "d":
            return self.domain
        if letter == "i":
            if self.ip.version == 4:
                return str(self.ip)
            return ".".join(self.ip.exploded.replace(":", ""))
        if letter == "p":
            return self.validated_name
        if letter == "v":
            return "in-addr" if self.ip.version == 4 else "ip6"
        if letter == "h":
            return self.helo
        if letter == "c":
            return str(self.ip)
        if letter == "r":
            return self.receiver
        if letter == "t":
            return str(self.timestamp if self.timestamp is not None else int(time.time()))
        raise SpfSyntaxError(f"unknown macro letter {letter!r}")


def _expand_macro(macro: Macro, context: MacroContext) -> str:
    value = context.value(macro.letter.lower())
    delimiters = macro.delimiters or "."
    parts = re.split("|".join(re.escape(d) for d in delimiters), value)
    if macro.reverse:
        parts.reverse()
    if macro.digits is not None:
        parts = parts[-macro.digits :]
    expanded = ".".join(parts)
    if macro.url_escape:
        expanded = quote(expanded, safe="-._~")
    return expanded


def expand(tokens: tuple[Token, ...], context: MacroContext) -> str:
    """Expand parsed macro-string tokens with the values of CONTEXT."""
    return "".join(
        token.text if isinstance(token, Text) else _expand_macro(token, context) for token in tokens
    )


def expand_domain(tokens: tuple[Token, ...], context: MacroContext) -> str:
    """Expand a domain-spec to a query name: no trailing dot, at most 253 characters."""
    name = expand(tokens, context)
    if name.endswith("."):
        name = name[:-1]
    while len(name) > MAX_DOMAIN_LENGTH and "." in name:
        name = name.split(".", 1)[1]
    return name


def uses_letter(tokens: tuple[Token, ...], letter: str) -> bool:
    """Whether the tokens contain a macro with this letter (either case)."""
    return any(isinstance(token, Macro) and token.letter.lower() == letter for token in tokens)


def has_macros(tokens: tuple[Token, ...]) -> bool:
    """Whether any `%{...}` macro appears in the tokens."""
    return any(isinstance(token, Macro) for token in tokens)
