"""How well annotate() agrees with a corpus of real replies taken from public sources.

Run with `-s` to see the per-field report and every disagreement:
`python -m pytest -s -p no:cacheprovider tests/unit/knowledge/test_corpus_agreement.py`.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from ehlo.knowledge import annotate

CORPUS = Path(__file__).resolve().parents[2] / "data" / "reply-corpus.toml"
CLASSES = frozenset({"success", "intermediate", "transient", "permanent", "unknown"})
TARGETS = {"class": 1.0, "retry": 0.97, "reason": 0.95}
"""Share of corpus replies on which annotate() must agree, per field."""


@dataclass(frozen=True)
class Disagreement:
    """One corpus reply on which annotate() says something else than expected."""

    field: str
    expected: object
    got: object
    stage: str
    reply: str
    signature: str | None


@cache
def corpus() -> tuple[dict[str, Any], ...]:
    with CORPUS.open("rb") as handle:
        data = tomllib.load(handle)
    assert data.get("schema") == 1
    return tuple(data["reply"])


@cache
def disagreements() -> tuple[Disagreement, ...]:
    found: list[Disagreement] = []
    for entry in corpus():
        annotation = annotate(entry["reply"], stage=entry["stage"]).to_dict()
        for field in TARGETS:
            if annotation[field] != entry[field]:
                found.append(
                    Disagreement(
                        field,
                        entry[field],
                        annotation[field],
                        entry["stage"],
                        entry["reply"],
                        annotation.get("signature"),
                    )
                )
    return tuple(found)


def agreement(field: str) -> float:
    wrong = sum(1 for d in disagreements() if d.field == field)
    return 1 - wrong / len(corpus())


def report() -> str:
    total = len(corpus())
    lines = [f"reply corpus: {total} replies from public sources"]
    for field, target in TARGETS.items():
        wrong = [d for d in disagreements() if d.field == field]
        lines.append(
            f"  {field:<7} {agreement(field):7.2%}  (target {target:.0%}, {len(wrong)} disagree)"
        )
    for field in TARGETS:
        for d in (d for d in disagreements() if d.field == field):
            text = " | ".join(d.reply.splitlines())
            lines.append(
                f"  [{field}] expected {d.expected!r}, got {d.got!r} "
                f"(stage {d.stage}, signature {d.signature}): {text[:140]}"
            )
    return "\n".join(lines)


def test_corpus_is_large_diverse_and_sourced() -> None:
    entries = corpus()
    assert len(entries) >= 400
    replies = [(e["reply"], e["stage"]) for e in entries]
    assert len(set(replies)) == len(replies), "duplicate corpus entries"
    reasons = Counter(e["reason"] for e in entries)
    assert len(reasons) >= 25, reasons
    classes = Counter(e["class"] for e in entries)
    assert {"success", "intermediate", "transient", "permanent"} <= set(classes)
    assert sum(1 for e in entries if "\n" in e["reply"]) >= 15, "too few multi-line replies"
    for entry in entries:
        assert entry["reply"].strip()
        assert entry["class"] in CLASSES
        assert isinstance(entry["retry"], bool)
        assert entry["source"].startswith(("http://", "https://")), entry["source"]


def test_agreement_report() -> None:
    print("\n" + report())


@pytest.mark.parametrize("field", list(TARGETS))
def test_agreement_meets_target(field: str) -> None:
    assert agreement(field) >= TARGETS[field], report()
