"""Fixes offered to the user, and shell quoting for the commands they carry."""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Fix:
    """One concrete fix: what to do, and optionally a command or record to copy."""

    text: str
    command: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        """The JSON shape of a fix: text, command."""
        return {"text": self.text, "command": self.command}


def shell_join(words: Iterable[str]) -> str:
    """Join words into one shell command line, quoting every word that needs it."""
    return " ".join(shlex.quote(str(word)) for word in words)
