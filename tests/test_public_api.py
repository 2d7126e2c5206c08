"""Specification of the public API: what ``doseplan.__all__`` offers and promises.

Loading a regimen, building a plan, applying events and hooks, rendering each format
and validating are importable from ``doseplan`` itself; the exported types are
immutable; the package ships ``py.typed``; and importing it loads none of its modules.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest

import doseplan


def type_checking_imports() -> set[str]:
    """The names doseplan/__init__.py imports for type checkers (if TYPE_CHECKING:)."""
    tree = ast.parse(Path(doseplan.__file__).read_text(encoding="utf-8"))
    block = next(node for node in tree.body if isinstance(node, ast.If)
                 and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
    return {alias.name for node in block.body if isinstance(node, ast.ImportFrom)
            and node.module is not None and node.module.startswith("doseplan")
            for alias in node.names}


def test_all_is_sorted_unique_and_matches_what_type_checkers_see() -> None:
    """__all__ is plain-sorted, without duplicates, and each name is also imported under
    TYPE_CHECKING (so that mypy and editors see the real types of the lazy names)."""
    assert doseplan.__all__ == sorted(set(doseplan.__all__))
    assert set(doseplan.__all__) == type_checking_imports()


PARTS = {
    "load": {"builtin_ids", "builtin_regimens", "load_regimen", "load_supportive",
             "parse_regimen", "regimen_to_json"},
    "plan": {"BodySize", "body_size", "KidneyFunction", "kidney_function", "build_plan", "Plan",
             "PlanDay", "PlannedDose",
             "NOTICE"},
    "events-and-hooks": {"Event", "lab", "toxicity", "decision", "apply_events",
                         "plan_history", "Hook", "PlanState", "Action", "Hold", "Reduce",
                         "Stop", "Add", "Decide", "diff_plans", "render_diff", "DayChange"},
    "render": {"render_text", "render_json", "render_csv", "render_html", "render_pdf",
               "render_ics", "render_fhir_bundle", "render_plan_definition"},
    "validate": {"validate_document", "parse_date"},
    "errors": {"DoseplanError", "UsageError", "InvalidDataError", "RegimenError",
               "UnknownRegimenError"},
}


@pytest.mark.parametrize("names", PARTS.values(), ids=PARTS.keys())
def test_each_part_of_the_api_is_exported(names: set[str]) -> None:
    assert names <= set(doseplan.__all__)


def test_every_export_is_part_of_the_api() -> None:
    """Nothing is exported that the parts above do not name (the API stays small)."""
    assert set(doseplan.__all__) == {"Regimen", "Supportive"}.union(*PARTS.values())


@pytest.mark.parametrize("name", sorted(doseplan.__all__))
def test_every_name_resolves_to_its_definition(name: str) -> None:
    """``doseplan.X`` is the object of the module that defines it (not a copy)."""
    value = getattr(doseplan, name)
    module = sys.modules[doseplan._MODULE_OF[name].join(("doseplan.", ""))]
    assert value is getattr(module, name)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="module 'doseplan' has no attribute 'nothing'"):
        doseplan.nothing  # noqa: B018


CLASSES = sorted(name for name in doseplan.__all__ if isinstance(getattr(doseplan, name), type)
                 and not issubclass(getattr(doseplan, name), Exception))


@pytest.mark.parametrize("name", CLASSES)
def test_exported_types_are_immutable(name: str) -> None:
    """Every exported type is a frozen dataclass, or a named tuple (the plan's days and
    doses: built once per day, where tuples are several times faster)."""
    cls = getattr(doseplan, name)
    if issubclass(cls, tuple):
        assert hasattr(cls, "_fields")
    else:
        assert dataclasses.is_dataclass(cls)
        assert vars(cls)["__dataclass_params__"].frozen


def test_the_package_is_typed() -> None:
    """py.typed is installed with the package (PEP 561)."""
    assert files("doseplan").joinpath("py.typed").is_file()


def test_import_doseplan_loads_none_of_its_modules() -> None:
    """Names are imported on first use: `import doseplan` loads only the package."""
    code = "import sys, json, doseplan\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd="/")
    loaded = [name for name in json.loads(done.stdout) if name.startswith("doseplan")]
    assert loaded == ["doseplan"]


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from doseplan import *", namespace)
    assert sorted(set(namespace) - {"__builtins__"}) == sorted(doseplan.__all__)
