"""Open the TUI (imports Textual, so only loaded when the app is launched)."""

from __future__ import annotations

import click


def run_app(target: str | None) -> None:
    """Start the app, connected to TARGET when given."""
    try:
        from ehlo.app.app import make_app
    except ImportError as exc:  # the app package is not in this build
        raise click.ClickException(f"the app is not available in this build ({exc})") from exc
    make_app(target=target).run()
