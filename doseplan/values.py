"""Equality, hashing and repr for frozen dataclasses, written once instead of per class.

``@dataclass`` compiles the source of each method it generates: one ``exec`` per method
and class on Python 3.11. With doseplan's many small value types that was most of the
time their modules take to import, and so a large part of every command's start-up
(benchmarks/cli_latency.py). A type declared ``@dataclass(frozen=True, eq=False,
repr=False)`` on ``Value`` keeps its generated frozen ``__init__``, ``__setattr__`` and
``__delattr__`` and gets these three from here, with the meaning of the generated ones:
equal when of the same class with equal compared fields, the hash of those fields, and
``Name(field=value, ...)``. tests/test_values.py checks that the two agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from functools import cached_property
from operator import attrgetter
from typing import Any, ClassVar

_Key = Callable[[Any], tuple[object, ...]]
_KEYS: dict[type, _Key] = {}
"""Per class: the function giving the tuple of the fields it compares and hashes."""
_SHOWN: dict[type, tuple[str, ...]] = {}
"""Per class: the names of the fields its repr shows."""


def _key(cls: type) -> _Key:
    found = _KEYS.get(cls)
    if found is None:
        names = [f.name for f in fields(cls) if f.compare]
        if len(names) == 1:
            (name,) = names
            found = lambda value: (getattr(value, name),)  # noqa: E731 - a one-field tuple
        else:
            found = attrgetter(*names) if names else (lambda _: ())
        _KEYS[cls] = found
    return found


class Value:
    """Base of frozen dataclasses declared with ``eq=False, repr=False``."""

    __slots__ = ()
    __dataclass_fields__: ClassVar[dict[str, Any]]

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        key = _key(self.__class__)
        return bool(key(self) == key(other))

    def __hash__(self) -> int:
        return hash(_key(self.__class__)(self))

    def __repr__(self) -> str:
        cls = self.__class__
        names = _SHOWN.get(cls)
        if names is None:
            names = _SHOWN[cls] = tuple(f.name for f in fields(cls) if f.repr)
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{cls.__qualname__}({shown})"


class KeyValue(Value):
    """A ``Value`` used as a cache key (a regimen, supportive care): hashing walks every
    value below it, so its hash is worked out once per object and kept with it."""

    __slots__ = ()

    @cached_property
    def _hash(self) -> int:
        return Value.__hash__(self)

    def __hash__(self) -> int:
        return self._hash
