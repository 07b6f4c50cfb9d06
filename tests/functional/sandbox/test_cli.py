"""`ehlo sandbox` and `ehlo demo` from the command line."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time

import pytest

from ehlo.sandbox import DEMO_MAILBOXES, DEMO_PASSWORD, DEMO_SENDER, DEMO_USER, SCENARIOS
from tests.conftest import ehlo_env
from tests.functional.sandbox.rawclient import RawClient

EHLO = [sys.executable, "-m", "ehlo"]


def run(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*EHLO, *args], capture_output=True, text=True, env=ehlo_env(), timeout=timeout, check=False
    )


def start_server(*args: str) -> tuple[subprocess.Popen[str], int, list[str]]:
    """Start `ehlo sandbox ARGS --port 0`; return it, its port and the lines printed so far."""
    process = subprocess.Popen(
        [*EHLO, "sandbox", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ehlo_env(),
    )
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.startswith("Press Ctrl-C"):
            break
    text = "\n".join(lines)
    found = re.search(r"SMTP\s+127\.0\.0\.1:(\d+)", text)
    assert found, text
    return process, int(found.group(1)), lines


def stop(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=15)
    return process.returncode, stdout, stderr


def test_list_shows_every_scenario_with_its_description() -> None:
    result = run("sandbox", "--list")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(SCENARIOS)
    for line, scenario in zip(lines, SCENARIOS.values(), strict=True):
        assert line.endswith(scenario.description)


def test_unknown_scenario_is_a_usage_error() -> None:
    result = run("sandbox", "--scenario", "nope")
    assert result.returncode == 64
    assert "nope" in result.stderr
    assert "Traceback" not in result.stderr


def test_certificate_without_key_is_a_usage_error(tmp_path: pytest.TempPathFactory) -> None:
    cert = f"{tmp_path}/cert.pem"
    with open(cert, "w") as file:
        file.write("x")
    result = run("sandbox", "--tls-cert", cert)
    assert result.returncode == 64
    assert "--tls-key" in result.stderr


def test_port_zero_prints_the_port_credentials_and_stops_cleanly_on_ctrl_c() -> None:
    process, port, lines = start_server("--scenario", "unknown-user")
    text = "\n".join(lines)
    assert "scenario unknown-user" in text
    assert DEMO_USER in text and DEMO_PASSWORD in text
    assert DEMO_SENDER in text and DEMO_MAILBOXES[0] in text
    assert f"ehlo check 127.0.0.1:{port} " in text
    try:
        client = RawClient("127.0.0.1", port)
        assert client.reply().startswith(b"220 sandbox.ehlo.test")
        client.command("EHLO client.test")
        client.command(f"MAIL FROM:<{DEMO_SENDER}>")
        assert client.command("RCPT TO:<nobody@example.net>").startswith(b"550 5.1.1 ")
        client.command("QUIT")
        client.close()
    finally:
        code, stdout, stderr = stop(process)
    assert code == 0, stderr
    assert "Sandbox stopped." in stdout
    assert "connection from 127.0.0.1:" in stdout
    assert "<- 550 5.1.1 <nobody@example.net>: Recipient address rejected" in stdout
    assert "Traceback" not in stderr
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2)


def test_implicit_tls_port_is_printed() -> None:
    process, _port, lines = start_server("--implicit-tls-port", "0", "--quiet")
    code, _stdout, _stderr = stop(process)
    assert code == 0
    assert any(re.search(r"SMTPS\s+127\.0\.0\.1:\d+ \(implicit TLS\)", line) for line in lines)


def test_busy_port_is_a_clear_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("sandbox", "--port", str(port))
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "--port 0" in result.stderr
    assert "Traceback" not in result.stderr


def test_non_loopback_address_warns_loudly() -> None:
    # 192.0.2.1 (TEST-NET-1) is not an address of this machine: binding fails after the warning.
    result = run("sandbox", "--host", "192.0.2.1", "--port", "0")
    assert result.stderr.startswith("WARNING: listening on 192.0.2.1, not loopback")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr


def test_unreadable_certificate_is_a_clear_error(tmp_path: pytest.TempPathFactory) -> None:
    cert, key = f"{tmp_path}/cert.pem", f"{tmp_path}/key.pem"
    for path in (cert, key):
        with open(path, "w") as file:
            file.write("not pem\n")
    result = run("sandbox", "--port", "0", "--tls-cert", cert, "--tls-key", key)
    assert result.returncode == 1
    assert "cannot use the certificate" in result.stderr
    assert "Traceback" not in result.stderr


def test_sandbox_command_does_not_import_the_app() -> None:
    code = (
        "import sys; from ehlo.cli import main\n"
        "try:\n    main(['sandbox', '--list'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=ehlo_env(), check=False
    )
    assert result.stdout.strip().endswith("[]"), result.stdout + result.stderr


def test_demo_without_the_app_suggests_ehlo_check() -> None:
    # A build without the app: hide ehlo.app.app from the import system.
    code = (
        "import sys\n"
        "class Hide:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'ehlo.app.app':\n"
        "            raise ImportError('not in this build')\n"
        "sys.meta_path.insert(0, Hide())\n"
        "from ehlo.cli import main\n"
        "main(['demo', '--scenario', 'greylist'])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=ehlo_env(), check=False
    )
    assert result.returncode == 1, result.stderr
    assert "The app is not available in this build" in result.stderr
    assert "ehlo sandbox --scenario greylist" in result.stderr
    assert "ehlo check 127.0.0.1:2525 --from demo@example.com" in result.stderr
    assert "Traceback" not in result.stderr


def test_sigterm_stops_cleanly_too() -> None:
    process, _port, _lines = start_server("--quiet")
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=15)
    assert process.returncode == 0, stderr
    assert "Sandbox stopped." in stdout


def test_a_key_that_does_not_match_the_certificate_is_named_as_such(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.fixtures.certs import self_signed

    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    cert, _key = self_signed(tmp_path / "one", "one.ehlo.test")
    _cert, other_key = self_signed(tmp_path / "two", "two.ehlo.test")
    result = run("sandbox", "--port", "0", "--tls-cert", str(cert), "--tls-key", str(other_key))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "cannot use the certificate" in result.stderr
    assert "cannot listen" not in result.stderr
    assert "Traceback" not in result.stderr


def test_a_busy_implicit_tls_port_is_named_correctly() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("sandbox", "--port", "0", "--implicit-tls-port", str(port))
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr, result.stderr
    assert "127.0.0.1:0" not in result.stderr
    assert "Traceback" not in result.stderr


def test_a_greylist_delay_that_is_not_a_number_is_a_usage_error() -> None:
    result = run("sandbox", "--port", "0", "--scenario", "greylist", "--greylist-delay", "nan")
    assert result.returncode == 64, result.stdout + result.stderr
    assert "--greylist-delay" in result.stderr
