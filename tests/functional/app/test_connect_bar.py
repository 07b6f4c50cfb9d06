"""The connect bar shows what an empty Port field will use."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from ehlo.app.app import make_app


async def test_empty_port_shows_the_targets_port(settings_path: Path) -> None:
    app = make_app("127.0.0.1:2525", settings_path=settings_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        port = app.screen.query_one("#port", Input)
        assert port.value == ""
        assert port.placeholder == "2525"
        target = app.screen.query_one("#target", Input)
        target.value = "mx.example.org"
        await pilot.pause()
        assert port.placeholder == "25"
        target.value = "[::1]:587"
        await pilot.pause()
        assert port.placeholder == "587"
