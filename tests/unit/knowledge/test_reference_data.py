"""The reference data loads cleanly and is complete: codes, registry, reasons, fix commands."""

from __future__ import annotations

import tomllib

import pytest

from ehlo.knowledge import REASON_IDS, basic_codes, enhanced_codes, reasons, validate
from ehlo.knowledge.loader import PLACEHOLDER, check_command, knowledge
from ehlo.knowledge.model import DNS_CHECK_IDS, PLACEHOLDERS
from ehlo.paths import reference_dir

RFC5321_CODES = {211, 214, 220, 221, 250, 251, 252, 354, 421, 450, 451, 452, 455, 500, 501, 502,
                 503, 504, 550, 551, 552, 553, 554, 555}  # fmt: skip
EXTENSION_CODES = {235, 334, 432, 454, 530, 534, 535, 538, 521, 556}

# Every entry of the IANA SMTP Enhanced Status Codes registry (subject.detail).
REGISTRY = (
    ["0.0"]
    + [f"1.{d}" for d in range(11)]
    + [f"2.{d}" for d in range(5)]
    + [f"3.{d}" for d in range(7)]
    + [f"4.{d}" for d in range(8)]
    + [f"5.{d}" for d in range(7)]
    + [f"6.{d}" for d in range(11)]
    + [f"7.{d}" for d in range(31)]
)


def test_reference_data_has_no_problems() -> None:
    loaded = validate()
    assert loaded.problems == ()


def test_every_rfc_5321_and_extension_code_is_described() -> None:
    codes = {code.code: code for code in basic_codes()}
    assert set(codes) >= RFC5321_CODES | EXTENSION_CODES
    for code in codes.values():
        assert code.title and code.meaning and code.stages
        assert len(code.digits) == 3
        assert code.digits[0].startswith(f"{str(code.code)[0]}xx")
        assert code.rfc or not code.standard


def test_the_whole_enhanced_registry_is_present() -> None:
    present = {code.code for code in enhanced_codes()}
    assert {f"x.{entry}" for entry in REGISTRY} <= present
    for code in enhanced_codes():
        assert code.title and code.description and code.rfc


@pytest.mark.parametrize(
    ("code", "rfc"),
    [("x.1.10", "RFC 7505"), ("x.7.11", "RFC 4954"), ("x.7.13", "RFC 5248"), ("x.7.17", "RFC 7293"),
     ("x.7.23", "RFC 7372"), ("x.7.29", "RFC 8617"), ("x.7.30", "RFC 8689"), ("x.3.6", "RFC 6710"),
     ("x.6.6", "RFC 4468"), ("x.1.9", "RFC 3886")],
)  # fmt: skip
def test_registry_entries_cite_the_rfc_that_added_them(code: str, rfc: str) -> None:
    entries = {entry.code: entry for entry in enhanced_codes()}
    assert rfc in entries[code].rfc


def test_reasons_are_exactly_the_taxonomy() -> None:
    assert [reason.id for reason in reasons()] == list(REASON_IDS)
    with (reference_dir() / "reasons.toml").open("rb") as handle:
        assert set(tomllib.load(handle)["reason"]) == set(REASON_IDS)


def test_every_failure_reason_says_who_acts_and_what_to_do() -> None:
    for reason in reasons():
        assert reason.meaning and reason.advice_transient and reason.advice_permanent
        if reason.id not in ("ok", "delivered"):
            assert reason.fixes, reason.id
        assert set(reason.dns_checks) <= set(DNS_CHECK_IDS)


def test_every_reason_id_used_by_the_data_exists() -> None:
    base = knowledge()
    used = {r for rule in base.basic_rules.values() for r in rule.reasons.values()}
    used |= {rule.reason for rule in base.enhanced_rules.values()}
    used |= {
        rule.reason_transient for rule in base.enhanced_rules.values() if rule.reason_transient
    }
    used |= {vendor.rule.reason for vendor in base.ranges}
    used |= {signature.reason for signature in base.signatures}
    used |= {rule.reason for rule in base.wording.signatures}
    assert used <= set(REASON_IDS)


def test_every_fix_command_uses_known_placeholders_outside_quotes() -> None:
    base = knowledge()
    templates = [fix for reason in base.reasons.values() for fix in reason.fixes]
    templates += [fix for signature in base.signatures for fix in signature.fixes]
    commands = [fix.command for fix in templates if fix.command]
    assert commands
    for command in commands:
        assert check_command(command) == [], command
        assert set(PLACEHOLDER.findall(command)) <= set(PLACEHOLDERS)


@pytest.mark.parametrize(
    ("command", "problem"),
    [("dig {nope}", "unknown placeholder"), ("echo '{domain}'", "inside quotes"),
     ('echo "v=spf1 {ip}"', "inside quotes"), ("echo 'open", "unbalanced")],
)  # fmt: skip
def test_bad_fix_commands_are_reported(command: str, problem: str) -> None:
    assert any(problem in found for found in check_command(command))


def test_a_broken_signature_file_is_reported_not_fatal(tmp_path) -> None:  # type: ignore[no-untyped-def]
    for name in ("basic-codes.toml", "enhanced-codes.toml", "reasons.toml", "wording.toml"):
        (tmp_path / name).write_bytes((reference_dir() / name).read_bytes())
    (tmp_path / "signatures.toml").write_text(
        "schema = 1\n"
        "[[signature]]\nid = 'x-bad'\nprovider = 'X'\npattern = '(unclosed'\nreason = 'userunknown'\n"
        "source = 'test'\n"
        "[[signature]]\nid = 'x-reason'\nprovider = 'X'\npattern = 'fine'\nreason = 'nope'\n"
        "source = 'test'\n"
        "[[signature]]\nid = 'x-good'\nprovider = 'X'\npattern = 'mailbox on fire'\n"
        "reason = 'systemerror'\nsource = 'test'\n",
        encoding="utf-8",
    )
    from ehlo.knowledge.loader import KnowledgeError, build

    loaded = build(tmp_path)
    assert [s.id for s in loaded.signatures] == ["x-good"]
    assert any("x-bad" in p and "compile" in p for p in loaded.problems)
    assert any("x-reason" in p and "unknown reason" in p for p in loaded.problems)
    with pytest.raises(KnowledgeError):
        validate(tmp_path)
