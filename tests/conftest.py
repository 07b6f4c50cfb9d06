"""Shared fixtures: how to run the `ehlo` command from this checkout."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIR = REPO_ROOT / "tui"


def ehlo_env(**extra: str) -> dict[str, str]:
    """The environment for running `python -m ehlo` from this checkout's source."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SOURCE_DIR), env.get("PYTHONPATH")]))
    env.setdefault("NO_COLOR", "1")
    env.update(extra)
    return env


@pytest.fixture
def ehlo_command() -> list[str]:
    """argv prefix that runs this checkout's ehlo."""
    return [sys.executable, "-m", "ehlo"]
