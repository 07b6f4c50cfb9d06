"""`ehlo demo`: the app, made exactly as the demo makes it, connects to the sandbox child process,
and the child never outlives the demo (normal exit, Ctrl-C, crash)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from ehlo.commands.demo import app_available, demo_session
from ehlo.sandbox.child import SandboxProcess, SandboxStartError
from tests.conftest import ehlo_env

pytestmark = pytest.mark.skipif(not app_available(), reason="the app is not in this build")


@pytest.fixture
def quiet_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings whose DNS resolver is a closed loopback port, so nothing leaves the machine."""
    path = tmp_path / "config.toml"
    path.write_text(
        f'export_dir = "{tmp_path}"\n[dns]\nresolver = "127.0.0.1:9"\n', encoding="utf-8"
    )
    monkeypatch.setenv("EHLO_CONFIG", str(path))
    return path


def _gone(pid: int, timeout: float = 10.0) -> bool:
    """Whether process PID has exited (and been reaped, or is not ours) within the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:  # a zombie still answers kill(0); reap it if it is our child
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return True
        except ChildProcessError:
            with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
                if stat.read().split(") ", 1)[1].startswith("Z"):
                    return True
        time.sleep(0.05)
    return False


def _python(*args: str) -> subprocess.CompletedProcess[str]:
    """Run this checkout's Python with ARGS, its output captured, stdin closed."""
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env=ehlo_env(),
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def _refused(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:PORT any more."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return True
    return False


async def test_demo_app_connects_to_the_sandbox_child(quiet_settings: Path) -> None:
    from tests.functional.app.conftest import transcript_text

    with demo_session("happy") as (sandbox, app):
        assert sandbox.host == "127.0.0.1"
        assert sandbox.port > 0
        assert sandbox.is_running()
        async with app.run_test(size=(140, 45)) as pilot:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 15
            while "220 sandbox.ehlo.test" not in transcript_text(app):
                assert loop.time() < deadline, transcript_text(app)
                await pilot.pause(0.05)
            assert "sandbox-pass-2525" not in transcript_text(app)
    assert not sandbox.is_running()
    assert _refused(sandbox.port)


def test_child_stops_when_its_parent_is_killed() -> None:
    # The parent starts the child, reports both pids, then dies without any cleanup.
    code = (
        "import os, signal\n"
        "from ehlo.sandbox.child import SandboxProcess\n"
        "sandbox = SandboxProcess('happy')\n"
        "print(sandbox.process.pid, sandbox.port, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    parent = _python("-c", code)
    assert parent.returncode == -signal.SIGKILL, parent.stderr
    child_pid, port = (int(word) for word in parent.stdout.split())
    assert _gone(child_pid), "the sandbox outlived its killed parent"
    assert _refused(port)


def test_child_stops_when_the_demo_is_interrupted() -> None:
    # Ctrl-C while the demo runs: KeyboardInterrupt unwinds through demo_session.
    code = (
        "import os, signal, sys, time\n"
        # a process started in the background inherits SIGINT ignored: restore Python's handler
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "from ehlo.commands.demo import demo_session\n"
        "try:\n"
        "    with demo_session('happy') as (sandbox, app):\n"
        "        print(sandbox.process.pid, sandbox.port, flush=True)\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "        time.sleep(30)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', sandbox.process.poll() is not None, flush=True)\n"
        "print('server in the demo process:', 'ehlo.sandbox.server' in sys.modules, flush=True)\n"
    )
    parent = _python("-c", code)
    lines = parent.stdout.splitlines()
    assert len(lines) == 3, f"exit {parent.returncode}\n{parent.stdout}\n{parent.stderr}"
    first, second, third = lines
    child_pid, port = (int(word) for word in first.split())
    assert second == "interrupted True", parent.stdout + parent.stderr
    assert third == "server in the demo process: False"
    assert _gone(child_pid)
    assert _refused(port)


def test_a_child_that_cannot_start_says_why() -> None:
    with pytest.raises(SandboxStartError) as raised, SandboxProcess("no-such-scenario") as bad:
        _ = bad.port
    assert raised.value.exit_code == 64
    assert "no-such-scenario" in str(raised.value)
    assert "Traceback" not in str(raised.value)


def test_demo_with_an_unknown_scenario_is_a_usage_error() -> None:
    result = _python("-m", "ehlo", "demo", "--scenario", "no-such-scenario")
    assert result.returncode == 64, result.stderr
    assert "'no-such-scenario' is not one of" in result.stderr
    assert "greylist" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_help_lists_the_scenarios() -> None:
    from ehlo.commands.demo import demo

    result = CliRunner().invoke(demo, ["--help"])
    assert result.exit_code == 0, result.output
    assert "tls-required" in result.output and "dmarc-reject" in result.output


def test_demo_says_so_when_the_app_cannot_be_imported() -> None:
    code = (
        "import sys\n"
        "sys.modules['textual'] = None  # as if Textual were missing or broken\n"
        "from ehlo.cli import main\n"
        "main(['demo'])\n"
    )
    result = _python("-c", code)
    assert result.returncode == 1, result.stderr
    assert "The app could not be loaded (" in result.stderr
    assert "ehlo sandbox --scenario happy" in result.stderr
    assert "Traceback" not in result.stderr
