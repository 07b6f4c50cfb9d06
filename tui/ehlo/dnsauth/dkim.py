"""The DKIM check: key records at given and common selectors (RFC 6376 3.6.1, 8463, 8301)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from ehlo.dnsauth.answer import Answer, Resolver
from ehlo.dnsauth.context import AuditContext
from ehlo.dnsauth.result import CheckResult, CheckStatus
from ehlo.dnsauth.spf_lookup import ascii_domain, domain_problem
from ehlo.fixes import Fix, shell_join

COMMON_SELECTORS: tuple[str, ...] = (
    "google",
    "selector1",
    "selector2",
    "default",
    "s1",
    "s2",
    "k1",
    "k2",
    "k3",
    "mail",
    "dkim",
    "smtp",
    "mandrill",
    "mxvault",
    "everlytickey1",
    "everlytickey2",
    "key1",
    "key2",
    "dk",
    "sig1",
    "mta",
    "zendesk1",
    "zendesk2",
    "protonmail",
    "fm1",
    "fm2",
    "fm3",
)
"""Selectors that mail providers and software use by default (probed when none is known)."""

MIN_RSA_BITS = 1024
GOOD_RSA_BITS = 2048
_TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_SELECTOR = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_\-]*[A-Za-z0-9_])?(?:\.[A-Za-z0-9_\-]+)*\Z")
_SEVERITY: dict[str, int] = {"pass": 0, "info": 1, "warn": 2, "fail": 3, "error": 4}


@dataclass(frozen=True, slots=True)
class DkimKey:
    """One selector's key record and what it says."""

    selector: str
    name: str
    status: CheckStatus
    found: bool
    record: str | None = None
    key_type: str | None = None
    key_bits: int | None = None
    revoked: bool = False
    testing: bool = False
    strict: bool = False
    hash_algorithms: tuple[str, ...] = ()
    service_types: tuple[str, ...] = ()
    given: bool = False
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of one selector's result."""
        return {
            "selector": self.selector,
            "name": self.name,
            "status": self.status,
            "found": self.found,
            "given": self.given,
            "record": self.record,
            "key_type": self.key_type,
            "key_bits": self.key_bits,
            "revoked": self.revoked,
            "testing": self.testing,
            "strict": self.strict,
            "hash_algorithms": list(self.hash_algorithms),
            "service_types": list(self.service_types),
            "problems": list(self.problems),
            "notes": list(self.notes),
        }


def parse_tags(text: str) -> dict[str, str] | None:
    """Parse a DKIM tag-list (`v=DKIM1; k=rsa; p=...`); None when it is not one."""
    tags: dict[str, str] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        name, equals, value = part.partition("=")
        name = name.strip()
        if not equals or not _TAG_NAME.match(name):
            return None
        if name in tags:
            return None
        tags[name] = value.strip()
    return tags


def load_key(key_type: str, data: str) -> tuple[str, int | None]:
    """Decode a p= value; returns (key type, bits). Raises ValueError on bad data."""
    compact = re.sub(r"\s+", "", data)
    try:
        raw = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError(f"p= is not valid base64 ({error})") from None
    if key_type == "ed25519":
        try:
            ed25519.Ed25519PublicKey.from_public_bytes(raw)
        except ValueError:
            raise ValueError(f"p= is not a 32-byte Ed25519 key ({len(raw)} bytes)") from None
        return "ed25519", 256
    try:
        key = serialization.load_der_public_key(raw)
    except (ValueError, TypeError):
        pem = f"-----BEGIN RSA PUBLIC KEY-----\n{compact}\n-----END RSA PUBLIC KEY-----\n"
        try:
            key = serialization.load_pem_public_key(pem.encode("ascii"))
        except (ValueError, TypeError, UnicodeEncodeError):
            raise ValueError("p= does not hold an RSA public key") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError(f"p= holds a {type(key).__name__}, not the RSA key k= announces")
    return "rsa", key.key_size


def assess_record(selector: str, name: str, text: str, given: bool) -> DkimKey:
    """Judge one DKIM key record: syntax, key type and size, flags."""
    tags = parse_tags(text)
    if tags is None:
        return DkimKey(
            selector, name, "fail", True, text, given=given, problems=("not a DKIM tag list",)
        )
    problems: list[str] = []
    notes: list[str] = []
    status: CheckStatus = "pass"
    if "v" in tags and (tags["v"] != "DKIM1" or next(iter(tags)) != "v"):
        problems.append("v= must be DKIM1 and come first")
        status = "fail"
    key_type = tags.get("k", "rsa").lower()
    if key_type not in ("rsa", "ed25519"):
        problems.append(f"unknown key type k={key_type}")
        status = "fail"
    hashes = tuple(h.strip().lower() for h in tags["h"].split(":")) if "h" in tags else ()
    if hashes and "sha256" not in hashes:
        problems.append(f"h={tags['h']}: without sha256 verifiers reject signatures (RFC 8301)")
        status = "fail"
    services = tuple(s.strip().lower() for s in tags["s"].split(":")) if "s" in tags else ()
    if services and not {"*", "email"} & set(services):
        problems.append(f"s={tags['s']}: the key is not for email")
        status = "fail"
    flags = tuple(f.strip().lower() for f in tags.get("t", "").split(":") if f.strip())
    testing = "y" in flags
    strict = "s" in flags
    if strict:
        notes.append("t=s: signatures with an i= subdomain are not accepted")
    if "p" not in tags:
        problems.append("the required p= tag is missing")
        return DkimKey(
            selector,
            name,
            "fail",
            True,
            text,
            key_type,
            None,
            given=given,
            testing=testing,
            strict=strict,
            hash_algorithms=hashes,
            service_types=services,
            problems=tuple(problems),
            notes=tuple(notes),
        )
    if not tags["p"]:
        notes.append("p= is empty: the key is revoked")
        revoked_status: CheckStatus = "warn" if given else "info"
        return DkimKey(
            selector,
            name,
            revoked_status,
            True,
            text,
            key_type,
            None,
            revoked=True,
            testing=testing,
            strict=strict,
            hash_algorithms=hashes,
            service_types=services,
            given=given,
            problems=tuple(problems),
            notes=tuple(notes),
        )
    bits: int | None = None
    if key_type in ("rsa", "ed25519"):
        try:
            key_type, bits = load_key(key_type, tags["p"])
        except ValueError as error:
            problems.append(str(error))
            status = "fail"
    if key_type == "rsa" and bits is not None:
        if bits < MIN_RSA_BITS:
            problems.append(f"{bits}-bit RSA key: verifiers ignore keys under 1024 bits (RFC 8301)")
            status = "fail"
        elif bits < GOOD_RSA_BITS:
            problems.append(f"{bits}-bit RSA key: use 2048 bits")
            status = "warn" if status == "pass" else status
    if key_type == "ed25519" and bits is not None:
        notes.append("Ed25519 (RFC 8463): sign with an RSA key too, not every verifier knows it")
    if testing:
        problems.append("t=y: the domain is testing DKIM; verifiers may treat failures leniently")
        status = "warn" if status == "pass" else status
    return DkimKey(
        selector,
        name,
        status,
        True,
        text,
        key_type,
        bits,
        False,
        testing,
        strict,
        hashes,
        services,
        given,
        tuple(problems),
        tuple(notes),
    )


async def probe_selector(resolver: Resolver, domain: str, selector: str, given: bool) -> DkimKey:
    """Fetch and judge the key at `SELECTOR._domainkey.DOMAIN`."""
    name = f"{selector}._domainkey.{domain}"
    answer: Answer = await resolver.resolve(name, "TXT")
    if answer.failed:
        problem = f"lookup failed: {answer.error or answer.status}"
        return DkimKey(selector, name, "error", False, given=given, problems=(problem,))
    records = [text for text in answer.records if "p=" in text or "v=DKIM1" in text]
    if not records:
        status: CheckStatus = "fail" if given else "info"
        problem = "no DKIM key record" + (f" ({answer.status})" if answer.void else "")
        return DkimKey(selector, name, status, False, given=given, problems=(problem,))
    if len(records) > 1:
        return DkimKey(
            selector,
            name,
            "fail",
            True,
            records[0],
            given=given,
            problems=(f"{len(records)} key records: verifiers cannot choose",),
        )
    return assess_record(selector, name, records[0], given)


def _key_summary(key: DkimKey) -> str:
    if key.revoked:
        return "revoked"
    bits = f" {key.key_bits}" if key.key_bits else ""
    return f"{key.key_type}{bits}"


def _fixes(domain: str, keys: list[DkimKey]) -> list[Fix]:
    fixes: list[Fix] = []
    for key in keys:
        command = shell_join(["dig", "+short", "TXT", key.name])
        if key.given and not key.found and key.status != "error":
            text = f"Publish the public key of selector {key.selector} at {key.name}."
            fixes.append(Fix(text, command))
        if key.key_type == "rsa" and key.key_bits is not None and key.key_bits < GOOD_RSA_BITS:
            fixes.append(
                Fix(
                    f"Replace the {key.key_bits}-bit key of selector {key.selector} by a 2048-bit"
                    " key under a new selector, then switch signing to it.",
                    shell_join(
                        [
                            "openssl",
                            "genpkey",
                            "-algorithm",
                            "RSA",
                            "-pkeyopt",
                            "rsa_keygen_bits:2048",
                            "-out",
                            f"{key.selector}-2048.key",
                        ]
                    ),
                )
            )
        if key.testing:
            fixes.append(Fix(f"Remove t=y from {key.name} once signing works.", command))
        if key.status == "fail" and key.found and key.key_bits is None and not key.revoked:
            fixes.append(Fix(f"Republish a valid key record at {key.name}.", command))
    if not any(key.found for key in keys):
        fixes.append(
            Fix(
                f"Find the selector in the DKIM-Signature header (s=) of a message from {domain}"
                " and check it with --selector.",
            )
        )
    return fixes


async def check_dkim(resolver: Resolver, context: AuditContext) -> CheckResult:
    """Check DKIM keys for the given selectors and probe the common ones concurrently.

    Args:
        resolver: answers the DNS queries.
        context: the domain, and selectors known from a message (context.selectors).

    Returns:
        A CheckResult with details `selectors` (selector, status, key_type, key_bits, ...),
        `probed` and `invalid_selectors`.
    """
    message = domain_problem(context.domain)
    if message is not None:
        return CheckResult("dkim", "error", message, {"selectors": [], "error": message})
    domain = ascii_domain(context.domain)
    given = list(dict.fromkeys(s.strip().lower() for s in context.selectors if s.strip()))
    invalid = [s for s in given if not _SELECTOR.match(s)]
    given = [s for s in given if s not in invalid]
    probed = [s for s in COMMON_SELECTORS if s not in given]
    keys = await asyncio.gather(
        *(probe_selector(resolver, domain, s, True) for s in given),
        *(probe_selector(resolver, domain, s, False) for s in probed),
    )
    shown = [key for key in keys if key.given or key.found or key.status == "error"]
    found = [key for key in shown if key.found]
    errors = [key for key in keys if key.status == "error"]
    details: dict[str, Any] = {
        "selectors": [key.to_dict() for key in shown],
        "probed": probed,
        "invalid_selectors": invalid,
    }
    fixes = tuple(_fixes(domain, list(shown)))
    if errors and len(errors) == len(keys):
        return CheckResult(
            "dkim", "error", f"DKIM lookups failed: {errors[0].problems[0]}", details, fixes
        )
    if invalid:
        details["problems"] = [f"{s!r} is not a valid selector" for s in invalid]
    judged = [key for key in shown if key.status != "error"]
    worst: CheckStatus = max(
        (key.status for key in judged), key=_SEVERITY.__getitem__, default="info"
    )
    if not found:
        status: CheckStatus = "fail" if given or invalid else "info"
        summary = (
            "no DKIM key at the given selector(s): " + ", ".join(given or invalid)
            if given or invalid
            else f"no DKIM key at {len(probed)} common selectors (senders choose selectors)"
        )
        return CheckResult("dkim", status, summary, details, fixes)
    status = worst
    if invalid and status != "error":
        status = "fail"
    if status == "info":
        status = "pass"
    described = ", ".join(f"{key.selector} ({_key_summary(key)})" for key in found)
    summary = f"{len(found)} DKIM key(s): {described}"
    problems = [p for key in found if key.status == status for p in key.problems]
    if problems and status != "pass":
        summary += f"; {problems[0]}"
    return CheckResult("dkim", status, summary, details, fixes)
