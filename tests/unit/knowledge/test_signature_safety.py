"""reference/signatures.toml: well-formed entries and patterns that cannot backtrack badly."""

from __future__ import annotations

import re
import time
import tomllib
import warnings
from functools import cache
from typing import Any

import pytest

from ehlo.paths import reference_dir

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import re._constants as sre_constants  # type: ignore[import-not-found]
    import re._parser as sre_parser  # type: ignore[import-not-found]

from ehlo.knowledge.model import PLACEHOLDERS as PLACEHOLDER_NAMES
from ehlo.knowledge.model import REASON_IDS
from ehlo.smtp.stages import STAGES as STAGE_NAMES

REASONS = frozenset(REASON_IDS)
STAGES = frozenset(STAGE_NAMES)
PLACEHOLDERS = frozenset(PLACEHOLDER_NAMES)
KEYS = frozenset(
    {
        "id",
        "provider",
        "pattern",
        "reason",
        "retry_advice",
        "codes",
        "enhanced",
        "stages",
        "retry",
        "meaning",
        "fixes",
        "url",
        "source",
        "priority",
    }
)
ID_SYNTAX = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)+$")
ENHANCED_SYNTAX = re.compile(r"^[245xX]\.\d{1,3}\.\d{1,3}$")
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
MAX_BOUND = 1000
"""Largest allowed upper bound of a counted repeat such as `.{0,60}`."""

ADVERSARIAL_SIZE = 50_000
TIME_LIMIT = 0.5
"""Seconds one search over 50 KB of adversarial text may take (linear patterns need ~1 ms;
catastrophic backtracking on 50 KB takes minutes)."""


@cache
def signatures() -> tuple[dict[str, Any], ...]:
    """The signature entries as plain TOML tables."""
    with (reference_dir() / "signatures.toml").open("rb") as handle:
        data = tomllib.load(handle)
    assert data.get("schema") == 1
    return tuple(data["signature"])


def ids() -> list[str]:
    return [entry["id"] for entry in signatures()]


def by_id(signature_id: str) -> dict[str, Any]:
    return next(entry for entry in signatures() if entry["id"] == signature_id)


def parse(pattern: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sre_parser.parse(pattern, re.IGNORECASE)


def unbounded_is_safe(item: Any) -> bool:
    """An unbounded repeat may only repeat one literal, whitespace or digit character."""
    if len(item) != 1:
        return False
    op, value = item[0]
    if op is sre_constants.LITERAL:
        return True
    if op is sre_constants.IN:
        return all(
            kind is sre_constants.CATEGORY
            and arg in (sre_constants.CATEGORY_SPACE, sre_constants.CATEGORY_DIGIT)
            for kind, arg in value
        )
    return False


def nested_pattern(op: Any, value: Any) -> Any:
    """The subpattern inside a group or a lookaround, if the node is one."""
    if op is sre_constants.SUBPATTERN:
        return value[-1]
    if op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
        return value[1]
    return None


def contains_repeat_or_branch(parsed: Any) -> bool:
    """Whether a subpattern holds a quantifier that repeats or an alternation."""
    for op, value in parsed:
        if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
            _low, high, inner = value
            if high > 1 or contains_repeat_or_branch(inner):
                return True
        elif op is sre_constants.BRANCH:
            return True
        else:
            nested = nested_pattern(op, value)
            if nested is not None and contains_repeat_or_branch(nested):
                return True
    return False


def backtracking_problems(parsed: Any) -> list[str]:
    """Constructs that can make a backtracking matcher super-linear."""
    problems: list[str] = []
    for op, value in parsed:
        if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
            _low, high, inner = value
            unbounded = high == sre_constants.MAXREPEAT
            if unbounded and not unbounded_is_safe(inner):
                problems.append("unbounded repeat of more than one simple character")
            if not unbounded and high > MAX_BOUND:
                problems.append(f"counted repeat bound {high} over {MAX_BOUND}")
            if high > 1 and contains_repeat_or_branch(inner):
                problems.append("nested quantifier or alternation under a repeat")
            problems.extend(backtracking_problems(inner))
        elif op is sre_constants.BRANCH:
            for branch in value[1]:
                problems.extend(backtracking_problems(branch))
        elif op is sre_constants.SUBPATTERN:
            problems.extend(backtracking_problems(value[-1]))
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            problems.extend(backtracking_problems(value[1]))
        elif op is sre_constants.GROUPREF:
            problems.append("backreference")
    return problems


def adversarial_texts(pattern: str) -> list[str]:
    """50 KB inputs that keep a careless pattern busy: repeats of its own words and of filler."""
    words = re.sub(r"\\.|[\[\](){}?*+|^$.]", " ", pattern)
    seed = " ".join(words.split())[:40] or "a"
    fillers = ["a", " ", "a ", "5.7.1 ", "<x@y> ", "[192.0.2.1] ", "-", "\t\n", seed + " ", seed]
    return [
        (filler * (ADVERSARIAL_SIZE // len(filler) + 1))[:ADVERSARIAL_SIZE] for filler in fillers
    ]


def test_there_are_enough_signatures() -> None:
    assert len(signatures()) >= 300


def test_ids_are_unique_and_kebab_case() -> None:
    duplicates = sorted({i for i in ids() if ids().count(i) > 1})
    assert not duplicates, duplicates
    bad = [i for i in ids() if not ID_SYNTAX.match(i)]
    assert not bad, bad


@pytest.mark.parametrize("signature_id", ids())
def test_entry_is_well_formed(signature_id: str) -> None:
    entry = by_id(signature_id)
    assert set(entry) <= KEYS, set(entry) - KEYS
    assert entry["reason"] in REASONS
    assert entry["provider"].strip()
    assert len(entry["meaning"].strip()) >= 20
    assert re.search(r"https?://\S+", entry["source"]), "source must say where the wording was seen"
    if "url" in entry:
        assert re.match(r"^https?://\S+$", entry["url"])
    for code in entry.get("codes", []):
        assert isinstance(code, int) and 200 <= code <= 599
    for enhanced in entry.get("enhanced", []):
        assert ENHANCED_SYNTAX.match(enhanced), enhanced
    assert set(entry.get("stages", [])) <= STAGES
    assert isinstance(entry.get("retry", False), bool)
    assert isinstance(entry.get("priority", 0), int)


@pytest.mark.parametrize("signature_id", ids())
def test_fix_commands_use_only_known_placeholders(signature_id: str) -> None:
    for fix in by_id(signature_id).get("fixes", []):
        assert set(fix) <= {"text", "command"}
        assert fix["text"].strip()
        command = fix.get("command")
        if command is None:
            continue
        for name in PLACEHOLDER.findall(command):
            assert name in PLACEHOLDERS, f"unknown placeholder {{{name}}} in {command!r}"
        for match in PLACEHOLDER.finditer(command):
            before = command[: match.start()]
            after = command[match.end() :]
            assert before == "" or before.endswith(" "), (
                f"placeholder not a whole word: {command!r}"
            )
            assert after == "" or after.startswith(" "), (
                f"placeholder not a whole word: {command!r}"
            )
        assert "'" not in command and '"' not in command, "placeholders must not sit inside quotes"


@pytest.mark.parametrize("signature_id", ids())
def test_pattern_compiles_and_is_linear(signature_id: str) -> None:
    pattern = by_id(signature_id)["pattern"]
    compiled = re.compile(pattern, re.IGNORECASE)
    assert compiled.search("") is None, "a pattern that matches the empty text matches everything"
    problems = backtracking_problems(parse(pattern))
    assert not problems, problems


@pytest.mark.parametrize("signature_id", ids())
def test_pattern_is_fast_on_adversarial_text(signature_id: str) -> None:
    pattern = by_id(signature_id)["pattern"]
    compiled = re.compile(pattern, re.IGNORECASE)
    for text in adversarial_texts(pattern):
        elapsed = min(search_time(compiled, text) for _ in range(3))
        assert elapsed < TIME_LIMIT, f"{elapsed:.3f}s on {text[:30]!r}..."


def search_time(compiled: re.Pattern[str], text: str) -> float:
    """Seconds one search takes (the best of several runs hides load from other processes)."""
    started = time.perf_counter()
    compiled.search(text)
    return time.perf_counter() - started


def test_no_two_signatures_are_identical() -> None:
    seen: dict[tuple[object, ...], str] = {}
    for entry in signatures():
        key = (
            entry["pattern"].lower(),
            tuple(entry.get("codes", [])),
            tuple(entry.get("enhanced", [])),
            tuple(entry.get("stages", [])),
        )
        assert key not in seen, f"{entry['id']} repeats {seen[key]}"
        seen[key] = entry["id"]


def test_checker_rejects_catastrophic_patterns() -> None:
    for pattern in (r"(a+)+$", r"(?:a|aa)*b", r"(\w+\s?)*x", r".*foo.*bar", r"(x{1,9}){1,9}"):
        assert backtracking_problems(parse(pattern)), pattern
    for pattern in (r"user unknown", r"blocked using \S{1,64}", r"a\s+b", r"(?:x|y)?z"):
        assert not backtracking_problems(parse(pattern)), pattern
