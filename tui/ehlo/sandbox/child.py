"""The sandbox in a child process (`ehlo sandbox --print-port --stop-on-eof`), for `ehlo demo`.

A child keeps aiosmtpd's imports and the server's work out of the app's process: it starts on
another core while the app starts, and never competes with the app's event loop. The child
stops when its standard input closes, so it ends with the parent even when the parent is
killed; the parent also stops it on exit.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import threading
from types import TracebackType
from typing import IO

START_TIMEOUT = 20.0
"""Seconds to wait for the child to report its port."""
STOP_TIMEOUT = 3.0
"""Seconds the child gets to stop by itself before it is killed."""


class SandboxStartError(RuntimeError):
    """The child ended or stayed silent before reporting a port; the message says why."""

    def __init__(self, message: str, exit_code: int | None) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class SandboxProcess:
    """`python -m ehlo sandbox` on a free loopback port, started at once, stopped on exit."""

    def __init__(self, scenario: str = "happy", host: str = "127.0.0.1") -> None:
        self.scenario = scenario
        self.host = host
        self._port: int | None = None
        self._port_line: list[bytes] = []
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop)
        command = [sys.executable, "-m", "ehlo", "sandbox", "--host", host, "--port", "0"]
        command += ["--scenario", scenario, "--quiet", "--print-port", "--stop-on-eof"]
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=_child_environment(),
            start_new_session=True,  # the terminal's Ctrl-C goes to the parent, which stops us
        )
        self._reader = threading.Thread(target=self._read_port_line, daemon=True)
        self._reader.start()

    def _read_port_line(self) -> None:
        assert self.process.stdout is not None
        self._port_line.append(self.process.stdout.readline())

    @property
    def port(self) -> int:
        """The child's SMTP port, waiting for it to start if it has not reported yet.

        Raises:
            SandboxStartError: the child exited, printed something else, or timed out.
        """
        if self._port is not None:
            return self._port
        self._reader.join(START_TIMEOUT)
        line = self._port_line[0].strip() if self._port_line else b""
        if not (line.isascii() and line.isdigit()):
            self.stop()
            code = self.process.returncode
            why = self.error_output() or (
                "no port reported" if code is not None else f"no port in {START_TIMEOUT:g} s"
            )
            raise SandboxStartError(f"the sandbox did not start: {why}", code)
        self._port = int(line)
        return self._port

    @property
    def address(self) -> str:
        """`host:port` of the running child."""
        return f"{self.host}:{self.port}"

    def error_output(self) -> str:
        """What the child wrote to standard error so far."""
        if self._stderr.closed:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", errors="replace").strip()

    def is_running(self) -> bool:
        """Whether the child has not exited yet."""
        return self.process.poll() is None

    def stop(self) -> None:
        """Close the child's input (it stops by itself), then kill it if it lingers."""
        if self.process.stdin is not None and not self.process.stdin.closed:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(1.0)
        if self.process.stdout is not None:
            self.process.stdout.close()

    def close(self) -> None:
        """Stop the child and release its files."""
        self.stop()
        self._stderr.close()

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _child_environment() -> dict[str, str]:
    """This process's environment; a source checkout's `ehlo` is put first on the child's path.

    An installed `ehlo` (in site-packages) is found by the child anyway, and putting
    site-packages ahead of the standard library could shadow it, so only a checkout is added.
    """
    import site

    import ehlo

    environment = dict(os.environ)
    package_parent = os.path.dirname(os.path.dirname(os.path.realpath(ehlo.__file__)))
    site_dirs = [*site.getsitepackages(), site.getusersitepackages()]
    if package_parent not in {os.path.realpath(path) for path in site_dirs}:
        paths = [package_parent, *environment.get("PYTHONPATH", "").split(os.pathsep)]
        environment["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(path for path in paths if path))
    return environment
