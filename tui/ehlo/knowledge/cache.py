"""A compact on-disk cache of the parsed reference files, so `ehlo explain` starts fast.

TOML parsing in pure Python costs more than a process should spend per reply; the parsed
documents are plain data, so they are stored with `marshal`, keyed by the files' sizes and
modification times, in the user's cache directory. Any problem simply disables the cache.
"""

from __future__ import annotations

import marshal
import os
import sys
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

CACHE_VERSION = 5


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


def _fingerprint(paths: Sequence[Path], salt: str) -> str:
    parts = [f"v{CACHE_VERSION} {sys.version_info[:2]} {salt}"]
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            parts.append(f"{path}:missing")
            continue
        parts.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\n".join(parts)


def _short(text: str) -> str:
    return f"{zlib.crc32(text.encode()):08x}"


def cached_documents(
    paths: Sequence[Path], build: Callable[[], dict[str, Any]], salt: str = ""
) -> dict[str, Any]:
    """Return `build()`'s result, from the cache when the files did not change."""
    directory = cache_dir()
    if directory is None or not paths:
        return build()
    place = _short(str(paths[0].parent))
    target = directory / f"knowledge-{place}.marshal"
    fingerprint = _fingerprint(paths, salt)
    try:
        loaded = marshal.loads(target.read_bytes())
        if isinstance(loaded, dict) and loaded.get("fingerprint") == fingerprint:
            documents = loaded.get("documents")
            if isinstance(documents, dict):
                return documents
    except (OSError, EOFError, ValueError, TypeError):
        pass
    documents = build()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(marshal.dumps({"fingerprint": fingerprint, "documents": documents}))
        temporary.replace(target)
    except (OSError, ValueError):
        pass
    return documents


def cached_value(name: str, key: str, build: Callable[[], Any]) -> Any:
    """Return `build()`'s result (plain data), cached under `name` while `key` stays the same."""
    directory = cache_dir()
    if directory is None:
        return build()
    fingerprint = f"v{CACHE_VERSION} {sys.version_info[:2]} {key}"
    target = directory / f"{name}.marshal"
    try:
        loaded = marshal.loads(target.read_bytes())
        if isinstance(loaded, dict) and loaded.get("fingerprint") == fingerprint:
            return loaded.get("value")
    except (OSError, EOFError, ValueError, TypeError):
        pass
    value = build()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(marshal.dumps({"fingerprint": fingerprint, "value": value}))
        temporary.replace(target)
    except (OSError, ValueError):
        pass
    return value
