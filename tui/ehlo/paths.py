"""Where ehlo's packaged data lives, in a source checkout and in an installed wheel."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def reference_dir() -> Path:
    """Return the directory holding the reference TOML files.

    Returns:
        `ehlo/reference` inside an installed wheel, else `reference/` at the checkout's top level.

    Raises:
        FileNotFoundError: when neither location holds the data.
    """
    candidates = (_PACKAGE_DIR / "reference", _PACKAGE_DIR.parent.parent / "reference")
    for candidate in candidates:
        if (candidate / "basic-codes.toml").is_file():
            return candidate
    searched = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"ehlo's reference data was not found (looked in {searched})")
