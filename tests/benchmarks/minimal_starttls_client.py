"""The least a Python program can do for one STARTTLS delivery: the floor for `ehlo check`.

Only `socket` and `ssl`, no argument parsing, no output, no explanation, no error handling
beyond failing. `check_vs_swaks.py` runs it next to `ehlo check` and swaks to show how much of
ehlo's time is the interpreter and TLS library themselves.

    python tests/benchmarks/minimal_starttls_client.py HOST PORT FROM TO CA_FILE
"""

import socket
import ssl
import sys
from typing import BinaryIO


def _reply(stream: BinaryIO) -> bytes:
    """Read one (possibly multi-line) reply; fail unless it is positive."""
    while True:
        line = stream.readline()
        if line[3:4] != b"-":
            if line[:1] not in (b"2", b"3"):
                raise SystemExit(f"refused: {line!r}")
            return line


def main(host: str, port: str, sender: str, recipient: str, ca_file: str) -> None:
    """Deliver one short message over STARTTLS, verifying the certificate against CA_FILE."""
    context = ssl.create_default_context(cafile=ca_file)
    plain = socket.create_connection((host, int(port)), timeout=10)
    stream = plain.makefile("rb")
    _reply(stream)
    for command in (b"EHLO bench.example", b"STARTTLS"):
        plain.sendall(command + b"\r\n")
        _reply(stream)
    secure = context.wrap_socket(plain, server_hostname=host)
    stream = secure.makefile("rb")
    for command in (
        b"EHLO bench.example",
        f"MAIL FROM:<{sender}>".encode(),
        f"RCPT TO:<{recipient}>".encode(),
        b"DATA",
        b"Subject: floor\r\n\r\nOne line.\r\n.",
        b"QUIT",
    ):
        secure.sendall(command + b"\r\n")
        _reply(stream)
    secure.close()


if __name__ == "__main__":
    main(*sys.argv[1:6])
