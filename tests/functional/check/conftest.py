"""Running `ehlo check` in tests, and the private Postfix fixture."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass

import pytest

from tests.conftest import ehlo_env
from tests.fixtures.postfix import PostfixServer, postfix_server  # noqa: F401
from tests.functional.sandbox.conftest import start_sandbox  # noqa: F401

TIMEOUT = 60


@dataclass(frozen=True)
class Run:
    """One finished `ehlo check` process."""

    code: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, object]:
        document: dict[str, object] = json.loads(self.stdout)
        return document

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_check(*args: str, stdin: str | None = None, cwd: str | None = None, **env: str) -> Run:
    """Run `python -m ehlo check ARGS` from this checkout, stdin not a terminal."""
    completed = subprocess.run(
        [sys.executable, "-m", "ehlo", "check", *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=ehlo_env(**env),
        cwd=cwd,
        check=False,
    )
    return Run(completed.returncode, completed.stdout, completed.stderr)


@pytest.fixture
def postfix(postfix_server: PostfixServer) -> PostfixServer:  # noqa: F811
    """The worker's private Postfix."""
    return postfix_server
