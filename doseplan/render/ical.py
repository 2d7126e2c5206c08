"""The plan as an iCalendar file (RFC 5545) that patients import into their phones.

One event per calendar day with a dose to take or receive, or a held dose the
patient must know not to take: an all-day event, or with ``remind_at`` and ``tz``
a 15-minute event at that local time with its VTIMEZONE. The summary says what
to take, the description the details (cycle and day, route, basis, the reason of
any change, notes of the events recorded that day, and the planning-aid notice).

The file is built with icalendar's API (imported here only, when a calendar is
made) and is the same bytes for the same plan: UIDs are UUIDv5 of the plan's
identity (regimen id and start date, no patient data) and of the day's (its date in
the plan without events: a day a delay moves keeps its UID); DTSTAMP is
the date of the latest recorded event (or the start) at midnight UTC; nothing
reads the clock, the TZ variable or the locale.

Updates: given the plan's history (``holds.plan_history``), each day's SEQUENCE
is how many times its content or date changed, and a day that had something to take and
has nothing now is sent as CANCELLED, so that re-importing the file updates the
calendar instead of duplicating it. There is no METHOD: this is a file to
download, not an invitation.
"""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, NamedTuple

from doseplan import arguments, starts
from doseplan.capsules import STRENGTHS, capsule_text
from doseplan.drugs import name, route
from doseplan.errors import UsageError
from doseplan.plan import ADDED, HELD, PLANNED, STOPPED, WAITING_DAY, Plan, PlanDay, PlannedDose
from doseplan.render.json_calendar import number
from doseplan.status import NOT_TO_FOLLOW_MARK
from doseplan.text import for_document

if TYPE_CHECKING:
    from doseplan.events import Event

try:
    from _sha1 import sha1 as _sha1  # type: ignore[import-not-found]  # CPython's; no stub
except ImportError:  # another interpreter, or a build without it
    from hashlib import sha1 as _sha1

PRODID = "-//doseplan//doseplan treatment calendar//EN"


def uuid5(namespace: uuid.UUID, name: str) -> uuid.UUID:
    """``uuid.uuid5``, computed with CPython's own SHA-1 where it has one: the same
    digest, without the start-up cost of hashlib, which loads OpenSSL (about 3 ms)."""
    digest: bytes = _sha1(namespace.bytes + name.encode("utf-8")).digest()
    return uuid.UUID(bytes=digest[:16], version=5)


UID_NAMESPACE = uuid5(uuid.NAMESPACE_URL, "https://doseplan.example/ical")
"""The namespace of event UIDs: fixed, so that the same plan day keeps its UID."""
REMINDER = timedelta(minutes=15)
"""How long a timed reminder lasts in the calendar."""
MAX_ALARM_MINUTES = 7 * 24 * 60

_NOT_TAKEN = {HELD: "HELD", STOPPED: "STOPPED"}
"""Statuses of doses the patient must not take, as the summary says them."""


class _Entry(NamedTuple):
    """What one plan shows for one day (days without doses have no entry)."""

    active: bool
    """Something to take or receive, or a held dose: False when every dose is stopped."""
    summary: str
    description: str


def render_ics(
    plan: Plan,
    *,
    history: Sequence[Plan] = (),
    remind_at: time | None = None,
    tz: str | None = None,
    alarm_minutes: int | None = None,
    product: str = PRODID,
    strengths: Mapping[str, Sequence[float]] = STRENGTHS,
    calendar_key: str | None = None,
) -> str:
    """The plan as iCalendar text (CRLF line ends), the same for the same arguments.

    ``history`` is the plan after each recorded event (``holds.plan_history``),
    ending with ``plan``; ``remind_at`` and ``tz`` (an IANA name) make timed
    reminders instead of all-day events; ``alarm_minutes`` adds a display alarm
    that many minutes before each timed reminder; ``strengths`` are the capsule
    strengths in stock, as for the other formats; ``calendar_key`` (a patient
    record's, ``PatientRecord.calendar_key``) makes the UIDs that patient's alone.
    """
    arguments.instance("plan", plan, Plan, "a Plan (from build_plan)")
    arguments.items("history", history, Plan, "Plan (from plan_history)")
    arguments.strengths(strengths)
    if calendar_key is not None:
        arguments.calendar_key(calendar_key)
    zone = _check_options(remind_at, tz, alarm_minutes)
    plans = _check_history(plan, history)

    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("PRODID", product)
    calendar.add("VERSION", "2.0")
    calendar.add("NAME", icalendar.vText(for_document(plan.title)))
    calendar.add("X-WR-CALNAME", icalendar.vText(for_document(plan.title)))
    calendar.add("DESCRIPTION", icalendar.vText(for_document(_about(plan))))

    stamp_day = plan.events[-1].date if plan.events else plan.start
    stamp = datetime(stamp_day.year, stamp_day.month, stamp_day.day, tzinfo=UTC)
    identified = [_days(earlier) for earlier in plans]
    entries = _entries(plans, identified, strengths)
    moved = [{key: day.date for key, day in found} for found in identified]
    days = {key: day for found in identified for key, day in found}  # the latest wins
    shown: list[date] = []
    for key, day in sorted(days.items(), key=lambda item: (item[1].date, item[0])):
        states = [by_day.get(key) for by_day in entries]
        dates = [when.get(key) for when in moved]
        now = states[-1]
        cancelled = now is None or not now.active
        if cancelled and not any(s is not None and s.active for s in states[:-1]):
            continue  # nothing to take, now or before
        sequence = sum(1 for before, after in pairwise(zip(states, dates, strict=True))
                       if before != after)  # a moved day changed too
        if now is None:
            now = _cancelled(plan, day)
        # Typed values set directly: the same lines as Event.new, in a third of the time.
        event = icalendar.Event()
        event["SUMMARY"] = icalendar.vText(for_document(now.summary))
        event["DTSTART"] = icalendar.vDDDTypes(_start(day.date, remind_at, zone))
        event["DTEND"] = icalendar.vDDDTypes(_end(day.date, remind_at, zone))
        event["DTSTAMP"] = icalendar.vDDDTypes(stamp)
        event["UID"] = icalendar.vText(_uid(plan, key, calendar_key))
        event["SEQUENCE"] = icalendar.vInt(sequence)
        event["DESCRIPTION"] = icalendar.vText(for_document(now.description))
        if cancelled:
            event["STATUS"] = icalendar.vText("CANCELLED")
        event["TRANSP"] = icalendar.vText("TRANSPARENT")
        if alarm_minutes is not None and not cancelled:
            event.add_component(icalendar.Alarm.new_display(
                for_document(now.summary), timedelta(minutes=-alarm_minutes)))
        calendar.add_component(event)
        shown.append(day.date)
    if zone is not None and shown:
        calendar.add_missing_timezones(first_date=shown[0] - timedelta(days=1),
                                       last_date=shown[-1] + timedelta(days=1))
    text: bytes = calendar.to_ical()
    return text.decode("utf-8")


# ---------------------------------------------------------------------------
# Arguments


def _check_options(remind_at: time | None, tz: str | None,
                   alarm_minutes: int | None) -> zoneinfo.ZoneInfo | None:
    """The time zone of timed reminders (None: all-day events); bad options raise."""
    if alarm_minutes is not None and not 0 <= alarm_minutes <= MAX_ALARM_MINUTES:
        raise UsageError(
            f"--alarm-minutes {alarm_minutes} is out of range; give the minutes before each "
            f"event from 0 to {MAX_ALARM_MINUTES} (one week), e.g. 30"
        )
    if alarm_minutes is not None and remind_at is None:
        raise UsageError("--alarm-minutes rings before a timed reminder: give --remind-at and "
                         "--tz too (an all-day event would ring at midnight)")
    if tz is None and remind_at is None:
        return None
    if tz is None:
        raise UsageError("--remind-at needs the patient's time zone: add --tz, e.g. "
                         "--tz Europe/Paris")
    if remind_at is None:
        raise UsageError("--tz is for timed reminders: add --remind-at with the local time, "
                         "e.g. --remind-at 08:00")
    if remind_at.tzinfo is not None:
        raise UsageError("--remind-at is a local time without a zone, e.g. 08:00; give the "
                         "zone with --tz")
    if tz in ("localtime", "Factory") or tz not in zoneinfo.available_timezones():
        raise UsageError(f"unknown time zone {tz!r} for --tz; give an IANA time zone name, "
                         "e.g. --tz Europe/Paris")
    return zoneinfo.ZoneInfo(tz)


def _check_history(plan: Plan, history: Sequence[Plan]) -> tuple[Plan, ...]:
    """The plans to compare, oldest first, ending with ``plan``."""
    if not history:
        return (plan,)
    if history[-1] != plan:
        raise UsageError("the history must end with the plan to render; pass "
                         "holds.plan_history(base, events) for the same events")
    for earlier in history:
        if (earlier.regimen_id, earlier.start) != (plan.regimen_id, plan.start):
            raise UsageError(
                f"the history mixes plans: {earlier.regimen_id} from "
                f"{earlier.start.isoformat()} is not {plan.regimen_id} from "
                f"{plan.start.isoformat()}; pass the history of this plan only"
            )
    return tuple(history)


# ---------------------------------------------------------------------------
# Event fields


def _days(plan: Plan) -> list[tuple[str, PlanDay]]:
    """Each day with what it is wherever a delay moves it: the date it has in the plan
    without events (the days other than waiting ones are that plan's, in order, from the
    same first day); a day on which a delayed cycle waits: "wait/" and its date."""
    found, planned = [], plan.days[0].date
    for day in plan.days:
        if day.cycle_day == WAITING_DAY:
            found.append((f"wait/{day.date.isoformat()}", day))
        else:
            found.append((planned.isoformat(), day))
            planned += timedelta(days=1)
    return found


def _uid(plan: Plan, identity: str, key: str | None) -> str:
    """Stable over updates of the plan (a day a delay moves keeps it), and free of
    patient data: a hash of the calendar key (random, one per record), the plan's regimen
    and start, and the day's identity (``_days``)."""
    name = f"{plan.regimen_id}/{plan.start.isoformat()}/{identity}"
    return f"{uuid5(UID_NAMESPACE, name if key is None else f'{key}/{name}')}@doseplan"


def _start(day: date, remind_at: time | None,
           zone: zoneinfo.ZoneInfo | None) -> date | datetime:
    if remind_at is None or zone is None:
        return day
    return datetime.combine(day, remind_at.replace(microsecond=0), tzinfo=zone)


def _end(day: date, remind_at: time | None,
         zone: zoneinfo.ZoneInfo | None) -> date | datetime:
    if remind_at is None or zone is None:
        return day + timedelta(days=1)
    return datetime.combine(day, remind_at.replace(microsecond=0), tzinfo=zone) + REMINDER


# ---------------------------------------------------------------------------
# What each day says


def _entries(plans: Sequence[Plan], identified: Sequence[list[tuple[str, PlanDay]]],
             strengths: Mapping[str, Sequence[float]]) -> list[dict[str, _Entry]]:
    """For each plan, the entry of each day with doses or a note, by its identity
    (``identified``: each plan's ``_days``)."""
    cache: dict[tuple[PlanDay, tuple[Event, ...], tuple[str, ...], bool, str | None],
                _Entry] = {}
    result: list[dict[str, _Entry]] = []
    for plan, found in zip(plans, identified, strict=True):
        recorded: dict[date, list[Event]] = {}
        for event in plan.events:
            recorded.setdefault(event.date, []).append(event)
        by_day: dict[str, _Entry] = {}
        first = True
        notes = plan.notes_by_date()
        for identity, day in found:
            note = notes.get(day.date)
            if not day.doses and note is None:
                continue
            shown = (plan.title, plan.notice, plan.status, *(plan.heading() if first else ()))
            key = (day, tuple(recorded.get(day.date, ())), shown, first, note)
            entry = cache.get(key)
            if entry is None:
                entry = cache[key] = _entry(plan, day, key[1], strengths, first, note)
            first = False
            by_day[identity] = entry
        result.append(by_day)
    return result


def _entry(plan: Plan, day: PlanDay, recorded: Sequence[Event],
           strengths: Mapping[str, Sequence[float]], first: bool, note: str | None) -> _Entry:
    active = not day.doses or any(dose.status != STOPPED for dose in day.doses)
    lines = [*plan.heading(), ""] if first else []
    lines.append(_where(day))
    if note is not None:
        lines.append(note)
    if plan.not_to_follow is not None:
        lines.append(plan.not_to_follow)
    for dose in day.doses:
        lines.extend(_dose_lines(dose, strengths))
    lines.extend(_recorded_lines(recorded))
    lines.extend(["", plan.title, plan.notice])
    summary = "; ".join(_dose_summary(dose, strengths) for dose in day.doses) or str(note)
    if plan.not_to_follow is not None:
        summary = f"{NOT_TO_FOLLOW_MARK}: {summary}"
    return _Entry(active, summary, "\n".join(lines))


def _cancelled(plan: Plan, day: PlanDay) -> _Entry:
    """The entry of a day that had something to take and has nothing now."""
    lines = [_where(day), "Nothing to take on this day any more: the plan was changed by "
             "recorded events.", "", plan.title, plan.notice]
    return _Entry(False, "Cancelled - nothing to take", "\n".join(lines))


def _where(day: PlanDay) -> str:
    if day.cycle_day == WAITING_DAY:
        return starts.not_started(day.phase, day.cycle)
    return f"Cycle {day.cycle}, day {day.cycle_day} ({day.phase})"


def _drug(dose: PlannedDose) -> str:
    called = name(dose.drug)
    return called[:1].upper() + called[1:]


def _amount(dose: PlannedDose) -> str:
    return f"{number(dose.dose)} {dose.unit}"


def _often(dose: PlannedDose) -> str:
    how = dose.how_often()
    return "" if how is None else f" {how}"


def _dose_summary(dose: PlannedDose, strengths: Mapping[str, Sequence[float]]) -> str:
    """'Lenalidomide 10 mg - 1 x 10 mg capsule', 'HELD - do not take: Lenalidomide 10 mg'."""
    given = route(dose.route)
    what = f"{_drug(dose)} {_amount(dose)}" + (f" {given.short}" if given.short else "") \
        + _often(dose)
    if dose.status in _NOT_TAKEN:
        return f"{_NOT_TAKEN[dose.status]} - do not take: {what}"
    if given.clinic:
        what += " (clinic)"
    capsules = _capsules(dose, strengths)
    if capsules is not None:
        what += f" - {capsules}"
    if dose.status != PLANNED:
        what += f" ({dose.status})"
    return what


def _dose_lines(dose: PlannedDose, strengths: Mapping[str, Sequence[float]]) -> list[str]:
    given = route(dose.route)
    how = given.name + (" (clinic)" if given.clinic else "")
    head = f"- {_drug(dose)} {_amount(dose)} {how}{_often(dose)} ({dose.status})"
    if dose.status in _NOT_TAKEN:
        head += ": do not take"
    else:
        capsules = _capsules(dose, strengths)
        if capsules is not None:
            head += f": {capsules}"
    label = "Basis" if dose.status in (PLANNED, ADDED) else "Basis (as planned)"
    lines = [head, f"  {label}: {dose.basis}"]
    if dose.status != PLANNED and dose.reason is not None:
        lines.append(f"  Reason: {dose.reason}")
    return lines


def _capsules(dose: PlannedDose, strengths: Mapping[str, Sequence[float]]) -> str | None:
    if dose.route != "oral":
        return None
    return capsule_text(dose.drug, dose.dose, dose.unit, strengths)


def _recorded_lines(recorded: Sequence[Event]) -> list[str]:
    lines = []
    for event in recorded:
        text = f"Recorded on this day: {event.what.describe()}"
        if event.note is not None:
            text += f" (note: {event.note})"
        lines.append(text)
    return lines


def _about(plan: Plan) -> str:
    """The calendar's description: which regimen, and the notice."""
    return (f"{plan.title}. {' '.join(plan.heading())} Reference [{plan.reference}] "
            f"{plan.authors}; regimen id {plan.regimen_id}; cycle 1 day 1 "
            f"{plan.start.isoformat()}. {plan.notice}")
