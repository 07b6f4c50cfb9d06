"""Tunable limits and timings of the sandbox."""

from __future__ import annotations

from dataclasses import dataclass

from ehlo.sandbox.identity import SANDBOX_HOSTNAME


@dataclass(frozen=True, slots=True)
class SandboxOptions:
    """Limits and timings; the defaults suit a person trying the sandbox, tests shorten them."""

    hostname: str = SANDBOX_HOSTNAME
    size_limit: int = 10_240_000
    """Largest message accepted and advertised in SIZE (Postfix's default message_size_limit)."""
    data_memory_budget: int = 256 * 1024 * 1024
    """Bytes all messages being received at once may take; DATA beyond it gets 452 4.3.1."""
    max_connections: int = 512
    """Concurrent connections; beyond this new clients get 421 and are disconnected."""
    idle_timeout: float = 300.0
    """Seconds of client silence before the server hangs up (RFC 5321 4.5.3.2.7)."""
    store_messages: int = 100
    """How many received messages are kept in memory (the oldest are dropped)."""
    store_bytes: int = 32 * 1024 * 1024
    """Upper bound of the total size of the kept messages."""
    greylist_delay: float = 30.0
    """Seconds before a greylisted triplet's retry is accepted."""
    rate_limit_per_connection: int = 2
    """Messages accepted on one connection before the rate-limit scenario answers 421."""
    rate_limit_per_minute: int = 3
    """Messages accepted from one client IP per minute in the rate-limit scenario."""
    tarpit_banner_delay: float = 15.0
    """Seconds the tarpit scenario waits before its greeting."""
    tarpit_reply_delay: float = 5.0
    """Seconds the tarpit scenario waits before every other reply."""
    too_large_limit: int = 64
    """The too-large scenario's advertised SIZE: tiny, so any test message trips it."""
