"""Start-up stays light: heavy modules are imported only where they are needed."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("icalendar", "jsonschema", "jinja2")


def modules_after(code: str) -> set[str]:
    """The top-level modules loaded by running CODE in a fresh interpreter."""
    probe = code + "\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True, cwd="/")
    return {name.split(".")[0] for name in json.loads(done.stdout.splitlines()[-1])}


def test_import_doseplan_loads_no_heavy_module_and_no_cli() -> None:
    """`import doseplan` pulls in neither click nor icalendar, jsonschema or jinja2."""
    loaded = modules_after("import doseplan")
    assert loaded.isdisjoint({*HEAVY, "click", "dateutil"})


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_planning_a_builtin_regimen_loads_no_heavy_module(fmt: str) -> None:
    """`doseplan plan ID --format text|json` never imports icalendar, jsonschema or jinja2."""
    code = (
        "import contextlib, io\n"
        "from doseplan.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        f"    main(['plan', 'badoux-2011', '--start', '2027-01-04', '--format', '{fmt}'])\n"
    )
    assert modules_after(code).isdisjoint(HEAVY)


def test_the_probe_would_see_a_heavy_import() -> None:
    """The check above can fail: validating a file does import jsonschema."""
    code = ("import contextlib\n"
            "from doseplan.loader import validate_document\n"
            "with contextlib.suppress(ValueError):\n"
            "    validate_document({}, 'regimen', where='x')\n")
    assert "jsonschema" in modules_after(code)


def import_graph() -> dict[str, set[str]]:
    """Which doseplan modules each module of the installed package imports, at any level
    (a function-level import counts: it is a dependency all the same)."""
    import ast
    from pathlib import Path

    import doseplan

    root = Path(doseplan.__file__).parent
    modules = {".".join(("doseplan", *p.relative_to(root).with_suffix("").parts))
               .removesuffix(".__init__"): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name in modules)
            elif isinstance(node, ast.ImportFrom) and node.module in modules:
                found.update(f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules
                             else node.module for a in node.names)
        graph[name] = found - {name, "doseplan"}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or through others."""
    reach = {name: set(targets) for name, targets in graph.items()}
    changed = True
    while changed:
        changed = False
        for seen in reach.values():
            more = set().union(*(reach.get(t, set()) for t in seen)) - seen
            if more:
                seen |= more
                changed = True
    groups = {frozenset({n, *(m for m in reach[n] if n in reach.get(m, set()))})
              for n in graph if n in reach[n]}
    return sorted(sorted(group) for group in groups)


def test_no_two_modules_import_each_other() -> None:
    """The package's modules form no import circle (function-level imports included)."""
    assert circles(import_graph()) == []


def test_the_probe_would_see_a_circle() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_persistence_imports_no_renderer() -> None:
    """The patient record writes its own JSON: patient.py imports nothing of render/."""
    assert not {m for m in import_graph()["doseplan.patient"]
                if m.startswith("doseplan.render")}
