"""How well annotate() agrees with a corpus of real replies taken from public sources.

Two sets: the corpus (tests/data/reply-corpus.toml), and held-out replies
(tests/data/reply-heldout.toml) written down before the wording rules were tuned against them,
which keep the measure of how well the generic rules generalise honest (a lower bar).
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

DATA = Path(__file__).resolve().parents[2] / "data"
CORPUS = DATA / "reply-corpus.toml"
HELDOUT = DATA / "reply-heldout.toml"
CLASSES = frozenset({"success", "intermediate", "transient", "permanent", "unknown"})
TARGETS = {"class": 1.0, "retry": 0.97, "reason": 0.95}
"""Share of corpus replies on which annotate() must agree, per field."""
HELDOUT_TARGETS = {"class": 1.0, "retry": 0.95, "reason": 0.85}
"""The bar for the held-out replies."""
SETS = {"corpus": (CORPUS, TARGETS), "heldout": (HELDOUT, HELDOUT_TARGETS)}


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
def corpus(name: str = "corpus") -> tuple[dict[str, Any], ...]:
    with SETS[name][0].open("rb") as handle:
        data = tomllib.load(handle)
    assert data.get("schema") == 1
    return tuple(data["reply"])


@cache
def disagreements(name: str = "corpus") -> tuple[Disagreement, ...]:
    found: list[Disagreement] = []
    for entry in corpus(name):
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


def agreement(field: str, name: str = "corpus") -> float:
    wrong = sum(1 for d in disagreements(name) if d.field == field)
    return 1 - wrong / len(corpus(name))


def report(name: str = "corpus") -> str:
    total = len(corpus(name))
    targets = SETS[name][1]
    lines = [f"reply {name}: {total} replies from public sources"]
    for field, target in targets.items():
        wrong = [d for d in disagreements(name) if d.field == field]
        lines.append(
            f"  {field:<7} {agreement(field, name):7.2%}  "
            f"(target {target:.0%}, {len(wrong)} disagree)"
        )
    for field in targets:
        for d in (d for d in disagreements(name) if d.field == field):
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


def test_heldout_is_sourced_and_apart_from_the_corpus() -> None:
    entries = corpus("heldout")
    assert len(entries) >= 60
    replies = [(e["reply"], e["stage"]) for e in entries]
    assert len(set(replies)) == len(replies), "duplicate held-out entries"
    assert not set(replies) & {(e["reply"], e["stage"]) for e in corpus()}
    for entry in entries:
        assert entry["class"] in CLASSES
        assert isinstance(entry["retry"], bool)
        assert entry["source"].startswith(("http://", "https://")), entry["source"]


def test_agreement_report() -> None:
    print("\n" + report() + "\n" + report("heldout"))


@pytest.mark.parametrize(
    ("name", "field"), [(name, field) for name, (_, targets) in SETS.items() for field in targets]
)
def test_agreement_meets_target(name: str, field: str) -> None:
    assert agreement(field, name) >= SETS[name][1][field], report(name)
