"""Which checks a session can run for what it has learned about each party."""

from __future__ import annotations

from ehlo.dnsauth.session_checks import GROUPS, group_context
from ehlo.smtp.learned import Learned

LEARNED = Learned(
    server_host="mx.example.net",
    client_ip="192.0.2.7",
    helo="client.example.com",
    sender="alice@example.com",
    mail_from_domain="example.com",
    rcpt_domain="example.net",
)


def test_each_party_gets_the_context_its_checks_need() -> None:
    sender = group_context("sender", LEARNED, ("s1",))
    assert sender is not None
    assert (sender.domain, sender.ip, sender.selectors) == ("example.com", "192.0.2.7", ("s1",))
    recipient = group_context("recipient", LEARNED, ())
    assert recipient is not None
    assert (recipient.domain, recipient.mx_hosts) == ("example.net", ("mx.example.net",))
    client = group_context("client", LEARNED, ())
    assert client is not None
    assert (client.domain, client.ip) == ("example.com", "192.0.2.7")
    assert set(GROUPS) == {"sender", "recipient", "client"}


def test_nothing_runs_before_the_session_has_learned_enough() -> None:
    assert all(group_context(group, Learned(), ()) is None for group in GROUPS)
    # a server known only by its address is no MX host to check
    by_address = Learned(server_host="192.0.2.25", rcpt_domain="example.net")
    recipient = group_context("recipient", by_address, ())
    assert recipient is not None and recipient.mx_hosts == ()
    # the client checks compare the PTR name with a domain: none learned yet, none run
    only_ip = Learned(client_ip="192.0.2.7", helo="[192.0.2.7]", server_host="192.0.2.25")
    assert group_context("client", only_ip, ()) is None
