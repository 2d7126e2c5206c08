"""The tests run against the installed wheel, which ships schemas and regimens."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from conftest import REPO

import doseplan


def test_doseplan_is_imported_from_the_installed_package() -> None:
    """Tests exercise the installed wheel, not the checkout, so missing data fails."""
    assert Path(doseplan.__file__).resolve().parent != (REPO / "doseplan").resolve()


def test_the_wheel_ships_every_schema_and_regimen() -> None:
    """Each schema in schemas/ and each regimen file is inside the installed package."""
    shipped = {p.name for p in resources.files("doseplan.schemas").iterdir()}
    assert {p.name for p in (REPO / "schemas").glob("*.json")} <= shipped
    regimens = {p.name for p in resources.files("doseplan.regimens").iterdir()}
    assert {p.name for p in (REPO / "doseplan" / "regimens").glob("*.json")} <= regimens
    assert resources.files("doseplan").joinpath("py.typed").is_file()


def test_public_api_is_sorted_and_complete() -> None:
    """`__all__` is sorted and every name in it exists."""
    assert doseplan.__all__ == sorted(doseplan.__all__)
    assert all(hasattr(doseplan, name) for name in doseplan.__all__)


def test_ci_installs_exactly_the_debian_packages_the_readme_names() -> None:
    """The README's apt-get line for the browser and PDF tests is the one .ci/run runs."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    (named,) = [line.split("apt-get install", 1)[1].split() for line in readme.splitlines()
                if line.strip().startswith("apt-get install")]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").replace("\\\n", " ")
    (installed,) = [line.split("--no-install-recommends", 1)[1].split(">")[0].split()
                    for line in ci.splitlines() if "--no-install-recommends" in line]
    assert sorted(installed) == sorted(named)
    assert "libharfbuzz-subset0" in named  # WeasyPrint's font subsetter: its tests warn-free
