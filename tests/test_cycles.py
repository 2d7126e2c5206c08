"""Specification of doseplan.cycles: phases and cycles laid out in days."""

from __future__ import annotations

from doseplan.cycles import (
    CycleInstance,
    cycle_counts,
    expand_cycles,
    extend_only,
    extensible,
)
from doseplan.loader import load_builtin


def test_fixed_cycles_are_laid_end_to_end() -> None:
    """Aue [17]: four 42-day cycles at offsets 0, 42, 84, 126."""
    regimen = load_builtin("aue-2010")
    assert expand_cycles(regimen, (4,)) == tuple(
        CycleInstance(0, "treatment", c, 42 * (c - 1), 42) for c in range(1, 5))


def test_counts_of_a_fixed_regimen_need_no_warning() -> None:
    """The published count is used as it is, with no warning."""
    assert cycle_counts(load_builtin("aue-2010"), None) == ((4,), ())


def test_cycles_override_the_horizon_of_an_open_ended_phase() -> None:
    """--cycles replaces the planning horizon of an until-progression phase."""
    counts, warnings = cycle_counts(load_builtin("badoux-2011"), 3)
    assert counts == (3,)
    assert warnings == ("Phase 'treatment' continues until progression; the calendar shows 3 "
                        "cycles (set with --cycles).",)


def test_cycles_equal_to_the_published_count_need_no_warning() -> None:
    """Asking for the published count is not a deviation."""
    assert cycle_counts(load_builtin("aue-2010"), 4) == ((4,), ())


def test_cycles_beyond_the_count_keep_other_drugs_to_their_published_cycles() -> None:
    """ferrajoli-2013 [22] shown for 14 cycles: rituximab's open span stops at cycle 12."""
    regimen = load_builtin("ferrajoli-2013")
    extended, warnings = extend_only(regimen, (14,))
    rituximab = [a for a in extended.phases[0].administrations if a.drug == "rituximab"]
    original = [a for a in regimen.phases[0].administrations if a.drug == "rituximab"]
    assert [a.cycles.resolve(14) if a.cycles else None for a in rituximab] == [
        a.cycles.resolve(12) if a.cycles else tuple(range(1, 13)) for a in original]
    assert len(warnings) == 1
    assert extensible(regimen, (14,)) == ("rituximab",)
    assert extensible(regimen, (12,)) == ()


def test_nothing_changes_within_the_published_count() -> None:
    regimen = load_builtin("ferrajoli-2013")
    assert extend_only(regimen, (12,)) == (regimen, ())
    assert extend_only(regimen, (4,)) == (regimen, ())
