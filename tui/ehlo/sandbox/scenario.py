"""What a scenario is: a name, a description and small hooks that replace the normal replies."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from ehlo.sandbox.options import SandboxOptions

HookStage = Literal[
    "connect", "command", "ehlo", "auth", "mail", "rcpt", "data", "end-of-data", "reply"
]
"""Where a hook runs.

connect: instead of the greeting. command: before any command is handled (ctx.command is set).
ehlo: instead of the EHLO reply. auth: after credentials were checked (ctx.auth_ok is set).
mail / rcpt / data: before MAIL, RCPT, DATA are accepted. end-of-data: after the message.
reply: on every reply about to be sent (ctx.outgoing is set), e.g. to slow it down.
"""


@dataclass(frozen=True, slots=True)
class Response:
    """What the sandbox sends instead of its normal reply."""

    payload: bytes
    """The exact bytes on the wire, line endings included; empty sends nothing."""
    close: bool = False
    """Close the connection after sending."""
    delay: float = 0.0
    """Seconds to wait before sending."""


def reply(*lines: str, close: bool = False, delay: float = 0.0) -> Response:
    """A well-formed reply from complete lines such as "550 5.1.1 <a@b>: User unknown"."""
    return Response("".join(f"{line}\r\n" for line in lines).encode("utf-8"), close, delay)


def multiline(code: str, enhanced: str, texts: tuple[str, ...] | list[str]) -> Response:
    """A multi-line reply with the code and enhanced code on every line."""
    last = len(texts) - 1
    lines = [f"{code}{' ' if i == last else '-'}{enhanced} {text}" for i, text in enumerate(texts)]
    return reply(*lines)


DROP = Response(b"", close=True)
"""Close the connection without replying."""


class GreylistTable:
    """First-seen times of (client IP, sender, recipient) triplets; bounded, oldest evicted."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._first_seen: OrderedDict[tuple[str, str, str], float] = OrderedDict()

    def first_seen(self, triplet: tuple[str, str, str], now: float) -> tuple[float, bool]:
        """When TRIPLET was first seen, and whether that is now (it is new)."""
        seen = self._first_seen.get(triplet)
        is_new = seen is None
        if seen is None:
            seen = now
            self._first_seen[triplet] = now
        self._first_seen.move_to_end(triplet)
        while len(self._first_seen) > self.capacity:
            self._first_seen.popitem(last=False)
        return seen, is_new


class RateCounter:
    """Recent message times per client IP; bounded in clients and in times kept."""

    def __init__(self, capacity: int = 10_000, window: float = 60.0) -> None:
        self.capacity = capacity
        self.window = window
        self._times: OrderedDict[str, deque[float]] = OrderedDict()

    def recent(self, client: str, now: float) -> int:
        """How many messages CLIENT sent within the window."""
        times = self._times.get(client)
        if times is None:
            return 0
        while times and times[0] <= now - self.window:
            times.popleft()
        return len(times)

    def record(self, client: str, now: float) -> None:
        """Count one message from CLIENT."""
        times = self._times.setdefault(client, deque(maxlen=1000))
        times.append(now)
        self._times.move_to_end(client)
        while len(self._times) > self.capacity:
            self._times.popitem(last=False)


@dataclass
class SharedState:
    """State one sandbox keeps across connections (greylisting and rate limits)."""

    greylist: GreylistTable = field(default_factory=GreylistTable)
    rates: RateCounter = field(default_factory=RateCounter)
    clock: Callable[[], float] = time.monotonic


@dataclass
class Context:
    """What a hook knows about the connection; the protocol keeps it up to date."""

    options: SandboxOptions
    shared: SharedState
    client_ip: str
    tls: bool = False
    helo: str | None = None
    authenticated_as: str | None = None
    command: str | None = None
    auth_ok: bool = False
    sender: str | None = None
    mail_params: Mapping[str, str | bool] = field(default_factory=dict)
    recipient: str | None = None
    recipients: tuple[str, ...] = ()
    message: bytes | None = None
    outgoing: bytes = b""
    messages_on_connection: int = 0
    refused_at_greeting: bool = False
    replies_sent: int = 0


Hook = Callable[[Context], Response | None]


@dataclass(frozen=True, slots=True)
class Scenario:
    """A named server behaviour: normal SMTP except where a hook answers instead."""

    name: str
    description: str
    """One line, shown by `ehlo sandbox --list`."""
    situation: str
    """The real-world situation the scenario reproduces, and whose wording it uses."""
    hooks: Mapping[HookStage, Hook] = field(default_factory=dict)
    hostile: bool = False
    """Misbehaves on purpose (slow, drops, malformed); clients must fail cleanly."""
    advertised_size: Callable[[SandboxOptions], int] | None = None
    """The SIZE to advertise instead of options.size_limit."""

    def run(self, stage: HookStage, context: Context) -> Response | None:
        """Run the hook for STAGE, if the scenario has one."""
        hook = self.hooks.get(stage)
        return hook(context) if hook is not None else None
