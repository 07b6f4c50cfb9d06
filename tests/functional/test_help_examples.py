"""The examples in the help of the offline commands run as printed."""

from __future__ import annotations

import shlex
import subprocess
import sys

import pytest

from tests.conftest import ehlo_env


def _help(command: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "ehlo", command, "--help"],
        capture_output=True, text=True, env=ehlo_env(), timeout=60, check=True,
    )  # fmt: skip
    return done.stdout


def _examples(command: str) -> list[str]:
    text = _help(command)
    assert "Examples:" in text
    block = text.split("Examples:", 1)[1]
    return [line.strip() for line in block.splitlines() if "ehlo " in line]


@pytest.mark.parametrize("command", ["explain", "codes"])
def test_every_example_runs(command: str) -> None:
    examples = _examples(command)
    assert len(examples) >= 3
    for example in examples:
        if "/var/log" in example:  # needs the reader's own log
            continue
        script = f'ehlo() {{ {shlex.quote(sys.executable)} -m ehlo "$@"; }}\nset -o pipefail\n'
        done = subprocess.run(
            ["bash", "-c", script + example],
            capture_output=True, text=True, env=ehlo_env(), timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0, (example, done.stdout, done.stderr)
        assert done.stdout.strip(), example
        assert "Traceback" not in done.stderr
