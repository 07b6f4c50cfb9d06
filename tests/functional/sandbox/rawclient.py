"""A tiny line-level SMTP client for asserting exact server bytes."""

from __future__ import annotations

import socket
import ssl

from tests.functional.sandbox.conftest import insecure_context


class RawClient:
    """Sends command lines and reads whole replies as raw bytes."""

    def __init__(self, host: str, port: int, timeout: float = 10.0) -> None:
        self.sock: socket.socket = socket.create_connection((host, port), timeout=timeout)
        self.buffer = b""

    def _line(self) -> bytes:
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by the server")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line + b"\n"

    def reply(self) -> bytes:
        """The next reply: lines up to one whose fourth byte is not a hyphen."""
        lines = [self._line()]
        while len(lines[-1]) >= 4 and lines[-1][3:4] == b"-":
            lines.append(self._line())
        return b"".join(lines)

    def send(self, line: str | bytes) -> None:
        data = line.encode() if isinstance(line, str) else line
        self.sock.sendall(data + b"\r\n")

    def command(self, line: str | bytes) -> bytes:
        """Send LINE and return the reply."""
        self.send(line)
        return self.reply()

    def starttls(self) -> None:
        assert self.command("STARTTLS").startswith(b"220 ")
        self.sock = insecure_context().wrap_socket(self.sock)
        assert isinstance(self.sock, ssl.SSLSocket)

    def closed_by_server(self) -> bool:
        """Whether the server has closed the connection (nothing more to read)."""
        try:
            return self.sock.recv(1) == b""
        except (ConnectionError, TimeoutError, OSError):
            return True

    def close(self) -> None:
        self.sock.close()
