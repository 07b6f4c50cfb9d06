"""The core never imports Textual or Rich, and the scriptable commands start without them."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

from tests.conftest import SOURCE_DIR, ehlo_env

CORE_PACKAGES = ["ehlo.smtp", "ehlo.knowledge", "ehlo.dnsauth", "ehlo.sandbox"]
CORE_MODULES = ["ehlo.export", "ehlo.paths", "ehlo.fixes", "ehlo.terminal_text", "ehlo.cli"]


def _core_modules() -> list[str]:
    found = list(CORE_MODULES)
    for package in CORE_PACKAGES:
        path = SOURCE_DIR / package.replace(".", "/")
        found.append(package)
        found += [f"{package}.{m.name}" for m in pkgutil.iter_modules([str(path)])]
    return [
        m
        for m in found
        if (SOURCE_DIR / (m.replace(".", "/") + ".py")).exists()
        or (SOURCE_DIR / m.replace(".", "/") / "__init__.py").exists()
    ]


@pytest.mark.parametrize("module", _core_modules())
def test_core_module_does_not_import_textual_or_rich(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=ehlo_env(), capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "", f"{module} pulled in {out.stdout.strip()}"


def _run_cli(argv: list[str], heavy: tuple[str, ...]) -> tuple[str, list[str]]:
    """Run `ehlo ARGV` in a fresh interpreter: its exit code, and which HEAVY packages it
    imported."""
    code = (
        "import sys\n"
        "from ehlo.cli import main\n"
        "code = 0\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit as exit:\n"
        "    code = exit.code\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r})\n"
        "print(code)\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=ehlo_env(), capture_output=True, text=True, check=True
    )
    lines = out.stdout.splitlines()
    return lines[-2], [m for m in lines[-1].split(",") if m]


@pytest.mark.parametrize("argv", [["--help"], ["check", "--help"], ["explain", "--help"]])
def test_scriptable_commands_do_not_import_textual(argv: list[str]) -> None:
    _, imported = _run_cli(argv, ("textual", "rich"))
    assert imported == []


def test_demo_refuses_an_unknown_scenario_before_loading_the_app_or_the_server() -> None:
    code, imported = _run_cli(
        ["demo", "--scenario", "no-such-scenario"], ("textual", "rich", "aiosmtpd")
    )
    assert (code, imported) == ("64", [])
