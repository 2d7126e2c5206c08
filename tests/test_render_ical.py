"""Specification of doseplan.render.ical: the plan as an .ics file for phone calendars.

Every output is read back with a second, independent strict parser (the ``ical``
package), so that what is checked is what a calendar app will see.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import START, check_golden, day, plan_of
from hypothesis import assume, given
from hypothesis import strategies as st
from ical.calendar import Calendar
from ical.calendar_stream import IcsCalendarStream
from ical.event import Event as IcalEvent
from ical.event import EventStatus

from doseplan.bodysize import body_size
from doseplan.errors import UsageError
from doseplan.events import Event, decision, lab, toxicity
from doseplan.holds import Hold, PlanState, apply_events, plan_history
from doseplan.plan import NOTICE, Plan
from doseplan.render import ical
from doseplan.render.ical import render_ics

BODY = body_size(height_cm=170, weight_kg=70)
FLARE = (toxicity(START + timedelta(days=2), "tumor_flare", 2),   # day 3: ibuprofen added
         toxicity(START + timedelta(days=5), "tumor_flare", 3))   # day 6: lenalidomide held
FLARE_RESOLVED = (*FLARE, toxicity(START + timedelta(days=8), "tumor_flare", 1),
                  toxicity(START + timedelta(days=12), "tumor_flare", 0))
NEUTROPENIA = (lab(START + timedelta(days=39), "anc", 0.8, note="routine count"),
               lab(START + timedelta(days=49), "anc", 1.2),
               lab(START + timedelta(days=49), "platelets", 110))
NASTY = 'said "ouch", then; left\nnext line <script>alert(1)</script> \\ end'



def base_of(regimen_id: str) -> Plan:
    body = BODY if regimen_id.startswith("ferrajoli") else None
    return plan_of(regimen_id, start=START, body=body)


def history_of(regimen_id: str, events: Sequence[Event]) -> tuple[Plan, ...]:
    return plan_history(base_of(regimen_id), events)


def parse(text: str) -> Calendar:
    """The calendar as the independent strict parser reads it."""
    return IcsCalendarStream.calendar_from_ics(text)


def start_day(event: IcalEvent) -> date:
    """The day an event starts on (all-day or timed)."""
    start = event.dtstart
    assert start is not None
    return start.date() if isinstance(start, datetime) else start


def moment(value: date | datetime | None) -> datetime:
    """A timed event's start or end."""
    assert isinstance(value, datetime)
    return value


def by_date(calendar: Calendar) -> dict[date, IcalEvent]:
    events = {start_day(event): event for event in calendar.events}
    assert len(events) == len(calendar.events), "two events on one day"
    return events


def live(calendar: Calendar) -> list[IcalEvent]:
    return [e for e in calendar.events if e.status != EventStatus.CANCELLED]


def cancelled(calendar: Calendar) -> list[IcalEvent]:
    return [e for e in calendar.events if e.status == EventStatus.CANCELLED]


def blocks(text: str) -> dict[str, str]:
    """Each VEVENT's text by UID, without its DTSTAMP line."""
    out: dict[str, str] = {}
    for chunk in text.split("BEGIN:VEVENT\r\n")[1:]:
        body = chunk.split("END:VEVENT\r\n")[0]
        lines = [line for line in body.split("\r\n") if not line.startswith("DTSTAMP:")]
        (uid,) = [line.removeprefix("UID:") for line in lines if line.startswith("UID:")]
        out[uid] = "\r\n".join(lines)
    return out


# ---------------------------------------------------------------------------
# One event per day with something to take


@pytest.mark.parametrize("regimen_id", ["aue-2010", "badoux-2011", "ferrajoli-2013"],
                         ids=["aue-2010", "badoux-2011", "ferrajoli-2013-mg-m2"])
def test_one_all_day_event_per_dosing_day(regimen_id: str) -> None:
    """Each day with a dose is one all-day event (DTEND the next day), in date order."""
    plan = base_of(regimen_id)
    calendar = parse(render_ics(plan))
    dosing = [d.date for d in plan.dosing_days()]
    assert [e.dtstart for e in calendar.events] == dosing
    assert all(type(e.dtstart) is date and e.dtend == e.dtstart + timedelta(days=1)
               for e in calendar.events)
    assert all(e.rrule is None and e.status is None and e.sequence == 0
               for e in calendar.events)


def test_the_calendar_names_the_regimen_and_is_a_file_not_an_invitation() -> None:
    """PRODID, VERSION:2.0, NAME and X-WR-CALNAME with the title; no METHOD."""
    plan = base_of("aue-2010")
    text = render_ics(plan, product="-//Test site//doseplan//EN")
    calendar = parse(text)
    assert (calendar.prodid, calendar.version, calendar.method) == (
        "-//Test site//doseplan//EN", "2.0", None)
    assert calendar.name == [plan.title]
    assert [x.name for x in calendar.extras] == ["x-wr-calname"]
    assert "X-WR-CALNAME:Lenalidomide 10 mg days 1-21 of 42-day cycles\\, 4 cycles" in text
    assert "METHOD" not in text
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert text.endswith("END:VCALENDAR\r\n")


@pytest.mark.parametrize(
    ("regimen_id", "events", "n", "summary"),
    [
        ("aue-2010", (), 1, "Lenalidomide 10 mg - 1 x 10 mg capsule"),
        ("badoux-2011", (), 29, "Lenalidomide 10 mg - 1 x 10 mg capsule"),
        ("badoux-2011", (), 113, "Lenalidomide 25 mg - 1 x 25 mg capsule"),
        ("ferrajoli-2013", (), 1, "Rituximab 682.5 mg IV (clinic)"),
        ("ferrajoli-2013", (), 15,
         "Rituximab 682.5 mg IV (clinic); Lenalidomide 10 mg - 1 x 10 mg capsule"),
        ("badoux-2011", NEUTROPENIA, 40, "HELD - do not take: Lenalidomide 10 mg"),
        ("badoux-2011", NEUTROPENIA, 50, "Lenalidomide 5 mg - 1 x 5 mg capsule (reduced)"),
        ("aue-2010", FLARE, 3,
         "Lenalidomide 10 mg - 1 x 10 mg capsule; Ibuprofen 400 mg every 6 hours (1600 mg a "
         "day) (added)"),
        ("aue-2010", FLARE, 6, "HELD - do not take: Lenalidomide 10 mg; Ibuprofen 400 mg every "
                               "6 hours (1600 mg a day) (added)"),
        ("ferrajoli-2013", (decision(day(15), "hold", "rituximab"),), 15,
         "HELD - do not take: Rituximab 682.5 mg IV; Lenalidomide 10 mg - 1 x 10 mg capsule"),
    ],
    ids=["aue-capsule", "badoux-step-2", "badoux-step-5", "rituximab-mg-m2", "two-drugs",
         "held", "reduced", "added-ibuprofen", "held-and-added", "held-infusion"],
)
def test_the_summary_says_what_to_take(regimen_id: str, events: Sequence[Event], n: int,
                                       summary: str) -> None:
    """Drug, dose, capsules or route; held, reduced and added doses say so."""
    calendar = parse(render_ics(apply_events(base_of(regimen_id), events)))
    assert by_date(calendar)[day(n)].summary == summary


def test_an_injection_under_the_skin_reads_as_the_catalog_words_it() -> None:
    """[25] enoxaparin 4000 units sc: the route in the catalog's words, no clinic visit."""
    from doseplan.loader import load_builtin, load_supportive

    regimen = load_builtin("gimema-llc0606")
    plan = plan_of("gimema-llc0606", supportive=[load_supportive("enoxaparin", regimen)])
    event = by_date(parse(render_ics(plan)))[START]
    assert event.summary is not None
    assert event.summary.endswith("; Enoxaparin 4000 units SC")
    assert "- Enoxaparin 4000 units injection under the skin (SC) (planned)" in (
        event.description or "")


def test_the_description_gives_cycle_day_route_basis_reason_and_notice() -> None:
    """Everything needed to check a dose is in the event's description."""
    plan = apply_events(base_of("ferrajoli-2013"), [decision(day(15), "hold", "lenalidomide",
                                                             note="team call")])
    description = by_date(parse(render_ics(plan)))[day(15)].description
    assert description == "\n".join([
        "Cycle 1, day 15 (treatment)",
        "- Rituximab 682.5 mg IV infusion (clinic) (planned)",
        "  Basis: 375 mg/m2 x 1.82 m2 (Mosteller) = 682.5 mg",
        "- Lenalidomide 10 mg by mouth (held): do not take",
        "  Basis (as planned): 10 mg",
        "  Reason: held: held by decision of the treating team on 2027-01-18: team call",
        "Recorded on this day: hold lenalidomide (note: team call)",
        "",
        plan.title,
        NOTICE,
    ])


# ---------------------------------------------------------------------------
# Same bytes for the same plan


@pytest.mark.parametrize(
    ("events", "stamp"),
    [((), START), (tuple(reversed(NEUTROPENIA)), day(50))],
    ids=["no-events-start", "latest-event"],
)
def test_dtstamp_comes_from_the_plan_not_the_clock(events: Sequence[Event],
                                                   stamp: date) -> None:
    """DTSTAMP is the latest recorded event's date (or the start) at 00:00 UTC."""
    plan = apply_events(base_of("badoux-2011"), events)
    calendar = parse(render_ics(plan))
    assert {e.dtstamp for e in calendar.events} == {
        datetime(stamp.year, stamp.month, stamp.day, tzinfo=UTC)}


def test_uids_are_uuid5_of_regimen_start_and_day_without_patient_data() -> None:
    """UIDs are distinct v5 UUIDs@doseplan; another body size keeps them, another start not."""
    plan = base_of("ferrajoli-2013")
    uids = [e.uid for e in parse(render_ics(plan)).events]
    assert len(set(uids)) == len(uids)
    assert all(u.endswith("@doseplan") and uuid.UUID(u.removesuffix("@doseplan")).version == 5
               for u in uids)
    heavier = plan_of("ferrajoli-2013", start=START,
                         body=body_size(height_cm=190, weight_kg=95))
    assert [e.uid for e in parse(render_ics(heavier)).events] == uids
    later = plan_of("ferrajoli-2013", start=START + timedelta(days=7), body=BODY)
    assert set(uids).isdisjoint(e.uid for e in parse(render_ics(later)).events)


def test_uids_keep_their_values_from_earlier_versions() -> None:
    """The UID of a plan day is uuid.uuid5 of the documented name in the documented
    namespace, so that calendars imported from earlier files update instead of doubling."""
    plan = base_of("aue-2010")
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, "https://doseplan.example/ical")
    expected = [f"{uuid.uuid5(namespace, f'aue-2010/{START}/{d.date}')}@doseplan"
                for d in plan.days if d.doses]
    assert [e.uid for e in parse(render_ics(plan)).events] == expected
    assert expected[0] == "f7f583f6-6a6f-53da-ae3c-98999910e4ea@doseplan"  # shipped 2026


def test_a_calendar_key_gives_each_patient_their_own_uids() -> None:
    """Two patients on one regimen from one date (each record's random key) share no UID;
    each keeps its UIDs across regenerations; a UID is a v5 UUID of the key, regimen,
    start and day, so it says nothing of the patient."""
    plan = base_of("aue-2010")
    first, second = "0" * 32, "f" * 32
    uids = [e.uid for e in parse(render_ics(plan, calendar_key=first)).events]
    assert uids == [e.uid for e in parse(render_ics(plan, calendar_key=first)).events]
    assert set(uids).isdisjoint(e.uid for e in parse(render_ics(plan,
                                                                calendar_key=second)).events)
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, "https://doseplan.example/ical")
    assert uids[0] == f"{uuid.uuid5(namespace, f'{first}/aue-2010/{START}/{START}')}@doseplan"


@pytest.mark.parametrize(("key", "error", "message"), [
    ("0" * 31, UsageError, "calendar key '0000000000000000000000000000000' is not 32 lowercase "
                           "hex digits; give one made by doseplan.patient.new_calendar_key()"),
    ("G" * 32, UsageError, "calendar key 'GGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGG' is not 32 "
                           "lowercase hex digits; give one made by "
                           "doseplan.patient.new_calendar_key()"),
    (12, TypeError, "'calendar_key' must be text (32 hex digits) (got 12 that is an int)"),
], ids=["too-short", "not-hex", "not-text"])
def test_a_calendar_key_is_32_hex_digits(key: object, error: type[Exception],
                                         message: str) -> None:
    with pytest.raises(error) as caught:
        render_ics(base_of("aue-2010"), calendar_key=key)  # type: ignore[arg-type]
    assert str(caught.value) == message


@given(st.text(), st.uuids())
def test_uuid5_is_the_standard_library_s(name: str, namespace: uuid.UUID) -> None:
    """The fast-start UUIDv5 gives the same UUID as uuid.uuid5 for any name."""
    assume(not any("\ud800" <= c <= "\udfff" for c in name))  # not encodable: no name
    assert ical.uuid5(namespace, name) == uuid.uuid5(namespace, name)


def test_uids_are_the_same_where_python_has_no_sha1_module_of_its_own() -> None:
    """Without CPython's _sha1 (another interpreter), hashlib's SHA-1 gives the same UIDs."""
    code = ("import sys, uuid\n"
            "sys.modules['_sha1'] = None  # importing it now fails\n"
            "from doseplan.render import ical\n"
            "print(ical._sha1.__module__, ical.uuid5(uuid.NAMESPACE_URL, 'day') == "
            "uuid.uuid5(uuid.NAMESPACE_URL, 'day'))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd="/")
    assert done.stdout.split() == ["_hashlib", "True"]


def test_two_runs_give_the_same_bytes() -> None:
    """Rendering twice, even with reminders and a history, gives identical text."""
    history = history_of("aue-2010", FLARE_RESOLVED)
    first = render_ics(history[-1], history=history, remind_at=time(8), tz="Europe/Paris",
                       alarm_minutes=15)
    assert render_ics(history[-1], history=history, remind_at=time(8), tz="Europe/Paris",
                      alarm_minutes=15) == first


@pytest.mark.parametrize("timed", [False, True], ids=["all-day", "timed"])
def test_output_does_not_depend_on_the_tz_or_locale_environment(timed: bool) -> None:
    """Another TZ and locale in the environment give byte-identical output."""
    options = {"remind_at": time(8), "tz": "America/New_York"} if timed else {}
    history = history_of("aue-2010", FLARE_RESOLVED)
    here = render_ics(history[-1], history=history, **options)  # type: ignore[arg-type]
    code = (
        "import sys\n"
        "from datetime import date, time\n"
        "from doseplan.engine import build_plan\n"
        "from doseplan.events import toxicity\n"
        "from doseplan.holds import plan_history\n"
        "from doseplan.loader import load_builtin\n"
        "from doseplan.render.ical import render_ics\n"
        "base = build_plan(load_builtin('aue-2010'), date(2027, 1, 4))\n"
        "events = [toxicity(date(2027, 1, d), 'tumor_flare', g)\n"
        "          for d, g in ((6, 2), (9, 3), (12, 1), (16, 0))]\n"
        "history = plan_history(base, events)\n"
        f"options = {{'remind_at': time(8), 'tz': 'America/New_York'}} if {timed} else {{}}\n"
        "sys.stdout.buffer.write(render_ics(history[-1], history=history, **options)"
        ".encode())\n"
    )
    env = {**os.environ, "TZ": "Pacific/Kiritimati", "LC_ALL": "tr_TR.UTF-8",
           "LANG": "tr_TR.UTF-8"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env,
                          check=True, cwd="/")
    assert done.stdout.decode() == here


# ---------------------------------------------------------------------------
# Updates after recorded events


def test_without_history_sequences_are_0_and_nothing_is_cancelled() -> None:
    """A plan with events but no history: every event SEQUENCE 0, none cancelled."""
    plan = apply_events(base_of("aue-2010"), FLARE_RESOLVED)
    calendar = parse(render_ics(plan))
    assert {e.sequence for e in calendar.events} == {0}
    assert cancelled(calendar) == []
    assert len(calendar.events) == len(plan.dosing_days())


def test_sequence_counts_the_changes_of_each_day_along_the_history() -> None:
    """Flare grade 2 on day 3 adds ibuprofen (1 change), grade 3 on day 6 holds (2 changes)."""
    # Ibuprofen is shown to the end of cycle 1 (day 42); the hold lasts into cycle 2.
    history = history_of("aue-2010", FLARE)
    events = by_date(parse(render_ics(history[-1], history=history)))
    sequences = {n: events[day(n)].sequence for n in (1, 2, 3, 5, 6, 21, 22, 42, 43, 63)}
    assert sequences == {1: 0, 2: 0, 3: 1, 5: 1, 6: 2, 21: 2, 22: 2, 42: 2, 43: 1, 63: 1}
    assert events[day(22)].summary == "Ibuprofen 400 mg every 6 hours (1600 mg a day) (added)"
    assert events[day(43)].summary == "HELD - do not take: Lenalidomide 10 mg"
    assert day(64) not in events  # a rest day of cycle 2: nothing to take


def test_days_with_nothing_left_to_take_are_cancelled_with_a_higher_sequence() -> None:
    """Flare grade 0 on day 13 ends ibuprofen: its days 22-42 are CANCELLED, not dropped."""
    before = history_of("aue-2010", FLARE_RESOLVED[:3])
    after = history_of("aue-2010", FLARE_RESOLVED)
    old = by_date(parse(render_ics(before[-1], history=before)))
    calendar = parse(render_ics(after[-1], history=after))
    new = by_date(calendar)
    assert [e.dtstart for e in cancelled(calendar)] == [day(n) for n in range(22, 43)]
    assert all(new[day(n)].uid == old[day(n)].uid for n in range(22, 43))
    assert [new[day(n)].sequence for n in range(22, 43)] == [
        (old[day(n)].sequence or 0) + 1 for n in range(22, 43)]
    assert new[day(22)].summary == "Cancelled - nothing to take"
    assert new[day(22)].alarm == []
    assert [e.dtstart for e in live(calendar)] == [d.date for d in after[-1].dosing_days()]


def test_ending_treatment_cancels_every_later_dose() -> None:
    """End of treatment on day 10: days 10-21 and later cycles are CANCELLED as stopped."""
    history = history_of("aue-2010", [decision(day(10), "end-treatment")])
    calendar = parse(render_ics(history[-1], history=history))
    base_days = [d.date for d in history[0].dosing_days()]
    assert [e.dtstart for e in live(calendar)] == [d for d in base_days if d < day(10)]
    assert [e.dtstart for e in cancelled(calendar)] == [d for d in base_days if d >= day(10)]
    assert {e.sequence for e in cancelled(calendar)} == {1}
    assert by_date(calendar)[day(10)].summary == "STOPPED - do not take: Lenalidomide 10 mg"


def test_unchanged_days_keep_uid_sequence_and_text() -> None:
    """Recording events changes only the days they change: the others stay byte-identical."""
    history = history_of("badoux-2011", NEUTROPENIA)  # ANC 0.8 on day 40, recovery on day 50
    before_text = render_ics(history[1], history=history[:2])
    after_text = render_ics(history[-1], history=history)
    before, after = blocks(before_text), blocks(after_text)
    uids = {start_day(e): e.uid for e in parse(after_text).events}
    assert before.keys() == after.keys() == set(uids.values())
    same = {uid for uid in after if before[uid] == after[uid]}
    assert same == {uids[day(n)] for n in range(1, 50)}


def test_a_history_of_another_plan_is_refused() -> None:
    """The history must end with the rendered plan and be about the same regimen and start."""
    history = history_of("aue-2010", FLARE)
    with pytest.raises(UsageError) as caught:
        render_ics(history[-1], history=history[:-1])
    assert str(caught.value) == ("the history must end with the plan to render; pass "
                                 "holds.plan_history(base, events) for the same events")
    other = replace(history[0], start=day(2))
    with pytest.raises(UsageError) as caught:
        render_ics(history[-1], history=(other, *history))
    assert str(caught.value) == (
        "the history mixes plans: aue-2010 from 2027-01-05 is not aue-2010 from 2027-01-04; "
        "pass the history of this plan only")


# ---------------------------------------------------------------------------
# User text is escaped


def test_notes_reasons_and_drug_names_are_escaped() -> None:
    """Commas, semicolons, newlines, backslashes and markup come back exactly as written."""
    def site_rule(event: Event, state: PlanState) -> list[Hold]:
        return [Hold("lenalidomide", f"site rule: {NASTY}")] if event.date == day(5) else []

    plan = apply_events(base_of("aue-2010"), [lab(day(5), "anc", 1.6, note=NASTY)],
                        hooks=[site_rule])
    first = plan.days[0]
    odd = first._replace(doses=(first.doses[0]._replace(drug="len, a; b\nc"),))
    plan = replace(plan, days=(odd, *plan.days[1:]), title=f"Title {NASTY}")
    text = render_ics(plan)
    calendar = parse(text)
    events = by_date(calendar)
    assert events[day(1)].summary == "Len, a; b\nc 10 mg"
    assert f"  Reason: held: site rule: {NASTY}\n" in (events[day(5)].description or "")
    assert f"Recorded on this day: ANC 1.6 x 10^9/L (note: {NASTY})\n" in (
        events[day(5)].description or "")
    assert calendar.name == [f"Title {NASTY}"]
    unfolded = text.replace("\r\n ", "")
    assert 'note: said "ouch"\\, then\\; left\\nnext line <script>alert(1)</script> \\\\ end' \
        in unfolded
    assert all(line.split(";")[0].split(":")[0].isupper() or line == ""
               for line in unfolded.split("\r\n")), "a raw newline split a property"


# ---------------------------------------------------------------------------
# Timed reminders and alarms


def test_timed_reminders_are_15_minutes_at_local_time_with_their_vtimezone() -> None:
    """--remind-at 08:00 --tz Europe/Paris: 08:00 local before and after the DST change."""
    plan = base_of("aue-2010")
    text = render_ics(plan, remind_at=time(8), tz="Europe/Paris")
    calendar = parse(text)
    assert [tz.tz_id for tz in calendar.timezones] == ["Europe/Paris"]
    paris = ZoneInfo("Europe/Paris")
    expected = [datetime.combine(d.date, time(8), tzinfo=paris) for d in plan.dosing_days()]
    assert [e.dtstart for e in calendar.events] == expected
    assert [moment(e.dtstart).utcoffset() for e in (calendar.events[0], calendar.events[-1])] == [
        timedelta(hours=1), timedelta(hours=2)]  # January in CET, May in CEST
    assert {moment(e.dtend) - moment(e.dtstart) for e in calendar.events} == {
        timedelta(minutes=15)}
    assert "DTSTART;TZID=Europe/Paris:20270104T080000\r\n" in text
    assert text.index("BEGIN:VTIMEZONE") < text.index("BEGIN:VEVENT")


def test_reminders_in_utc_are_written_in_utc_without_a_vtimezone() -> None:
    """--tz UTC: times end in Z and no VTIMEZONE is needed (RFC 5545 3.3.5)."""
    text = render_ics(base_of("aue-2010"), remind_at=time(7, 30), tz="UTC")
    calendar = parse(text)
    assert calendar.timezones == []
    assert moment(calendar.events[0].dtstart) == datetime(2027, 1, 4, 7, 30, tzinfo=UTC)
    assert "DTSTART:20270104T073000Z\r\n" in text


def test_an_alarm_rings_the_given_minutes_before_each_event() -> None:
    """--alarm-minutes 30: one DISPLAY alarm with TRIGGER -PT30M saying what to take."""
    text = render_ics(base_of("aue-2010"), remind_at=time(8), tz="Europe/Paris",
                      alarm_minutes=30)
    calendar = parse(text)
    alarms = [(a.action, a.trigger, a.description == e.summary)
              for e in calendar.events for a in e.alarm]
    assert alarms == [("DISPLAY", timedelta(minutes=-30), True)] * len(calendar.events)
    assert "TRIGGER:-PT30M\r\n" in text


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"alarm_minutes": 30},
         "--alarm-minutes rings before a timed reminder: give --remind-at and --tz too (an "
         "all-day event would ring at midnight)"),
        ({"remind_at": time(8), "tz": "Factory"},
         "unknown time zone 'Factory' for --tz; give an IANA time zone name, e.g. --tz "
         "Europe/Paris"),
        ({"remind_at": time(8), "tz": "Mars/Olympus_Mons"},
         "unknown time zone 'Mars/Olympus_Mons' for --tz; give an IANA time zone name, "
         "e.g. --tz Europe/Paris"),
        ({"remind_at": time(8), "tz": "../../etc/passwd"},
         "unknown time zone '../../etc/passwd' for --tz; give an IANA time zone name, "
         "e.g. --tz Europe/Paris"),
        ({"remind_at": time(8), "tz": "localtime"},
         "unknown time zone 'localtime' for --tz; give an IANA time zone name, "
         "e.g. --tz Europe/Paris"),
        ({"remind_at": time(8)},
         "--remind-at needs the patient's time zone: add --tz, e.g. --tz Europe/Paris"),
        ({"tz": "Europe/Paris"},
         "--tz is for timed reminders: add --remind-at with the local time, e.g. "
         "--remind-at 08:00"),
        ({"remind_at": time(8, tzinfo=UTC), "tz": "Europe/Paris"},
         "--remind-at is a local time without a zone, e.g. 08:00; give the zone with --tz"),
        ({"alarm_minutes": -5},
         "--alarm-minutes -5 is out of range; give the minutes before each event from 0 to "
         "10080 (one week), e.g. 30"),
    ],
    ids=["alarm-without-time", "factory-tz", "unknown-tz", "path-tz", "localtime",
         "time-without-tz", "tz-without-time", "aware-time", "negative-alarm"],
)
def test_bad_reminder_options_are_usage_errors(options: dict[str, object],
                                               message: str) -> None:
    """Each message is one line that names the option and gives an example."""
    with pytest.raises(UsageError) as caught:
        render_ics(base_of("aue-2010"), **options)  # type: ignore[arg-type]
    assert str(caught.value) == message


# ---------------------------------------------------------------------------
# Packaging and golden files


def test_importing_the_renderer_does_not_import_icalendar() -> None:
    """icalendar is imported when a calendar is made, not by `import doseplan.render.ical`."""
    probe = ("import json, sys, doseplan, doseplan.render.ical\n"
             "print(json.dumps('icalendar' in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True, cwd="/")
    assert json.loads(done.stdout) is False


@pytest.mark.parametrize(
    ("name", "regimen_id", "events"),
    [
        ("ferrajoli-2013", "ferrajoli-2013", ()),
        ("badoux-2011-neutropenia-day-40", "badoux-2011", NEUTROPENIA),
        ("aue-2010-flare", "aue-2010", FLARE_RESOLVED),
    ],
    ids=["mg-m2", "neutropenia-hold", "flare-hold-and-cancel"],
)
def test_golden_calendar(name: str, regimen_id: str, events: Sequence[Event]) -> None:
    """The whole .ics file, after the recorded events, matches the reviewed golden file."""
    history = history_of(regimen_id, events)
    text = render_ics(history[-1], history=history)
    assert "\n" not in text.replace("\r\n", "")  # every line ends CRLF (RFC 5545)
    # check_golden reads with universal newlines, so the golden file holds LF line ends.
    check_golden(f"{name}.ics", text.replace("\r\n", "\n"))
