"""Tables annotate() derives on first use give the same annotations as working them out anew.

annotate() remembers, per knowledge base, what follows from a reply's codes, stage and verdict
alone (`Knowledge.explained`) and each enhanced code's rule (`Knowledge.code_rules`), and fills fix values from the defaults plus what the reply
names (`fill.reply_values`). Both must be invisible: the annotation is the same whether the
table is empty, full or being emptied, and the values are those `placeholder_values` gives.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import ehlo.knowledge.annotation as annotation
import ehlo.knowledge.verdict as verdict
from ehlo.knowledge import annotate
from ehlo.knowledge.annotation import clear_cache
from ehlo.knowledge.fill import PLACEHOLDER, placeholder_values, reply_values
from ehlo.knowledge.loader import knowledge

DATA = Path(__file__).resolve().parents[2] / "data"


def _corpus() -> list[tuple[str, str | None]]:
    with (DATA / "reply-corpus.toml").open("rb") as handle:
        return [(r["reply"], r.get("stage")) for r in tomllib.load(handle)["reply"]]


def test_annotations_are_the_same_with_the_table_empty_or_filled(monkeypatch) -> None:
    corpus = _corpus()
    base = knowledge()
    base.explained.clear()
    base.code_rules.clear()
    clear_cache()
    first = [annotate(reply, stage).to_dict() for reply, stage in corpus]
    assert base.explained, "the table fills as replies are annotated"
    assert base.code_rules
    clear_cache()
    again = [annotate(reply, stage).to_dict() for reply, stage in corpus]
    assert again == first
    # A table that is emptied every few replies changes nothing either.
    monkeypatch.setattr(annotation, "EXPLAINED_LIMIT", 3)
    monkeypatch.setattr(verdict, "CODE_RULES_LIMIT", 3)
    base.explained.clear()
    base.code_rules.clear()
    clear_cache()
    small = [annotate(reply, stage).to_dict() for reply, stage in corpus]
    assert small == first
    assert len(base.explained) <= 3
    assert len(base.code_rules) <= 3


def test_one_combination_shared_by_two_replies_keeps_each_replys_own_parts() -> None:
    """Two replies with the same codes, stage and verdict differ where their words do."""
    one = annotate("554 5.7.1 Service unavailable; Client host [192.0.2.7] blocked using "
                   "zen.spamhaus.org", "rcpt")  # fmt: skip
    two = annotate("554 5.7.1 Service unavailable; Client host [198.51.100.9] blocked using "
                   "zen.spamhaus.org", "rcpt")  # fmt: skip
    assert (one.signature, one.reason, one.meaning) == (two.signature, two.reason, two.meaning)
    commands_one = " ".join(f.command or "" for f in one.fixes)
    commands_two = " ".join(f.command or "" for f in two.fixes)
    assert "7.2.0.192" in commands_one and "7.2.0.192" not in commands_two
    assert "9.100.51.198" in commands_two


NAMES = sorted(
    {
        name
        for reason in knowledge().reasons.values()
        for fix in reason.fixes
        for name in PLACEHOLDER.findall(fix.text + " " + (fix.command or ""))
    }
    | {"ip", "reversed_ip", "sender", "recipient", "domain", "dmarc_name"}
)


@settings(max_examples=300, deadline=None)
@given(
    role=st.sampled_from(["sender", "recipient", "none"]),
    ip=st.one_of(st.none(), st.sampled_from(["192.0.2.7", "2001:db8::1", "203.0.113.300"])),
    address=st.one_of(
        st.none(),
        st.sampled_from(["a@b.example", "x@Mixed.Example.", "odd@", "u@sub.example.org"]),
    ),
    stage=st.sampled_from([None, "mail", "rcpt", "data", "connect"]),
    names=st.sets(st.sampled_from(NAMES), min_size=1).map(frozenset),
)
def test_reply_values_are_placeholder_values(
    role: str, ip: str | None, address: str | None, stage: str | None, names: frozenset[str]
) -> None:
    fast = reply_values(role, ip, address, stage, names)
    slow = placeholder_values(None, role, ip, address, stage, names=names)
    assert {n: fast.get(n) for n in names} == {n: slow.get(n) for n in names}
