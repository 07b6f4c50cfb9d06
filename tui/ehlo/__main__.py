"""Run ehlo as `python -m ehlo`."""

from __future__ import annotations

from ehlo.cli import main

if __name__ == "__main__":
    main()
