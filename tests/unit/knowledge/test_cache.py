"""The knowledge cache: one set of files per installation, rebuilt when the data changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import ehlo
from ehlo.knowledge import cache


@pytest.fixture
def cache_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("EHLO_CACHE_DIR", str(directory))
    return directory


def _reference(tmp_path: Path, text: str) -> list[Path]:
    path = tmp_path / "data" / "codes.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return [path]


def test_each_installation_keeps_its_own_files(
    tmp_path: Path, cache_in: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = _reference(tmp_path, "a = 1\n")
    builds: list[str] = []

    def build() -> dict[str, object]:
        builds.append(cache.installation())
        return {"built": len(builds)}

    monkeypatch.setattr(cache, "installation", lambda: "ehlo 1.0 at /one")
    assert cache.cached_documents(paths, build) == {"built": 1}
    assert cache.cached_documents(paths, build) == {"built": 1}
    monkeypatch.setattr(cache, "installation", lambda: "ehlo 2.0 at /one")
    assert cache.cached_documents(paths, build) == {"built": 2}
    monkeypatch.setattr(cache, "installation", lambda: "ehlo 1.0 at /two")
    assert cache.cached_documents(paths, build) == {"built": 3}
    monkeypatch.setattr(cache, "installation", lambda: "ehlo 1.0 at /one")
    assert cache.cached_documents(paths, build) == {"built": 1}, "the first file was kept"
    assert len(builds) == 3
    assert len(list(cache_in.glob("knowledge-*.marshal"))) == 3


def test_changed_contents_are_read_again_even_with_the_same_size_and_time(
    tmp_path: Path, cache_in: Path
) -> None:
    paths = _reference(tmp_path, "a = 1\n")
    stat = paths[0].stat()
    assert cache.cached_documents(paths, lambda: {"a": 1}) == {"a": 1}
    paths[0].write_text("a = 2\n")
    os.utime(paths[0], ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert cache.cached_documents(paths, lambda: {"a": 2}) == {"a": 2}
    assert cache.cached_documents(paths, lambda: {"a": 3}) == {"a": 2}


def test_values_are_kept_per_installation_and_key(
    cache_in: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "installation", lambda: "ehlo 1.0 at /one")
    assert cache.cached_value("plans", "k1", lambda: [1]) == [1]
    assert cache.cached_value("plans", "k1", lambda: [2]) == [1]
    assert cache.cached_value("plans", "k2", lambda: [3]) == [3]
    monkeypatch.setattr(cache, "installation", lambda: "ehlo 2.0 at /one")
    assert cache.cached_value("plans", "k2", lambda: [4]) == [4]
    monkeypatch.setattr(cache, "installation", lambda: "ehlo 1.0 at /one")
    assert cache.cached_value("plans", "k2", lambda: [5]) == [3]


def test_installation_names_the_version_and_the_package_place() -> None:
    found = cache.installation()
    assert ehlo.__version__ in found
    assert str(Path(ehlo.__file__).resolve().parent.parent) in found


def test_switched_off_cache_always_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EHLO_CACHE_DIR", "")
    paths = _reference(tmp_path, "a = 1\n")
    assert cache.cached_documents(paths, lambda: {"n": 1}) == {"n": 1}
    assert cache.cached_documents(paths, lambda: {"n": 2}) == {"n": 2}
