"""`ehlo check --auth` against aiosmtpd: success, failure, and secrets kept out of the output."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.fixtures.nsd import free_port

from .conftest import run_check

USER = "carol"
PASSWORD = "correct horse battery staple"


class Sink:
    """Accepts every message."""

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        return "250 2.0.0 accepted"


def _authenticator(
    server: object, session: object, envelope: object, mechanism: str, data: object
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def auth_server() -> Iterator[str]:
    controller = Controller(
        Sink(),
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=_authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield f"127.0.0.1:{controller.port}"
    finally:
        controller.stop()


def _secret_forms(secret: str) -> list[str]:
    forms = [secret, base64.b64encode(secret.encode()).decode()]
    forms.append(base64.b64encode(f"\0{USER}\0{secret}".encode()).decode())
    return forms


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
@pytest.mark.parametrize("as_json", [False, True])
def test_auth_succeeds_and_never_shows_the_password(
    auth_server: str, mechanism: str, as_json: bool
) -> None:
    args = [
        auth_server,
        "--tls",
        "none",
        "--auth",
        mechanism,
        "--user",
        USER,
        "--password-env",
        "EHLO_TEST_PASSWORD",
        "--from",
        "a@x.example",
        "--to",
        "b@y.example",
    ]
    run = run_check(*args, *(["--json"] if as_json else []), EHLO_TEST_PASSWORD=PASSWORD)
    assert run.code == 0, run.output
    for form in _secret_forms(PASSWORD):
        assert form not in run.output
    if as_json:
        document = run.json()
        sent = [step["sent"] for step in document["steps"]]  # type: ignore[union-attr]
        assert any(line and line.startswith(f"AUTH {mechanism}") for line in sent)
        assert 235 in [s["reply"]["code"] for s in document["steps"] if s["reply"]]  # type: ignore[union-attr]
    else:
        assert "<- 235" in run.stdout


def test_wrong_password_is_a_permanent_failure(auth_server: str, tmp_path: Path) -> None:
    secret_file = tmp_path / "password"
    wrong = "not-the-password-42"
    secret_file.write_text(wrong + "\n")
    run = run_check(
        auth_server,
        "--tls",
        "none",
        "--auth",
        "PLAIN",
        "--user",
        USER,
        "--password-file",
        str(secret_file),
        "--from",
        "a@x.example",
        "--to",
        "b@y.example",
    )
    assert run.code == 2, run.output
    assert "<- 535" in run.stdout
    for form in _secret_forms(wrong):
        assert form not in run.output


def test_show_secrets_shows_what_was_sent(auth_server: str) -> None:
    run = run_check(
        auth_server, "--tls", "none", "--auth", "PLAIN", "--user", USER, "--password-env",
        "EHLO_TEST_PASSWORD", "--quit-after", "auth", "--show-secrets",
        EHLO_TEST_PASSWORD=PASSWORD,
    )  # fmt: skip
    assert run.code == 0, run.output
    assert base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode() in run.stdout
