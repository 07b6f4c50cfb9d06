"""The one way the app copies text: pyperclip first, then the terminal's OSC 52."""

from __future__ import annotations

from typing import Literal

import pyperclip
from textual.app import App

CopyMethod = Literal["system", "terminal", "none"]


def copy(app: App[object], text: str, what: str = "text") -> CopyMethod:
    """Copy text to the clipboard and notify which way worked (or why neither did)."""
    try:
        pyperclip.copy(text)
    except pyperclip.PyperclipException as exc:
        system_problem = str(exc).split(".")[0] or type(exc).__name__
    else:
        app.notify(f"Copied {what} to the system clipboard.", title="Copied")
        return "system"
    try:
        app.copy_to_clipboard(text)
    except Exception as exc:  # the terminal driver refused: report both reasons
        app.notify(
            f"Could not copy {what}: system clipboard: {system_problem}; terminal: {exc}.",
            title="Copy failed",
            severity="error",
        )
        return "none"
    app.notify(
        f"Sent {what} to the terminal clipboard (OSC 52); the system clipboard was not "
        f"available ({system_problem}).",
        title="Copied",
    )
    return "terminal"
