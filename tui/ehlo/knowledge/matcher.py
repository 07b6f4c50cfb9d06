"""Matching reply texts against many wording patterns quickly.

Each pattern is compiled once, on first use. Before any regex runs, a pre-filter picks the
candidate patterns: every pattern has an anchor, a literal word the text must contain as a
whole word (or, failing that, a literal substring), found by parsing the pattern. A reply's
words are looked up in a dictionary of anchors, so only a handful of patterns are tried.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ehlo.knowledge.model import Signature

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import re._constants as _sre  # type: ignore[import-not-found,unused-ignore]
        import re._parser as _sre_parse  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover - Python < 3.11 layout
        import sre_constants as _sre  # type: ignore[no-redef,unused-ignore]
        import sre_parse as _sre_parse  # type: ignore[no-redef,unused-ignore]

WORD = re.compile(r"\w+")

Anchor = tuple[str, str]
"""("word", w): w must be a whole word of the text; ("text", s): s a substring; ("none", "")."""

_SEP = ("sep", "")
_OTHER = ("other", "")


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _non_word_set(items: Any) -> bool:
    """Whether a character class `[...]` only holds non-word characters."""
    for op, value in items:
        if op is _sre.LITERAL:
            if _is_word_char(chr(value)):
                return False
        elif op is _sre.CATEGORY:
            if value not in (_sre.CATEGORY_SPACE, _sre.CATEGORY_NOT_WORD):
                return False
        else:
            return False
    return True


def _tokens(parsed: Any) -> list[tuple[str, str]]:
    """The pattern's top-level sequence as ("char", c), ("sep", ""), ("other", "") tokens."""
    tokens: list[tuple[str, str]] = []
    for op, value in parsed:
        if op is _sre.LITERAL:
            char = chr(value)
            tokens.append(("char", char) if _is_word_char(char) else ("lit", char))
        elif op is _sre.SUBPATTERN:
            tokens.extend(_tokens(value[-1]))
        elif op is _sre.IN:
            tokens.append(_SEP if _non_word_set(value) else _OTHER)
        elif op is _sre.AT:
            boundary = value in (_sre.AT_BOUNDARY, _sre.AT_BEGINNING, _sre.AT_END,
                                 _sre.AT_BEGINNING_STRING, _sre.AT_END_STRING)  # fmt: skip
            tokens.append(_SEP if boundary else _OTHER)
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            low, _high, inner = value
            inner_tokens = _tokens(inner) if len(inner) == 1 else [_OTHER]
            separating = low >= 1 and inner_tokens and inner_tokens[0][0] in ("sep", "lit")
            tokens.append(_SEP if separating else _OTHER)
        else:
            tokens.append(_OTHER)
    return tokens


def anchors_of(pattern: str) -> tuple[list[str], list[str]]:
    """Whole words and substrings that every match of `pattern` contains (lower case)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = _sre_parse.parse(pattern, re.IGNORECASE)
    except (re.error, RecursionError, OverflowError, ValueError):
        return [], []
    tokens = _tokens(parsed)
    words: list[str] = []
    substrings: list[str] = []
    run: list[str] = []
    literal: list[str] = []
    start = 0
    for index, (kind, char) in enumerate([*tokens, _OTHER]):
        if kind == "char":
            if not run:
                start = index
            run.append(char)
        elif run:
            before = tokens[start - 1] if start > 0 else _OTHER
            left = before[0] in ("sep", "lit")
            right = kind in ("sep", "lit")
            if left and right:
                words.append("".join(run).lower())
            run = []
        if kind in ("char", "lit"):
            literal.append(char)
        else:
            if len(literal) >= 3:
                substrings.append("".join(literal).lower())
            literal = []
    return words, substrings


def choose_anchor(
    words: Sequence[str], substrings: Sequence[str], frequency: Counter[str]
) -> Anchor:
    """The most selective anchor: the rarest whole word, else the longest substring."""
    if words:
        best = min(words, key=lambda word: (frequency[word], -len(word)))
        return ("word", best)
    usable = [s for s in substrings if s.strip()]
    if usable:
        return ("text", max(usable, key=len))
    return ("none", "")


def split_alternatives(pattern: str) -> list[str]:
    """Split a pattern at its top-level `|` (also inside one group spanning it all)."""
    if pattern.startswith("(?i)"):
        pattern = pattern[4:]
    pieces = _split_top(pattern)
    if len(pieces) == 1 and pattern.startswith("(?:") and pattern.endswith(")"):
        inner = pattern[3:-1]
        if _depth_ok(inner):
            pieces = _split_top(inner)
    return pieces if all(pieces) else [pattern]


def _depth_ok(pattern: str) -> bool:
    depth = 0
    for kind, _ in _scan(pattern):
        if kind == "(":
            depth += 1
        elif kind == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _scan(pattern: str) -> list[tuple[str, int]]:
    """Structural characters of a regex source: groups and alternation, outside classes."""
    found: list[tuple[str, int]] = []
    index = 0
    in_class = False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
        elif char == "[":
            in_class = True
            if pattern[index + 1 : index + 2] == "^":
                index += 1
            if pattern[index + 1 : index + 2] == "]":
                index += 1
        elif char in "()|":
            found.append((char, index))
        index += 1
    return found


def _split_top(pattern: str) -> list[str]:
    pieces: list[str] = []
    depth = 0
    start = 0
    for kind, index in _scan(pattern):
        if kind == "(":
            depth += 1
        elif kind == ")":
            depth -= 1
        elif depth == 0:
            pieces.append(pattern[start:index])
            start = index + 1
    pieces.append(pattern[start:])
    return pieces


def plan_entries(patterns: Sequence[str]) -> list[list[tuple[str, str, str]]]:
    """For each pattern, its alternatives with their anchors: [(alternative, kind, value)]."""
    split = [split_alternatives(p) for p in patterns]
    parsed = [[anchors_of(alt) for alt in alts] for alts in split]
    frequency: Counter[str] = Counter(
        word for alts in parsed for words, _ in alts for word in set(words)
    )
    plans: list[list[tuple[str, str, str]]] = []
    for alts, anchors in zip(split, parsed, strict=True):
        plan = []
        for alternative, (words, substrings) in zip(alts, anchors, strict=True):
            kind, value = choose_anchor(words, substrings, frequency)
            plan.append((alternative, kind, value))
        plans.append(plan)
    return plans


@dataclass(frozen=True, slots=True)
class Candidate:
    """The facts of one reply that patterns are filtered and matched against."""

    text: str
    lowered: str
    words: frozenset[str]
    code: int | None
    enhanced: str | None
    stage: str | None


def make_candidate(
    text: str, code: int | None, enhanced: str | None, stage: str | None
) -> Candidate:
    """Prepare a reply's search text for matching."""
    lowered = text.lower()
    return Candidate(text, lowered, frozenset(WORD.findall(lowered)), code, enhanced, stage)


def _enhanced_matches(wanted: str, actual: str) -> bool:
    if wanted == actual:
        return True
    if wanted[:2] in ("x.", "X."):
        return wanted[2:] == actual[2:]
    return False


def _stage_matches(stages: Sequence[str], stage: str) -> bool:
    if stage in stages:
        return True
    return stage == "bdat" and "end-of-data" in stages


class PatternIndex:
    """Signatures (or heuristic rules) indexed by anchor; finds the best match for a reply."""

    def __init__(
        self,
        signatures: Iterable[Signature],
        plans: Sequence[Sequence[Sequence[str]]] | None = None,
    ) -> None:
        ordered = list(signatures)
        if plans is None:
            plans = plan_entries([s.pattern for s in ordered])
        self.signatures = ordered
        # Best first: higher priority, then more specific filters, then file order.
        self._rank = [
            (-s.priority, -(bool(s.codes) + bool(s.enhanced) + bool(s.stages)), i)
            for i, s in enumerate(ordered)
        ]
        self._sources: list[str] = []
        self._owner: list[int] = []
        self._by_word: dict[str, list[int]] = {}
        self._by_text: list[tuple[str, int]] = []
        self._always: list[int] = []
        for owner, plan in enumerate(plans):
            for alternative, kind, value in plan:
                entry = len(self._sources)
                self._sources.append(alternative)
                self._owner.append(owner)
                if kind == "word":
                    self._by_word.setdefault(value, []).append(entry)
                elif kind == "text":
                    self._by_text.append((value, entry))
                else:
                    self._always.append(entry)
        self._compiled: dict[int, re.Pattern[str] | None] = {}

    @property
    def unanchored(self) -> list[str]:
        """Alternatives tried on every reply (no literal anchor found): keep this short."""
        return [self._sources[e] for e in self._always]

    def _pattern(self, entry: int) -> re.Pattern[str] | None:
        try:
            return self._compiled[entry]
        except KeyError:
            try:
                compiled: re.Pattern[str] | None = re.compile(self._sources[entry], re.IGNORECASE)
            except (re.error, RecursionError, OverflowError, ValueError):
                compiled = None
            self._compiled[entry] = compiled
            return compiled

    def _entries(self, candidate: Candidate) -> dict[int, list[int]]:
        """Candidate entries grouped by owning signature."""
        found: set[int] = set(self._always)
        by_word = self._by_word
        for word in candidate.words:
            hits = by_word.get(word)
            if hits:
                found.update(hits)
        lowered = candidate.lowered
        for value, entry in self._by_text:
            if value in lowered:
                found.add(entry)
        grouped: dict[int, list[int]] = {}
        for entry in found:
            grouped.setdefault(self._owner[entry], []).append(entry)
        return grouped

    def applies(self, signature: Signature, candidate: Candidate) -> bool:
        """Whether the signature's code, enhanced-code and stage filters admit the reply."""
        if signature.codes and candidate.code not in signature.codes:
            return False
        if signature.enhanced and candidate.enhanced is not None:
            actual = candidate.enhanced
            if not any(_enhanced_matches(wanted, actual) for wanted in signature.enhanced):
                return False
        return not (
            signature.stages
            and candidate.stage is not None
            and not _stage_matches(signature.stages, candidate.stage)
        )

    def _iterate(self, candidate: Candidate) -> Iterator[Signature]:
        grouped = self._entries(candidate)
        rank = self._rank
        for owner in sorted(grouped, key=rank.__getitem__):
            signature = self.signatures[owner]
            if not self.applies(signature, candidate):
                continue
            for entry in grouped[owner]:
                compiled = self._pattern(entry)
                if compiled is not None and compiled.search(candidate.text):
                    yield signature
                    break

    def match(self, candidate: Candidate) -> Signature | None:
        """The best signature whose filters admit the reply and whose pattern is found."""
        return next(self._iterate(candidate), None)

    def match_all(self, candidate: Candidate) -> list[Signature]:
        """Every signature that matches, best first."""
        return list(self._iterate(candidate))
