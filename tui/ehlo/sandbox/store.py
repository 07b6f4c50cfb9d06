"""The in-memory store of received messages: bounded in count and in bytes, never relayed."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """One message the sandbox accepted."""

    received_at: float
    queue_id: str
    peer: str
    helo: str | None
    sender: str
    recipients: tuple[str, ...]
    data: bytes
    tls: bool
    authenticated_as: str | None


class MessageStore:
    """Keeps the last messages; drops the oldest past a count or a total size."""

    def __init__(self, max_messages: int, max_bytes: int) -> None:
        self.messages: deque[StoredMessage] = deque(maxlen=max(1, max_messages))
        self.max_bytes = max_bytes
        self._lock = threading.Lock()

    def add(self, message: StoredMessage) -> None:
        """Keep MESSAGE, dropping older ones to stay within the bounds."""
        with self._lock:
            self.messages.append(message)
            total = sum(len(kept.data) for kept in self.messages)
            while total > self.max_bytes and len(self.messages) > 1:
                total -= len(self.messages.popleft().data)

    def snapshot(self) -> tuple[StoredMessage, ...]:
        """The kept messages, oldest first (safe to call from another thread)."""
        with self._lock:
            return tuple(self.messages)

    @property
    def total_bytes(self) -> int:
        """The total size of the kept messages."""
        with self._lock:
            return sum(len(kept.data) for kept in self.messages)
