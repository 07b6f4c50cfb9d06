"""TLSA records (RFC 6698, RFC 7671): parsing and matching against a certificate chain."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from ehlo.smtp.tls import subject_public_key_info

USAGES = {0: "PKIX-TA", 1: "PKIX-EE", 2: "DANE-TA", 3: "DANE-EE"}
SELECTORS = {0: "full certificate", 1: "public key (SPKI)"}
MATCHING_TYPES = {0: "full", 1: "SHA-256", 2: "SHA-512"}
_DIGEST_HEX_LENGTH = {1: 64, 2: 128}


@dataclass(frozen=True, slots=True)
class Tlsa:
    """One TLSA record; `problem` says why it cannot be used (None when it is well-formed)."""

    usage: int
    selector: int
    mtype: int
    data: bytes
    text: str
    problem: str | None = None


def parse_tlsa(text: str) -> Tlsa:
    """A TLSA record from its `usage selector mtype hex` text form; never raises."""
    parts = text.split()
    if len(parts) < 4 or not all((p.isascii() and p.isdigit()) and len(p) <= 3 for p in parts[:3]):
        return Tlsa(-1, -1, -1, b"", text, "not 'usage selector matching-type data'")
    usage, selector, mtype = (int(p) for p in parts[:3])
    hex_data = "".join(parts[3:])
    try:
        data = bytes.fromhex(hex_data)
    except ValueError:
        return Tlsa(usage, selector, mtype, b"", text, "the association data is not hex")
    problem = None
    if usage not in USAGES:
        problem = f"unknown usage {usage}"
    elif selector not in SELECTORS:
        problem = f"unknown selector {selector}"
    elif mtype not in MATCHING_TYPES:
        problem = f"unknown matching type {mtype}"
    elif mtype in _DIGEST_HEX_LENGTH and len(hex_data) != _DIGEST_HEX_LENGTH[mtype]:
        problem = f"a {MATCHING_TYPES[mtype]} digest has {_DIGEST_HEX_LENGTH[mtype]} hex digits"
    return Tlsa(usage, selector, mtype, data, text, problem)


def _selected(der: bytes, selector: int) -> bytes | None:
    if selector == 0:
        return der
    try:
        return subject_public_key_info(der)
    except ValueError:
        return None


def association(der: bytes, selector: int, mtype: int) -> bytes | None:
    """The association data a TLSA record with SELECTOR and MTYPE would hold for certificate DER."""
    selected = _selected(der, selector)
    if selected is None:
        return None
    if mtype == 1:
        return hashlib.sha256(selected).digest()
    if mtype == 2:
        return hashlib.sha512(selected).digest()
    return selected


def matching_certificate(record: Tlsa, chain: Sequence[bytes]) -> int | None:
    """The chain position (0 = leaf) a DANE-EE/DANE-TA record matches, or None.

    Usage 3 matches only the leaf; usage 2 any certificate of the chain (RFC 7671 5.1, 5.2).
    PKIX usages (0, 1) are not used for SMTP (RFC 7672 3.1.3) and never match here.
    """
    if record.problem is not None or record.usage not in (2, 3):
        return None
    candidates = chain[:1] if record.usage == 3 else chain
    for position, der in enumerate(candidates):
        if association(der, record.selector, record.mtype) == record.data:
            return position
    return None


def describe_tlsa(record: Tlsa) -> str:
    """`DANE-EE, public key (SPKI), SHA-256` style words for a record."""
    if record.problem is not None and record.usage < 0:
        return record.problem
    return ", ".join(
        [
            USAGES.get(record.usage, f"usage {record.usage}"),
            SELECTORS.get(record.selector, f"selector {record.selector}"),
            MATCHING_TYPES.get(record.mtype, f"matching type {record.mtype}"),
        ]
    )
