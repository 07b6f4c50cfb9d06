"""The printed swaks command carries every value as a value, never as another swaks option.

swaks reads any argument that starts with `-` as an option, even right after an option that
takes a value, and splits `-x=y` into `-x y` first; quoting cannot prevent that. So a value
swaks would misread is refused with a clear message, and file paths get a `./` in front.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from ehlo.sandbox import DEMO_MAILBOXES, DEMO_SENDER
from tests.functional.sandbox.conftest import StartSandbox

from .conftest import run_check

pytestmark = [
    pytest.mark.swaks,
    pytest.mark.skipif(shutil.which("swaks") is None, reason="needs the Debian swaks package"),
]


def _run_swaks(printed: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    words = shlex.split(printed)
    assert words[0] == "swaks", printed
    return subprocess.run(words, capture_output=True, text=True, timeout=60, check=False, cwd=cwd)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--to", "--pipe=/bin/true@example.net"),
        ("--from", "-q@example.org"),
        ("--helo", "--dump-as-body=x"),
        ("--body", "-"),
    ],
)
def test_values_swaks_would_read_as_options_are_refused(
    start_sandbox: StartSandbox, option: str, value: str
) -> None:
    sandbox = start_sandbox("happy")
    values = {"--from": DEMO_SENDER, "--to": DEMO_MAILBOXES[0], option: value}
    args = [arg for pair in values.items() for arg in pair]
    printed = run_check(sandbox.address, *args, "--no-verify", "--print-command", "swaks")
    assert printed.code == 64, printed.output
    assert printed.stdout == ""
    assert "swaks" in printed.stderr and option in printed.stderr
    assert "Traceback" not in printed.output


def test_relative_files_whose_names_start_with_a_dash_reach_swaks_as_files(
    start_sandbox: StartSandbox, tmp_path: Path
) -> None:
    sandbox = start_sandbox("happy")
    (tmp_path / "-mail.eml").write_text("Subject: dash file\r\n\r\nhello\r\n")
    (tmp_path / "-ca.pem").write_text(sandbox.certificate_pem)
    printed = run_check(
        sandbox.address, "--from", DEMO_SENDER, "--to", DEMO_MAILBOXES[0], "--data", "-mail.eml",
        "--tls", "starttls", "--ca-file", "-ca.pem", "--print-command", "swaks",
        cwd=str(tmp_path),
    )  # fmt: skip
    assert printed.code == 0, printed.output
    swaks = _run_swaks(printed.stdout, tmp_path)
    assert swaks.returncode == 0, swaks.stdout + swaks.stderr
    assert "Subject: dash file" in swaks.stdout
    assert "250 2.0.0 Ok: queued" in swaks.stdout


def test_a_fractional_timeout_is_given_to_swaks_in_whole_seconds(
    start_sandbox: StartSandbox, tmp_path: Path
) -> None:
    sandbox = start_sandbox("happy")
    printed = run_check(
        sandbox.address, "--from", DEMO_SENDER, "--to", DEMO_MAILBOXES[0], "--no-verify",
        "--timeout", "2.5", "--quit-after", "rcpt", "--print-command", "swaks",
    )  # fmt: skip
    assert printed.code == 0, printed.output
    words = shlex.split(printed.stdout)
    assert words[words.index("--timeout") + 1] == "3"
    swaks = _run_swaks(printed.stdout, tmp_path)
    assert swaks.returncode == 0, swaks.stdout + swaks.stderr
