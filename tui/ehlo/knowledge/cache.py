"""A compact on-disk cache of the parsed reference files, so `ehlo explain` starts fast.

TOML parsing in pure Python costs more than a process should spend per reply; the parsed
documents are plain data, so they are stored with `marshal` in the user's cache directory.
Each installation (ehlo's version and where it is installed) has its own files, so two
checkouts or versions never overwrite each other's, and a file is used only while a digest
of the reference files' contents still matches. Any problem simply disables the cache.
"""

from __future__ import annotations

import marshal
import os
import sys
import zlib
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

CACHE_VERSION = 6


def cache_dir() -> Path | None:
    """The directory for ehlo's caches, or None when caching is switched off."""
    configured = os.environ.get("EHLO_CACHE_DIR")
    if configured == "":
        return None
    if configured:
        return Path(configured)
    if sys.platform.startswith("linux") or sys.platform == "darwin":
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "ehlo"
    try:
        from platformdirs import user_cache_dir
    except ImportError:  # pragma: no cover - platformdirs is a dependency
        return None
    return Path(user_cache_dir("ehlo", appauthor=False))


@cache
def installation() -> str:
    """What tells this installation apart: ehlo's version and the package's location."""
    from ehlo import __version__

    return f"ehlo {__version__} at {Path(__file__).resolve().parents[1]}"


def _short(text: str) -> str:
    return f"{zlib.crc32(text.encode()):08x}"


def digest(paths: Sequence[Path]) -> str:
    """The files' names, sizes and CRC-32 checksums of their contents ("missing" for a file
    that cannot be read). zlib rather than hashlib: importing hashlib costs a process more
    than reading and checking every file."""
    parts: list[str] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            parts.append(f"{path.name}:missing")
            continue
        parts.append(f"{path.name}:{len(data)}:{zlib.crc32(data):08x}:{zlib.adler32(data):08x}")
    return " ".join(parts)


def _fingerprint(key: str) -> str:
    return f"v{CACHE_VERSION} {sys.version_info[:2]} {installation()}\n{key}"


_MISSING = object()


def _load(target: Path, fingerprint: str) -> Any:
    """The value stored in `target` under `fingerprint`, or _MISSING."""
    try:
        loaded = marshal.loads(target.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return _MISSING
    if isinstance(loaded, dict) and loaded.get("fingerprint") == fingerprint and "value" in loaded:
        return loaded["value"]
    return _MISSING


def _store(directory: Path, target: Path, fingerprint: str, value: Any) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(marshal.dumps({"fingerprint": fingerprint, "value": value}))
        temporary.replace(target)
    except (OSError, ValueError):
        pass


def cached_documents(
    paths: Sequence[Path], build: Callable[[], dict[str, Any]], salt: str = ""
) -> dict[str, Any]:
    """Return `build()`'s result, from the cache while the files' contents stay the same."""
    directory = cache_dir()
    if directory is None or not paths:
        return build()
    target = directory / f"knowledge-{_short(installation() + str(paths[0].parent))}.marshal"
    fingerprint = _fingerprint(f"{salt}\n{paths[0].parent}\n{digest(paths)}")
    documents = _load(target, fingerprint)
    if isinstance(documents, dict):
        return documents
    documents = build()
    _store(directory, target, fingerprint, documents)
    return documents


def cached_value(name: str, key: str, build: Callable[[], Any]) -> Any:
    """Return `build()`'s result (plain data), cached under `name` while `key` stays the same."""
    directory = cache_dir()
    if directory is None:
        return build()
    target = directory / f"{name}-{_short(installation())}.marshal"
    fingerprint = _fingerprint(key)
    value = _load(target, fingerprint)
    if value is not _MISSING:
        return value
    value = build()
    _store(directory, target, fingerprint, value)
    return value
