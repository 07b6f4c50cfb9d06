"""`ehlo check` usage errors, unreachable servers and secrets, without Postfix."""

from __future__ import annotations

import shlex
import socket
from pathlib import Path

import pytest

from .conftest import run_check


def _closed_port() -> int:
    """A loopback port with nothing listening (bound then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["127.0.0.1:25", "--to", "b@example.com"], "--from is required"),
        (["127.0.0.1:25", "--from", "a@example.org"], "at least one --to"),
        (["mx.example.com:99999", "--from", "a@x.example", "--to", "b@y.example"], "1 to 65535"),
        (["[::1", "--from", "a@x.example", "--to", "b@y.example"], "unclosed"),
        (["", "--from", "a@x.example", "--to", "b@y.example"], "empty"),
        (["127.0.0.1", "--from", "a@x.example", "--to", "not-an-address"], "not an address"),
        (["127.0.0.1", "--from", "a@x.example\r\nRSET", "--to", "b@y.example"], "line breaks"),
        (["127.0.0.1", "--from", "a@x.example", "--to", "b@y.example", "--tls", "maybe"], "maybe"),
        (["127.0.0.1", "--to", "b@y.example", "--quit-after", "never"], "never"),
        (["127.0.0.1", "--from", "a@x.example", "--to", "b@y.example", "-4", "-6"], "exclude"),
        (
            ["127.0.0.1", "--from", "a@x.example", "--to", "b@y.example", "--timeout", "0"],
            "timeout",
        ),
        (["127.0.0.1:25", "--port", "26", "--quit-after", "connect"], "not both"),
        (["127.0.0.1", "--quit-after", "connect", "--user", "me"], "need --auth"),
        (["127.0.0.1", "--quit-after", "auth", "--auth", "PLAIN"], "needs --user"),
        (
            ["127.0.0.1", "--quit-after", "auth", "--auth", "PLAIN", "--user", "me"],
            "standard input is not a terminal",
        ),
        (
            [
                "127.0.0.1",
                "--quit-after",
                "auth",
                "--auth",
                "LOGIN",
                "--user",
                "me",
                "--password-env",
                "EHLO_TEST_UNSET_VARIABLE",
            ],
            "EHLO_TEST_UNSET_VARIABLE is not set",
        ),
        (
            [
                "127.0.0.1",
                "--quit-after",
                "auth",
                "--auth",
                "LOGIN",
                "--user",
                "me",
                "--password-file",
                "/nonexistent/secret",
            ],
            "cannot read",
        ),
        (
            ["127.0.0.1", "--from", "a@x.example", "--to", "b@y.example", "--data", "/nonexistent"],
            "cannot read",
        ),
        (["127.0.0.1", "--from", "a@x.example", "--to", "b@y.example", "--bogus"], "--bogus"),
        (["@example.com", "--quit-after", "connect", "--resolver", "[::1"], "--resolver"),
        (["@example.com", "--quit-after", "connect", "--resolver", "ns:0"], "--resolver"),
        (["127.0.0.1", "--quit-after", "ehlo", "--helo", "a\r\nRSET"], "--helo"),
        (["[::1]:25", "--quit-after", "ehlo", "-4"], "not an IPv4 address"),
        (["127.0.0.1", "--quit-after", "ehlo", "-6"], "not an IPv6 address"),
        (["127.0.0.1", "--quit-after", "ehlo", "--helo", "two words"], "one word"),
        (["127.0.0.1", "--quit-after", "ehlo", "--server-name", "a b"], "--server-name"),
        (
            ["127.0.0.1", "--from", "a@x.example", "--to", "b@y.example", "--subject", "x\nBcc: c"],
            "--subject",
        ),
        (["127.0.0.1", "--from", "a@x.example", "--to", "b@y.example", "--data", "/"], "cannot"),
        (
            ["127.0.0.1", "--tls", "none", "--quit-after", "ehlo", "--print-command", "openssl"],
            "--tls none",
        ),
    ],
)
def test_usage_errors_exit_64_without_prompting(args: list[str], fragment: str) -> None:
    run = run_check(*args)
    assert run.code == 64, run.output
    assert fragment in run.stderr
    assert "Traceback" not in run.output
    assert "Password" not in run.output


def test_unreachable_port_exits_3_with_a_clear_message() -> None:
    port = _closed_port()
    run = run_check(f"127.0.0.1:{port}", "--from", "a@x.example", "--to", "b@y.example")
    assert run.code == 3, run.output
    assert "Traceback" not in run.output
    assert f"127.0.0.1 port {port}" in run.stdout or f"127.0.0.1:{port}" in run.stdout
    assert "result: error at connect" in run.stdout


def test_unreachable_port_json() -> None:
    port = _closed_port()
    run = run_check(f"127.0.0.1:{port}", "--quit-after", "connect", "--json")
    assert run.code == 3, run.output
    document = run.json()
    assert document["result"] == "error" and document["peer"] is None
    error = document["error"]
    assert isinstance(error, dict)
    assert error["stage"] == "connect" and error["kind"] == "connect" and error["message"]


def test_silent_server_times_out_with_exit_3() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        run = run_check(f"127.0.0.1:{port}", "--quit-after", "connect", "--timeout", "1", "--json")
    assert run.code == 3, run.output
    error = run.json()["error"]
    assert isinstance(error, dict) and error["kind"] == "timeout"


def test_print_command_redacts_the_password(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text("s3cr3t-Pa55\n")
    args = [
        "smtp.example.com:587",
        "--from",
        "a@x.example",
        "--to",
        "b@y.example",
        "--auth",
        "plain",
        "--user",
        "me",
        "--password-file",
        str(secret_file),
        "--tls",
        "starttls",
    ]
    run = run_check(*args, "--print-command", "swaks")
    assert run.code == 0, run.output
    assert "s3cr3t-Pa55" not in run.output
    words = shlex.split(run.stdout)
    assert words[words.index("--auth-password") + 1] == "<redacted>"
    assert words[words.index("--auth") + 1] == "PLAIN"
    shown = run_check(*args, "--print-command", "swaks", "--show-secrets")
    assert "s3cr3t-Pa55" in shlex.split(shown.stdout)
    openssl = run_check(*args, "--print-command", "openssl")
    assert shlex.split(openssl.stdout)[:4] == [
        "openssl",
        "s_client",
        "-connect",
        "smtp.example.com:587",
    ]
    assert "s3cr3t-Pa55" not in openssl.output


def test_help_lists_the_exit_codes() -> None:
    run = run_check("--help")
    assert run.code == 0
    for fragment in ("--quit-after", "--password-env", "64 usage error", "@domain"):
        assert fragment in run.stdout


def test_check_never_imports_textual_or_rich() -> None:
    import subprocess
    import sys

    from tests.conftest import ehlo_env

    port = _closed_port()
    code = (
        "import sys\n"
        "from ehlo.cli import main\n"
        "try:\n"
        f"    main(['check', '127.0.0.1:{port}', '--from', 'a@x.example', '--to', 'b@y.example'])\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 3, exc.code\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print('LOADED', loaded, file=sys.stderr)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=ehlo_env(),
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "LOADED []" in completed.stderr


@pytest.mark.parametrize("source", ["stdin", "file"])
def test_an_empty_message_is_refused_before_connecting(source: str, tmp_path: Path) -> None:
    with socket.socket() as listener:  # a server that would accept the connection
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        empty = tmp_path / "empty.eml"
        empty.write_bytes(b"")
        data = "-" if source == "stdin" else str(empty)
        run = run_check(
            f"127.0.0.1:{port}", "--from", "a@x.example", "--to", "b@y.example", "--data", data,
            "--timeout", "2", stdin="",
        )  # fmt: skip
    assert run.code == 64, run.output
    assert "empty" in run.stderr and "--data" in run.stderr
    assert "Traceback" not in run.output


def test_an_empty_message_is_fine_when_the_check_stops_before_data(tmp_path: Path) -> None:
    empty = tmp_path / "empty.eml"
    empty.write_bytes(b"")
    run = run_check(
        "127.0.0.1:25", "--from", "a@x.example", "--to", "b@y.example", "--data", str(empty),
        "--quit-after", "rcpt", "--print-command", "swaks",
    )  # fmt: skip
    assert run.code == 0, run.output


NOT_UTF8 = b"bad\xff".decode("utf-8", errors="surrogateescape")  # how Python sees such bytes


@pytest.mark.parametrize(
    ("option", "args"),
    [
        ("--from", ["--from", f"{NOT_UTF8}@x.example"]),
        ("--to", ["--to", f"{NOT_UTF8}@y.example"]),
        ("--helo", ["--helo", NOT_UTF8]),
        ("--subject", ["--subject", NOT_UTF8]),
        ("--body", ["--body", NOT_UTF8]),
        ("--user", ["--auth", "PLAIN", "--user", NOT_UTF8, "--password-env", "GOOD_SECRET"]),
        ("--password-env", ["--auth", "PLAIN", "--user", "me", "--password-env", "BAD_SECRET"]),
    ],
)
def test_values_that_are_not_utf8_are_usage_errors(option: str, args: list[str]) -> None:
    base = {"--from": ["--from", "a@x.example"], "--to": ["--to", "b@y.example"]}
    for name in ("--from", "--to"):
        if name not in args:
            args = [*args, *base[name]]
    run = run_check(
        f"127.0.0.1:{_closed_port()}", *args, "--print-command", "openssl",
        GOOD_SECRET="s3cret-value", BAD_SECRET=f"s3cret-{NOT_UTF8}-value",
    )  # fmt: skip
    assert run.code == 64, run.output
    assert option in run.stderr and "UTF-8" in run.stderr
    assert "internal error" not in run.output and "Traceback" not in run.output
    assert "s3cret" not in run.output


@pytest.mark.parametrize(
    ("option", "source"),
    [("--data", "/dev/zero"), ("--data", "-"), ("--password-file", "/dev/zero")],
)
def test_endless_input_is_refused_without_reading_it_all(option: str, source: str) -> None:
    import subprocess
    import sys

    from tests.conftest import ehlo_env

    args = [sys.executable, "-m", "ehlo", "check", f"127.0.0.1:{_closed_port()}",
            "--from", "a@x.example", "--to", "b@y.example", option, source]  # fmt: skip
    if option == "--password-file":
        args += ["--auth", "PLAIN", "--user", "me"]
    with open("/dev/zero", "rb") as endless:
        done = subprocess.run(
            ["bash", "-c", 'ulimit -v 1500000; exec "$@"', "limit", *args],
            stdin=endless, capture_output=True, text=True, env=ehlo_env(), timeout=60,
            check=False,
        )  # fmt: skip
    assert done.returncode == 64, done.stdout + done.stderr
    assert option in done.stderr and "larger than" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_ca_file_without_certificates_is_a_usage_error(tmp_path: Path) -> None:
    not_pem = tmp_path / "ca.txt"
    not_pem.write_text("this is not a certificate\n")
    with socket.socket() as listener:  # a server that would accept the connection
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        run = run_check(
            f"127.0.0.1:{port}", "--from", "a@x.example", "--to", "b@y.example",
            "--ca-file", str(not_pem), "--timeout", "2",
        )  # fmt: skip
    assert run.code == 64, run.output
    assert "--ca-file" in run.stderr and "certificate" in run.stderr


@pytest.mark.parametrize(
    ("given", "sent"),
    [("<a@x.example>", "a@x.example"), ("<>", "<>"), ("a@x.example", "a@x.example")],
)
def test_addresses_in_angle_brackets_are_taken_as_the_address(given: str, sent: str) -> None:
    run = run_check(
        "127.0.0.1", "--from", given, "--to", "<b@y.example>", "--print-command", "swaks"
    )
    assert run.code == 0, run.output
    words = shlex.split(run.stdout)
    assert words[words.index("--from") + 1] == sent
    assert words[words.index("--to") + 1] == "b@y.example"


def test_stray_angle_brackets_are_refused() -> None:
    run = run_check("127.0.0.1", "--from", "a@x.example>", "--to", "b@y.example")
    assert run.code == 64, run.output
    assert "--from" in run.stderr and "<" in run.stderr


@pytest.mark.parametrize("recipient", ["", "<>"])
def test_an_empty_recipient_is_refused(recipient: str) -> None:
    run = run_check("127.0.0.1", "--from", "a@x.example", "--to", recipient)
    assert run.code == 64, run.output
    assert "--to" in run.stderr and "empty" in run.stderr


@pytest.mark.parametrize(("mechanism", "warned"), [("PLAIN", True), ("CRAM-MD5", False)])
def test_auth_without_tls_warns_when_the_secret_would_be_readable(
    mechanism: str, warned: bool
) -> None:
    run = run_check(
        f"127.0.0.1:{_closed_port()}", "--tls", "none", "--auth", mechanism, "--user", "u",
        "--password-env", "EHLO_TEST_SECRET", "--quit-after", "auth",
        EHLO_TEST_SECRET="s3cret-value",
    )  # fmt: skip
    assert run.code == 3, run.output
    assert ("warning: --tls none: AUTH PLAIN sends the secret" in run.stderr) is warned
    assert "s3cret-value" not in run.output
