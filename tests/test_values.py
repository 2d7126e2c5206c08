"""Specification of doseplan.values: the shared equality, hash and repr of the frozen
value types mean what the methods @dataclass generates mean."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import doseplan
from doseplan.values import Value


@dataclass(frozen=True)
class Generated0:
    pass


@dataclass(frozen=True, eq=False, repr=False)
class Shared0(Value):
    pass


@dataclass(frozen=True)
class Generated1:
    dose: float


@dataclass(frozen=True, eq=False, repr=False)
class Shared1(Value):
    dose: float


@dataclass(frozen=True, slots=True)
class Generated3:
    drug: str
    days: tuple[int, ...]
    note: str | None = None


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Shared3(Value):
    drug: str
    days: tuple[int, ...]
    note: str | None = None


@dataclass(frozen=True)
class GeneratedHidden:
    drug: str
    cache: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True, eq=False, repr=False)
class SharedHidden(Value):
    drug: str
    cache: int = field(default=0, compare=False, repr=False)


PAIRS = [(Generated0, Shared0), (Generated1, Shared1), (Generated3, Shared3),
         (GeneratedHidden, SharedHidden)]
PAIR_IDS = ["no-field", "one-field", "three-fields-slots", "field-not-compared"]

_values = st.one_of(st.none(), st.integers(), st.floats(allow_nan=False), st.text(max_size=5),
                    st.tuples(st.integers(), st.integers()))


@st.composite
def _arguments(draw: st.DrawFn, generated: type) -> dict[str, Any]:
    return {f.name: draw(_values) for f in dataclasses.fields(generated)}


@pytest.mark.parametrize(("generated", "shared"), PAIRS, ids=PAIR_IDS)
@given(data=st.data())
def test_equality_hash_and_repr_are_those_dataclass_generates(
        generated: type, shared: type, data: st.DataObject) -> None:
    """For any two values: ==, hash and repr agree with the generated methods."""
    first, second = data.draw(_arguments(generated)), data.draw(_arguments(generated))
    assert (shared(**first) == shared(**second)) == (generated(**first) == generated(**second))
    assert (shared(**first) != shared(**second)) == (generated(**first) != generated(**second))
    assert hash(shared(**first)) == hash(generated(**first))
    assert repr(shared(**first)) == repr(generated(**first)).replace("Generated", "Shared")
    assert shared(**first) == shared(**first)


def test_values_of_other_classes_are_not_equal() -> None:
    """As with generated __eq__: another class (even with the same fields) is not equal."""
    assert Shared1(10) != Generated1(10)
    assert Shared1(10) != (10,)
    assert Shared1(10).__eq__((10,)) is NotImplemented
    assert Shared0() == Shared0()
    assert Shared0() != Generated0()


def test_values_stay_frozen_and_work_with_dataclass_functions() -> None:
    """The generated frozen __setattr__ stays; replace, fields and astuple still work."""
    value = Shared3("lenalidomide", (1, 2))
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.drug = "rituximab"  # type: ignore[misc]
    assert dataclasses.replace(value, note="x") == Shared3("lenalidomide", (1, 2), "x")
    assert dataclasses.astuple(value) == ("lenalidomide", (1, 2), None)
    assert {value, Shared3("lenalidomide", (1, 2))} == {value}


def _frozen_dataclasses() -> list[type]:
    found = []
    for module in pkgutil.walk_packages(doseplan.__path__, "doseplan."):
        if module.name.endswith("__main__"):
            continue  # running it is the command line
        loaded = importlib.import_module(module.name)
        for item in vars(loaded).values():
            if (isinstance(item, type) and item.__module__ == module.name
                    and dataclasses.is_dataclass(item)
                    and vars(item)["__dataclass_params__"].frozen):
                found.append(item)
    return found


FROZEN = _frozen_dataclasses()


@pytest.mark.parametrize("cls", FROZEN, ids=[f"{c.__module__}.{c.__qualname__}" for c in FROZEN])
def test_every_frozen_dataclass_of_doseplan_uses_the_shared_methods(cls: type) -> None:
    """Each frozen dataclass is declared eq=False, repr=False on Value, so that none adds
    three compiled methods to the start-up time again."""
    params = vars(cls)["__dataclass_params__"]
    assert issubclass(cls, Value)
    assert (params.eq, params.repr) == (False, False)


def test_the_frozen_dataclasses_were_found() -> None:
    """The check above sees the model and the plan (it would pass vacuously otherwise)."""
    names = {c.__qualname__ for c in FROZEN}
    assert {"Regimen", "Source", "Plan", "BodySize", "Event", "PlanState"} <= names
