"""The app against a real Postfix: a stepped delivery over STARTTLS, and a relay refusal.

The test Postfix offers no SASL AUTH, so these sessions log in to nothing; AUTH in the app is
covered against the sandbox (test_session.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import TextArea

from ehlo.app.app import EhloApp, make_app
from ehlo.app.screens.message_editor import MessageEditor
from ehlo.app.widgets.annotation_panel import AnnotationPanel
from ehlo.app.widgets.command_line import CommandLine
from ehlo.app.widgets.step_bar import StepBar
from ehlo.app.widgets.transcript import Transcript
from tests.fixtures.postfix import PostfixServer, postfix_server  # noqa: F401

from .conftest import screen_of, settle, transcript_text, wait_for

pytestmark = [pytest.mark.postfix, pytest.mark.slow]

SENDER = "sender@example.org"


def _annotation_text(panel: AnnotationPanel) -> str:
    """Everything the annotation panel shows, as plain text."""
    return " ".join(str(static.render()) for static in panel.query("Static"))


def _postfix_app(postfix_server: PostfixServer, recipient: str, settings_path: Path) -> EhloApp:  # noqa: F811
    """The app aimed at the test Postfix over STARTTLS (certificate reported, not required)."""
    return make_app(
        postfix_server.target,
        sender=SENDER,
        recipient=recipient,
        tls_mode="starttls",
        verify="report",
        autoconnect=True,
        settings_path=settings_path,
    )


async def test_stepped_delivery_over_starttls(
    postfix_server: PostfixServer,  # noqa: F811
    settings_path: Path,
) -> None:
    recipient = postfix_server.address("alice")
    app = _postfix_app(postfix_server, recipient, settings_path)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        command_line = screen.query_one(CommandLine)
        step_bar = screen.query_one(StepBar)
        transcript = screen.query_one(Transcript)
        assert step_bar.statuses["connect"] == "done"
        sent: list[str] = []
        for _ in range(10):
            if step_bar.statuses.get("quit") == "done":
                break
            sent.append(command_line.input.value)
            answered = len(transcript.replies) + 1
            command_line.input.focus()
            await pilot.press("enter")
            if sent[-1].strip().upper() == "DATA":
                await wait_for(pilot, lambda: isinstance(app.screen, MessageEditor))
                editor = app.screen.query_one(TextArea)
                assert f"To: {recipient}" in editor.text  # the default test message
                editor.text += "\nStepped through by hand.\n"
                await pilot.press("ctrl+s")
                answered += 1  # the 354, then the verdict on the message
            # each command is answered before the next one is typed
            await wait_for(pilot, lambda: len(transcript.replies) >= answered)  # noqa: B023
            await settle(pilot)
        assert [line.split(" ")[0].upper() for line in sent] == [
            "EHLO",
            "STARTTLS",
            "EHLO",
            "MAIL",
            "RCPT",
            "DATA",
            "QUIT",
        ]
        text = transcript_text(app)
        assert "S: 220 mail.ehlo.test ESMTP ehlo test instance" in text
        assert "C: STARTTLS" in text
        assert "TLS established" in text
        assert f"C: RCPT TO:<{recipient}>" in text
        assert "S: 250 2.0.0 Ok: queued as" in text
        assert "S: 221 2.0.0 Bye" in text
        statuses = step_bar.statuses
        expected = dict.fromkeys(
            ("connect", "ehlo", "starttls", "ehlo-tls", "mail", "rcpt", "data", "quit"), "done"
        )
        assert {slot: statuses[slot] for slot in expected} == expected
        assert statuses["auth"] == "skipped"

        # select the 250 after the message and read what the panel makes of it
        accepted = next(
            index for index, r in enumerate(transcript.replies) if r.stage == "end-of-data"
        )
        transcript.focus()
        for _ in range(len(transcript.replies) - 1 - accepted):
            await pilot.press("up")
        await pilot.pause(0.1)
        assert transcript.selected == accepted
        panel = screen.query_one(AnnotationPanel)
        annotation = panel.annotation
        assert annotation is not None
        assert (annotation.basic, annotation.enhanced) == (250, "2.0.0")  # type: ignore[attr-defined]
        shown = _annotation_text(panel)
        assert "accepted the message for delivery" in shown
        assert "not arrival in the inbox" in shown

        queue_id = text.split("queued as ", 1)[1].split()[0]
        delivered = f"{queue_id}: to=<{recipient}>"
        await wait_for(pilot, lambda: delivered in postfix_server.log(), timeout=10)


async def test_relay_refusal_is_explained_as_norelaying(
    postfix_server: PostfixServer,  # noqa: F811
    settings_path: Path,
) -> None:
    app = _postfix_app(postfix_server, "someone@elsewhere.example", settings_path)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        screen = screen_of(app)
        transcript = screen.query_one(Transcript)
        refusal = transcript.replies[-1]
        assert refusal.stage == "rcpt"
        assert refusal.reply.code in (454, 554)
        assert refusal.reply.enhanced in ("4.7.1", "5.7.1")
        assert "Relay access denied" in refusal.reply.text
        assert transcript.selected == len(transcript.replies) - 1
        panel = screen.query_one(AnnotationPanel)
        annotation = panel.annotation
        assert annotation is not None
        assert annotation.reason == "norelaying"  # type: ignore[attr-defined]
        assert not annotation.retry  # type: ignore[attr-defined]
        assert annotation.provider == "Postfix"  # type: ignore[attr-defined]
        shown = _annotation_text(panel)
        assert "will not relay" in shown
        assert "dig +short MX elsewhere.example" in shown  # the fix, ready to copy
        assert screen.query_one(StepBar).statuses["rcpt"] == "failed"
        assert "C: DATA" not in transcript_text(app)
