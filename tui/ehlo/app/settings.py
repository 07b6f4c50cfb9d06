"""User settings: a TOML file in the user's config directory (or where EHLO_CONFIG points)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

CONFIG_ENV = "EHLO_CONFIG"
"""Environment variable naming a settings file to use instead of the default one."""

TIMEOUT_NAMES = ("connect", "banner", "command", "data", "tls")


@dataclass(frozen=True, slots=True)
class Profile:
    """A saved target; passwords are never stored."""

    name: str
    target: str
    sender: str | None = None
    recipient: str | None = None
    username: str | None = None
    auth_mechanism: str | None = None
    tls_mode: str | None = None
    verify: str | None = None
    helo: str | None = None


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the app reads from the settings file, with defaults."""

    theme: str = "textual-dark"
    timeouts: dict[str, float] = field(default_factory=dict)
    resolver: str | None = None
    blocklists: tuple[str, ...] = ()
    selectors: tuple[str, ...] = ()
    keymap: dict[str, str] = field(default_factory=dict)
    profiles: tuple[Profile, ...] = ()
    helo: str | None = None
    export_dir: Path = field(default_factory=Path.cwd)
    path: Path | None = None
    problem: str | None = None
    """Why the file could not be used, when it could not."""


def default_settings_path() -> Path:
    """EHLO_CONFIG when set, else config.toml in the platform's user config directory."""
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override).expanduser()
    return platformdirs.user_config_path("ehlo") / "config.toml"


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings; a missing file gives defaults, a broken one defaults and a problem."""
    path = path or default_settings_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings(path=path)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return Settings(path=path, problem=f"{path}: {exc}; using the defaults")
    try:
        return _from_toml(data, path)
    except (TypeError, ValueError) as exc:
        return Settings(path=path, problem=f"{path}: {exc}; using the defaults")


def _from_toml(data: dict[str, Any], path: Path) -> Settings:
    """Build Settings from parsed TOML, checking types as it goes."""
    timeouts_table = _table(data, "timeouts")
    timeouts: dict[str, float] = {}
    for name, value in timeouts_table.items():
        if name not in TIMEOUT_NAMES:
            raise ValueError(f"unknown timeout {name!r} (known: {', '.join(TIMEOUT_NAMES)})")
        if not isinstance(value, int | float) or value <= 0:
            raise ValueError(f"timeouts.{name} must be a positive number of seconds")
        timeouts[name] = float(value)
    dns = _table(data, "dns")
    profiles = tuple(_profile(name, entry) for name, entry in _table(data, "profiles").items())
    keymap = {str(k): str(v) for k, v in _table(data, "keymap").items()}
    return Settings(
        theme=_text(data.get("theme"), "theme") or "textual-dark",
        timeouts=timeouts,
        resolver=_text(dns.get("resolver"), "dns.resolver"),
        blocklists=_words(dns.get("blocklists", []), "dns.blocklists"),
        selectors=_words(dns.get("dkim_selectors", []), "dns.dkim_selectors"),
        keymap=keymap,
        profiles=profiles,
        helo=_text(data.get("helo"), "helo"),
        export_dir=Path(_text(data.get("export_dir"), "export_dir") or Path.cwd()).expanduser(),
        path=path,
    )


def _table(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ValueError(f"[{name}] must be a table")
    return value


def _text(value: object, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string")
    return value


def _words(value: object, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{name} must be a list of strings")
    return tuple(value)


def _profile(name: str, entry: object) -> Profile:
    if not isinstance(entry, dict):
        raise ValueError(f"[profiles.{name}] must be a table")
    if "password" in entry or "secret" in entry:
        raise ValueError(f"[profiles.{name}]: passwords are never read from the settings file")
    target = _text(entry.get("target"), f"profiles.{name}.target")
    if not target:
        raise ValueError(f"[profiles.{name}] needs a target")
    fields = {
        key: _text(entry.get(key), f"profiles.{name}.{key}")
        for key in (
            "sender",
            "recipient",
            "username",
            "auth_mechanism",
            "tls_mode",
            "verify",
            "helo",
        )
    }
    return Profile(name=name, target=target, **fields)
