"""Type checks of the public calls' arguments, each naming the argument (attrs style).

Python does not check annotations: without these, ``build_plan(regimen, "2027-01-04")``
or ``apply_events(plan, None)`` would fail deep inside with an AttributeError, and a
``datetime`` (a subclass of ``date``) or ``True`` (an ``int``) would be taken for what
they are not. A wrong type is a ``TypeError`` saying what was expected and what came.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from doseplan.errors import UsageError


def _got(value: object) -> str:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    kind = type(value).__name__
    return f"got {shown} that is {'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def instance(name: str, value: object, kind: type | tuple[type, ...], expected: str, *,
             optional: bool = False) -> None:
    """``value`` must be a ``kind`` (or None when ``optional``)."""
    if type(value) is kind or (value is None and optional):
        return
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
        raise TypeError(f"{name!r} must be {expected} ({_got(value)})")


def day(name: str, value: object, *, optional: bool = False) -> None:
    """A calendar date: a ``datetime.date`` that is not a ``datetime`` (no clock time, no
    time zone)."""
    if type(value) is date or (value is None and optional):
        return
    if not isinstance(value, date) or isinstance(value, datetime):
        raise TypeError(f"{name!r} must be a datetime.date such as date(2027, 1, 4), "
                        f"not a datetime ({_got(value)})")


def whole(name: str, value: object, *, optional: bool = False) -> None:
    """An int that is not a bool."""
    instance(name, value, int, "a whole number (int)", optional=optional)


def number(name: str, value: object, *, optional: bool = False) -> None:
    """A finite int or float that is not a bool."""
    instance(name, value, (int, float), "a number", optional=optional)
    if value is not None and not math.isfinite(value):  # type: ignore[arg-type]
        raise TypeError(f"{name!r} must be a finite number ({_got(value)})")


def text(name: str, value: object, *, optional: bool = False) -> None:
    if type(value) is not str:
        instance(name, value, str, "text (str)", optional=optional)


def items(name: str, value: object, kind: type | tuple[type, ...], expected: str) -> None:
    """A list or tuple (not text, bytes or a mapping) whose items are ``kind``."""
    if type(value) in (list, tuple) and all(type(item) is kind for item in value):  # type: ignore[attr-defined]
        return  # the usual case, in one pass
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
        raise TypeError(f"{name!r} must be a list or tuple of {expected} ({_got(value)})")
    for index, item in enumerate(value):
        instance(f"{name}[{index}]", item, kind, expected)


def mapping(name: str, value: object, *, optional: bool = False) -> None:
    instance(name, value, Mapping, "a mapping (dict)", optional=optional)


def strengths(value: object) -> None:
    """Capsule strengths in stock: drug names mapped to a list or tuple of numbers (mg)."""
    mapping("strengths", value)
    for drug, listed in value.items():  # type: ignore[attr-defined]
        text("a drug name in strengths", drug)
        if isinstance(listed, str | bytes | Mapping) or not isinstance(listed, Sequence):
            raise TypeError(f"strengths[{drug!r}] must be a list or tuple of numbers, the "
                            f"strengths in mg ({_got(listed)})")
        for index, strength in enumerate(listed):
            number(f"strengths[{drug!r}][{index}]", strength)


def callables(name: str, value: Any) -> None:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
        raise TypeError(f"{name!r} must be a list or tuple of functions ({_got(value)})")
    for index, item in enumerate(value):
        if not callable(item):
            raise TypeError(f"{name}[{index}] must be a function ({_got(item)})")


_CALENDAR_KEY = re.compile(r"[0-9a-f]{32}")


def calendar_key(value: object) -> None:
    """A patient record's calendar key: 32 lowercase hex digits."""
    instance("calendar_key", value, str, "text (32 hex digits)")
    assert isinstance(value, str)
    if _CALENDAR_KEY.fullmatch(value) is None:
        raise UsageError(f"calendar key {value[:40]!r} is not 32 lowercase hex digits; give "
                         "one made by doseplan.patient.new_calendar_key()")
