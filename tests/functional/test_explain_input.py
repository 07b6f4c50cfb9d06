"""`ehlo explain` on hostile input: odd JSON lines, deep nesting, endless input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ehlo_env

ODD_LINES = [
    '{"reply": "550 5.1.1 no such user", "stage": ["rcpt"]}',
    '{"reply": "550 5.1.1 no such user", "stage": 5}',
    '{"reply": "550 5.1.1 no such user", "stage": "nowhere"}',
    '{"reply": {"text": "550 x"}}',
    '{"reply": "550 x", "context": ["host"]}',
    "[" * 100_000 + "]" * 100_000,
    '{"reply": ' + "[" * 100_000 + "]" * 100_000 + "}",
]


def _explain(
    *args: str, stdin: bytes | None = None, endless: bool = False
) -> subprocess.CompletedProcess[bytes]:
    command = [sys.executable, "-m", "ehlo", "explain", *args]
    if endless:  # standard input that never ends, in a process with bounded memory
        with open("/dev/zero", "rb") as zero:
            return subprocess.run(
                ["bash", "-c", 'ulimit -v 1500000; exec "$@"', "limit", *command],
                stdin=zero, capture_output=True, env=ehlo_env(), timeout=120, check=False,
            )  # fmt: skip
    return subprocess.run(
        command, input=stdin, capture_output=True, env=ehlo_env(), timeout=120, check=False
    )


def test_every_odd_line_gets_an_error_object_in_order() -> None:
    good = '{"reply": "452 4.2.2 Mailbox full", "stage": "rcpt"}'
    lines = [good, *ODD_LINES, good]
    done = _explain("--jsonl", stdin=("\n".join(lines) + "\n").encode())
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    out = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert len(out) == len(lines)
    assert out[0]["reason"] == out[-1]["reason"] == "mailboxfull"
    for number, result in enumerate(out[1:-1], start=2):
        assert result["class"] == "unknown", result
        assert result["error"].startswith(f"line {number}:"), result


@pytest.mark.parametrize("args", [["-"], ["--jsonl"]])
def test_endless_input_ends_in_a_clear_answer(args: list[str]) -> None:
    done = _explain(*args, endless=True)
    stderr = done.stderr.decode()
    assert "Traceback" not in stderr and "MemoryError" not in stderr, stderr[-2000:]
    assert done.returncode in (0, 64, 65), stderr
    said = done.stdout + done.stderr
    assert b"too large" in said or b"longer than" in said or b"does not end" in said, said
