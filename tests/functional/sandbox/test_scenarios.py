"""Each scenario answers with the literal wording it promises, at the stage it promises."""

from __future__ import annotations

import time

import pytest

from ehlo.sandbox import DEMO_MAILBOXES, DEMO_PASSWORD, DEMO_SENDER, DEMO_USER, SandboxOptions
from tests.functional.sandbox.conftest import StartSandbox
from tests.functional.sandbox.rawclient import RawClient

MESSAGE = "From: Demo <demo@example.com>\r\nTo: alice@example.net\r\nSubject: t\r\n\r\nhi\r\n."


def session(start_sandbox: StartSandbox, scenario: str, **kwargs: object) -> RawClient:
    sandbox = start_sandbox(scenario, **kwargs)
    client = RawClient(sandbox.host, sandbox.port)
    assert client.reply().startswith(b"220 ")
    assert client.command("EHLO client.test").startswith(b"250-")
    return client


def send_message(client: RawClient, sender: str, recipient: str) -> bytes:
    """MAIL, RCPT, DATA, message; the reply to the message (or the first refusal)."""
    mail = client.command(f"MAIL FROM:<{sender}>")
    if not mail.startswith(b"250"):
        return mail
    rcpt = client.command(f"RCPT TO:<{recipient}>")
    if not rcpt.startswith(b"250"):
        return rcpt
    assert client.command("DATA").startswith(b"354 ")
    return client.command(MESSAGE)


def test_greylist_defers_first_attempt_and_accepts_retry_after_delay(
    start_sandbox: StartSandbox,
) -> None:
    client = session(start_sandbox, "greylist", options=SandboxOptions(greylist_delay=0.4))
    assert client.command(f"MAIL FROM:<{DEMO_SENDER}>") == b"250 2.1.0 Ok\r\n"
    first = client.command(f"RCPT TO:<{DEMO_MAILBOXES[0]}>")
    assert first == (
        b"450 4.2.0 <alice@example.net>: Recipient address rejected: Greylisted, see "
        b"http://postgrey.schweikert.ch/help/example.net.html\r\n"
    )
    # Too early: still deferred.
    assert client.command(f"RCPT TO:<{DEMO_MAILBOXES[0]}>").startswith(b"450 4.2.0 ")
    # Another recipient is another triplet.
    assert client.command(f"RCPT TO:<{DEMO_MAILBOXES[1]}>").startswith(b"450 4.2.0 ")
    time.sleep(0.5)
    assert client.command(f"RCPT TO:<{DEMO_MAILBOXES[0]}>") == b"250 2.1.5 Ok\r\n"
    assert client.command("DATA").startswith(b"354")
    assert client.command(MESSAGE).startswith(b"250 2.0.0 Ok: queued as ")
    client.close()


def test_rate_limit_per_connection_hangs_up_with_421(start_sandbox: StartSandbox) -> None:
    options = SandboxOptions(rate_limit_per_connection=2, rate_limit_per_minute=100)
    client = session(start_sandbox, "rate-limit", options=options)
    for _ in range(2):
        assert send_message(client, DEMO_SENDER, DEMO_MAILBOXES[0]).startswith(b"250 2.0.0")
    refused = client.command(f"MAIL FROM:<{DEMO_SENDER}>")
    assert refused.startswith(b"421 4.7.0 [TSS04] Messages from 127.0.0.1 temporarily deferred")
    assert client.closed_by_server()


def test_rate_limit_per_minute_spans_connections(start_sandbox: StartSandbox) -> None:
    options = SandboxOptions(rate_limit_per_connection=100, rate_limit_per_minute=3)
    sandbox = start_sandbox("rate-limit", options=options)
    replies = []
    for _ in range(4):
        client = RawClient(sandbox.host, sandbox.port)
        client.reply()
        client.command("EHLO client.test")
        replies.append(send_message(client, DEMO_SENDER, DEMO_MAILBOXES[0]))
        client.close()
    assert [r[:3] for r in replies] == [b"250", b"250", b"250", b"421"]


def test_auth_fail_refuses_even_the_right_password(start_sandbox: StartSandbox) -> None:
    import base64

    client = session(start_sandbox, "auth-fail")
    client.starttls()
    client.command("EHLO client.test")
    blob = base64.b64encode(f"\0{DEMO_USER}\0{DEMO_PASSWORD}".encode()).decode()
    assert client.command(f"AUTH PLAIN {blob}") == (
        b"535-5.7.8 Username and Password not accepted. For more information, go to\r\n"
        b"535 5.7.8  https://support.google.com/mail/?p=BadCredentials "
        b"5b1f17b1804b1-43f5e1c7b6dsm1234567f8f.17 - gsmtp\r\n"
    )


def test_tls_required_refuses_until_starttls(start_sandbox: StartSandbox) -> None:
    client = session(start_sandbox, "tls-required")
    for command in (f"MAIL FROM:<{DEMO_SENDER}>", "AUTH PLAIN", f"RCPT TO:<{DEMO_SENDER}>", "DATA"):
        assert client.command(command) == b"530 5.7.0 Must issue a STARTTLS command first\r\n"
    assert client.command("NOOP") == b"250 2.0.0 Ok\r\n"
    client.starttls()
    client.command("EHLO client.test")
    assert send_message(client, DEMO_SENDER, DEMO_MAILBOXES[0]).startswith(b"250 2.0.0 Ok")


def test_unknown_user_accepts_only_demo_mailboxes(start_sandbox: StartSandbox) -> None:
    client = session(start_sandbox, "unknown-user")
    client.command(f"MAIL FROM:<{DEMO_SENDER}>")
    assert client.command("RCPT TO:<nobody@example.net>") == (
        b"550 5.1.1 <nobody@example.net>: Recipient address rejected: "
        b"User unknown in local recipient table\r\n"
    )
    for mailbox in DEMO_MAILBOXES:
        assert client.command(f"RCPT TO:<{mailbox.upper()}>") == b"250 2.1.5 Ok\r\n"


def test_mailbox_full_temporary_at_rcpt_permanent_after_data(start_sandbox: StartSandbox) -> None:
    client = session(start_sandbox, "mailbox-full")
    client.command(f"MAIL FROM:<{DEMO_SENDER}>")
    assert client.command(f"RCPT TO:<{DEMO_MAILBOXES[0]}>") == (
        b"452-4.2.2 The email account that you tried to reach is over quota. Please direct\r\n"
        b"452-4.2.2 the recipient to\r\n"
        b"452 4.2.2  https://support.google.com/mail/?p=OverQuotaTemp "
        b"5b1f17b1804b1-43f5e1c7b6dsm1234567f8f.17 - gsmtp\r\n"
    )
    assert client.command(f"RCPT TO:<{DEMO_MAILBOXES[1]}>") == b"250 2.1.5 Ok\r\n"
    client.command("DATA")
    assert client.command(MESSAGE) == (
        b"552 5.2.2 <bob@example.net> Quota exceeded (mailbox for user is full)\r\n"
    )


def test_dmarc_reject_names_the_from_domain(start_sandbox: StartSandbox) -> None:
    client = session(start_sandbox, "dmarc-reject")
    reply = send_message(client, "bounce@mailer.example.org", DEMO_MAILBOXES[0])
    lines = reply.split(b"\r\n")
    assert lines[0] == (
        b"550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's"
    )
    assert lines[-2].startswith(b"550 5.7.26  https://support.google.com/mail/?p=DmarcRejection")
    assert all(line.startswith(b"550") for line in lines[:-1])


def test_auth_dns_451_defers_after_data(start_sandbox: StartSandbox) -> None:
    client = session(start_sandbox, "auth-dns-451")
    assert send_message(client, DEMO_SENDER, DEMO_MAILBOXES[0]) == (
        b"451 4.7.651 The mail server [127.0.0.1] has been temporarily rate limited due to IP "
        b"reputation. For e-mail delivery information, see https://postmaster.live.com "
        b"(S3114)\r\n"
    )


def test_blocklisted_greeting_then_503_until_quit(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox("blocklisted")
    client = RawClient(sandbox.host, sandbox.port)
    assert client.reply() == (
        b"554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using "
        b"zen.spamhaus.org; https://www.spamhaus.org/query/ip/127.0.0.1\r\n"
    )
    assert client.command("EHLO client.test") == b"503 5.5.1 Bad sequence of commands\r\n"
    assert client.command(f"MAIL FROM:<{DEMO_SENDER}>").startswith(b"503 ")
    assert client.command("QUIT") == b"221 2.0.0 Bye\r\n"
    assert client.closed_by_server()


def test_spam_content_rejects_after_data(start_sandbox: StartSandbox) -> None:
    client = session(start_sandbox, "spam-content")
    assert send_message(client, DEMO_SENDER, DEMO_MAILBOXES[0]) == (
        b"554 5.7.1 Spam message rejected\r\n"
    )


def test_too_large_advertises_tiny_size_and_refuses(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox("too-large")
    client = RawClient(sandbox.host, sandbox.port)
    client.reply()
    assert b"250-SIZE 64\r\n" in client.command("EHLO client.test")
    assert client.command(f"MAIL FROM:<{DEMO_SENDER}> SIZE=5000") == (
        b"552 5.3.4 Message size exceeds fixed limit\r\n"
    )
    assert send_message(client, DEMO_SENDER, DEMO_MAILBOXES[0]) == (
        b"552 5.3.4 Message size exceeds fixed limit\r\n"
    )


def test_relay_denied_for_every_recipient(start_sandbox: StartSandbox) -> None:
    client = session(start_sandbox, "relay-denied")
    client.command(f"MAIL FROM:<{DEMO_SENDER}>")
    assert client.command(f"RCPT TO:<{DEMO_MAILBOXES[0]}>") == (
        b"554 5.7.1 <alice@example.net>: Relay access denied\r\n"
    )


def test_tarpit_delays_the_greeting(start_sandbox: StartSandbox) -> None:
    options = SandboxOptions(tarpit_banner_delay=0.6, tarpit_reply_delay=0.3)
    sandbox = start_sandbox("tarpit", options=options)
    started = time.monotonic()
    client = RawClient(sandbox.host, sandbox.port)
    assert client.reply().startswith(b"220 ")
    greeted = time.monotonic()
    assert client.command("EHLO client.test").startswith(b"250-")
    replied = time.monotonic()
    assert greeted - started >= 0.55
    assert replied - greeted >= 0.25


def test_disconnect_drops_after_the_data(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox("disconnect")
    client = RawClient(sandbox.host, sandbox.port)
    client.reply()
    client.command("EHLO client.test")
    client.command(f"MAIL FROM:<{DEMO_SENDER}>")
    client.command(f"RCPT TO:<{DEMO_MAILBOXES[0]}>")
    assert client.command("DATA").startswith(b"354")
    with pytest.raises(ConnectionError):
        client.command(MESSAGE)
    assert sandbox.store.snapshot() == ()


def test_garbage_breaks_the_reply_syntax(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox("garbage")
    client = RawClient(sandbox.host, sandbox.port)
    assert client.reply() == b"220 sandbox.ehlo.test ESMTP garbage ahead\n"
    ehlo = client.command("EHLO client.test")
    assert ehlo.startswith(b"250-sandbox.ehlo.test\r\n251-PIPELINING\r\n")
    mail = client.command(f"MAIL FROM:<{DEMO_SENDER}>")
    with pytest.raises(UnicodeDecodeError):
        mail.decode("utf-8")
    assert client.command(f"RCPT TO:<{DEMO_MAILBOXES[0]}>") == b"2x5 2.1.5 Recipient ok\r\n"
