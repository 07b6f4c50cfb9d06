"""Keep tests on loopback: refuse connections, datagrams and name lookups that would leave it."""

from __future__ import annotations

import errno
import ipaddress
import socket
from typing import Any

LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})

violations: list[str] = []
"""Every refused destination, so the test suite can fail the test that tried it."""


def is_loopback(host: object) -> bool:
    """Whether HOST (an address literal or a name) stays on this machine without DNS."""
    if not isinstance(host, str):
        return False
    text = host.strip("[]").split("%", 1)[0]
    if text.lower() in LOCAL_NAMES or text == "":
        return True
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_unspecified


def _refuse(what: str, destination: object) -> OSError:
    message = f"tests may only use loopback: {what} to {destination!r} refused"
    violations.append(message)
    return OSError(errno.ENETUNREACH, message)


def _destination_host(address: Any) -> object:
    return address[0] if isinstance(address, tuple) and address else address


def install() -> None:
    """Patch the socket module once; later calls do nothing."""
    if getattr(socket, "_ehlo_loopback_only", False):
        return
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_sendto = socket.socket.sendto
    real_getaddrinfo = socket.getaddrinfo

    def leaves_loopback(sock: socket.socket, address: Any) -> bool:
        inet = sock.family in (socket.AF_INET, socket.AF_INET6)
        return inet and not is_loopback(_destination_host(address))

    def connect(self: socket.socket, address: Any) -> None:
        if leaves_loopback(self, address):
            raise _refuse("connect", address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if leaves_loopback(self, address):
            _refuse("connect", address)
            return errno.ENETUNREACH
        return real_connect_ex(self, address)

    def sendto(self: socket.socket, data: Any, *args: Any) -> int:
        if leaves_loopback(self, args[-1]):
            raise _refuse("sendto", args[-1])
        return real_sendto(self, data, *args)  # type: ignore[arg-type]

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name is not None and not is_loopback(name):
            _refuse("name lookup", name)
            raise socket.gaierror(socket.EAI_NONAME, f"{name}: lookups outside loopback refused")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.socket.sendto = sendto  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo
    socket._ehlo_loopback_only = True  # type: ignore[attr-defined]
