"""The plan as a printable calendar: one month per landscape page, as HTML or PDF.

``render_html`` writes one self-contained HTML file (inline CSS, no script, no
external resource) from ``templates/calendar.html.j2``; print it from a browser.
``render_pdf`` prints the same page with WeasyPrint, an optional extra.

Every month is one printed page: a 7-column grid, Monday first, each day showing
what to take (drug, dose, the capsules of each strength for capsule drugs),
clinic visits (the routes the drug catalog gives the clinic: infusions), held,
reduced, stopped and added doses in words (not colour alone), rest days, and cycle
and day numbers. Page 1 carries the order-sheet header (doses and how they were
calculated, body size, events, warnings); every page carries the regimen, the
patient, a legend and the planning-aid notice. The font size of each page is chosen
here, from the amount of text the page holds, so that the page fits on the paper.

Output is deterministic: no clock, fixed English weekday and month names, and
every piece of user text escaped by Jinja2's autoescape. Jinja2 is imported
only when a calendar is rendered, so that ``import doseplan`` stays light.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from doseplan import arguments
from doseplan.capsules import STRENGTHS, capsule_text
from doseplan.drugs import name, route
from doseplan.errors import UsageError
from doseplan.model import AS_PUBLISHED
from doseplan.plan import Plan, PlanDay, PlannedDose
from doseplan.status import NOT_TO_FOLLOW_MARK
from doseplan.values import Value

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
PAPERS = ("a4", "letter")

PDF_MISSING = ("PDF output needs WeasyPrint: pip install 'doseplan[pdf]'; or print the "
               "--format html page from a browser")
PANGO_MISSING = ("PDF output needs Pango, which WeasyPrint could not find: install it (on "
                 "Debian, apt-get install libpangoft2-1.0-0); or print the --format html page "
                 "from a browser")
# WeasyPrint's DeprecationWarning when libharfbuzz-subset0 is missing (a regex, from its start)
HARFBUZZ_SUBSET_WARNING = "HarfBuzz-Subset will be required by future versions of WeasyPrint"

LEGEND = (
    ("HELD - do not take", "the dose is not taken that day (see the note)"),
    ("STOPPED", "the drug is stopped: do not take it"),
    ("REDUCED", "a lower dose than planned (see the note)"),
    ("ADDED", "added because of a recorded event (see the note)"),
    ("CLINIC VISIT", "given at the clinic (infusion)"),
    ("(supportive)", "supportive or preventive medicine"),
    ("Rest day", "nothing to take"),
    ("not in plan", "grey: the day is not part of this plan"),
    ("C2 D5", "cycle 2, day 5"),
)

CHANGED = "Changed by recorded events (the reasons are in the notes under the calendar):"
"""Heading of a drug's changed doses in the order sheet."""

_MARKS = {
    "held": ("HELD - do not take", "HELD - not given"),
    "stopped": ("STOPPED - do not take", "STOPPED - not given"),
    "reduced": ("REDUCED", "REDUCED - CLINIC VISIT"),
    "added": ("ADDED", "ADDED - CLINIC VISIT"),
}
"""Status -> (mark for a drug taken at home, mark for a clinic drug)."""
_NOT_TAKEN = frozenset({"held", "stopped"})


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class _Paper(Value):
    css: str
    width_mm: float
    """Width of the printable area (landscape, inside the margins)."""
    height_mm: float


_MARGIN_MM = 8.0
_PAPER = {
    "a4": _Paper("A4 landscape", 297.0 - 2 * _MARGIN_MM, 210.0 - 2 * _MARGIN_MM),
    "letter": _Paper("letter landscape", 279.4 - 2 * _MARGIN_MM, 215.9 - 2 * _MARGIN_MM),
}


# ---------------------------------------------------------------------------
# What the template shows


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class DoseView(Value):
    """One dose in a day cell."""

    kind: str
    """take, clinic, held, stopped, reduced, added, or other for an unknown status (also
    the CSS class)."""
    mark: str
    """The word that says what to do when it is not a plain dose ("" otherwise)."""
    text: str
    """Drug, dose and route, e.g. "lenalidomide 10 mg by mouth"."""
    capsules: str | None
    supportive: bool
    note: int | None
    """The number of the page note that gives the reason, if any."""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class CellView(Value):
    """One cell of the month grid."""

    kind: str
    """pad (another month), outside (not in the plan), rest, noted (no doses, a note) or
    dosing."""
    day: int
    """Day of the month; 0 for pad cells."""
    iso: str
    phase: str
    """The phase, when the plan has several ("" otherwise)."""
    where: str
    """Cycle and day, e.g. "C1 D5"."""
    cycle_start: bool
    doses: tuple[DoseView, ...]
    note: int | None = None
    """The number of the day's note (a cycle start, a cycle waiting), if it has one."""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class MonthView(Value):
    """One printed page."""

    name: str
    """e.g. "January 2027"."""
    page: int
    status: str | None
    """The regimen's status in words: on page 1, and on every page unless as published."""
    weeks: tuple[tuple[CellView, ...], ...]
    notes: tuple[tuple[int, str], ...]
    """(number, reason) of every held, reduced, stopped or added dose on the page."""
    font_pt: float
    order_scale: str
    """Font scale of page 1's order sheet (doses, events, warnings) against the page's."""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class DrugView(Value):
    """One drug of the order-sheet table: how its doses were obtained."""

    drug: str
    """The drug's name (``doseplan.drugs.name``)."""
    route: str
    """The route in words (``doseplan.drugs.route``)."""
    schedule: tuple[str, ...]
    basis: tuple[str, ...]
    changes: tuple[str, ...]
    """Doses changed by recorded events, e.g. "REDUCED 5 mg on 3 days, the first 2027-02-22"."""


# ---------------------------------------------------------------------------
# Public API


def render_html(
    plan: Plan,
    *,
    paper: str = "a4",
    strengths: Mapping[str, Sequence[float]] = STRENGTHS,
    patient: str | None = None,
) -> str:
    """The plan as one self-contained HTML page, one printed month per landscape sheet."""
    arguments.instance("plan", plan, Plan, "a Plan (from build_plan)")
    arguments.strengths(strengths)
    arguments.text("patient", patient, optional=True)
    import jinja2

    context = _context(plan, paper=paper, strengths=strengths, patient=patient)
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("doseplan.render", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env.get_template("calendar.html.j2").render(context)


def load_weasyprint() -> Any:
    """WeasyPrint, or a UsageError saying how to get it.

    WeasyPrint warns on import when the optional HarfBuzz-Subset library is missing (it
    then subsets fonts with fontTools, which prints the same PDF); that one warning is
    WeasyPrint's own advice about the machine, not doseplan's, so it is not shown.
    """
    try:
        # WeasyPrint prints a banner on standard output when Pango is missing: not shown,
        # since it would go into a PDF sent there (the error below says what to do).
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.filterwarnings("ignore", message=HARFBUZZ_SUBSET_WARNING,
                                    category=DeprecationWarning)
            return importlib.import_module("weasyprint")
    except ImportError:
        raise UsageError(PDF_MISSING) from None
    except OSError:  # installed, but its system libraries are not
        raise UsageError(PANGO_MISSING) from None


def render_pdf(
    plan: Plan,
    *,
    paper: str = "a4",
    strengths: Mapping[str, Sequence[float]] = STRENGTHS,
    patient: str | None = None,
) -> bytes:
    """The HTML calendar printed to PDF by WeasyPrint (``pip install 'doseplan[pdf]'``)."""
    page = render_html(plan, paper=paper, strengths=strengths, patient=patient)
    pdf = load_weasyprint().HTML(string=page).write_pdf()
    if not isinstance(pdf, bytes):
        raise TypeError("WeasyPrint returned no PDF")
    return pdf


# ---------------------------------------------------------------------------
# Building the view


def number(value: float) -> str:
    """A dose as people write it: 10, 2.5, 682.5 (never an exponent; to 0.01)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def months_spanned(plan: Plan) -> list[tuple[int, int]]:
    """(year, month) of every month from the plan's first day to its last."""
    first, last = plan.days[0].date, plan.days[-1].date
    index, end = first.year * 12 + first.month - 1, last.year * 12 + last.month - 1
    return [(i // 12, i % 12 + 1) for i in range(index, end + 1)]


def _context(
    plan: Plan,
    *,
    paper: str,
    strengths: Mapping[str, Sequence[float]],
    patient: str | None,
) -> dict[str, Any]:
    if paper not in _PAPER:
        raise UsageError(f"unknown paper size {paper!r}; use one of {', '.join(PAPERS)}")
    sheet = _PAPER[paper]
    notes: dict[str, int] = {}
    day_notes = plan.notes_by_date()
    for day in plan.days:
        for dose in day.doses:
            if dose.reason is not None:
                notes.setdefault(dose.reason, len(notes) + 1)
    for note in day_notes.values():  # numbered after the reasons of changed doses
        notes.setdefault(note, len(notes) + 1)
    several_phases = len(plan.cycles) > 1
    by_date = {day.date: day for day in plan.days}
    facts = _facts(plan, patient)
    drugs = _drugs(plan)
    events = plan.recorded()
    reasons = {n: r for r, n in notes.items()}
    spanned = months_spanned(plan)
    months: list[MonthView] = []
    for page, (year, month) in enumerate(spanned, start=1):
        weeks = _weeks(year, month, by_date, several_phases, strengths, notes,
                       plan.not_to_follow is not None, day_notes)
        used = sorted({d.note for week in weeks for c in week for d in c.doses
                       if d.note is not None} | {c.note for week in weeks for c in week
                                                 if c.note is not None})
        page_notes = tuple((n, reasons[n]) for n in used)
        status = plan.status_text if page == 1 or plan.status != AS_PUBLISHED else None
        blocks = _Blocks(plan.title, status, plan.notices if page == 1 else (), facts,
                         drugs if page == 1 else (),
                         events if page == 1 else (), plan.warnings if page == 1 else (),
                         weeks, page_notes, plan.notice)
        size, scale = _fit(blocks, sheet)
        months.append(MonthView(f"{MONTHS[month - 1]} {year}", page, status, weeks,
                                page_notes, size, number(scale)))
    return {
        "plan": plan,
        "patient": patient,
        "facts": facts,
        "drugs": drugs,
        "events": events,
        "warnings": plan.warnings,
        "months": months,
        "pages": len(months),
        "weekdays": WEEKDAYS,
        "legend": LEGEND,
        "changed": CHANGED,
        "page_css": sheet.css,
        "margin_mm": number(_MARGIN_MM),
        "page_width_mm": number(sheet.width_mm),
        "page_height_mm": number(sheet.height_mm - 0.5),
    }


def _facts(plan: Plan, patient: str | None) -> tuple[tuple[str, str], ...]:
    """(label, value) lines of the page header, in order."""
    facts: list[tuple[str, str]] = []
    if patient is not None:
        facts.append(("Patient", patient))
    facts.append(("Reference", f"[{plan.reference}] {plan.authors}; regimen id {plan.regimen_id}"))
    facts.append(("Cycle 1 day 1", plan.start.isoformat()))
    facts.append(("Last day", plan.end.isoformat()))
    cycles = ", ".join(f"{name} {count} cycle{'' if count == 1 else 's'}"
                       for name, count in plan.cycles)
    facts.append(("Cycles", cycles))
    body = plan.body
    parts: list[str] = []
    if body is not None:
        if body.height_cm is not None:
            parts.append(f"height {number(body.height_cm)} cm")
        if body.weight_kg is not None:
            parts.append(f"weight {number(body.weight_kg)} kg")
        if body.bsa_m2 is not None:
            parts.append(f"BSA {number(body.bsa_m2)} m2 ({body.bsa_label()})")
    facts.append(("Body size", ", ".join(parts) if parts else "not given"))
    if plan.supportive:
        facts.append(("Supportive care", ", ".join(plan.supportive)))
    return tuple(facts)


def _drugs(plan: Plan) -> tuple[DrugView, ...]:
    """Each drug (and route) with its schedules, dose calculations and changes, deduplicated."""
    found: dict[tuple[str, str], tuple[dict[str, None], dict[str, None]]] = {}
    changed: dict[tuple[str, str], dict[tuple[str, str], list[date]]] = {}
    for day in plan.days:
        for dose in day.doses:
            rules, bases = found.setdefault((dose.drug, dose.route), ({}, {}))
            rules[dose.rule] = None
            bases[dose.basis] = None
            if dose.status != "planned":
                days = changed.setdefault((dose.drug, dose.route), {})
                given = "" if dose.status in _NOT_TAKEN else f" {number(dose.dose)} {dose.unit}"
                days.setdefault((dose.status, given), []).append(day.date)
    views = []
    for key, (rules, bases) in found.items():
        changes = tuple(
            f"{status.upper()}{given} on {len(days)} day{'' if len(days) == 1 else 's'}, "
            f"the first {days[0].isoformat()}"
            for (status, given), days in changed.get(key, {}).items())
        views.append(DrugView(name(key[0]), route(key[1]).name, tuple(rules), tuple(bases),
                              changes))
    return tuple(views)


def _weeks(
    year: int,
    month: int,
    by_date: Mapping[date, PlanDay],
    several_phases: bool,
    strengths: Mapping[str, Sequence[float]],
    notes: Mapping[str, int],
    not_to_follow: bool,
    day_notes: Mapping[date, str],
) -> tuple[tuple[CellView, ...], ...]:
    first = date(year, month, 1)
    start = first - timedelta(days=first.weekday())
    weeks: list[tuple[CellView, ...]] = []
    while True:
        week = tuple(_cell(start + timedelta(days=i), month, by_date, several_phases, strengths,
                           notes, not_to_follow, day_notes) for i in range(7))
        weeks.append(week)
        start += timedelta(days=7)
        if start.month != month:
            return tuple(weeks)


def _cell(
    day: date,
    month: int,
    by_date: Mapping[date, PlanDay],
    several_phases: bool,
    strengths: Mapping[str, Sequence[float]],
    notes: Mapping[str, int],
    not_to_follow: bool,
    day_notes: Mapping[date, str],
) -> CellView:
    if day.month != month:
        return CellView("pad", 0, day.isoformat(), "", "", False, ())
    found = by_date.get(day)
    if found is None:
        return CellView("outside", day.day, day.isoformat(), "", "", False, ())
    doses = _shared_marks(tuple(_dose(d, strengths, notes, not_to_follow) for d in found.doses))
    note = day_notes.get(day)
    return CellView("dosing" if doses else "rest" if note is None else "noted", day.day,
                    day.isoformat(), found.phase if several_phases else "", found.where(),
                    found.cycle_day == 1, doses, None if note is None else notes[note])


def _shared_marks(doses: tuple[DoseView, ...]) -> tuple[DoseView, ...]:
    """Doses in a row with the same mark (two drugs held, two infusions) under one mark."""
    return tuple(replace(d, mark="") if i and d.mark and d.mark == doses[i - 1].mark else d
                 for i, d in enumerate(doses))


def _dose(dose: PlannedDose, strengths: Mapping[str, Sequence[float]],
          notes: Mapping[str, int], not_to_follow: bool) -> DoseView:
    given = route(dose.route)
    clinic = given.clinic
    text = f"{name(dose.drug)} {number(dose.dose)} {dose.unit} {given.name}"
    how = dose.how_often()
    if how is not None:
        text += f" {how}"
    marks = _MARKS.get(dose.status)
    if marks is not None:
        kind, mark = dose.status, marks[1 if clinic else 0]
    elif dose.status == "planned":
        kind, mark = ("clinic", "CLINIC VISIT") if clinic else ("take", "")
    else:  # a status this renderer does not know: say it, never hide it
        kind, mark = "other", dose.status.upper()
    if not_to_follow:
        mark = NOT_TO_FOLLOW_MARK + (f" - {mark}" if mark else "")
    capsules = None
    if dose.status not in _NOT_TAKEN and dose.route == "oral":
        capsules = capsule_text(dose.drug, dose.dose, dose.unit, strengths)
    return DoseView(kind, mark, text, capsules, dose.rule.startswith("supportive care"),
                    None if dose.reason is None else notes[dose.reason])


# ---------------------------------------------------------------------------
# Fitting a page on the paper
#
# The CSS sizes every block in em of the page's font size; these estimates use
# the same factors, a conservative average character width and greedy word wrap,
# and choose the largest font size at which the page's text fits the paper.
# tests/test_render_html.py prints the calendar in Chromium to check them.

_SIZES_PT = (10.0, 9.5, 9.0, 8.5, 8.0, 7.5, 7.0, 6.5, 6.0, 5.5, 5.0, 4.5)
_MM_PER_PT = 25.4 / 72
_CHAR_EM = 0.55
"""Average character width in em: DejaVu Sans, the first font of the CSS, is the widest."""
_LINE = 1.25
"""Line height (CSS line-height)."""
_CELL_PAD_EM = 0.25
"""Padding of a day cell on each side (CSS .day padding)."""
_GAP_EM = 0.4
"""Space below each block (CSS margin-bottom)."""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class _Blocks(Value):
    title: str
    status: str | None
    notices: tuple[str, ...]
    facts: tuple[tuple[str, str], ...]
    drugs: tuple[DrugView, ...]
    events: tuple[str, ...]
    warnings: tuple[str, ...]
    weeks: tuple[tuple[CellView, ...], ...]
    notes: tuple[tuple[int, str], ...]
    notice: str


def _lines(text: str, width_mm: float, em_mm: float, *, bold: bool = False) -> int:
    """Lines that ``text`` takes in a box ``width_mm`` wide, by greedy word wrap."""
    per_line = max(1, int(width_mm / ((_CHAR_EM * (1.12 if bold else 1.0)) * em_mm)))
    lines, used = 1, 0
    for word in text.split():
        size = len(word)
        if used and used + 1 + size <= per_line:
            used += 1 + size
            continue
        if used:
            lines += 1
        while size > per_line:  # a word longer than a line is broken (overflow-wrap)
            lines += 1
            size -= per_line
        used = size
    return lines


def _height_em(blocks: _Blocks, sheet: _Paper, font_pt: float, scale: float = 1.0) -> float:
    """The height of a page in em of ``font_pt``, as laid out by the template's CSS.

    ``scale`` is the font scale of the order sheet (drugs, events, warnings).
    """
    em = font_pt * _MM_PER_PT
    width = sheet.width_mm
    total = 0.0

    def text(value: str, rel: float, box: float = width, *, bold: bool = False) -> float:
        return _lines(value, box, em * rel, bold=bold) * _LINE * rel

    total += text(blocks.title, 1.25, bold=True) + _GAP_EM
    if blocks.status is not None:
        total += text(blocks.status, 0.95, bold=True) + _GAP_EM
    facts = "   ".join(f"{label}: {value}" for label, value in blocks.facts)
    total += text(facts, 0.9) + _GAP_EM
    total += 1.4 * _LINE + _GAP_EM  # month name
    for notice in blocks.notices:  # first in the order sheet, at its scale
        total += text(notice, 0.85 * scale) + _GAP_EM * scale
    if blocks.drugs:
        # Table: drug 16%, schedule 38%, calculation 46%; cells padded 0.2em a side.
        small, pad = 0.85 * scale, 0.4 * 0.85 * scale
        rows = small * _LINE + pad
        for drug in blocks.drugs:
            cells = (
                text(f"{drug.drug} ({drug.route})", small, width * 0.16 - pad * em),
                sum(text(s, small, width * 0.38 - pad * em) for s in drug.schedule),
                sum(text(b, small, width * 0.46 - pad * em) for b in drug.basis)
                + sum(text(c, small, width * 0.46 - pad * em, bold=True)
                      for c in (CHANGED if drug.changes else None, *drug.changes) if c),
            )
            rows += max(cells) + pad
        total += rows + _GAP_EM * scale
    if blocks.events:
        total += text("Recorded events: " + "; ".join(blocks.events), 0.85 * scale)
        total += _GAP_EM * scale
    if blocks.warnings:
        # Two columns 1.5em apart; each item a paragraph; balancing may leave a line or two.
        small = 0.85 * scale
        column = (width - 1.5 * em * small) / 2
        lines = sum(_lines("- " + w, column, em * small) for w in blocks.warnings)
        total += (math.ceil(lines / 2) + 2 + 1) * _LINE * small + _GAP_EM * scale
    if blocks.drugs or blocks.events or blocks.warnings:
        total += _GAP_EM
    else:
        total += text("Dose calculations, recorded events and warnings: see page 1.", 0.85)
        total += _GAP_EM
    # Grid: weekday row, then each week as tall as its fullest cell.
    # Text width of a cell: less padding, borders and the thicker cycle-start border.
    cell = width / 7 - (2 * _CELL_PAD_EM + 0.3) * em - 0.6
    total += _LINE * 0.9 + 2 * _CELL_PAD_EM
    for week in blocks.weeks:
        tallest = 1.0
        for c in week:
            # "C6 D28" never wraps (CSS white-space: nowrap): one word here.
            date_line = f"{c.day} {c.phase} {c.where.replace(' ', '_')}" + (
                f" (note {c.note})" if c.note is not None and c.doses else "")
            height = float(_lines(date_line, cell - 0.6 * em, em, bold=True))
            if c.kind in ("rest", "outside", "noted"):
                height += 1.0
            for d in c.doses:
                if d.mark:
                    height += _lines(d.mark, cell - 0.4 * em, em, bold=True)  # padded
                extra = (" (supportive)" if d.supportive else "") + (
                    "" if d.note is None else f" (note {d.note})")
                height += _lines(d.text + extra, cell, em)
                if d.capsules is not None:
                    height += _lines(d.capsules, cell, em * 0.9) * 0.9
                height += 0.15
            tallest = max(tallest, height)
        total += tallest * _LINE + 2 * _CELL_PAD_EM + 0.1
    total += _GAP_EM
    for n, reason in blocks.notes:
        total += text(f"Note {n}: {reason}", 0.85)
    if blocks.notes:
        total += _GAP_EM
    legend = "Legend: " + "   ".join(f"{k} = {v}" for k, v in LEGEND)
    total += text(legend, 0.8) + _GAP_EM
    total += text(blocks.notice, 0.95, bold=True) + _GAP_EM
    total += 0.8 * _LINE  # page marker
    return total


def _fit(blocks: _Blocks, sheet: _Paper) -> tuple[float, float]:
    """The font size (pt) of a page and the scale of page 1's order sheet.

    Every choice must fit with 5% to spare. The calendar is what patients read, so
    the order sheet may shrink to 70% (not below 5 pt) to keep the calendar larger;
    the choice maximises the smaller of the calendar's size and the order sheet's
    size over 0.8, then the calendar's size. Past the smallest size the page is
    printed at that size and takes an extra sheet rather than losing text.
    """
    limit = sheet.height_mm * 0.95
    best: tuple[float, float, float] | None = None  # (key, size, scale)
    for size in _SIZES_PT:
        for scale in (1.0, 0.9, 0.8, 0.7) if blocks.drugs else (1.0,):
            if scale < 1.0 and size * scale < 5.0:
                break
            if best is not None and min(size, size * scale / 0.8) <= best[0]:
                continue
            if _height_em(blocks, sheet, size, scale) * size * _MM_PER_PT <= limit:
                best = (min(size, size * scale / 0.8), size, scale)
    return (_SIZES_PT[-1], 1.0) if best is None else (best[1], best[2])
