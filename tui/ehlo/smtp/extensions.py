"""The service extensions a server advertises in its EHLO reply (RFC 5321 section 4.1.1.1)."""

from __future__ import annotations

from dataclasses import dataclass

from ehlo.smtp.reply import Reply


@dataclass(frozen=True, slots=True)
class Extensions:
    """Parsed EHLO keywords; `keywords` keeps every keyword (upper-cased) with its params."""

    server_name: str
    greeting: str
    keywords: tuple[tuple[str, tuple[str, ...]], ...]

    @classmethod
    def parse(cls, reply: Reply) -> Extensions:
        """Read the keywords of an EHLO reply; the first line is the greeting, never a keyword."""
        texts = reply.texts
        greeting = texts[0].strip() if texts else ""
        server_name = greeting.split(" ", 1)[0] if greeting else ""
        found: dict[str, tuple[str, ...]] = {}
        for text in texts[1:]:
            words = text.replace("=", " ", 1).split() if text.upper().startswith("AUTH=") else None
            words = words or text.split()
            if not words:
                continue
            name = words[0].upper()
            params = tuple(words[1:])
            if name == "AUTH" and name in found:
                params = tuple(dict.fromkeys((*found[name], *params)))
            found[name] = params
        return cls(server_name=server_name, greeting=greeting, keywords=tuple(found.items()))

    @classmethod
    def empty(cls, greeting: str = "") -> Extensions:
        """No extensions (after a HELO)."""
        return cls(
            server_name=greeting.split(" ", 1)[0] if greeting else "",
            greeting=greeting,
            keywords=(),
        )

    @property
    def names(self) -> frozenset[str]:
        """Every advertised keyword, upper-cased."""
        return frozenset(name for name, _ in self.keywords)

    def has(self, name: str) -> bool:
        """Whether the keyword was advertised."""
        return name.upper() in self.names

    def params(self, name: str) -> tuple[str, ...]:
        """The keyword's parameters (empty when absent or parameterless)."""
        wanted = name.upper()
        return next((params for key, params in self.keywords if key == wanted), ())

    @property
    def size(self) -> int | None:
        """SIZE limit in bytes (RFC 1870); 0: no fixed limit; None: not advertised or invalid."""
        if not self.has("SIZE"):
            return None
        params = self.params("SIZE")
        if not params:
            return 0
        value = params[0]
        return int(value) if value.isascii() and value.isdigit() and len(value) < 20 else None

    @property
    def auth_mechanisms(self) -> tuple[str, ...]:
        """SASL mechanisms from AUTH (and the old AUTH= form), upper-cased."""
        return tuple(dict.fromkeys(m.upper() for m in self.params("AUTH")))

    @property
    def pipelining(self) -> bool:
        """RFC 2920."""
        return self.has("PIPELINING")

    @property
    def starttls(self) -> bool:
        """RFC 3207."""
        return self.has("STARTTLS")

    @property
    def eight_bit_mime(self) -> bool:
        """RFC 6152."""
        return self.has("8BITMIME")

    @property
    def smtputf8(self) -> bool:
        """RFC 6531."""
        return self.has("SMTPUTF8")

    @property
    def chunking(self) -> bool:
        """RFC 3030 (BDAT)."""
        return self.has("CHUNKING")

    @property
    def dsn(self) -> bool:
        """RFC 3461."""
        return self.has("DSN")

    @property
    def enhanced_status_codes(self) -> bool:
        """RFC 2034."""
        return self.has("ENHANCEDSTATUSCODES")

    @property
    def unknown(self) -> tuple[str, ...]:
        """Keywords this module has no property for."""
        return tuple(name for name, _ in self.keywords if name not in KNOWN_KEYWORDS)

    def to_dict(self) -> dict[str, object]:
        """JSON shape: server name, keywords with params, and the parsed facts."""
        return {
            "server_name": self.server_name,
            "keywords": {name: list(params) for name, params in self.keywords},
            "size": self.size,
            "auth_mechanisms": list(self.auth_mechanisms),
        }


KNOWN_KEYWORDS = frozenset(
    {
        "SIZE",
        "PIPELINING",
        "STARTTLS",
        "AUTH",
        "8BITMIME",
        "SMTPUTF8",
        "CHUNKING",
        "DSN",
        "ENHANCEDSTATUSCODES",
    }
)
