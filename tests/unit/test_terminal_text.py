"""Text made safe for a terminal: every control character becomes a visible escape."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ehlo.terminal_text import printable


def test_control_characters_become_escapes() -> None:
    assert printable("220 \x1b]0;owned\x07 hi\r\x00") == "220 \\x1b]0;owned\\x07 hi\\x0d\\x00"
    assert printable("evil\u202etxt") == "evil\\u202etxt"
    assert printable("tag\U000e0001") == "tag\\U000e0001"  # not \\ue0001, which reads as \\ue000 1


def test_tabs_are_kept_unless_a_layout_needs_them_escaped() -> None:
    assert printable("a\tb") == "a\tb"
    assert printable("a\tb", keep_tabs=False) == "a\\x09b"


@given(st.text(max_size=60))
def test_the_result_is_always_printable(text: str) -> None:
    assert printable(text, keep_tabs=False).isprintable()
    assert printable(text).replace("\t", " ").isprintable()
