"""What a DNS lookup returned, in the form the checks need to explain themselves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

AnswerStatus = Literal["ok", "nxdomain", "nodata", "servfail", "refused", "timeout", "error"]


@dataclass(frozen=True, slots=True)
class Answer:
    """One query and its outcome.

    `records` are simplified text forms: A/AAAA the address; TXT the character-strings of one
    record concatenated (decoded as UTF-8 with replacement); MX `"PREFERENCE host"`; PTR, CNAME,
    NS the target name; TLSA `"usage selector mtype hex"`; anything else dnspython's to_text().
    Names are lower-case without the trailing dot.
    """

    name: str
    rdtype: str
    status: AnswerStatus
    records: tuple[str, ...] = ()
    authenticated: bool = False
    error: str | None = None

    @property
    def ok(self) -> bool:
        """The name exists and has records of this type."""
        return self.status == "ok" and bool(self.records)

    @property
    def void(self) -> bool:
        """NXDOMAIN or NODATA (RFC 7208 4.6.4's 'void lookup')."""
        return self.status in ("nxdomain", "nodata") or (self.status == "ok" and not self.records)

    @property
    def failed(self) -> bool:
        """The resolver could not answer (SERVFAIL, refused, timeout, other errors)."""
        return self.status in ("servfail", "refused", "timeout", "error")


class Resolver(Protocol):
    """Anything that answers DNS queries: the real resolver or an in-memory one for tests."""

    async def resolve(self, name: str, rdtype: str) -> Answer:
        """Look up NAME's RDTYPE records; never raises for DNS failures, it returns them."""
        ...
