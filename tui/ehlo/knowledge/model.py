"""Typed records of the knowledge base and the Annotation that annotate() returns."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Literal, get_args

from ehlo.fixes import Fix

ReasonId = Literal[
    "ok",
    "delivered",
    "userunknown",
    "mailboxfull",
    "suspend",
    "hasmoved",
    "hostunknown",
    "notaccept",
    "norelaying",
    "rejected",
    "filtered",
    "authfailure",
    "securityerror",
    "failedstarttls",
    "requireptr",
    "blocked",
    "badreputation",
    "ratelimited",
    "greylisted",
    "spamdetected",
    "virusdetected",
    "contenterror",
    "notcompliantrfc",
    "emailtoolarge",
    "policyviolation",
    "syntaxerror",
    "systemerror",
    "systemfull",
    "networkerror",
    "expired",
    "mailererror",
    "undefined",
]
REASON_IDS: tuple[str, ...] = get_args(ReasonId)

ReplyClass = Literal["success", "intermediate", "transient", "permanent", "unknown"]


Actor = Literal["sender", "sender-admin", "recipient-admin", "nobody"]
ACTORS: tuple[str, ...] = get_args(Actor)

DomainRole = Literal["sender", "recipient", "none"]

PLACEHOLDERS: tuple[str, ...] = (
    "host",
    "port",
    "domain",
    "mail_from_domain",
    "rcpt_domain",
    "ip",
    "reversed_ip",
    "helo",
    "dmarc_name",
    "sender",
    "recipient",
)
"""The names a fix command may use as `{name}` shell words (see reference/reasons.toml)."""

DNS_CHECK_IDS: tuple[str, ...] = (
    "mx",
    "spf",
    "dmarc",
    "dkim",
    "ptr",
    "dnsbl",
    "mta-sts",
    "tls-rpt",
    "bimi",
    "dane",
    "dnssec",
)


@dataclass(frozen=True, slots=True)
class FixTemplate:
    """A fix as written in reference/: text and a command with `{placeholder}` words."""

    text: str
    command: str | None = None


@dataclass(frozen=True, slots=True)
class BasicCode:
    """An RFC 5321 (or widely used) three-digit reply code."""

    code: int
    title: str
    meaning: str
    stages: tuple[str, ...]
    digits: tuple[str, ...]
    rfc: tuple[str, ...] = ()
    standard: bool = True

    @property
    def kind(self) -> Literal["basic"]:
        """Discriminates basic from enhanced codes in search results."""
        return "basic"

    def to_dict(self) -> dict[str, object]:
        """The JSON shape of a basic code."""
        return {
            "kind": "basic",
            "code": self.code,
            "title": self.title,
            "meaning": self.meaning,
            "stages": list(self.stages),
            "digits": list(self.digits),
            "rfc": list(self.rfc),
            "standard": self.standard,
        }


@dataclass(frozen=True, slots=True)
class EnhancedCode:
    """An entry of the IANA SMTP Enhanced Status Codes registry (`X.Y.Z`, X may be "x")."""

    code: str
    title: str
    description: str
    basic_codes: tuple[str, ...]
    rfc: tuple[str, ...]

    @property
    def kind(self) -> Literal["enhanced"]:
        """Discriminates basic from enhanced codes in search results."""
        return "enhanced"

    def to_dict(self) -> dict[str, object]:
        """The JSON shape of an enhanced code."""
        return {
            "kind": "enhanced",
            "code": self.code,
            "title": self.title,
            "description": self.description,
            "basic_codes": list(self.basic_codes),
            "rfc": list(self.rfc),
        }


@dataclass(frozen=True, slots=True)
class Reason:
    """One entry of the failure taxonomy (reference/reasons.toml)."""

    id: str
    title: str
    meaning: str
    who: str
    domain: str
    retry_transient: bool
    retry_permanent: bool
    advice_transient: str
    advice_permanent: str
    causes: tuple[str, ...]
    fixes: tuple[FixTemplate, ...]
    dns_checks: tuple[str, ...] = ()
    references: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Signature:
    """A provider or MTA wording (reference/signatures.toml) mapped to a reason."""

    id: str
    provider: str
    pattern: str
    reason: str
    source: str
    codes: tuple[int, ...] = ()
    enhanced: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    retry: bool | None = None
    meaning: str | None = None
    fixes: tuple[FixTemplate, ...] = ()
    url: str | None = None
    priority: int = 0
    dns_checks: tuple[str, ...] = ()
    retry_advice: str | None = None


@dataclass(frozen=True)
class Annotation:
    """What ehlo knows about one reply: class, reason, retry verdict, meaning and fixes.

    Not slotted, so that make_annotation() can fill a new one in one step.
    """

    basic: int | None
    enhanced: str | None
    reply_class: ReplyClass
    reason: ReasonId
    retry: bool
    retry_advice: str
    provider: str | None
    meaning: str
    causes: tuple[str, ...] = ()
    fixes: tuple[Fix, ...] = ()
    references: tuple[str, ...] = ()
    signature: str | None = None
    enhanced_title: str | None = None
    code_meaning: str | None = None
    dns_checks: tuple[str, ...] = ()
    stage: str | None = None
    who: str | None = None
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        """The JSON shape of an annotation (field names are a stable interface)."""
        return {
            "basic": self.basic,
            "enhanced": self.enhanced,
            "class": self.reply_class,
            "reason": self.reason,
            "retry": self.retry,
            "retry_advice": self.retry_advice,
            "provider": self.provider,
            "meaning": self.meaning,
            "causes": list(self.causes),
            "fixes": [fix.to_dict() for fix in self.fixes],
            "references": list(self.references),
            "signature": self.signature,
            "enhanced_title": self.enhanced_title,
            "code_meaning": self.code_meaning,
            "dns_checks": list(self.dns_checks),
            "stage": self.stage,
            "who": self.who,
            "notes": list(self.notes),
        }


_ANNOTATION_FIELDS = frozenset(f.name for f in fields(Annotation))


def make_annotation(values: dict[str, object]) -> Annotation:
    """An Annotation from a dict of every field, made several times faster than through
    `Annotation(...)`, whose generated __init__ sets the frozen fields one call at a time.

    Raises:
        TypeError: when `values` does not name exactly the Annotation's fields.
    """
    if values.keys() != _ANNOTATION_FIELDS:
        raise TypeError(f"Annotation fields expected, got {sorted(values)}")
    annotation = object.__new__(Annotation)
    annotation.__dict__.update(values)
    return annotation
