"""A third-party client (swaks) sees the same sandbox behaviour as ehlo does."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from ehlo.sandbox import DEMO_MAILBOXES, DEMO_PASSWORD, DEMO_SENDER, DEMO_USER, Sandbox
from tests.functional.sandbox.conftest import StartSandbox

pytestmark = [
    pytest.mark.swaks,
    pytest.mark.skipif(shutil.which("swaks") is None, reason="needs the Debian swaks package"),
]

# swaks exit codes (swaks(1), EXIT CODES)
SWAKS_OK, SWAKS_MAIL_ERROR, SWAKS_NO_RCPT, SWAKS_AUTH_ERROR = 0, 23, 24, 28


def swaks(sandbox: Sandbox, recipient: str, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [
        "swaks",
        "--server",
        f"{sandbox.host}:{sandbox.port}",
        "--from",
        DEMO_SENDER,
        "--to",
        recipient,
        "--ehlo",
        "client.test",
        "--timeout",
        "15",
        *extra,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN", "CRAM-MD5"])
def test_happy_with_starttls_and_auth(start_sandbox: StartSandbox, mechanism: str) -> None:
    sandbox = start_sandbox("happy")
    credentials = ["--auth", mechanism, "--auth-user", DEMO_USER, "--auth-password", DEMO_PASSWORD]
    result = swaks(sandbox, DEMO_MAILBOXES[0], "--tls", *credentials)
    assert result.returncode == SWAKS_OK, result.stdout
    assert "TLS started with cipher" in result.stdout
    assert "235 2.7.0 Authentication successful" in result.stdout
    assert "250 2.0.0 Ok: queued as" in result.stdout
    (kept,) = sandbox.store.snapshot()
    assert kept.tls
    assert kept.authenticated_as == DEMO_USER
    assert b"X-Mailer: swaks" in kept.data


def test_happy_wrong_password_is_an_auth_error(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox("happy")
    credentials = ["--auth", "PLAIN", "--auth-user", DEMO_USER, "--auth-password", "wrong"]
    result = swaks(sandbox, DEMO_MAILBOXES[0], "--tls", *credentials)
    assert result.returncode == SWAKS_AUTH_ERROR, result.stdout
    assert "535 5.7.8 Error: authentication failed" in result.stdout


def test_unknown_user(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox("unknown-user")
    result = swaks(sandbox, "nobody@example.net", "--tls")
    assert result.returncode == SWAKS_NO_RCPT, result.stdout
    assert "550 5.1.1 <nobody@example.net>: Recipient address rejected" in result.stdout
    assert swaks(sandbox, DEMO_MAILBOXES[1], "--tls").returncode == SWAKS_OK


def test_tls_required(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox("tls-required")
    plain = swaks(sandbox, DEMO_MAILBOXES[0])
    assert plain.returncode == SWAKS_MAIL_ERROR, plain.stdout
    assert "530 5.7.0 Must issue a STARTTLS command first" in plain.stdout
    encrypted = swaks(sandbox, DEMO_MAILBOXES[0], "--tls")
    assert encrypted.returncode == SWAKS_OK, encrypted.stdout
    assert len(sandbox.store.snapshot()) == 1
