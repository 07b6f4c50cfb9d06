"""What the app shows from server replies (network input), and settings that change the keys."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from ehlo.app.app import make_app
from ehlo.app.widgets.step_bar import SLOTS, slot_statuses
from ehlo.app.widgets.transcript_lines import event_lines
from ehlo.smtp.events import Connected, Received, Sent
from ehlo.smtp.reply import parse_reply


@given(st.binary(max_size=400))
def test_any_reply_becomes_transcript_lines_and_step_states(raw: bytes) -> None:
    reply = parse_reply(raw)
    event = Received(1.0, "rcpt", reply, 3.0)
    lines = event_lines(event, 0)
    assert lines
    assert all(line.reply == 0 for line in lines)
    assert lines[-1].latency_ms == 3.0 or lines[-1].kind == "violation"
    statuses = slot_statuses([event], "rcpt")
    refused = reply.code is None or reply.code >= 400
    assert statuses["rcpt"] == ("failed" if refused else "current")
    assert all(statuses[slot] == "skipped" for slot in SLOTS[: SLOTS.index("rcpt")])
    assert statuses["quit"] == "todo"


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
