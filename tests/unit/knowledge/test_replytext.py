"""Reading a reply's text: the search text's spacing and the first line's enhanced code."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ehlo.knowledge.replytext import LEADING_ENHANCED, find_enhanced, leading_enhanced, search_text
from ehlo.smtp.reply import Reply, parse_reply

WHITESPACE = [chr(c) for c in range(0x3001) if chr(c).isspace()]
pieces = st.one_of(
    st.sampled_from(["user", "unknown", "5.1.1", "#5.7.1", "550-5.7.1", "(#4.4.1)", "x"]),
    st.sampled_from(WHITESPACE),
    st.text(max_size=4),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(pieces, max_size=12).map("".join), st.sampled_from(["550 ", "250-", "421 "]))
def test_search_text_has_single_spaces_only(text: str, head: str) -> None:
    lines = [line for line in text.split("\n") if line] or [""]
    reply = parse_reply("\n".join(head + line for line in lines))
    found = search_text(reply)
    assert found == " ".join(found.split())
    # Nothing but spacing (and the codes it removes) differs from the plain join.
    stripped = [
        text[match.end() :] if (match := LEADING_ENHANCED.match(text)) else text
        for text in reply.texts
    ]
    if not any(c.isdigit() for c in "".join(stripped)):
        assert found == " ".join(" ".join(stripped).split())


def test_the_first_lines_code_is_taken_off_once() -> None:
    assert search_text(parse_reply("550 5.1.1 <u@x>: no such user")) == "<u@x>: no such user"
    assert search_text(parse_reply("550 5.1.1:5.1.1 odd")) == ":5.1.1 odd"


def test_a_reply_made_by_hand_with_a_code_its_text_lacks() -> None:
    """A Reply whose `enhanced` its first line does not start with keeps its whole text."""
    reply = Reply(code=550, lines=("550 no such user",), texts=("no such user",), enhanced="5.1.1")
    assert search_text(reply) == "no such user"


def test_enhanced_codes_and_markers_have_ascii_digits_only() -> None:
    arabic_indic = parse_reply("550 5.١.١ no such user")
    assert arabic_indic.enhanced is None
    assert find_enhanced(arabic_indic, 5) is None
    assert leading_enhanced("#5.١.١: no such user") is None
    assert find_enhanced(parse_reply("550 rejected (#5.٧.١)"), 5) is None
    assert search_text(parse_reply("550 see 5٥٠- here")) == "see 5٥٠- here"
    # The same texts with ASCII digits
    assert find_enhanced(parse_reply("550 rejected (#5.7.1)"), 5) == "5.7.1"
    assert search_text(parse_reply("550 see 550- here")) == "see here"


def test_an_ip_address_is_read_from_ascii_digits_only() -> None:
    from ehlo.knowledge.replytext import client_ip

    assert client_ip("blocked: [192.0.2.7] listed") == "192.0.2.7"
    assert client_ip("blocked: [١٩٢.٠.٢.٧] listed") is None
