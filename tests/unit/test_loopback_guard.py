"""The test suite's loopback guard refuses other destinations and lets loopback through."""

from __future__ import annotations

import socket
import subprocess
import sys

import loopback_only
import pytest

from tests.conftest import ehlo_env


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("localhost", True),
        ("10.255.255.53", False),
        ("192.0.2.1", False),
        ("2001:db8::1", False),
        ("mx.example.com", False),
    ],
)
def test_classifies_destinations(host: str, allowed: bool) -> None:
    assert loopback_only.is_loopback(host) is allowed


def test_refuses_a_datagram_to_another_host_and_records_it() -> None:
    before = len(loopback_only.violations)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, pytest.raises(OSError):
        udp.sendto(b"x", ("192.0.2.1", 53))
    assert len(loopback_only.violations) == before + 1
    del loopback_only.violations[before:]  # the attempt was this test's purpose


def test_loopback_still_works() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver:
        receiver.bind(("127.0.0.1", 0))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            sender.sendto(b"ping", receiver.getsockname())
        assert receiver.recv(10) == b"ping"


def test_ehlo_subprocesses_are_guarded_too() -> None:
    code = (
        "import socket\n"
        "try:\n"
        "    socket.getaddrinfo('mx.example.com', 25)\n"
        "except OSError as e:\n"
        "    print('refused', e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=ehlo_env(), capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("refused")
