"""Recognising which provider or MTA wrote a reply from its fixed markers."""

from __future__ import annotations

from functools import cache

from ehlo.knowledge.anchors import (
    PLANNER_VERSION,
    plan_alternatives,
    split_alternatives,
    word_start,
)
from ehlo.knowledge.cache import cached_value
from ehlo.knowledge.matcher import Candidate, PatternIndex
from ehlo.knowledge.model import Signature

# (provider, marker pattern) searched case-insensitively; first match wins.
MARKERS: tuple[tuple[str, str], ...] = (
    ("Gmail", r"\bgsmtp\b|support\.google\.com/(?:mail|a)\b|gmail\.com/mail/help"),
    (
        "Microsoft",
        r"protection\.outlook\.com|outlook\.com|hotmail\.com|\bprod\.outlook|office365|exchange online|sender\.office\.com|\bAS\(\d+\)|\(AS\d{6,}\)|resolver\.adr\.|\bS3150\b|\bS3140\b",
    ),
    (
        "Yahoo",
        r"yahoo|\baol\.com|\[TSS\d\d\]|\[IPTS\d\d\]|\[BL\d\d\]|\[PH\d\d\]|senders\.yahooinc|postmaster\.yahooinc",
    ),
    ("Apple iCloud", r"icloud\.com|\bme\.com\b|support\.apple\.com|\[(?:CS01|HM08|HME1)\]"),
    ("Proofpoint", r"proofpoint|pphosted"),
    ("Mimecast", r"mimecast"),
    ("Barracuda", r"barracuda|\bcuda_nsu\b"),
    ("Broadcom Email Security.cloud", r"messagelabs|symanteccloud"),
    ("Cisco Secure Email", r"ironport|iphmx\.com"),
    ("Trend Micro", r"trendmicro|ERS-Customized-Block|tmes\.trendmicro"),
    ("Spamhaus", r"spamhaus"),
    ("SpamCop", r"spamcop"),
    ("Orange", r"\bOFR\d*_\d+|orange\.fr|wanadoo"),
    ("Comcast", r"comcast"),
    ("GoDaddy", r"secureserver\.net|x\.co/(?:srbounce|rlbounce)"),
    ("Tencent QQ", r"mail\.qq\.com|\bqq\.com"),
    ("GMX / WEB.DE", r"\bgmx\.|web\.de|ionos|1und1|1and1"),
    ("Zoho", r"zoho"),
    ("Postfix", r"\b(?:Client host|Helo command|Sender address|Recipient address) rejected:"),
    ("qmail", r"sorry, .{0,60}\(#[245]\.\d+\.\d+\)"),
    ("Exim", r"\bexim\b|rejected after DATA|Sender verify failed|Unrouteable address"),
    ("Sendmail", r"sendmail|Relaying denied\. Proper authentication required"),
)


@cache
def _marker_index() -> PatternIndex:
    markers = [
        Signature(
            id=f"marker-{position}",
            provider=provider,
            pattern=pattern,
            reason="undefined",
            source="provider markers",
            priority=-position,
        )
        for position, (provider, pattern) in enumerate(MARKERS)
    ]
    split = [[word_start(a) for a in split_alternatives(pattern)] for _, pattern in MARKERS]
    key = f"{PLANNER_VERSION}\n" + "\n".join(pattern for _, pattern in MARKERS)
    plans = cached_value("markers", key, lambda: plan_alternatives(split))
    return PatternIndex(markers, plans)


def provider_from_markers(candidate: Candidate) -> str | None:
    """The provider whose fixed markers (host names, links, tags) appear in the reply."""
    found = _marker_index().match(candidate)
    return found.provider if found else None
