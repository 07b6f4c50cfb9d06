"""The code tables and the taxonomy as public, read-only views, and code search."""

from __future__ import annotations

import re

from ehlo.knowledge.loader import knowledge
from ehlo.knowledge.model import BasicCode, EnhancedCode, Reason, Signature


def basic_codes() -> tuple[BasicCode, ...]:
    """Every basic reply code, in numeric order."""
    return tuple(sorted(knowledge().basic.values(), key=lambda c: c.code))


def _enhanced_order(code: EnhancedCode) -> tuple[int, int]:
    _, subject, detail = code.code.split(".")
    return int(subject), int(detail)


def enhanced_codes() -> tuple[EnhancedCode, ...]:
    """Every entry of the enhanced status code registry, in registry order."""
    return tuple(sorted(knowledge().enhanced.values(), key=_enhanced_order))


def reasons() -> tuple[Reason, ...]:
    """The failure taxonomy."""
    return tuple(knowledge().reasons.values())


def signatures() -> tuple[Signature, ...]:
    """Every provider and MTA signature."""
    return knowledge().signatures


def _matches_class(code: BasicCode | EnhancedCode, reply_class: int | None) -> bool:
    if reply_class is None:
        return True
    if isinstance(code, BasicCode):
        return code.code // 100 == reply_class
    if reply_class in (2, 4, 5):
        return any(
            b[:1] == str(reply_class) or b.lower() in ("any", "n/a", "")
            for b in code.basic_codes or ("any",)
        )
    return False


def search_codes(
    query: str | None, reply_class: int | None = None
) -> list[BasicCode | EnhancedCode]:
    """Codes matching a code prefix (`5.7`, `55`, `x.7.2`) or all the words of a query.

    Args:
        query: a code prefix or words (`dmarc`, `quota`); None or empty lists everything.
        reply_class: 2, 3, 4 or 5 to keep only codes of that class.

    Returns:
        Basic codes first, then enhanced codes.
    """
    everything: list[BasicCode | EnhancedCode] = [*basic_codes(), *enhanced_codes()]
    wanted = (query or "").strip().lower()
    found: list[BasicCode | EnhancedCode]
    if not wanted:
        found = everything
    elif re.fullmatch(r"[2-5x]?(?:\.\d{0,3}){0,2}\.?|\d{1,3}", wanted):
        found = [c for c in everything if _code_matches(c, wanted)]
    else:
        words = wanted.split()
        found = [c for c in everything if all(w in _haystack(c) for w in words)]
    return [c for c in found if _matches_class(c, reply_class)]


def _code_matches(code: BasicCode | EnhancedCode, prefix: str) -> bool:
    if isinstance(code, BasicCode):
        return "." not in prefix and str(code.code).startswith(prefix)
    if "." not in prefix:
        return False
    generic = code.code
    if prefix[0] in "245":
        return ("x" + generic[1:]).startswith("x" + prefix[1:]) and _class_fits(code, prefix[0])
    return generic.startswith(prefix)


def _class_fits(code: EnhancedCode, digit: str) -> bool:
    return (
        digit in ("4", "5")
        or any(b.startswith("2") for b in code.basic_codes)
        or not code.basic_codes
    )


def _haystack(code: BasicCode | EnhancedCode) -> str:
    if isinstance(code, BasicCode):
        return f"{code.code} {code.title} {code.meaning} {' '.join(code.stages)}".lower()
    return f"{code.code} {code.title} {code.description} {' '.join(code.rfc)}".lower()
