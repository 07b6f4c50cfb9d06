"""The `ehlo` entry point: the click-free `--help`, exit statuses, quick exit of processes."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from ehlo import cli
from tests.conftest import ehlo_env


def _click_help() -> str:
    group = cli._group()
    with click.Context(group, info_name="ehlo", **group.context_settings) as context:
        return group.get_help(context) + "\n"


@pytest.mark.parametrize("columns", ["80", "100", "250"])
def test_fast_help_is_exactly_clicks_help(monkeypatch: pytest.MonkeyPatch, columns: str) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    assert cli.fast_help() == _click_help()


def test_narrow_terminals_get_clicks_own_help(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    assert cli.fast_help() is None
    out = subprocess.run(
        [sys.executable, "-m", "ehlo", "--help"],
        env=ehlo_env(COLUMNS="60"),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.startswith("Usage: ehlo")
    description = out.split("Options:")[0]
    assert max(len(line) for line in description.splitlines()) <= 58
    assert "Examples:" in out and "ehlo check" in out


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_process_imports_no_click(flag: str) -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "ehlo", flag],
        env=ehlo_env(COLUMNS="80"),
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    assert "click" not in imported and "textual" not in imported
    assert "Commands:" in done.stdout and "check" in done.stdout
    assert done.stdout.endswith("ehlo audit example.com --ip 192.0.2.1\n")


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["check"], 64, "Missing argument 'TARGET'"),
        (["check", "mx.example.com", "--nonsense"], 64, "No such option '--nonsense'"),
        (["host.example", "extra"], 64, "unexpected arguments after TARGET"),
        (["--version"], 0, ""),
    ],
)
def test_exit_statuses_of_a_process(argv: list[str], status: int, message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ehlo", *argv],
        env=ehlo_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == status, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_main_with_argv_raises_system_exit(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        cli.main(["--help"])
    assert raised.value.code == 0
    assert "Commands:" in capsys.readouterr().out


def test_cli_attribute_is_the_click_group() -> None:
    assert isinstance(cli.cli, click.Group)
    assert cli.cli.list_commands(click.Context(cli.cli)) == cli.available_commands()
