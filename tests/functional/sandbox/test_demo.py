"""`ehlo demo`: the app, made exactly as the demo makes it, connects to the in-process sandbox."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ehlo.commands.demo import app_factory, demo_session

make_app = app_factory()
pytestmark = pytest.mark.skipif(make_app is None, reason="the app is not in this build")


@pytest.fixture
def quiet_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings whose DNS resolver is a closed loopback port, so nothing leaves the machine."""
    path = tmp_path / "config.toml"
    path.write_text(
        f'export_dir = "{tmp_path}"\n[dns]\nresolver = "127.0.0.1:9"\n', encoding="utf-8"
    )
    monkeypatch.setenv("EHLO_CONFIG", str(path))
    return path


async def test_demo_app_connects_to_the_sandbox(quiet_settings: Path) -> None:
    from tests.functional.app.conftest import transcript_text

    assert make_app is not None
    with demo_session(make_app, "happy") as (sandbox, app):
        assert sandbox.host == "127.0.0.1"
        assert sandbox.port > 0
        async with app.run_test(size=(140, 45)) as pilot:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 15
            while "220 sandbox.ehlo.test" not in transcript_text(app):
                assert loop.time() < deadline, transcript_text(app)
                await pilot.pause(0.05)
            assert sandbox.connections_total >= 1
            assert "sandbox-pass-2525" not in transcript_text(app)
