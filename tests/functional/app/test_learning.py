"""What the app reads from server replies (network input): property-based and with real data."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from ehlo.app.app import make_app
from ehlo.app.learned import learn, reported_ip
from ehlo.app.request import domain_of
from ehlo.app.widgets.step_bar import slot_statuses
from ehlo.app.widgets.transcript_lines import event_lines
from ehlo.smtp.events import Connected, Received, Sent
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


@given(st.binary(max_size=400))
def test_any_reply_becomes_transcript_lines_and_step_states(raw: bytes) -> None:
    reply = parse_reply(raw)
    event = Received(1.0, "rcpt", reply, 3.0)
    lines = event_lines(event, 0)
    assert lines
    assert all(line.reply == 0 for line in lines)
    assert lines[-1].latency_ms == 3.0 or lines[-1].kind == "violation"
    statuses = slot_statuses([event], "rcpt")
    assert set(statuses) >= {"connect", "rcpt", "quit"}


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


async def test_keymap_from_settings_rebinds(tmp_path: Path) -> None:
    settings = tmp_path / "config.toml"
    settings.write_text('[keymap]\n"view.codes" = "f8"\n', encoding="utf-8")
    app = make_app(settings_path=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f8")
        await pilot.pause()
        from ehlo.app.screens.code_table import CodeTableScreen

        assert isinstance(app.screen, CodeTableScreen)


def test_stages_the_session_went_past_are_skipped_not_left_to_do() -> None:
    ok = parse_reply("250 OK")
    transcript = [
        Connected(0.0, "127.0.0.1", 25, ("127.0.0.1", 25), ("127.0.0.1", 40000), False),
        Received(0.1, "connect", parse_reply("220 mx.example.net ESMTP"), 1.0),
        Sent(0.2, "ehlo", "EHLO client.example.com"),
        Received(0.3, "ehlo", ok, 1.0),
        Sent(0.4, "mail", "MAIL FROM:<a@example.com>"),
        Received(0.5, "mail", ok, 1.0),
    ]
    statuses = slot_statuses(transcript, "rcpt")
    # no TLS, no AUTH: both were passed over on the way to MAIL
    assert statuses["starttls"] == statuses["ehlo-tls"] == statuses["auth"] == "skipped"
    assert (statuses["mail"], statuses["rcpt"], statuses["data"]) == ("done", "current", "todo")
    before_mail = slot_statuses(transcript[:4], "mail")
    assert before_mail["auth"] == "todo"  # still possible until the session moves on
