"""The pre-filter never hides a match: indexed matching equals trying every pattern."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from ehlo.knowledge.anchors import split_alternatives
from ehlo.knowledge.loader import knowledge
from ehlo.knowledge.matcher import PatternIndex, make_candidate
from ehlo.knowledge.model import Signature

WORDS = ["user", "unknown", "mailbox", "full", "spam", "relay", "denied", "dmarc", "mail", "e-mail",
         "rejected", "over", "quota", "no", "such", "users", "blocked", "5.7.1", "<a@b.c>"]  # fmt: skip

pieces = st.one_of(
    st.sampled_from([re.escape(w) for w in WORDS]),
    st.lists(st.sampled_from([re.escape(w) for w in WORDS]), min_size=2, max_size=3).map(
        lambda ws: "(?:" + "|".join(ws) + ")"
    ),
    st.sampled_from([r"\s+", " ", r"\b", ".{0,10}", r"\w+", "s?", r"[:;]", "(?: the)?"]),
)
patterns = st.lists(pieces, min_size=1, max_size=6).map("".join)
texts = st.lists(st.sampled_from([*WORDS, " ", ": ", "x", "the", "\t"]), max_size=25).map("".join)


def _valid(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(st.lists(patterns.filter(_valid), min_size=1, max_size=8), texts)
def test_index_finds_exactly_what_brute_force_finds(pattern_list: list[str], text: str) -> None:
    signatures = [
        Signature(id=f"s{i}", provider="P", pattern=p, reason="undefined", source="test")
        for i, p in enumerate(pattern_list)
    ]
    index = PatternIndex(signatures)
    found = {s.id for s in index.match_all(make_candidate(text, None, None, None))}
    expected = {s.id for s in signatures if re.search(s.pattern, text, re.IGNORECASE)}
    assert found == expected


def test_split_alternatives_respects_groups_classes_and_escapes() -> None:
    assert split_alternatives(r"a|b(c|d)|[|]|\|") == ["a", "b(c|d)", "[|]", r"\|"]
    assert split_alternatives(r"(?:x|y)") == ["x", "y"]
    assert split_alternatives(r"(?:x|y)z") == ["(?:x|y)z"]
    assert split_alternatives(r"(?i)one|two") == ["one", "two"]


def test_filters_on_code_enhanced_and_stage() -> None:
    signature = Signature(
        id="s", provider="P", pattern="mailbox full", reason="mailboxfull", source="t",
        codes=(552,), enhanced=("x.2.2",), stages=("rcpt",),
    )  # fmt: skip
    index = PatternIndex([signature])
    text = "Mailbox full"
    assert index.match(make_candidate(text, 552, "5.2.2", "rcpt")) is signature
    assert index.match(make_candidate(text, 552, "4.2.2", None)) is signature
    assert index.match(make_candidate(text, 552, None, None)) is signature
    assert index.match(make_candidate(text, 452, "4.2.2", "rcpt")) is None
    assert index.match(make_candidate(text, 552, "5.3.4", "rcpt")) is None
    assert index.match(make_candidate(text, 552, "5.2.2", "mail")) is None


def test_priority_then_specificity_decides() -> None:
    low = Signature(id="low", provider="P", pattern="spam", reason="spamdetected", source="t")
    high = Signature(
        id="high", provider="P", pattern="spam", reason="blocked", source="t", priority=5
    )
    specific = Signature(id="specific", provider="P", pattern="spam", reason="policyviolation",
                         source="t", codes=(550,))  # fmt: skip
    index = PatternIndex([low, specific, high])
    candidate = make_candidate("this is spam", 550, None, None)
    assert [s.id for s in index.match_all(candidate)] == ["high", "specific", "low"]


def test_generic_wording_rules_are_all_anchored() -> None:
    wording = knowledge().wording
    assert len(wording.signatures) >= 40
    assert wording.unanchored == []


def test_zero_width_patterns_terminate_and_agree_with_re() -> None:
    for pattern in (r"\b", r"\b(?:x)?", "", r"\bs?"):
        for text in ("", " ", "ab", "a b"):
            signature = Signature(
                id="z", provider="P", pattern=pattern, reason="undefined", source="t"
            )
            found = PatternIndex([signature]).match(make_candidate(text, None, None, None))
            assert (found is not None) == bool(re.search(pattern, text)), (pattern, text)


PUNCTUATED = ["uribl.com", "mail.ru", "[tss04]", "(#5.7.1)", "ofr_416", "_416", "bare lf",
              "virus: ", "listed ", "416", "5.7.1", "s3150", "a@b.c"]  # fmt: skip
"""Substrings with and without word runs, runs inside longer words, runs that repeat."""
around = st.sampled_from(["", "x", "xx", "_", "9", ".", " ", "-", "[", "("])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(PUNCTUATED), min_size=1, max_size=6),
    st.lists(st.tuples(around, st.sampled_from(PUNCTUATED), around), max_size=6),
)
def test_substrings_found_by_their_word_runs_as_brute_force_finds(
    wanted: list[str], pieces: list[tuple[str, str, str]]
) -> None:
    """A substring is looked for by its longest word run inside a reply's words: glued to
    other word characters, cut by punctuation, or missing, it is found exactly when `re` is."""
    signatures = [
        Signature(id=f"s{i}", provider="P", pattern=re.escape(w), reason="undefined", source="t")
        for i, w in enumerate(wanted)
    ]
    index = PatternIndex(signatures)
    text = " ".join(before + piece + after for before, piece, after in pieces)
    found = {s.id for s in index.match_all(make_candidate(text, None, None, None))}
    expected = {s.id for s in signatures if re.search(s.pattern, text, re.IGNORECASE)}
    assert found == expected, text


def test_match_is_the_first_of_match_all_on_the_reference_data() -> None:
    """match() walks the bits itself; it agrees with the lazy walk of iterate()."""
    base = knowledge()
    texts = [" ".join(WORDS), "user unknown", "mailbox full", "relay access denied", "spam", ""]
    for index in (base.index, base.wording):
        for text in texts:
            for code, stage in ((550, "rcpt"), (451, None), (None, None)):
                candidate = make_candidate(text, code, None, stage)
                first = next(iter(index.match_all(candidate)), None)
                assert index.match(candidate) is first, (text, code, stage)


def test_a_full_vocabulary_starts_again_and_matches_the_same(monkeypatch) -> None:
    """The per-word memory is emptied when full; matching does not depend on what it holds."""
    import ehlo.knowledge.matcher as matcher

    signatures = [
        Signature(id=f"s{i}", provider="P", pattern=p, reason="undefined", source="t")
        for i, p in enumerate([r"\buser unknown", r"mailbox (?:is )?full", r"uribl\.com"])
    ]
    texts = ["no such user unknown here", "mailbox is full", "listed on uribl.com", "nothing"]
    monkeypatch.setattr(matcher, "VOCABULARY_LIMIT", 3)
    index = PatternIndex(signatures)
    for _ in range(3):
        for text in texts:
            found = index.match(make_candidate(text, None, None, None))
            expected = next(
                (s for s in signatures if re.search(s.pattern, text, re.IGNORECASE)), None
            )
            assert found is expected, text
            assert len(index._vocabulary) <= 3 + len(text.split())


def test_unanchored_lists_the_alternatives_without_a_literal() -> None:
    signatures = [
        Signature(id="a", provider="P", pattern=r"\d{3}|mailbox full", reason="undefined",
                  source="t"),
        Signature(id="b", provider="P", pattern=r"user unknown", reason="undefined", source="t"),
    ]  # fmt: skip
    assert PatternIndex(signatures).unanchored == [r"\d{3}"]
