"""Replies and stages are found inside Postfix, Exim and Sendmail logs and in bounces."""

from __future__ import annotations

import pytest

from ehlo.knowledge import extract

CASES = [
    (
        "Nov 26 10:00:00 mx postfix/smtp[123]: 4Zr3: to=<u@example.net>, relay=mx.example.net[192.0.2.7]:25, "
        "delay=1, dsn=5.1.1, status=bounced (host mx.example.net[192.0.2.7] said: 550 5.1.1 <u@example.net>: "
        "Recipient address rejected: User unknown (in reply to RCPT TO command))",
        "550 5.1.1 <u@example.net>: Recipient address rejected: User unknown",
        "rcpt",
        "postfix",
    ),
    (
        "postfix/smtp[9]: A1: to=<u@gmail.com>, status=deferred (host gmail-smtp-in.l.google.com[192.0.2.9] "
        "said: 421-4.7.0 [192.0.2.1] Our system has detected that this message is 421-4.7.0 suspicious. "
        "421 4.7.0 x1si - gsmtp (in reply to end of DATA command))",
        "421-4.7.0 [192.0.2.1] Our system has detected that this message is 421-4.7.0 suspicious. "
        "421 4.7.0 x1si - gsmtp",
        "end-of-data",
        "postfix",
    ),
    (
        "postfix/smtp[9]: B2: host mx.example.net[192.0.2.7] refused to talk to me: 554 5.7.1 Service unavailable",
        "554 5.7.1 Service unavailable",
        "connect",
        "postfix",
    ),
    (
        "postfix/smtpd[77]: NOQUEUE: reject: RCPT from unknown[192.0.2.1]: 554 5.7.1 <u@example.org>: "
        "Relay access denied; from=<a@example.com> to=<u@example.org> proto=ESMTP helo=<client>",
        "554 5.7.1 <u@example.org>: Relay access denied",
        "rcpt",
        "postfix",
    ),
    (
        "2026-11-26 10:00:00 1abc-0001 ** u@example.net R=dnslookup T=remote_smtp H=mx.example.net "
        "[192.0.2.7] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes: SMTP error from remote mail server after "
        "RCPT TO:<u@example.net>: 550 5.1.1 <u@example.net>: Recipient address rejected: User unknown",
        "550 5.1.1 <u@example.net>: Recipient address rejected: User unknown",
        "rcpt",
        "exim",
    ),
    (
        "SMTP error from remote mail server after end of data:\n    host mx.example.net [192.0.2.7]: "
        "552 5.3.4 Message size exceeds fixed limit",
        "552 5.3.4 Message size exceeds fixed limit",
        "end-of-data",
        "exim",
    ),
    (
        "sm-mta[1]: x1: to=<u@example.net>, delay=00:00:01, mailer=esmtp, relay=mx.example.net. "
        "[192.0.2.7], dsn=5.1.1, stat=User unknown",
        "5.1.1 User unknown",
        None,
        "sendmail",
    ),
    (
        "sm-mta[1]: x2: ruleset=check_rcpt, arg1=<u@example.org>, relay=[192.0.2.1], "
        "reject=550 5.7.1 <u@example.org>... Relaying denied",
        "550 5.7.1 <u@example.org>... Relaying denied",
        "rcpt",
        "sendmail",
    ),
    (
        "sm-mta[1]: x3: to=<u@example.net>, mailer=esmtp, dsn=4.0.0, stat=Deferred: 451 4.7.1 Greylisted",
        "451 4.7.1 Greylisted",
        None,
        "sendmail",
    ),
    (
        "Reporting-MTA: dns; mail.example.com\n\nFinal-Recipient: rfc822; u@example.net\nAction: failed\n"
        "Status: 5.1.1\nDiagnostic-Code: smtp; 550-5.1.1 The email account that you tried to reach does\n"
        "    not exist. 550 5.1.1 x1si - gsmtp\nLast-Attempt-Date: Thu, 26 Nov 2026 10:00:00 +0000\n",
        "550-5.1.1 The email account that you tried to reach does not exist. 550 5.1.1 x1si - gsmtp",
        None,
        "bounce",
    ),
    (
        "Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found'",
        "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found",
        None,
        "bounce",
    ),
    (
        "The response from the remote server was:\n550 5.7.1 Message rejected as spam",
        "550 5.7.1 Message rejected as spam",
        None,
        "text",
    ),
]


@pytest.mark.parametrize(("text", "reply", "stage", "source"), CASES)
def test_extract(text: str, reply: str, stage: str | None, source: str) -> None:
    found = extract(text)
    assert found is not None
    assert (found.reply, found.stage, found.source) == (reply, stage, source)


@pytest.mark.parametrize(
    "text", ["", "hello world", "status=sent (250 2.0.0 Ok)x" * 0, "dsn=5.1.1 only"]
)
def test_nothing_to_extract(text: str) -> None:
    assert extract(text) is None
