"""Matching reply texts against many wording patterns quickly.

What a pattern sees: the reply's lines without their codes (a leading enhanced code such as
`5.7.26` is removed from every line, and `550-5.7.26 ` markers left inside one-line quotes of a
reply), joined by single spaces, searched case-insensitively. A signature's `codes` must contain
the reply's basic code; `enhanced` (exact, or `x.Y.Z` for any class) applies when the reply has
an enhanced code; `stages` applies when the stage is known (`bdat` counts as `end-of-data`).
The best match is the highest `priority`, then the one with more of those filters, then the
first in the file.

Patterns are split at their top-level `|`; each alternative is compiled once, on first use, and
has one bit in an integer, the best signature's at the top. Every alternative is indexed by
the literal condition its plan chose (see `anchors`): a whole word, a word start, or a
substring. Each word of a reply selects the bits of the keys it is, starts with, or holds the
longest word-character run of (worked out once per word and remembered, since replies share
most of their words); a substring without such a run is looked for in the text when it holds
the substring's rarest character. Alternatives whose signature's code, enhanced-code or stage
filters refuse the reply are masked out. Walking the set bits from the highest visits the few
possible alternatives in rank order; one whose other required words the reply lacks is passed
over at once, and the first whose regex is found decides.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from ehlo.knowledge.anchors import START_LENGTH, is_word_char, plan_entries, substring_run
from ehlo.knowledge.model import Signature

WORD = re.compile(r"\w+")
_ASCII_NON_WORD = bytes(
    code if chr(code).isalnum() or chr(code) == "_" else 32 for code in range(256)
)
"""A bytes.translate() table: ASCII word characters kept, everything else a space."""
VOCABULARY_LIMIT = 16384
"""Words whose bits an index remembers before it starts again (replies share most words; a
few thousand cover a corpus of real replies)."""
ADMITTED_LIMIT = 4096
"""(code, enhanced code, stage) combinations whose admitted bits an index remembers."""
_UNSEEN: Any = object()
"""A marker for an alternative not compiled yet (None is one that does not compile)."""
INLINE_FLAGS = re.compile(r"\(\?[aiLmsux-]+[:)]")
_Compiled = tuple[re.Pattern[str], bool, bool]
"""A compiled alternative: the regex, whether it runs on the lower-cased text, and whether a
leading `\\b` was taken off (checked by hand, so the regex keeps its fast literal prefix)."""

_Requires = tuple[frozenset[str], tuple[str, ...], tuple[tuple[tuple[bool, str], ...], ...]]
"""An alternative's literal conditions: words the text must hold, substrings it must hold, and
options of several disjuncts ((True, word) or (False, substring)), one of which must hold."""


def _lower_pattern(pattern: str) -> str:
    """The pattern for a lower-cased text: literal letters lowered, escapes left alone."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            out.append(pattern[index : index + 2])
            index += 2
            continue
        out.append(char.lower())
        index += 1
    return "".join(out)


def compile_for_search(pattern: str) -> _Compiled | None:
    """Compile an alternative for fast case-insensitive search (None if it does not compile).

    Case-insensitive regexes lose the engine's literal-prefix scan, and so does a leading
    `\\b`; searching the lower-cased text with a lower-cased pattern, and checking the word
    boundary by hand, keeps it (often ten times faster).
    """
    boundary = pattern.startswith("\\b") and not pattern.startswith("\\b|")
    body = pattern[2:] if boundary else pattern
    lowered = _lower_pattern(body)
    if "\\N" not in body and not INLINE_FLAGS.search(body):
        try:
            return re.compile(lowered), True, boundary
        except (re.error, RecursionError, OverflowError, ValueError):
            pass
    try:
        return re.compile(pattern, re.IGNORECASE), False, False
    except (re.error, RecursionError, OverflowError, ValueError):
        return None


def _compile_plain(pattern: str) -> re.Pattern[str] | None:
    """The pattern as written, case-insensitive (None if it does not compile)."""
    try:
        return re.compile(pattern, re.IGNORECASE)
    except (re.error, RecursionError, OverflowError, ValueError):
        return None


class Candidate(NamedTuple):
    """The facts of one reply that patterns are filtered and matched against.

    A named tuple rather than a dataclass: one is made per reply, and a tuple is made in a
    fraction of the time.
    """

    text: str
    lowered: str
    words: frozenset[str]
    code: int | None
    enhanced: str | None
    stage: str | None


def make_candidate(
    text: str, code: int | None, enhanced: str | None, stage: str | None
) -> Candidate:
    """Prepare a reply's search text for matching: its lower-cased form and its words."""
    lowered = text.lower()
    if lowered.isascii():
        # The words \w+ finds, found faster: every ASCII non-word character becomes a space.
        words = frozenset(lowered.encode().translate(_ASCII_NON_WORD).decode().split())
    else:
        words = frozenset(WORD.findall(lowered))
    return Candidate(text, lowered, words, code, enhanced, stage)


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


CHAR_ORDER = " e.taoin:srhl0123456789dcumfpgwybvk-<>@/xjqz()[]#=_"
"""Characters from common to rare in replies (English letter frequency, digits and
punctuation placed by how often replies hold them); other characters count as rarest."""


def _rarest_char(text: str) -> str:
    """The character of `text` that replies hold least often (a cheap test before `in`)."""
    return max(text, key=lambda char: CHAR_ORDER.find(char) % (len(CHAR_ORDER) + 1))


class _Filters:
    """The code, enhanced-code and stage filters of every signature, as bit masks.

    Gives the same verdicts as `PatternIndex.applies()` for all alternatives at once.
    """

    def __init__(
        self, signatures: Sequence[Signature], owner_bits: Sequence[int], every: int
    ) -> None:
        self.every = every
        self.with_codes = self.with_enhanced = self.with_stages = 0
        self.by_code: dict[int | None, int] = {}
        self.by_exact: dict[str, int] = {}
        self.by_detail: dict[str, int] = {}
        self.by_stage: dict[str, int] = {}
        for signature, bits in zip(signatures, owner_bits, strict=True):
            if signature.codes:
                self.with_codes |= bits
            for code in signature.codes:
                self.by_code[code] = self.by_code.get(code, 0) | bits
            if signature.enhanced:
                self.with_enhanced |= bits
            for wanted in signature.enhanced:
                table, key = (
                    (self.by_detail, wanted[2:])
                    if wanted[:2] in ("x.", "X.")
                    else (self.by_exact, wanted)
                )
                table[key] = table.get(key, 0) | bits
            if signature.stages:
                self.with_stages |= bits
            for stage in signature.stages:
                self.by_stage[stage] = self.by_stage.get(stage, 0) | bits
        self.code_refused = {code: self.with_codes & ~bits for code, bits in self.by_code.items()}
        eod = self.by_stage.get("end-of-data", 0)
        self.stage_refused = {
            stage: self.with_stages
            & ~(self.by_stage.get(stage, 0) | (eod if stage == "bdat" else 0))
            for stage in {*self.by_stage, "bdat"}
        }

    def admitted(self, code: int | None, enhanced: str | None, stage: str | None) -> int:
        """The bits of alternatives whose signature's filters admit a reply with this code,
        enhanced code and stage."""
        refused = self.code_refused.get(code, self.with_codes)
        if stage is not None:
            refused |= self.stage_refused.get(stage, self.with_stages)
        if enhanced is not None and self.with_enhanced:
            admitted = self.by_exact.get(enhanced, 0) | self.by_detail.get(enhanced[2:], 0)
            refused |= self.with_enhanced & ~admitted
        return self.every & ~refused


def _found_at_boundary(pattern: re.Pattern[str], text: str) -> bool:
    """Whether `pattern` is found where a word boundary (`\\b`) stands before it."""
    position = 0
    while position <= len(text) and (match := pattern.search(text, position)) is not None:
        start = match.start()
        before = start > 0 and is_word_char(text[start - 1])
        after = start < len(text) and is_word_char(text[start])
        if before != after:
            return True
        position = start + 1
    return False


class PatternIndex:
    """Signatures (or generic wording rules) indexed by anchor; finds the best match for a reply."""

    def __init__(self, signatures: Iterable[Signature], plans: Sequence[Any] | None = None):
        ordered = list(signatures)
        if plans is None:
            plans = plan_entries([s.pattern for s in ordered])
        self.signatures = ordered
        # Best first: higher priority, then more specific filters, then file order.
        ranked = sorted(
            range(len(ordered)),
            key=lambda i: (
                -ordered[i].priority,
                -(bool(ordered[i].codes) + bool(ordered[i].enhanced) + bool(ordered[i].stages)),
                i,
            ),
        )
        self._sources: list[str] = []
        self._owner: list[int] = []
        self._requires: list[_Requires] = []
        self._owner_bits = [0] * len(ordered)
        self._always = 0
        total = sum(len(plans[owner]) for owner in range(len(ordered)))
        self._top = total - 1
        self._single = [1 << position for position in range(total)]
        """The integer of each bit position, made once (the walk clears one bit a step)."""
        tables: dict[str, dict[str, int]] = {"words": {}, "starts": {}, "substrings": {}}
        self._words, self._starts, self._substrings = tables.values()
        for owner in ranked:
            for alternative, keys, words, substrings, several in plans[owner]:
                bit = self._single[self._top - len(self._sources)]
                self._sources.append(alternative)
                self._owner.append(owner)
                self._owner_bits[owner] |= bit
                self._requires.append((words, substrings, several))
                if not keys:
                    self._always |= bit
                for table_name, key in keys:
                    table = tables[table_name]
                    table[key] = table.get(key, 0) | bit
        groups: dict[str, list[tuple[str, int]]] = {}
        for start, bits in self._starts.items():
            groups.setdefault(start[:START_LENGTH], []).append((start, bits))
        self._start_groups = {group: tuple(items) for group, items in groups.items()}
        self._vocabulary: dict[str, int] = {}
        """The bits each word seen so far selects (see `_word_bits`)."""
        # A text holding a substring holds its longest run of word characters inside one of
        # its words, so substrings are looked for by that run in each word, once, when the
        # word is first seen (a run that is not the whole substring only makes its bits
        # possible, and the alternatives' own conditions decide). Substrings without such a
        # run are looked for in the text when it holds their rarest character.
        inside: dict[str, list[tuple[str, int]]] = {}
        gates: dict[str, list[tuple[str, int]]] = {}
        for key, bits in self._substrings.items():
            run = substring_run(key)
            if run:
                inside.setdefault(_rarest_char(run), []).append((run, bits))
            else:
                gates.setdefault(_rarest_char(key), []).append((key, bits))
        self._inside = {char: tuple(items) for char, items in inside.items()}
        self._inside_chars = frozenset(self._inside)
        self._gates = tuple((char, tuple(items)) for char, items in gates.items())
        self._filters = _Filters(ordered, self._owner_bits, (1 << total) - 1)
        self._admitted: dict[tuple[int | None, str | None, str | None], int] = {}
        """The bits admitted by the filters, per (code, enhanced code, stage) met so far."""
        self._compiled: dict[int, _Compiled | None] = {}
        self._plain: list[re.Pattern[str] | None] = []

    @property
    def unanchored(self) -> list[str]:
        """Alternatives tried on every reply (no literal anchor found): keep this short."""
        return [
            self._sources[entry]
            for entry in range(len(self._sources))
            if self._always & self._single[self._top - entry]
        ]

    def compile_all(self) -> None:
        """Compile every alternative now rather than on first use."""
        for entry in range(len(self._sources)):
            self._pattern(entry)

    def _pattern(self, entry: int) -> _Compiled | None:
        try:
            return self._compiled[entry]
        except KeyError:
            compiled = compile_for_search(self._sources[entry])
            self._compiled[entry] = compiled
            return compiled

    def _found(self, entry: int, candidate: Candidate) -> bool:
        compiled = self._pattern(entry)
        if compiled is None:
            return False
        pattern, lowered, boundary = compiled
        text = candidate.lowered if lowered else candidate.text
        if not boundary:
            return pattern.search(text) is not None
        return _found_at_boundary(pattern, text)

    def _word_bits(self, word: str) -> int:
        """The bits of the alternatives keyed by `word`, by its start, or by a substring
        whose longest run of word characters is inside it; remembered."""
        bits = self._words.get(word, 0)
        if len(word) >= START_LENGTH:
            for start, start_bits in self._start_groups.get(word[:START_LENGTH], ()):
                if word.startswith(start):
                    bits |= start_bits
        inside = self._inside
        for char in self._inside_chars.intersection(word):
            for key, key_bits in inside[char]:
                if key in word:
                    bits |= key_bits
        vocabulary = self._vocabulary
        if len(vocabulary) >= VOCABULARY_LIMIT:
            vocabulary.clear()
        vocabulary[word] = bits
        return bits

    def _mask(self, candidate: Candidate) -> int:
        """The bits of every alternative whose index key the reply holds."""
        mask = self._always
        vocabulary = self._vocabulary
        for word in candidate.words:
            bits = vocabulary.get(word)
            if bits is None:
                bits = self._word_bits(word)
            if bits:
                mask |= bits
        lowered = candidate.lowered
        for char, substrings in self._gates:
            if char in lowered:
                for key, bits in substrings:
                    if key in lowered:
                        mask |= bits
        return mask

    def _admitted_bits(self, candidate: Candidate) -> int:
        """The bits of the alternatives whose signature's filters admit the reply."""
        key = candidate[3:]  # (code, enhanced, stage)
        admitted = self._admitted.get(key)
        if admitted is None:
            admitted = self._filters.admitted(*key)
            if len(self._admitted) >= ADMITTED_LIMIT:
                self._admitted.clear()
            self._admitted[key] = admitted
        return admitted

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

    def iterate(self, candidate: Candidate) -> Iterator[Signature]:
        """Matching signatures, best first, found lazily."""
        mask = self._mask(candidate) & self._admitted_bits(candidate)
        owners = self._owner
        top = self._top
        while mask:
            position = mask.bit_length() - 1
            mask ^= self._single[position]
            entry = top - position
            if self._plausible(entry, candidate) and self._found(entry, candidate):
                owner = owners[entry]
                mask &= ~self._owner_bits[owner]
                yield self.signatures[owner]

    def _plausible(self, entry: int, candidate: Candidate) -> bool:
        """Whether every literal condition of the alternative holds (cheaper than its regex)."""
        words, substrings, several = self._requires[entry]
        if words and not words <= candidate.words:
            return False
        lowered = candidate.lowered
        for substring in substrings:
            if substring not in lowered:
                return False
        for option in several:
            for is_word, value in option:
                if value in candidate.words if is_word else value in lowered:
                    break
            else:
                return False
        return True

    def match(self, candidate: Candidate) -> Signature | None:
        """The best signature whose filters admit the reply and whose pattern is found.

        What `next(self.iterate(candidate), None)` gives, without a generator.
        """
        admitted = self._admitted.get(candidate[3:])  # (code, enhanced, stage)
        if admitted is None:
            admitted = self._admitted_bits(candidate)
        mask = self._mask(candidate) & admitted
        requires = self._requires
        words = candidate.words
        single = self._single
        top = self._top
        compiled = self._compiled
        # What _plausible() and _found() do, partly inlined: this loop runs for every reply.
        while mask:
            position = mask.bit_length() - 1
            mask ^= single[position]
            entry = top - position
            needed, substrings, several = requires[entry]
            if needed and not needed <= words:
                continue
            if (substrings or several) and not self._plausible(entry, candidate):
                continue
            found = compiled.get(entry, _UNSEEN)
            if found is _UNSEEN:
                found = self._pattern(entry)
            if found is None:
                continue
            pattern, lowered, boundary = found
            text = candidate.lowered if lowered else candidate.text
            if _found_at_boundary(pattern, text) if boundary else pattern.search(text) is not None:
                return self.signatures[self._owner[entry]]
        return None

    def match_exhaustive(self, candidate: Candidate) -> Signature | None:
        """What match() finds, found slowly: every alternative tried, best signature first.

        No pre-filter, no bit masks and no lower-cased search: the reference that tests hold
        match() to.
        """
        if len(self._plain) < len(self._sources):
            self._plain = [_compile_plain(source) for source in self._sources]
        for entry, pattern in enumerate(self._plain):
            signature = self.signatures[self._owner[entry]]
            if (
                pattern is not None
                and self.applies(signature, candidate)
                and pattern.search(candidate.text)
            ):
                return signature
        return None

    def match_all(self, candidate: Candidate) -> list[Signature]:
        """Every signature that matches, best first."""
        return list(self.iterate(candidate))
