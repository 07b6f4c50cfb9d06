"""The pre-filtered matchers find what trying every pattern finds, on the real reference data.

Signatures, generic wording rules and provider markers are each matched through their index
(bit masks, word, word-start and word-run keys, substring gates, lower-cased search) and
exhaustively (every alternative's regex, case-insensitive, best signature first), over the
corpus, the held-out replies and generated texts built from the patterns' own words.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ehlo.knowledge.loader import knowledge
from ehlo.knowledge.matcher import PatternIndex, make_candidate
from ehlo.knowledge.providers import _marker_index
from ehlo.knowledge.replytext import find_enhanced, read_input, search_text

DATA = Path(__file__).resolve().parents[2] / "data"
STAGES = [None, "connect", "ehlo", "auth", "mail", "rcpt", "data", "end-of-data", "bdat"]
CODES = [None, 250, 421, 450, 451, 452, 530, 535, 550, 551, 552, 553, 554, 556]
ENHANCED = [None, "4.7.0", "5.7.1", "5.1.1", "4.2.2", "5.7.26", "4.7.650", "5.1.10", "5.2.1"]


def indexes() -> dict[str, PatternIndex]:
    base = knowledge()
    return {"signatures": base.index, "wording": base.wording, "markers": _marker_index()}


@cache
def replies() -> tuple[tuple[str, str | None], ...]:
    found: list[tuple[str, str | None]] = []
    for name in ("reply-corpus.toml", "reply-heldout.toml"):
        with (DATA / name).open("rb") as handle:
            found.extend((r["reply"], r.get("stage")) for r in tomllib.load(handle)["reply"])
    return tuple(found)


@cache
def vocabulary() -> tuple[str, ...]:
    """Words of the patterns themselves and of the corpus, so generated texts hit many keys."""
    words: set[str] = set()
    for index in indexes().values():
        for signature in index.signatures:
            words.update(re.findall(r"[A-Za-z][\w'.@-]*", signature.pattern))
    for reply, _ in replies():
        words.update(reply.split())
    return tuple(sorted(words))


@pytest.mark.parametrize("name", ["signatures", "wording", "markers"])
def test_corpus_and_heldout_match_as_exhaustively(name: str) -> None:
    index = indexes()[name]
    checked = 0
    for reply, stage in replies():
        parsed = read_input(reply).reply
        assert parsed is not None
        code = parsed.code
        enhanced = find_enhanced(parsed, code // 100 if code else None)
        for candidate_stage in {stage, None}:
            candidate = make_candidate(search_text(parsed), code, enhanced, candidate_stage)
            assert index.match(candidate) is index.match_exhaustive(candidate), reply
            checked += 1
    assert checked >= len(replies())


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=30),
    separators=st.lists(st.sampled_from([" ", " ", " ", ": ", "; ", ", ", "-", "_", "."])),
    code=st.sampled_from(CODES),
    enhanced=st.sampled_from(ENHANCED),
    stage=st.sampled_from(STAGES),
    noise=st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x17F), max_size=12),
)
def test_generated_texts_match_as_exhaustively(
    words: list[int],
    separators: list[str],
    code: int | None,
    enhanced: str | None,
    stage: str | None,
    noise: str,
) -> None:
    vocabulary_words = vocabulary()
    pieces = [vocabulary_words[n % len(vocabulary_words)] for n in words]
    text = ""
    for position, piece in enumerate(pieces):
        text += piece + (separators[position % len(separators)] if separators else " ")
    text = (text + noise).strip()
    candidate = make_candidate(text, code, enhanced, stage)
    for index in indexes().values():
        assert index.match(candidate) is index.match_exhaustive(candidate), text


def test_generated_texts_do_reach_signatures() -> None:
    """The generator is useful: texts made of pattern words do match many signatures."""
    index = knowledge().index
    hits = set()
    for signature in index.signatures:
        words = re.findall(r"[A-Za-z][\w'.@-]*", signature.pattern)
        found = index.match_exhaustive(make_candidate(" ".join(words), None, None, None))
        if found is not None:
            hits.add(found.id)
    assert len(hits) >= 100
