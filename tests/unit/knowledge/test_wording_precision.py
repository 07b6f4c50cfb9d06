"""Wording rules and signatures read the words that decide, not look-alikes inside other words."""

from __future__ import annotations

import pytest

from ehlo.knowledge import annotate
from ehlo.knowledge.fill import MAX_FIXES, fill_fixes
from ehlo.knowledge.model import FixTemplate


@pytest.mark.parametrize(
    "reply",
    [
        "550 5.1.1 <nobody@ehlo.test>: Recipient address rejected: User unknown in local "
        "recipient table",
        "550 5.1.1 <nobody@ehlo.test>: mailbox not found",
        "550 5.7.1 mail from ehlo.test is not allowed here",
        "550 5.7.1 <postmaster@helo.example>: rejected",
        "550 5.1.1 <x@myhelo-server.example>: invalid recipient",
    ],
)
def test_helo_inside_a_domain_is_not_a_helo_refusal(reply: str) -> None:
    assert annotate(reply, "rcpt").reason != "blocked"


@pytest.mark.parametrize(
    "reply",
    [
        "504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname",
        "550 Invalid HELO name (See RFC2821 4.1.1.1)",
        "550 5.7.1 HELO name foo is not valid",
        "554 5.7.1 Bogus HELO",
    ],
)
def test_helo_refusals_are_blocked(reply: str) -> None:
    assert annotate(reply, "ehlo").reason == "blocked"


def test_a_rate_limit_that_says_try_again_later_is_not_greylisting() -> None:
    annotation = annotate("451 4.7.1 Rate limit exceeded, try again later", "rcpt")
    assert (annotation.reason, annotation.retry) == ("ratelimited", True)
    assert annotation.signature != "rspamd-greylist"
    assert annotate("451 4.7.1 Try again later", "rcpt").reason == "greylisted"


@pytest.mark.parametrize(
    "table", ["local recipient", "virtual mailbox", "virtual alias", "relay recipient"]
)
def test_postfix_sender_prefix_means_the_sender_is_refused(table: str) -> None:
    sender = annotate(
        f"553 5.1.0 <a@b.example>: Sender address rejected: User unknown in {table} table",
        "mail",
    )
    assert (sender.reason, sender.provider) == ("rejected", "Postfix")
    recipient = annotate(
        f"550 5.1.1 <a@b.example>: Recipient address rejected: User unknown in {table} table",
        "rcpt",
    )
    assert recipient.reason == "userunknown"


def test_spam_message_rejected_is_rspamd() -> None:
    annotation = annotate("554 5.7.1 Spam message rejected", "end-of-data")
    assert (annotation.reason, annotation.provider) == ("spamdetected", "Rspamd")
    amavis = annotate("554 5.7.0 Reject, id=12345-01 - SPAM", "end-of-data")
    assert amavis.provider == "Amavis"


@pytest.mark.parametrize(
    ("stage", "reply", "words"),
    [
        ("connect", "220 mx.example.net ESMTP", "ready to receive commands"),
        ("starttls", "220 2.0.0 Ready to start TLS", "TLS handshake"),
        ("ehlo", "250-mx.example.net\n250 PIPELINING", "extensions"),
        ("helo", "250 mx.example.net", "HELO"),
        ("auth", "235 2.7.0 Authentication successful", "Authentication succeeded"),
        ("auth", "334 VXNlcm5hbWU6", "AUTH exchange"),
        ("mail", "250 2.1.0 Ok", "envelope sender"),
        ("rcpt", "250 2.1.5 Ok", "recipient"),
        ("data", "354 End data with <CR><LF>.<CR><LF>", "send the headers and body"),
        ("end-of-data", "250 2.0.0 Ok: queued as 4F2", "not arrival in the inbox"),
        ("quit", "221 2.0.0 Bye", "closes the connection"),
        ("rset", "250 2.0.0 Ok", "transaction"),
        ("noop", "250 2.0.0 Ok", "NOOP"),
        ("vrfy", "250 2.0.0 <a@b.example>", "deliverable mailbox"),
        ("vrfy", "251 User not local; will forward to <a@c.example>", "forwarded"),
        ("vrfy", "252 2.0.0 Cannot VRFY user", "will not confirm"),
        ("help", "214 2.0.0 See RFC 5321", "Help text"),
    ],
)
def test_positive_replies_mean_what_they_mean_at_their_stage(
    stage: str, reply: str, words: str
) -> None:
    annotation = annotate(reply, stage)
    assert words in annotation.meaning
    if stage != "connect":
        assert "greeting" not in annotation.meaning.lower()


@pytest.mark.parametrize(
    ("reply", "stage"),
    [
        (
            "550-5.7.26 This mail has been blocked because the sender is unauthenticated. "
            "Gmail requires all senders to authenticate with either SPF or DKIM.",
            "end-of-data",
        ),
        ("550 5.7.1 SPF check failed, DKIM signature missing", "end-of-data"),
    ],
)
def test_fixes_never_repeat_a_command_or_an_advice(reply: str, stage: str) -> None:
    fixes = annotate(reply, stage).fixes
    commands = [f.command for f in fixes if f.command]
    assert len(commands) == len(set(commands))
    openings = [" ".join(f.text.lower().split()[:3]) for f in fixes]
    assert len(openings) == len(set(openings))
    assert 0 < len(fixes) <= MAX_FIXES


@pytest.mark.parametrize(
    "reply",
    [
        "451 4.7.651 The mail server [192.0.2.25] has been temporarily rate limited due to IP "
        "reputation. For e-mail delivery information, see https://postmaster.live.com (S3114)",
        "451 4.7.650 The mail server [192.0.2.5] has been temporarily rate limited due to IP "
        "reputation. For e-mail delivery information, see https://postmaster.live.com (S775)",
    ],
)
def test_microsoft_reputation_deferral_is_transient_but_not_fixed_by_retrying(reply: str) -> None:
    annotation = annotate(reply, "mail")
    assert (annotation.reply_class, annotation.reason, annotation.retry) == (
        "transient",
        "badreputation",
        False,
    )
    assert "keep retrying" in annotation.retry_advice
    assert "reputation" in annotation.retry_advice


def test_microsoft_reputation_deferral_that_speaks_of_authentication_is_authfailure() -> None:
    annotation = annotate(
        "451 4.7.651 The mail server [192.0.2.25] has been temporarily rate limited due to IP "
        "reputation. Please make sure your domain passes authentication (S843)",
        "mail",
    )
    assert (annotation.reply_class, annotation.reason, annotation.retry) == (
        "transient",
        "authfailure",
        False,
    )


@pytest.mark.parametrize(
    ("reply", "stage", "reason", "retry"),
    [
        ("550 5.1.2 User reject", "rcpt", "filtered", False),
        ("550 5.7.1 Message rejected by the recipient's own filters", "rcpt", "filtered", False),
        (
            "451 Automated block triggered by suspicious activity from your IP address (10.1.1.1)",
            "rcpt",
            "blocked",
            True,
        ),
        ("421 4.7.1 Intrusion prevention active for [203.0.113.5]", "rcpt", "ratelimited", True),
        ("421 4.7.0 DoS protection triggered, closing", "connect", "ratelimited", True),
        (
            "554 5.7.1 Not delivered. We may feed it to a spam blacklist.",
            "end-of-data",
            "spamdetected",
            False,
        ),
        ("500 5.3.5 System config error", "connect", "systemerror", False),
    ],
)
def test_generic_wording(reply: str, stage: str, reason: str, retry: bool) -> None:
    annotation = annotate(reply, stage)
    assert (annotation.reason, annotation.retry) == (reason, retry)


WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel")


def test_fill_fixes_keeps_the_first_of_repeated_commands_and_advice() -> None:
    templates = (
        FixTemplate("Publish SPF for {domain} listing this server.", "dig +short TXT {domain}"),
        FixTemplate("Sign with DKIM using a 2048-bit key."),
        FixTemplate("Check the SPF record.", "dig +short TXT {domain}"),
        FixTemplate("Sign with DKIM for your domain."),
        FixTemplate("Read the DMARC policy.", "dig +short TXT {dmarc_name}"),
        *(FixTemplate(f"{word.title()} the {word} setting.") for word in WORDS),
    )
    fixes = fill_fixes(templates, {"domain": "example.org", "dmarc_name": "_dmarc.example.org"})
    assert [f.text for f in fixes[:3]] == [
        "Publish SPF for example.org listing this server.",
        "Sign with DKIM using a 2048-bit key.",
        "Read the DMARC policy.",
    ]
    assert len(fixes) == MAX_FIXES


@pytest.mark.parametrize(
    ("reply", "stage", "reason"),
    [
        ("554 Too many Received: headers", "end-of-data", "networkerror"),
        ("550 Sorry, no access for this ip", "mail", "blocked"),
        ("553 <a@b.example> ... unauthorized relay traffic prohibited", "rcpt", "norelaying"),
        (
            "550 5.6.0 Lone CR or LF in headers (see RFC2822 section 2.2)",
            "end-of-data",
            "contenterror",
        ),
        (
            "450 4.7.1 <a@b.example>: Recipient address rejected: Policy Rejection- Quota Exceeded.",
            "rcpt",
            "ratelimited",
        ),
        ("452 4.2.2 <a@b.example>: Quota exceeded", "rcpt", "mailboxfull"),
    ],
)
def test_generic_wording_from_held_out_replies(reply: str, stage: str, reason: str) -> None:
    assert annotate(reply, stage).reason == reason


def test_seconds_to_wait_alone_is_not_a_postgrey_signature() -> None:
    assert annotate("422 try again in 15 seconds", "rcpt").signature != "postgrey-delay"
