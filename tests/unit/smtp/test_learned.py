"""What a session teaches about the parties (read from network input): the DNS panel's inputs."""

from __future__ import annotations

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from ehlo.smtp.address import domain_of
from ehlo.smtp.events import Connected, Received, Sent
from ehlo.smtp.learned import learn, reported_ip
from ehlo.smtp.reply import parse_reply


@given(st.text(max_size=300))
def test_reported_ip_never_raises_and_is_an_address(line: str) -> None:
    found = reported_ip(line)
    if found is not None:
        ipaddress.ip_address(found)


@given(st.ip_addresses())
def test_reported_ip_finds_the_bracketed_address(address: ipaddress._BaseAddress) -> None:
    literal = f"IPv6:{address}" if address.version == 6 else str(address)
    line = f"250-mx.example.net Hello client.example.com [{literal}]"
    assert reported_ip(line) == str(address)


@given(st.text(max_size=80))
def test_domain_of_never_raises(address: str) -> None:
    domain = domain_of(address)
    assert domain is None or "@" not in domain


def test_learn_reads_the_session() -> None:
    transcript = [
        Connected(1.0, "mx.example.net", 25, ("192.0.2.25", 25), ("10.0.0.5", 40000), False),
        Sent(1.1, "ehlo", "EHLO client.example.com"),
        Received(1.2, "ehlo", parse_reply("250-mx.example.net Hello [198.51.100.7]\r\n250 OK"), 1),
        Sent(1.3, "mail", "MAIL FROM:<Alice@Example.COM> SIZE=100"),
        Sent(1.4, "rcpt", "RCPT TO:<bob@example.org>"),
    ]
    learned = learn(transcript)
    assert learned.server_host == "mx.example.net"
    assert learned.client_ip == "198.51.100.7"  # what the server saw, not the NAT address
    assert learned.helo == "client.example.com"
    assert learned.mail_from_domain == "example.com"
    assert learned.rcpt_domain == "example.org"
    assert learned.context()["domain"] == "example.org"


def test_domain_of_normalises_envelope_forms() -> None:
    assert domain_of("<Alice@Example.COM.>") == "example.com"
    assert domain_of(" bob@example.org ") == "example.org"
    assert domain_of("postmaster") is None
    assert domain_of("user@") is None
    assert domain_of(None) is None


def test_learn_falls_back_to_the_local_address_and_keeps_the_first_recipient_domain() -> None:
    transcript = [
        Connected(1.0, "127.0.0.1", 2525, ("127.0.0.1", 2525), ("127.0.0.1", 40000), False),
        Sent(1.1, "ehlo", "EHLO [127.0.0.1]"),
        Received(1.2, "ehlo", parse_reply("250-sandbox greets you\r\n250 8BITMIME"), 1),
        Sent(1.3, "rcpt", "RCPT TO:<a@first.example>"),
        Sent(1.4, "rcpt", "RCPT TO:<b@second.example>"),
    ]
    learned = learn(transcript, helo="fallback.example")
    assert learned.client_ip == "127.0.0.1"  # the server reported none
    assert learned.helo == "[127.0.0.1]"
    assert learned.rcpt_domain == "first.example"
    assert learned.mail_from_domain is None
    assert "mail_from_domain" not in learned.context()
