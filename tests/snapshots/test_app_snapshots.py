"""Snapshots of the app on a recorded session (fixed size, times, host, certificate, DNS zones)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from ehlo.app.screens.session_screen import SessionScreen
from ehlo.app.widgets.dns_panel import DnsPanel
from ehlo.app.widgets.transcript import Transcript
from tests.fixtures.nsd import NsdServer
from tests.snapshots.staging import replay, staged_app

pytestmark = pytest.mark.nsd

WIDE = (140, 42)


def _screen(pilot: Pilot[None]) -> SessionScreen:
    return next(s for s in pilot.app.screen_stack if isinstance(s, SessionScreen))


def test_main_screen_mid_session(snap_compare: Any, tmp_path: Path, staging_dns: NsdServer) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await replay(pilot, failure=False)

    assert snap_compare(
        staged_app(tmp_path, staging_dns), terminal_size=WIDE, run_before=run_before
    )


def test_annotation_of_a_failure(snap_compare: Any, tmp_path: Path, staging_dns: NsdServer) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await replay(pilot, failure=True)
        _screen(pilot).query_one(Transcript).focus()
        await pilot.pause()

    assert snap_compare(
        staged_app(tmp_path, staging_dns), terminal_size=WIDE, run_before=run_before
    )


def test_dns_panel_with_an_expanded_row(
    snap_compare: Any, tmp_path: Path, staging_dns: NsdServer
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await replay(pilot, failure=True)
        rows = _screen(pilot).query_one(DnsPanel).rows()
        rows["client/dnsbl"].collapsed = False
        await pilot.pause()

    assert snap_compare(
        staged_app(tmp_path, staging_dns), terminal_size=WIDE, run_before=run_before
    )


def test_tls_view(snap_compare: Any, tmp_path: Path, staging_dns: NsdServer) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await replay(pilot)
        await pilot.press("f3")
        await pilot.pause()

    assert snap_compare(
        staged_app(tmp_path, staging_dns), terminal_size=WIDE, run_before=run_before
    )


def test_code_table_searched(snap_compare: Any, tmp_path: Path, staging_dns: NsdServer) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await replay(pilot)
        await pilot.press("f2")
        await pilot.pause()
        await pilot.press(*"mailbox")
        await pilot.pause(0.2)
        pilot.app.screen.query_one("#codes-table").focus()
        await pilot.pause()

    assert snap_compare(
        staged_app(tmp_path, staging_dns), terminal_size=WIDE, run_before=run_before
    )


def test_help_screen(snap_compare: Any, tmp_path: Path, staging_dns: NsdServer) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await replay(pilot)
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(
        staged_app(tmp_path, staging_dns), terminal_size=WIDE, run_before=run_before
    )


def test_small_terminal_uses_tabs(
    snap_compare: Any, tmp_path: Path, staging_dns: NsdServer
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await replay(pilot, failure=True)
        _screen(pilot).query_one("#pane-tabs").active = "tab-annotation"  # type: ignore[attr-defined]
        await pilot.pause()

    assert snap_compare(
        staged_app(tmp_path, staging_dns), terminal_size=(80, 24), run_before=run_before
    )


def test_light_theme(snap_compare: Any, tmp_path: Path, staging_dns: NsdServer) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await replay(pilot, failure=True)

    app = staged_app(tmp_path, staging_dns, theme="textual-light")
    assert snap_compare(app, terminal_size=WIDE, run_before=run_before)
