"""Doses chosen for each patient: a regimen's ``DoseChoice``s filled in before a plan.

A phase I trial gave different patients different dose levels; the plan gives one level
to the patient, never a ladder through them. A dose borrowed from another trial is
planned only when the user confirms it, and a dose no source gives only when the user
chooses it. ``choose`` checks the chosen doses, puts them on the administrations that
take them, and says each choice in a line every plan shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from doseplan.errors import UsageError
from doseplan.model import DoseChoice, Regimen
from doseplan.validation import check_chosen

OPTION = "--dose"
"""The command-line option that chooses a dose: ``--dose NAME=AMOUNT``."""


KIND_WORDS = {
    "dose-level": "a dose level of the trial",
    "borrowed": "a dose borrowed from another trial, to be confirmed",
    "unknown": "no source gives the dose, to be chosen",
}


def _amount(value: float) -> str:
    return f"{value:g}"


def _what(choice: DoseChoice) -> str:
    """The dose's name in words: "lenalidomide", "maintenance lenalidomide"."""
    return choice.name.replace("-", " ")


def _levels(choice: DoseChoice) -> str:
    amounts = [_amount(a) for a in choice.amounts()]
    listed = amounts[0] if len(amounts) == 1 else f"{', '.join(amounts[:-1])} or {amounts[-1]}"
    return f"{listed} {choice.unit}"


def describe(choice: DoseChoice) -> str:
    """The choice in words, for ``doseplan show``: what, why, each level and its source."""
    levels = "; ".join(
        f"{_amount(level.amount)} {choice.unit} ("
        + (f"{level.label}, " if level.label else "")
        + f"{level.source.cite()})"
        for level in choice.levels)
    if choice.default is not None:
        default = (f"Default {_amount(choice.default)} {choice.unit}, {choice.default_why}; "
                   f"choose with {OPTION} {choice.name}=AMOUNT.")
    elif choice.kind == "borrowed" and len(choice.levels) == 1:
        default = (f"No default: a plan needs it confirmed with {OPTION} "
                   f"{choice.name}={_amount(choice.amounts()[0])}.")
    else:
        default = f"No default: a plan needs it chosen with {OPTION} {choice.name}=AMOUNT."
    what = KIND_WORDS[choice.kind] if choice.name == choice.drug else (
        f"{choice.drug}, {KIND_WORDS[choice.kind]}")
    return f"{choice.name} ({what}): {choice.why} Levels: {levels}. {default}"


def choose(regimen: Regimen, doses: Mapping[str, float]) -> tuple[Regimen, tuple[str, ...]]:
    """``regimen`` with each dose choice filled in from ``doses`` (or its default), and
    one line per choice saying what was planned and why.

    Raises ``UsageError`` for a dose of a choice the regimen lacks, a dose that is not
    one of the choice's levels, or a choice without default that ``doses`` leaves out.
    """
    choices = {choice.name: choice for choice in regimen.dose_choices or ()}
    for name in doses:
        if name not in choices:
            offered = (f"its choices are {', '.join(choices)}" if choices
                       else "it has no dose to choose")
            raise UsageError(f"{regimen.id} has no dose choice {name!r}; {offered} "
                             "('doseplan show' lists them)")
    chosen: dict[str, float] = {}
    lines: list[str] = []
    for choice in choices.values():
        given = doses.get(choice.name)
        if given is None:
            if choice.default is None:
                raise UsageError(_missing(regimen, choice))
            chosen[choice.name] = choice.default
            lines.append(
                f"Dose choice: {_what(choice)} {_amount(choice.default)} {choice.unit}, "
                f"{choice.default_why} (the default; "
                + (f"the levels are {_levels(choice)}: choose with {OPTION} "
                   f"{choice.name}=AMOUNT" if len(choice.levels) > 1 else "the only level")
                + f"). {choice.why}")
            continue
        if given not in choice.amounts():
            raise UsageError(
                f"{_amount(given)} {choice.unit} is not a {choice.name} dose of {regimen.id}; "
                f"choose one of {_levels(choice)} with {OPTION} {choice.name}=AMOUNT")
        chosen[choice.name] = given
        level = choice.levels[choice.amounts().index(given)]
        label = f" ({level.label})" if level.label else ""
        lines.append(
            f"Dose choice: {_what(choice)} {_amount(given)} {choice.unit}{label}, "
            f"{_given_words(choice)} ({level.source.cite()}). {choice.why}")
    if not chosen:
        return regimen, ()
    phases = tuple(
        replace(phase, administrations=tuple(
            admin if admin.dose_choice is None
            else replace(admin, dose=replace(admin.dose, amount=chosen[admin.dose_choice]),
                         dose_choice=None)
            for admin in phase.administrations))
        for phase in regimen.phases)
    planned = replace(regimen, phases=phases, dose_choices=None)
    check_chosen(planned, where=f"regimen {regimen.id} with the doses chosen")
    return planned, tuple(lines)


def each_level(regimen: Regimen) -> list[tuple[tuple[str, float], ...]]:
    """Doses to lay ``regimen`` out with so that every level of each choice is planned
    once: each choice at its default (or else its lowest level), then each level of one
    choice with the others so."""
    choices = regimen.dose_choices or ()
    base = {c.name: c.default if c.default is not None else min(c.amounts()) for c in choices}
    found = {tuple(base.items()): None}
    for choice in choices:
        for amount in choice.amounts():
            found[tuple({**base, choice.name: amount}.items())] = None
    return list(found)


def _given_words(choice: DoseChoice) -> str:
    if choice.kind == "borrowed":
        return "confirmed by the user"
    return "chosen by the user"


def _missing(regimen: Regimen, choice: DoseChoice) -> str:
    if choice.kind == "borrowed":
        what = (f"the {_what(choice)} dose is borrowed from another trial; confirm it with "
                f"{OPTION} {choice.name}={_amount(choice.amounts()[0])}"
                if len(choice.levels) == 1 else
                f"the {_what(choice)} dose is borrowed from another trial; confirm one of "
                f"{_levels(choice)} with {OPTION} {choice.name}=AMOUNT")
    elif choice.kind == "unknown":
        what = (f"no source gives the {_what(choice)} dose; choose one of {_levels(choice)} "
                f"with {OPTION} {choice.name}=AMOUNT")
    else:
        what = (f"the {_what(choice)} dose level must be chosen; choose one of "
                f"{_levels(choice)} with {OPTION} {choice.name}=AMOUNT")
    return f"{regimen.id}: {what} ('doseplan show {regimen.id}' gives the sources)"
