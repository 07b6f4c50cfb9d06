"""Tag-lists (`name=value; ...`, RFC 6376 section 3.2), the syntax of DKIM and DMARC records."""

from __future__ import annotations

import re

_TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


def split_tag_list(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """The (name, value) pairs in order, whitespace trimmed, and the parts that are not pairs."""
    pairs: list[tuple[str, str]] = []
    malformed: list[str] = []
    for part in text.split(";"):
        if not part.strip():
            continue
        name, equals, value = part.partition("=")
        name = name.strip()
        if equals and _TAG_NAME.match(name):
            pairs.append((name, value.strip()))
        else:
            malformed.append(part.strip())
    return pairs, malformed
