"""Parsing and validating DMARC policy records (RFC 7489 section 6.3, and np from RFC 9091)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from ehlo.dnsauth.tag_list import split_tag_list

Policy = Literal["none", "quarantine", "reject"]
Alignment = Literal["r", "s"]

POLICIES: tuple[Policy, ...] = ("none", "quarantine", "reject")
POLICY_STRENGTH: dict[str, int] = {"none": 0, "quarantine": 1, "reject": 2}
KNOWN_TAGS = frozenset(
    {"v", "p", "sp", "np", "pct", "rua", "ruf", "adkim", "aspf", "fo", "rf", "ri"}
)
MAX_RI = 2**32 - 1

_VERSION = re.compile(r"v[ \t]*=[ \t]*DMARC1[ \t]*(?:;|\Z)")
_URI = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):([^!\s]+)(?:!([0-9]+)([kmgtKMGT]?))?\Z")
_ADDRESS = re.compile(r"[^@\s]+@([A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)+)\.?\Z")


@dataclass(frozen=True, slots=True)
class ReportUri:
    """One rua/ruf destination: the URI, its mailto address and domain, the size limit."""

    uri: str
    scheme: str
    address: str | None
    domain: str | None
    max_size: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a report URI."""
        return {
            "uri": self.uri,
            "scheme": self.scheme,
            "address": self.address,
            "domain": self.domain,
            "max_size": self.max_size,
        }


@dataclass(frozen=True, slots=True)
class DmarcRecord:
    """A parsed DMARC record with defaults applied, and what was wrong with it."""

    text: str
    tags: dict[str, str] = field(default_factory=dict)
    policy: Policy | None = None
    """p=; None when missing or invalid."""
    subdomain_policy: Policy | None = None
    """sp=, or p= when sp is absent."""
    nonexistent_policy: Policy | None = None
    """np= (RFC 9091), or the subdomain policy when absent."""
    pct: int = 100
    rua: tuple[ReportUri, ...] = ()
    ruf: tuple[ReportUri, ...] = ()
    adkim: Alignment = "r"
    aspf: Alignment = "r"
    fo: tuple[str, ...] = ("0",)
    rf: tuple[str, ...] = ("afrf",)
    ri: int = 86400
    errors: tuple[str, ...] = ()
    """Invalid values of known tags and syntax errors."""
    warnings: tuple[str, ...] = ()
    """Unknown or repeated tags, and other oddities that receivers ignore."""

    @property
    def effective_policy(self) -> Policy | None:
        """p=, or `none` when p= is invalid but a valid rua= exists (RFC 7489 6.6.3 step 6)."""
        if self.policy is not None:
            return self.policy
        return "none" if self.rua else None


def is_dmarc_record(text: str) -> bool:
    """Whether TEXT starts with the DMARC version tag `v=DMARC1`."""
    return _VERSION.match(text) is not None


def parse_report_uris(value: str, tag: str) -> tuple[tuple[ReportUri, ...], list[str]]:
    """Parse a comma-separated rua/ruf value; returns the valid URIs and the errors."""
    uris: list[ReportUri] = []
    errors: list[str] = []
    for raw in value.split(","):
        item = raw.strip()
        if not item:
            errors.append(f"{tag}: empty URI in {value!r}")
            continue
        match = _URI.match(item)
        if match is None:
            errors.append(f"{tag}: {item!r} is not a valid URI")
            continue
        scheme, rest, size, unit = match.groups()
        scheme = scheme.lower()
        address = domain = None
        if scheme == "mailto":
            address = rest.split("?", 1)[0]
            found = _ADDRESS.match(address)
            if found is None:
                errors.append(f"{tag}: {item!r} is not a valid mailto address")
                continue
            domain = found.group(1).lower()
        max_size = f"{size}{unit.lower()}" if size else None
        uris.append(ReportUri(item, scheme, address, domain, max_size))
    return tuple(uris), errors


def _policy(value: str, tag: str, errors: list[str]) -> Policy | None:
    lowered = value.lower()
    if lowered in POLICIES:
        return lowered
    errors.append(f"{tag}={value!r} is not one of none, quarantine, reject")
    return None


def _alignment(value: str, tag: str, errors: list[str]) -> Alignment:
    lowered = value.lower()
    if lowered in ("r", "s"):
        return lowered  # type: ignore[return-value]
    errors.append(f"{tag}={value!r} must be r (relaxed) or s (strict); r applies")
    return "r"


def _split_tags(text: str, errors: list[str], warnings: list[str]) -> dict[str, str]:
    pairs, malformed = split_tag_list(text)
    errors += [f"{part!r} is not a tag=value pair" for part in malformed]
    tags: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        if key in tags:
            warnings.append(f"tag {key} appears more than once; the first value is used")
            continue
        if key not in KNOWN_TAGS:
            warnings.append(f"unknown tag {name!r} is ignored")
        tags[key] = value
    return tags


def parse_dmarc(text: str) -> DmarcRecord:
    """Parse a DMARC record; never raises, problems are in `errors` and `warnings`.

    Args:
        text: the TXT record at `_dmarc.DOMAIN`.

    Returns:
        The record with defaults applied (pct 100, adkim/aspf r, fo 0, rf afrf, ri 86400).
    """
    errors: list[str] = []
    warnings: list[str] = []
    if not is_dmarc_record(text):
        return DmarcRecord(text, errors=("the record does not start with v=DMARC1",))
    tags = _split_tags(text, errors, warnings)
    first = next(iter(tags), None)
    if first != "v":
        errors.append("v=DMARC1 must be the first tag")
    if "p" not in tags:
        errors.append("the required p= tag is missing")
        policy = None
    else:
        policy = _policy(tags["p"], "p", errors)
        if tags and list(tags)[1:2] != ["p"]:
            warnings.append("p= should directly follow v=DMARC1")
    subdomain_policy = _policy(tags["sp"], "sp", errors) if "sp" in tags else None
    nonexistent_policy = _policy(tags["np"], "np", errors) if "np" in tags else None
    pct = 100
    if "pct" in tags:
        if (tags["pct"].isascii() and tags["pct"].isdigit()) and int(tags["pct"]) <= 100:
            pct = int(tags["pct"])
        else:
            errors.append(f"pct={tags['pct']!r} must be a whole number from 0 to 100")
    rua: tuple[ReportUri, ...] = ()
    ruf: tuple[ReportUri, ...] = ()
    if "rua" in tags:
        rua, uri_errors = parse_report_uris(tags["rua"], "rua")
        errors.extend(uri_errors)
    if "ruf" in tags:
        ruf, uri_errors = parse_report_uris(tags["ruf"], "ruf")
        errors.extend(uri_errors)
    adkim = _alignment(tags["adkim"], "adkim", errors) if "adkim" in tags else "r"
    aspf = _alignment(tags["aspf"], "aspf", errors) if "aspf" in tags else "r"
    fo: tuple[str, ...] = ("0",)
    if "fo" in tags:
        fo = tuple(option.strip().lower() for option in tags["fo"].split(":"))
        bad = [option for option in fo if option not in ("0", "1", "d", "s")]
        if bad:
            errors.append(f"fo={tags['fo']!r}: options are 0, 1, d, s separated by ':'")
    rf: tuple[str, ...] = ("afrf",)
    if "rf" in tags:
        rf = tuple(fmt.strip().lower() for fmt in tags["rf"].split(":"))
        if any(fmt != "afrf" for fmt in rf):
            errors.append(f"rf={tags['rf']!r}: the only report format defined is afrf")
    ri = 86400
    if "ri" in tags:
        if (tags["ri"].isascii() and tags["ri"].isdigit()) and int(tags["ri"]) <= MAX_RI:
            ri = int(tags["ri"])
        else:
            errors.append(f"ri={tags['ri']!r} must be a number of seconds")
    if "ruf" in tags and "fo" in tags and not ruf:
        warnings.append("fo= has no effect without a valid ruf= destination")
    effective_sp = subdomain_policy or policy or ("none" if rua else None)
    return DmarcRecord(
        text=text,
        tags=tags,
        policy=policy,
        subdomain_policy=effective_sp,
        nonexistent_policy=nonexistent_policy or effective_sp,
        pct=pct,
        rua=rua,
        ruf=ruf,
        adkim=adkim,
        aspf=aspf,
        fo=fo,
        rf=rf,
        ri=ri,
        errors=tuple(errors),
        warnings=tuple(warnings),
    )
