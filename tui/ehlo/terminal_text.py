"""Text made safe to print on a terminal."""

from __future__ import annotations


def printable(text: str, *, keep_tabs: bool = True) -> str:
    """TEXT with every control character (escape sequences from a hostile server or DNS record,
    stray CR or NUL) shown as a visible escape: `\\xNN`, `\\uNNNN` or `\\UNNNNNNNN`.

    Tabs are kept unless KEEP_TABS is false (where they would break a column layout).
    """
    if text.isprintable():
        return text
    return "".join(
        char if char.isprintable() or (keep_tabs and char == "\t") else _escape(char)
        for char in text
    )


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
