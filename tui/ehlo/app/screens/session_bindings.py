"""The session screen's keys: each with an id (keymaps, help) and a tooltip."""

from __future__ import annotations

from textual.binding import Binding, BindingType


def _binding(
    key: str,
    action: str,
    description: str,
    binding_id: str,
    tooltip: str,
    *,
    show: bool = True,
) -> Binding:
    """A binding with an id (for keymaps and help) and a tooltip."""
    return Binding(key, action, description, show=show, id=binding_id, tooltip=tooltip)


SESSION_BINDINGS: list[BindingType] = [
    _binding("f5", "step", "Step", "session.step", "Send the suggested next command"),
    _binding(
        "f6",
        "run_to",
        "Run to…",
        "session.run-to",
        "Step automatically until a chosen stage or the first failure",
    ),
    _binding(
        "f7",
        "deliver",
        "Deliver",
        "session.deliver",
        "Run the whole delivery until QUIT or the first failure",
    ),
    _binding(
        "escape",
        "cancel",
        "Cancel",
        "session.cancel",
        "Cancel the pending command (closes the connection)",
    ),
    _binding(
        "ctrl+r",
        "reconnect",
        "Reconnect",
        "session.reconnect",
        "Close this session and connect again with the same settings",
    ),
    _binding(
        "ctrl+n",
        "reset",
        "Reset",
        "session.reset",
        "Close the session and clear the transcript",
    ),
    _binding("f4", "edit_message", "Message", "session.message", "Edit the message sent with DATA"),
    _binding(
        "f3", "tls_view", "TLS", "view.tls", "Show the TLS certificate chain and verification"
    ),
    _binding("f2", "code_table", "Codes", "view.codes", "Browse and search every reply code"),
    _binding(
        "ctrl+y",
        "copy_fix",
        "Copy fix",
        "copy.fix",
        "Copy the first fix for the selected reply",
        show=False,
    ),
    _binding(
        "ctrl+t",
        "copy_transcript",
        "Copy transcript",
        "copy.transcript",
        "Copy the whole transcript (redacted)",
        show=False,
    ),
    _binding(
        "f9",
        "export_text",
        "Export",
        "export.text",
        "Save the transcript as text in the current directory (redacted)",
        show=False,
    ),
    _binding(
        "f8",
        "add_dkim_selector",
        "DKIM selector",
        "dns.add-selector",
        "Add a DKIM selector to check at the sender domain",
        show=False,
    ),
    _binding(
        "ctrl+b",
        "toggle_connect_bar",
        "Connect bar",
        "view.connect-bar",
        "Show or hide the connect bar",
        show=False,
    ),
    _binding(
        "ctrl+l",
        "focus_transcript",
        "Transcript",
        "focus.transcript",
        "Focus the transcript to select replies with Up/Down",
        show=False,
    ),
    _binding(
        "ctrl+o",
        "focus_command",
        "Command line",
        "focus.command",
        "Focus the command line",
        show=False,
    ),
]
"""Keys of the session screen, in the order the footer and the help screen show them."""
