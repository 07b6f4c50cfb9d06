"""The tolerant reply parser: RFC 5321 replies, violations, the size cap; never an exception."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ehlo.smtp.reply import (
    MAX_REPLY_BYTES,
    MAX_VIOLATIONS,
    Reply,
    ReplyParser,
    ReplyTooLarge,
    parse_reply,
)


def feed_all(*chunks: bytes) -> list[Reply]:
    parser = ReplyParser()
    replies: list[Reply] = []
    for chunk in chunks:
        replies.extend(parser.feed(chunk))
    return replies


def test_single_line_reply() -> None:
    (reply,) = feed_all(b"250 2.1.0 Sender ok\r\n")
    assert reply.code == 250 and reply.enhanced == "2.1.0"
    assert reply.lines == ("250 2.1.0 Sender ok",) and reply.texts == ("2.1.0 Sender ok",)
    assert reply.violations == () and reply.reply_class == 2
    assert reply.to_dict() == {"code": 250, "enhanced": "2.1.0", "lines": ["250 2.1.0 Sender ok"]}


def test_multi_line_reply_split_across_chunks() -> None:
    replies = feed_all(b"250-mx.example Hello\r\n250-SIZE 1000\r", b"\n250 HELP\r\n220 next")
    assert len(replies) == 1
    assert replies[0].texts == ("mx.example Hello", "SIZE 1000", "HELP")
    assert replies[0].text == "mx.example Hello\nSIZE 1000\nHELP"


def test_two_replies_in_one_chunk() -> None:
    replies = feed_all(b"250 ok\r\n354 go ahead\r\n")
    assert [r.code for r in replies] == [250, 354]


def test_bare_lf_is_a_violation() -> None:
    (reply,) = feed_all(b"220 hi\n")
    assert reply.code == 220
    assert any("bare LF" in v for v in reply.violations)


def test_missing_text_is_fine() -> None:
    (reply,) = feed_all(b"250\r\n")
    assert reply.code == 250 and reply.texts == ("",) and reply.violations == ()


def test_non_utf8_is_replaced_and_raw_kept() -> None:
    (reply,) = feed_all(b"550 caf\xe9 closed\r\n")
    assert reply.code == 550 and "\ufffd" in reply.lines[0]
    assert reply.raw == b"550 caf\xe9 closed\r\n"
    assert any("UTF-8" in v for v in reply.violations)


def test_mixed_codes_are_a_violation_last_code_wins() -> None:
    (reply,) = feed_all(b"250-one\r\n251 two\r\n")
    assert reply.code == 251
    assert any("different codes" in v for v in reply.violations)


def test_over_long_line_is_a_violation() -> None:
    (reply,) = feed_all(b"250 " + b"x" * 600 + b"\r\n")
    assert reply.code == 250 and any("exceeds the 512" in v for v in reply.violations)


def test_code_outside_range() -> None:
    (reply,) = feed_all(b"999 what\r\n")
    assert reply.code is None and reply.reply_class is None
    assert any("outside 2xx-5xx" in v for v in reply.violations)


def test_enhanced_code_must_match_class() -> None:
    assert feed_all(b"550 2.1.0 odd\r\n")[0].enhanced is None
    assert feed_all(b"451 4.7.1 Greylisted\r\n")[0].enhanced == "4.7.1"


def test_enhanced_code_digits_are_ascii() -> None:
    assert feed_all("550 5.١.١ no such user\r\n".encode())[0].enhanced is None


def test_reply_larger_than_cap_raises() -> None:
    parser = ReplyParser()
    with pytest.raises(ReplyTooLarge):  # many short continuation lines, never a last line
        for _ in range(2000):
            list(parser.feed(b"250-" + b"x" * 100 + b"\r\n"))


def test_line_without_end_larger_than_cap_raises() -> None:
    parser = ReplyParser()
    with pytest.raises(ReplyTooLarge):
        list(parser.feed(b"2" * (MAX_REPLY_BYTES + 1)))


def test_flush_returns_partial_reply() -> None:
    parser = ReplyParser()
    assert list(parser.feed(b"250-first\r\n250 no end")) == []
    reply = parser.flush()
    assert reply is not None and reply.code == 250
    assert any("closed before" in v for v in reply.violations)
    assert parser.flush() is None


def test_parse_reply_text_forms() -> None:
    reply = parse_reply("550-5.1.1 No such user\n550 5.1.1 Really")
    assert reply.code == 550 and reply.enhanced == "5.1.1" and len(reply.lines) == 2
    assert parse_reply("250 \ud800 lone surrogate").code == 250
    empty = parse_reply("")
    assert empty.code is None and empty.violations == ("empty reply",)
    assert parse_reply(b"garbage").code is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=3000), max_size=20))
def test_any_bytes_give_replies_or_too_large(chunks: list[bytes]) -> None:
    parser = ReplyParser(max_reply_bytes=4096)
    try:
        for chunk in chunks:
            for reply in parser.feed(chunk):
                assert isinstance(reply, Reply)
                assert reply.code is None or 200 <= reply.code <= 599
        leftover = parser.flush()
        assert leftover is None or isinstance(leftover, Reply)
    except ReplyTooLarge:
        pass


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=2000),
        st.text(max_size=2000),
        st.text(st.characters(exclude_categories=()), max_size=200),
    )
)
def test_parse_reply_never_raises(data: bytes | str) -> None:
    reply = parse_reply(data)
    assert isinstance(reply, Reply)
    reply.to_dict()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(200, 599),
            st.text(alphabet=st.characters(codec="ascii", exclude_characters="\r\n"), max_size=80),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_well_formed_replies_round_trip(lines: list[tuple[int, str]]) -> None:
    code = lines[0][0]
    wire = b"".join(
        f"{code}{'-' if i < len(lines) - 1 else ' '}{text}\r\n".encode()
        for i, (_, text) in enumerate(lines)
    )
    (reply,) = feed_all(wire)
    assert reply.code == code
    assert reply.texts == tuple(text for _, text in lines)
    assert reply.raw == wire


def test_violations_of_one_reply_are_capped() -> None:
    lines = [b"250-" + b"x" * (600 + n) + b"\r\n" for n in range(60)]
    replies = list(ReplyParser().feed(b"".join(lines) + b"250 end\r\n"))
    assert len(replies) == 1
    violations = replies[0].violations
    assert len(violations) == MAX_VIOLATIONS + 1
    assert violations[-1] == "... and 50 more violations in this reply"


def test_built_replies_are_whole_replies() -> None:
    """build_reply() sets the fields itself: every field is set, and equals Reply(...)."""
    built = parse_reply("250-first\r\n250 2.0.0 second")
    assert built == Reply(
        code=250,
        lines=("250-first", "250 2.0.0 second"),
        texts=("first", "2.0.0 second"),
        raw=b"250-first\r\n250 2.0.0 second\r\n",
    )
    assert hash(built) == hash(dataclasses.replace(built))
    for field in dataclasses.fields(Reply):
        getattr(built, field.name)


def test_a_code_run_into_its_text_is_a_violation() -> None:
    reply = parse_reply(b"250Ok\r\n")
    assert reply.code == 250
    assert reply.texts == ("Ok",)
    assert any("no space or hyphen after the code" in v for v in reply.violations)
    assert not parse_reply(b"250 Ok\r\n").violations
    assert not parse_reply(b"250\r\n").violations  # a bare code has nothing to separate
