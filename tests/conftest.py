"""Shared fixtures: how to run the `ehlo` command from this checkout, and the loopback guard."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIR = REPO_ROOT / "tui"
GUARD_DIR = Path(__file__).resolve().parent / "loopback_guard"

sys.path.insert(0, str(GUARD_DIR))
import loopback_only  # noqa: E402

loopback_only.install()


def ehlo_env(**extra: str) -> dict[str, str]:
    """The environment for running `python -m ehlo` from this checkout's source, loopback only."""
    env = dict(os.environ)
    paths = [str(SOURCE_DIR), str(GUARD_DIR), env.get("PYTHONPATH")]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, paths))
    env["EHLO_TESTS_LOOPBACK_ONLY"] = "1"
    env.setdefault("NO_COLOR", "1")
    env.update(extra)
    return env


@pytest.fixture
def ehlo_command() -> list[str]:
    """argv prefix that runs this checkout's ehlo."""
    return [sys.executable, "-m", "ehlo"]


@pytest.fixture(autouse=True)
def _stays_on_loopback() -> Iterator[None]:
    """Fail any test whose code tried to reach beyond loopback (the attempt itself was refused)."""
    before = len(loopback_only.violations)
    yield
    attempts = loopback_only.violations[before:]
    assert not attempts, "left loopback: " + "; ".join(dict.fromkeys(attempts))
