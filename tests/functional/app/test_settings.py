"""The settings file: defaults, profiles, problems reported, EHLO_CONFIG."""

from __future__ import annotations

from pathlib import Path

import pytest

from ehlo.app.settings import default_settings_path, load_settings


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "absent.toml")
    assert settings.problem is None
    assert settings.profiles == ()
    assert settings.theme == "textual-dark"


def test_profiles_timeouts_dns_keymap(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        """
theme = "textual-light"
helo = "probe.example.com"
[timeouts]
connect = 5
command = 12.5
[dns]
resolver = "127.0.0.1:5353"
blocklists = ["zen.spamhaus.org"]
dkim_selectors = ["s1", "google"]
[keymap]
"session.step" = "f8"
[profiles.office]
target = "mail.example.com:587"
sender = "me@example.com"
tls_mode = "starttls"
auth_mechanism = "LOGIN"
username = "me"
""",
        encoding="utf-8",
    )
    settings = load_settings(path)
    assert settings.problem is None
    assert settings.theme == "textual-light"
    assert settings.timeouts == {"connect": 5.0, "command": 12.5}
    assert settings.resolver == "127.0.0.1:5353"
    assert settings.selectors == ("s1", "google")
    assert settings.blocklists == ("zen.spamhaus.org",)
    assert settings.keymap == {"session.step": "f8"}
    (office,) = settings.profiles
    assert (office.name, office.target, office.auth_mechanism) == (
        "office",
        "mail.example.com:587",
        "LOGIN",
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("theme = [", "invalid value"),
        ("[timeouts]\nconnect = -1", "positive"),
        ("[timeouts]\nbogus = 1", "unknown timeout"),
        ('[profiles.x]\ntarget = "h"\npassword = "p"', "never read"),
        ("[dns]\ndkim_selectors = 3", "list of strings"),
    ],
)
def test_broken_file_is_reported_not_fatal(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    settings = load_settings(path)
    assert settings.problem is not None
    assert problem.lower() in settings.problem.lower()
    assert settings.profiles == ()


def test_environment_variable_points_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EHLO_CONFIG", str(tmp_path / "mine.toml"))
    assert default_settings_path() == tmp_path / "mine.toml"
    monkeypatch.delenv("EHLO_CONFIG")
    assert default_settings_path().name == "config.toml"
