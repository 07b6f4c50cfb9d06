"""What annotate() needs of a (signature, reason) pair that no reply changes, made once."""

from __future__ import annotations

from dataclasses import dataclass

from ehlo.knowledge.fill import FixPlan, plan_fixes
from ehlo.knowledge.model import DNS_CHECK_IDS, Reason, Signature

CHECK_WORDS: tuple[tuple[str, frozenset[str]], ...] = (
    ("spf", frozenset({"spf", "openspf"})),
    ("dkim", frozenset({"dkim", "domainkeys"})),
    ("dmarc", frozenset({"dmarc"})),
    ("ptr", frozenset({"ptr", "rdns", "fcrdns"})),
    ("dnsbl", frozenset({"spamhaus", "spamcop", "rbl", "dnsbl", "blocklist", "blacklist",
                         "blacklisted", "sorbs", "barracudacentral", "uceprotect"})),
    ("mx", frozenset({"mx"})),
    ("mta-sts", frozenset({"sts"})),
    ("dane", frozenset({"dane", "tlsa"})),
)  # fmt: skip
"""Words of a reply that make a DNS check worth running."""

CHECK_OF_WORD: dict[str, str] = {word: check for check, words in CHECK_WORDS for word in words}
CHECK_WORD_SET = frozenset(CHECK_OF_WORD)


@dataclass(frozen=True, slots=True)
class Prepared:
    """A signature's and its reason's fixes, ready to fill, and the DNS checks they name."""

    fixes: FixPlan
    dns_checks: frozenset[str]
    ordered_checks: tuple[str, ...]


def prepare(signature: Signature | None, reason: Reason | None) -> Prepared:
    """Prepare a pair; the signature's fixes come before the reason's (more specific first)."""
    templates = (*(signature.fixes if signature else ()), *(reason.fixes if reason else ()))
    checks = frozenset(
        (*(reason.dns_checks if reason else ()), *(signature.dns_checks if signature else ()))
    )
    return Prepared(plan_fixes(templates), checks, _in_order(checks))


def _in_order(checks: frozenset[str]) -> tuple[str, ...]:
    return tuple(check for check in DNS_CHECK_IDS if check in checks)


def prepared(
    table: dict[tuple[str, str], Prepared], signature: Signature | None, reason: Reason | None
) -> Prepared:
    """The pair's Prepared from `table`, made and stored there on first use."""
    key = (signature.id if signature else "", reason.id if reason else "")
    found = table.get(key)
    if found is None:
        found = table[key] = prepare(signature, reason)
    return found


def dns_checks(pair: Prepared, reply_words: frozenset[str]) -> tuple[str, ...]:
    """The DNS checks worth running: those the pair names, and those the reply's words name."""
    named = reply_words & CHECK_WORD_SET
    if not named:
        return pair.ordered_checks
    return _in_order(pair.dns_checks.union(CHECK_OF_WORD[word] for word in named))
