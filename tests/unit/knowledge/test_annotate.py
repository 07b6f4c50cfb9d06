"""annotate() reads whole replies like a postmaster: class, reason, retry, provider, fixes."""

from __future__ import annotations

import shlex

import pytest

from ehlo.knowledge import annotate
from ehlo.smtp.reply import parse_reply
from tests.unit.knowledge.replies import REPLIES, TYPICAL


@pytest.mark.parametrize(("reply", "stage", "reply_class", "reason", "retry"), REPLIES + TYPICAL)
def test_real_replies(
    reply: str, stage: str | None, reply_class: str, reason: str, retry: bool
) -> None:
    annotation = annotate(reply, stage)
    assert (annotation.reply_class, annotation.reason, annotation.retry) == (
        reply_class,
        reason,
        retry,
    )
    assert annotation.meaning
    if reply_class in ("transient", "permanent"):
        assert annotation.retry_advice and annotation.fixes


def test_the_last_lines_code_decides_the_class() -> None:
    annotation = annotate("220-mx.example.net ESMTP\n421 4.3.2 Too busy, closing", "connect")
    assert annotation.basic == 421
    assert annotation.reply_class == "transient"


@pytest.mark.parametrize(
    ("reply", "enhanced"),
    [
        ("554 sorry, message looks like spam (#5.3.4)", "5.3.4"),
        ("550 #5.1.0 Address rejected user@example.net", "5.1.0"),
        ("550-Greetings\n550 5.7.1 Relaying denied", "5.7.1"),
        ("451 cuda_nsu 4.7.1 Please try again later", "4.7.1"),
        ("553 Mail from 192.0.2.1 not allowed - 5.7.1 [BL23] Connections not accepted", "5.7.1"),
        ("550 Host 10.1.2.3 and version 2.11.3 are fine", None),
    ],
)
def test_enhanced_code_is_found_wherever_it_stands(reply: str, enhanced: str | None) -> None:
    assert annotate(reply).enhanced == enhanced


def test_the_wording_beats_the_code() -> None:
    # Registry: X.1.10 is "null MX"; Microsoft uses 5.1.10 for an unknown recipient.
    microsoft = annotate(
        "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"
    )
    assert microsoft.reason == "userunknown"
    assert annotate("556 5.1.10 Recipient address has null MX", "rcpt").reason == "notaccept"
    # 5.7.1 means many things: the wording decides.
    assert annotate("554 5.7.1 <a@example.net>: Relay access denied", "rcpt").reason == "norelaying"
    assert (
        annotate("550 5.7.1 Client host [192.0.2.1] blocked using bl.spamcop.net").reason
        == "blocked"
    )
    assert annotate("550 5.7.1 SPF check failed", "mail").reason == "authfailure"
    # A transient class does not mean retrying alone helps.
    deferral = annotate("450 4.7.25 Client host rejected: cannot find your hostname, [192.0.2.1]")
    assert (deferral.reply_class, deferral.reason, deferral.retry) == (
        "transient",
        "requireptr",
        False,
    )


def test_a_log_line_gives_the_reply_and_the_stage() -> None:
    line = (
        "Nov 26 10:00:00 mx postfix/smtp[123]: 4Zr3: to=<u@example.net>, relay=mx.example.net"
        "[192.0.2.7]:25, delay=1, dsn=5.1.1, status=bounced (host mx.example.net[192.0.2.7] said: "
        "550 5.1.1 <u@example.net>: Recipient address rejected: User unknown (in reply to RCPT TO command))"
    )
    annotation = annotate(line)
    assert (annotation.basic, annotation.enhanced, annotation.stage) == (550, "5.1.1", "rcpt")
    assert annotation.reason == "userunknown"


def test_success_at_the_end_of_data_is_delivered_elsewhere_ok() -> None:
    assert annotate("250 2.0.0 OK 1700000000 x1si - gsmtp", "end-of-data").reason == "delivered"
    assert annotate("250 2.1.0 Sender OK", "mail").reason == "ok"
    assert annotate("250 2.0.0 Ok: queued as 4Zr3xY1234z").reason == "delivered"
    assert annotate("235 2.7.0 Accepted", "auth").reason == "ok"


def test_provider_is_named() -> None:
    assert (
        annotate("421 4.7.0 Try again later, closing connection. x1si - gsmtp").provider == "Gmail"
    )
    assert (
        annotate(
            "550 5.7.606 Access denied, banned sending IP [192.0.2.1]. To request removal from "
            "this list please visit https://sender.office.com/"
        ).provider
        == "Microsoft"
    )


def test_fix_commands_are_filled_from_context_and_shell_quoted() -> None:
    context = {"domain": "example.com; rm -rf ~", "ip": "192.0.2.55", "host": "mx.example.net"}
    annotation = annotate(
        "550 5.7.26 Unauthenticated email is not accepted", "end-of-data", context
    )
    commands = [fix.command for fix in annotation.fixes if fix.command]
    assert "dig +short TXT '_dmarc.example.com; rm -rf ~'" in commands
    for command in commands:
        assert "{" not in command
        shlex.split(command)  # every command is a well-formed shell line
    assert tuple(c for c in annotation.dns_checks if c in ("spf", "dmarc", "dkim")) == (
        "spf",
        "dmarc",
        "dkim",
    )


def test_blocklist_fix_uses_the_reversed_ip_from_the_reply() -> None:
    annotation = annotate(
        "554 5.7.1 Service unavailable; Client host [198.51.100.23] blocked using zen.spamhaus.org"
    )
    commands = " ".join(fix.command or "" for fix in annotation.fixes)
    assert "23.100.51.198.zen.spamhaus.org" in commands
    assert "dnsbl" in annotation.dns_checks


def test_reply_objects_and_strings_agree() -> None:
    text = (
        "550-5.1.1 The email account that you tried to reach does not exist.\n550 5.1.1 x - gsmtp"
    )
    assert annotate(parse_reply(text), "rcpt") == annotate(text, "rcpt")


def test_literal_backslash_n_separates_lines() -> None:
    annotation = annotate("550-5.7.1 first line\\n550 5.7.1 blocked using zen.spamhaus.org")
    assert annotation.reason == "blocked"


def test_stage_aliases() -> None:
    assert annotate("550 5.1.1 unknown", "RCPT TO").stage == "rcpt"
    assert annotate("550 5.1.1 unknown", "end of DATA").stage == "end-of-data"
    assert annotate("550 5.1.1 unknown", "bogus").stage is None


def test_to_dict_has_the_documented_fields() -> None:
    data = annotate("552 5.2.2 Mailbox full", "rcpt").to_dict()
    for field in ("basic", "enhanced", "class", "reason", "retry", "retry_advice", "provider", "meaning",
                  "causes", "fixes", "references", "signature", "enhanced_title", "code_meaning",
                  "dns_checks"):  # fmt: skip
        assert field in data
    assert all(set(fix) == {"text", "command"} for fix in data["fixes"])
