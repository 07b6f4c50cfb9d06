"""The wheel carries the reference data, and one function finds it in both layouts."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ehlo.paths import reference_dir
from tests.conftest import REPO_ROOT


def test_reference_dir_found_in_checkout() -> None:
    assert reference_dir() == REPO_ROOT / "reference"


@pytest.mark.slow
def test_wheel_contains_reference_data_and_finds_it(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO_ROOT),
        ],
        check=True,
    )
    (wheel,) = tmp_path.glob("ehlo-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    expected = {f"ehlo/reference/{p.name}" for p in (REPO_ROOT / "reference").glob("*.toml")}
    assert expected and expected <= set(names)
    assert "ehlo/cli.py" in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    found = subprocess.run(
        [sys.executable, "-c", "from ehlo.paths import reference_dir; print(reference_dir())"],
        env={"PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(found.stdout.strip()) == site / "ehlo" / "reference"
