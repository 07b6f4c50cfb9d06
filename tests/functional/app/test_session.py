"""Step-through sessions against the sandbox, driven with Pilot."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from textual.widgets import TextArea

from ehlo.app.screens.message_editor import MessageEditor
from ehlo.app.widgets.annotation_panel import AnnotationPanel
from ehlo.app.widgets.command_line import CommandLine
from ehlo.app.widgets.step_bar import StepBar
from ehlo.app.widgets.transcript import Transcript
from ehlo.sandbox import DEMO_PASSWORD, DEMO_USER, Sandbox, SandboxOptions

from .conftest import sandbox_app, screen_of, settle, transcript_text, wait_for

pytestmark = pytest.mark.slow


async def test_step_through_delivery_with_starttls_and_auth(settings_path: Path) -> None:
    async with Sandbox("happy") as sandbox:
        app = sandbox_app(sandbox.port, settings_path)
        async with app.run_test(size=(140, 45)) as pilot:
            await settle(pilot)
            screen = screen_of(app)
            command_line = screen.query_one(CommandLine)
            sent: list[str] = []
            for _ in range(12):
                if screen.query_one(StepBar).statuses.get("quit") == "done":
                    break
                sent.append(command_line.input.value)
                screen.query_one("#command-input").focus()
                await pilot.press("enter")
                if sent[-1].strip().upper() == "DATA":  # DATA by hand shows the message first
                    await wait_for(pilot, lambda: isinstance(app.screen, MessageEditor))
                    app.screen.query_one(TextArea).text += "\nSent by hand.\n"
                    await pilot.press("ctrl+s")
                await settle(pilot)
            statuses = screen.query_one(StepBar).statuses
            assert all(state in ("done", "skipped") for state in statuses.values()), statuses
            assert [line.split(" ")[0].upper() for line in sent] == [
                "EHLO",
                "STARTTLS",
                "EHLO",
                "AUTH",
                "MAIL",
                "RCPT",
                "DATA",
                "QUIT",
            ]
            text = transcript_text(app)
            assert "TLS established" in text
            assert "C: STARTTLS" in text
            assert DEMO_PASSWORD not in text
            secret = base64.b64encode(f"\0{DEMO_USER}\0{DEMO_PASSWORD}".encode()).decode()
            assert secret not in text
            assert len(sandbox.messages) == 1
            assert b"Sent by hand." in sandbox.messages[0].data
            assert screen.tls_facts is not None


async def test_unknown_user_550_is_selected_and_explained(settings_path: Path) -> None:
    async with Sandbox("unknown-user") as sandbox:
        app = sandbox_app(sandbox.port, settings_path, recipient="nobody@example.net")
        async with app.run_test(size=(140, 45)) as pilot:
            await settle(pilot)
            await pilot.press("f7")
            await settle(pilot)
            screen = screen_of(app)
            transcript = screen.query_one(Transcript)
            rcpt_reply = next(r for r in transcript.replies if r.stage == "rcpt")
            assert rcpt_reply.reply.code == 550
            # delivery stops at the failure, which is the newest reply and so selected
            assert transcript.selected == len(transcript.replies) - 1
            assert transcript.replies[-1] is rcpt_reply
            # moving away and back keeps the explanation in step with the selection
            transcript.focus()
            await pilot.press("up")
            await pilot.pause(0.1)
            assert screen.query_one(AnnotationPanel).annotation.basic == 250  # type: ignore[union-attr]
            await pilot.press("down")
            await pilot.pause(0.1)
            annotation = screen.query_one(AnnotationPanel).annotation
            assert annotation is not None
            assert annotation.basic == 550  # type: ignore[attr-defined]
            assert annotation.enhanced == "5.1.1"  # type: ignore[attr-defined]
            assert annotation.reply_class == "permanent"  # type: ignore[attr-defined]
            assert not annotation.retry  # type: ignore[attr-defined]
            assert screen.query_one(StepBar).statuses["rcpt"] == "failed"
            assert not sandbox.messages


async def test_tls_required_530(settings_path: Path) -> None:
    async with Sandbox("tls-required") as sandbox:
        app = sandbox_app(
            sandbox.port, settings_path, tls_mode="none", username=None, password=None
        )
        async with app.run_test(size=(140, 45)) as pilot:
            await settle(pilot)
            screen = screen_of(app)
            screen.run_to("rcpt")
            await settle(pilot)
            transcript = screen.query_one(Transcript)
            last = transcript.replies[-1]
            assert last.reply.code == 530
            annotation = screen.query_one(AnnotationPanel).annotation
            assert annotation.basic == 530  # type: ignore[attr-defined]
            assert "STARTTLS" not in [
                line.text for line in transcript.lines if line.text.startswith("C:")
            ]


async def test_greylisting_is_retried(settings_path: Path) -> None:
    async with Sandbox("greylist", options=SandboxOptions(greylist_delay=0.3)) as sandbox:
        app = sandbox_app(sandbox.port, settings_path)
        async with app.run_test(size=(140, 45)) as pilot:
            await settle(pilot)
            await pilot.press("f7")
            await settle(pilot)
            screen = screen_of(app)
            first = screen.query_one(Transcript).replies
            assert any(r.reply.code == 450 for r in first)
            annotation = screen.query_one(AnnotationPanel).annotation
            assert annotation is not None
            assert annotation.retry  # type: ignore[attr-defined]
            await pilot.pause(0.4)
            await pilot.press("ctrl+r")
            await settle(pilot)
            await pilot.press("f7")
            await settle(pilot)
            replies = screen.query_one(Transcript).replies
            assert replies[-1].stage == "quit"
            assert all((r.reply.code or 0) < 400 for r in replies)
            assert len(sandbox.messages) == 1


async def test_hostile_garbage_ends_in_clear_flags(settings_path: Path) -> None:
    async with Sandbox("garbage") as sandbox:
        app = sandbox_app(
            sandbox.port, settings_path, tls_mode="none", username=None, password=None
        )
        async with app.run_test(size=(140, 45)) as pilot:
            await settle(pilot)
            await pilot.press("f7")
            await settle(pilot)
            transcript = screen_of(app).query_one(Transcript)
            kinds = {line.kind for line in transcript.lines}
            assert "violation" in kinds
            assert app.is_running


async def test_hostile_disconnect_is_an_explained_error(settings_path: Path) -> None:
    async with Sandbox("disconnect") as sandbox:
        app = sandbox_app(
            sandbox.port, settings_path, tls_mode="none", username=None, password=None
        )
        async with app.run_test(size=(140, 45)) as pilot:
            await settle(pilot)
            await pilot.press("f7")
            await settle(pilot)
            screen = screen_of(app)
            errors = [line for line in screen.query_one(Transcript).lines if line.kind == "error"]
            assert errors, transcript_text(app)
            explained = " ".join(
                str(static.render()) for static in screen.query_one(AnnotationPanel).query("Static")
            )
            assert "error" in explained
            assert screen.query_one(StepBar).statuses["data"] == "failed"
            assert app.is_running


async def test_refused_connection_is_explained(settings_path: Path) -> None:
    from tests.functional.app.ports import unused_port

    app = sandbox_app(unused_port(), settings_path)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        errors = [line.text for line in screen.query_one(Transcript).lines if line.kind == "error"]
        assert errors and "connect" in errors[0]
        assert screen.query_one(StepBar).statuses["connect"] == "failed"


async def test_pending_command_shows_timer_and_cancels(settings_path: Path) -> None:
    async with Sandbox("tarpit") as sandbox:
        app = sandbox_app(sandbox.port, settings_path, tls_mode="none")
        async with app.run_test(size=(140, 45)) as pilot:
            screen = screen_of(app)
            command_line = screen.query_one(CommandLine)
            await wait_for(
                pilot,
                lambda: (
                    command_line.has_class("-pending") or bool(screen.query_one(Transcript).lines)
                ),
                timeout=5,
            )
            await pilot.pause(0.3)
            await pilot.press("escape")
            await settle(pilot)
            assert command_line.pending is None
            assert "cancelled by the user" in transcript_text(app)


async def test_history_and_completion(settings_path: Path) -> None:
    async with Sandbox("happy") as sandbox:
        app = sandbox_app(sandbox.port, settings_path, tls_mode="none", username=None)
        async with app.run_test(size=(140, 45)) as pilot:
            await settle(pilot)
            screen = screen_of(app)
            command_input = screen.query_one(CommandLine).input
            command_input.focus()
            command_input.value = ""
            await pilot.press("N", "O")
            await pilot.pause(0.2)
            assert command_input._suggestion == "NOOP"
            await pilot.press("right", "enter")
            await settle(pilot)
            assert "C: NOOP" in transcript_text(app)
            await pilot.press("up")
            assert command_input.value == "NOOP"
