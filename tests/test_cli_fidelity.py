"""Specification, through the installed `doseplan`, of regimens that give only doses a
trial gave (issue 28): each test quotes the source sentence it follows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import run_installed

START = "2027-01-04"


def lenalidomide_by_cycle(plan: dict[str, Any]) -> dict[int, set[float]]:
    """The lenalidomide doses planned in each cycle of the plan's first phase."""
    by_cycle: dict[int, set[float]] = {}
    for day in plan["days"]:
        for dose in day["doses"]:
            if dose["drug"] == "lenalidomide":
                by_cycle.setdefault(day["cycle"], set()).add(dose["dose"])
    return by_cycle


def test_gimema_course_1_is_2_5_mg_on_every_day_it_is_given(tmp_path: Path) -> None:
    """clinical-facts.md, [25]: "In all patients, lenalidomide was given at the starting
    dose of 2.5 mg daily during the first course"; the maximal tolerated dose, 5 mg, after."""
    result = run_installed("plan", "gimema-llc0606", "--start", START, "--acknowledge-status",
                           "reconstructed", "--format", "json", cwd=tmp_path)
    assert (result.code, result.err) == (0, "")
    by_cycle = lenalidomide_by_cycle(json.loads(result.out))
    assert by_cycle == {1: {2.5}, 2: {5}, 3: {5}, 4: {5}, 5: {5}, 6: {5}}
    course_1 = [day for day in json.loads(result.out)["days"] if day["cycle"] == 1
                and any(d["drug"] == "lenalidomide" for d in day["doses"])]
    assert len(course_1) == 14
