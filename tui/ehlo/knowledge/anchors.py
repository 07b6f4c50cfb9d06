"""Pre-filter plans: literal conditions that every match of a pattern implies.

Parsing each top-level alternative of a pattern gives conditions every match implies (a whole
word, a word prefix, or a substring the lower-cased text must hold, or one of several). The
most selective one becomes the alternative's index key; all of them are checked before its
regex runs. Plans are plain data, so they are cached on disk with the parsed reference files.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Sequence
from functools import cache
from typing import Any


@cache
def _sre_modules() -> tuple[Any, Any]:
    """The regex parser's constants and parser (imported only when plans are built)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import re._constants as constants  # type: ignore[import-not-found,unused-ignore]
            import re._parser as parser  # type: ignore[import-not-found,unused-ignore]
        except ImportError:  # pragma: no cover - Python < 3.11 layout
            import sre_constants as constants  # type: ignore[no-redef,unused-ignore]
            import sre_parse as parser  # type: ignore[no-redef,unused-ignore]
    return constants, parser


PREFIX = 5
"""Prefix conditions are checked on their first PREFIX characters."""
PLANNER_VERSION = 10
"""Bump when the pre-filter plan changes, so cached plans are rebuilt."""

Disjunct = tuple[str, str]
"""("word", w): w is a whole word of the text; ("prefix", p): a word starts with p;
("text", s): s is a substring of the (lower-cased) text."""

Option = tuple[Disjunct, ...]
"""A condition every match implies: the text holds at least one of the disjuncts."""

_SEP = ("sep", "")
_OTHER = ("other", "")
_BOUNDING = ("sep", "lit")
_KIND_COST = {"word": 0, "prefix": 1, "text": 8}
COMMON_WORDS = frozenset([
    "a", "an", "and", "are", "as", "at", "be", "been", "by", "can", "could", "for", "from",
    "has", "have", "in", "is", "it", "not", "of", "on", "or", "our", "please", "the",
    "this", "to", "was", "we", "with", "you", "your", "mail", "mailbox", "message",
    "messages", "email", "e", "address", "sender", "recipient", "recipients", "user",
    "users", "rejected", "reject", "denied", "access", "smtp", "server", "domain", "host",
    "ip", "try", "again", "later", "error", "code", "service", "command", "temporarily",
    "information", "visit", "see", "more", "help", "https", "http", "www", "com", "net",
    "org", "support", "delivery", "deliver", "failed", "account", "policy", "unknown",
    "invalid", "blocked", "sent", "send", "sending", "no", "does", "exist", "found",
    "valid", "learn", "go", "mx",
])  # fmt: skip
"""Words found in most replies: poor pre-filter anchors."""
RUNS = re.compile(r"\w+|\W+")
_ASCII_RUN = re.compile(r"[A-Za-z0-9_]+")
SUBSTRING_COST = 30
"""A substring tested on every reply costs more than any word key: used only when needed."""


def is_word_char(char: str) -> bool:
    """Whether `char` is a regex word character (\\w)."""
    return char.isalnum() or char == "_"


def _non_word_set(items: Any) -> bool:
    """Whether a character class `[...]` only holds non-word characters."""
    sre = _sre_modules()[0]
    for op, value in items:
        if op is sre.LITERAL:
            if is_word_char(chr(value)):
                return False
        elif op is sre.CATEGORY:
            if value not in (sre.CATEGORY_SPACE, sre.CATEGORY_NOT_WORD):
                return False
        else:
            return False
    return True


def _leading_run(branch: Any) -> tuple[str, str]:
    """The literal word characters a branch of an alternation starts with, and what follows
    them: "sep" (a non-word character), "end" (the branch ends) or "other"."""
    sre = _sre_modules()[0]
    run: list[str] = []
    after = "end"
    for op, value in branch:
        if op is sre.LITERAL and is_word_char(chr(value)):
            run.append(chr(value))
            continue
        bounding = (op is sre.LITERAL) or (op is sre.IN and _non_word_set(value))
        after = "sep" if bounding else "other"
        break
    return "".join(run).lower(), after


def _tokens(parsed: Any) -> list[tuple[str, Any]]:
    """The pattern's top-level sequence: ("char", c), ("lit", c), ("sep", ""), ("alt", runs),
    ("other", "")."""
    sre = _sre_modules()[0]
    tokens: list[tuple[str, Any]] = []
    for op, value in parsed:
        if op is sre.LITERAL:
            char = chr(value)
            tokens.append(("char", char) if is_word_char(char) else ("lit", char))
        elif op is sre.SUBPATTERN:
            inner = value[-1]
            if len(inner) == 1 and inner[0][0] is sre.BRANCH:
                tokens.append(("alt", [_leading_run(b) for b in inner[0][1][1]]))
            else:
                tokens.extend(_tokens(inner))
        elif op is sre.BRANCH:
            tokens.append(("alt", [_leading_run(b) for b in value[1]]))
        elif op is sre.IN:
            tokens.append(_SEP if _non_word_set(value) else _OTHER)
        elif op is sre.AT:
            boundary = value in (sre.AT_BOUNDARY, sre.AT_BEGINNING, sre.AT_END,
                                 sre.AT_BEGINNING_STRING, sre.AT_END_STRING)  # fmt: skip
            tokens.append(_SEP if boundary else _OTHER)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            low, _high, inner = value
            inner_tokens = _tokens(inner) if len(inner) == 1 else [_OTHER]
            separating = low >= 1 and inner_tokens and inner_tokens[0][0] in _BOUNDING
            tokens.append(_SEP if separating else _OTHER)
        else:
            tokens.append(_OTHER)
    return tokens


def anchors_of(pattern: str) -> list[Option]:
    """Conditions on the lower-cased text that every match of `pattern` implies."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = _sre_modules()[1].parse(pattern, re.IGNORECASE)
    except (re.error, RecursionError, OverflowError, ValueError):
        return []
    tokens = _tokens(parsed)
    options: list[Option] = []
    run: list[str] = []
    literal: list[str] = []
    start = 0
    padded = [*tokens, _OTHER]
    for index, (kind, value) in enumerate(padded):
        head, head_left = "", index > 0 and tokens[index - 1][0] in _BOUNDING
        if kind == "char":
            if not run:
                start = index
            run.append(value)
        elif run:
            left = start > 0 and tokens[start - 1][0] in _BOUNDING
            right = kind in _BOUNDING
            word = "".join(run).lower()
            if left and right:
                options.append((("word", word),))
            elif left and len(word) >= 3:
                options.append((("prefix", word),))
            head, head_left = word, left
            run = []
        if kind in ("char", "lit"):
            literal.append(value)
        else:
            text = "".join(literal).lower()
            if len(text.strip()) >= 3:
                options.append((("text", text),))
            literal = []
        if kind == "alt" and value:
            option = _alternation_option(head, head_left, value, padded[index + 1][0] in _BOUNDING)
            if option:
                options.append(option)
    return options


def _alternation_option(
    head: str, left: bool, branches: list[tuple[str, str]], bounded_after: bool
) -> Option:
    """One disjunct per branch of `(?:a|b)` (after the literal `head`), or () if one has none."""
    disjuncts: set[Disjunct] = set()
    for run, after in branches:
        word = head + run
        exact = after == "sep" or (after == "end" and bounded_after)
        if left and exact and word:
            disjuncts.add(("word", word))
        elif len(word) >= 3:
            disjuncts.add(("prefix" if left else "text", word))
        else:
            return ()
    return tuple(sorted(disjuncts))


def _common(kind: str, value: str) -> bool:
    """Whether the disjunct is met by most replies (a common word, or a prefix of one)."""
    if kind == "prefix":
        key = value[:PREFIX]
        return any(word.startswith(key) for word in COMMON_WORDS)
    return value.strip() in COMMON_WORDS


def choose_option(options: Sequence[Option], frequency: Counter[str]) -> Option:
    """The most selective condition: few, rare, exact disjuncts; () when there is none."""
    if not options:
        return ()

    def cost(option: Option) -> tuple[int, int]:
        total = sum(
            _KIND_COST[kind] + min(frequency[value], 6) + 6 * _common(kind, value)
            for kind, value in option
        )
        return total, -sum(len(value) for _, value in option)

    return min(options, key=cost)


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


def word_start(alternative: str) -> str:
    """Make an alternative start at a word boundary when it starts with a word or a group."""
    if alternative[:1].isalnum() or alternative[:1] == "(":
        return rf"\b{alternative}"
    return alternative


def plan_entries(patterns: Sequence[str]) -> list[list[list[Any]]]:
    """For each pattern, the plan of each of its alternatives (see plan_alternatives())."""
    return plan_alternatives([split_alternatives(p) for p in patterns])


def plan_alternatives(split: Sequence[Sequence[str]]) -> list[list[list[Any]]]:
    """Plans for patterns already split into alternatives; each alternative's plan is
    [alternative, keys, words, substrings, several]: the [table, key] pairs it is indexed
    under, the words and substrings every match holds, and options of several
    (is_word, value) disjuncts one of which it holds.
    Plain data that marshal keeps (lists, tuples, frozen sets, strings), so plans are cached
    on disk with the reference data, ready to use."""
    parsed = [[anchors_of(alt) for alt in alts] for alts in split]
    frequency: Counter[str] = Counter(
        value
        for alts in parsed
        for options in alts
        for value in {v for option in options for _, v in option}
    )
    shared: Counter[tuple[str, str]] = Counter(
        lookup
        for alts in parsed
        for options in alts
        for lookup in {lookup_of(kind, value) for option in options for kind, value in option}
    )
    return [
        [
            _plan(alternative, options, choose_option(options, frequency), shared)
            for alternative, options in zip(alts, anchors, strict=True)
        ]
        for alts, anchors in zip(split, parsed, strict=True)
    ]


def _plan(
    alternative: str, options: list[Option], chosen: Option, shared: Counter[tuple[str, str]]
) -> list[Any]:
    keys = index_keys(chosen, options, shared)
    words: set[str] = set()
    substrings: list[str] = []
    several: list[tuple[tuple[bool, str], ...]] = []
    for option in options:
        tests = tuple(
            (kind == "word", value[:PREFIX] if kind == "prefix" else value)
            for kind, value in option
        )
        if len(tests) != 1:
            several.append(tests)
        elif tests[0][0]:
            words.add(tests[0][1])
        else:
            substrings.append(tests[0][1])
    return [
        alternative,
        [list(key) for key in keys],
        frozenset(words),
        tuple(dict.fromkeys(substrings)),
        tuple(several),
    ]


START_LENGTH = 3
"""The shortest word start that is a key (an index groups its start keys by their first
START_LENGTH characters, see `matcher.PatternIndex`)."""


def start_key(prefix: str) -> str:
    """The key under which a word-start condition is looked up: the whole start."""
    return prefix


def substring_key(text: str) -> tuple[str, str] | None:
    """A word ("word", w) or word start ("start", s) that any text holding `text` holds.

    A run of word characters with a non-word character on each side inside `text` is a whole
    word of every text that holds `text`; a run preceded by one starts a word. Rare and long
    words are preferred; None when `text` implies no such key.
    """
    runs = RUNS.findall(text)
    found: list[tuple[int, int, str, str]] = []
    for position, run in enumerate(runs):
        if not is_word_char(run[0]) or position == 0:
            continue
        common = run in COMMON_WORDS
        if position < len(runs) - 1:
            found.append((2 * common, -len(run), "word", run))
        elif len(run) >= START_LENGTH:
            found.append((1 + 2 * common, -len(run), "start", start_key(run)))
    if not found:
        return None
    _, _, kind, key = min(found)
    return kind, key


def lookup_of(kind: str, value: str) -> tuple[str, str]:
    """Where a condition is looked up: ("words" | "starts" | "substrings", key)."""
    if kind == "word":
        return "words", value
    if kind == "prefix":
        return "starts", start_key(value)
    derived = substring_key(value)
    whole = ("substrings", value)
    if derived is None:
        return whole
    lookup = ("words" if derived[0] == "word" else "starts"), derived[1]
    if substring_run(value) and _common_key(lookup) and not _common_key(whole):
        return whole
    return lookup


def substring_run(text: str) -> str:
    """The longest run of ASCII word characters in `text`, '' when none is START_LENGTH long.

    Every reply that holds `text` holds this run inside one of its words, so an index looks
    for the run in each word it sees (see `matcher.PatternIndex`).
    """
    run = max(_ASCII_RUN.findall(text) if text.isascii() else [], key=len, default="")
    return run if len(run) >= START_LENGTH else ""


def _common_key(lookup: tuple[str, str]) -> bool:
    """Whether a key is met by most replies: a common word, a start of one, or a substring
    whose word run lies inside one."""
    kind, key = lookup
    if kind == "words":
        return key in COMMON_WORDS
    if kind == "starts":
        return any(word.startswith(key) for word in COMMON_WORDS)
    run = substring_run(key)
    return not run or any(run in word for word in COMMON_WORDS)


def _cost(lookups: Sequence[tuple[str, str]], shared: Counter[tuple[str, str]]) -> int:
    """How much a key set costs per reply. A substring without a word run is tested on every
    reply; a word, word start or word run lets every reply that holds it on to the next
    test, and common keys, and keys many patterns share, are likely in a reply."""
    return sum(
        SUBSTRING_COST
        if lookup[0] == "substrings" and not substring_run(lookup[1])
        else (lookup[0] != "words") + 6 * _common_key(lookup) + min(shared[lookup], 6)
        for lookup in lookups
    )


def index_keys(
    chosen: Option, options: Sequence[Option], shared: Counter[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The keys an alternative is indexed under: the cheapest of its conditions, the
    selective choice of choose_option() when none is cheaper; [] when it has none."""
    best = [lookup_of(kind, value) for kind, value in chosen]
    if not best:
        return best
    lowest = _cost(best, shared)
    for option in options:
        lookups = [lookup_of(kind, value) for kind, value in option]
        cost = _cost(lookups, shared)
        if lookups and cost < lowest:
            best, lowest = lookups, cost
    return best
