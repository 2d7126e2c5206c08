"""Specification of doseplan.render.html: the printable calendar, one month per page.

The page structure is read back with html.parser. The print itself is checked in
a real browser: Debian's chromium prints the page to PDF headless and
poppler-utils reads the PDF back (page count, text of each page, a PNG of page 1
kept in tests/artifacts/). Without them (`apt-get install chromium poppler-utils`) the
browser tests skip, saying so; CI installs them, and there they fail instead of skipping.
"""

from __future__ import annotations

import contextlib
import dataclasses
import html
import locale
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import (
    START,
    TESTS,
    check_golden,
    day,
    needs,
    needs_weasyprint,
    neutropenia,
    plan_of,
)

from doseplan.bodysize import body_size
from doseplan.errors import UsageError
from doseplan.events import decision, lab, toxicity
from doseplan.holds import apply_events
from doseplan.loader import load_supportive
from doseplan.plan import Plan
from doseplan.render.html import load_weasyprint, render_html, render_pdf

ARTIFACTS = TESTS / "artifacts"
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")





def ferrajoli_plan() -> Plan:
    return plan_of("ferrajoli-2013", body=body_size(height_cm=170, weight_kg=70))


def everything_plan() -> Plan:
    """A crowded plan: two phases, infusions, events that hold lenalidomide and leave
    rituximab and fludarabine to the team. (With supportive care attached too, page 1
    on letter paper needs more than the smallest size allows and takes a second sheet,
    as the renderer's design says.)"""
    plan = plan_of("egle-2013", start=START,
                      body=body_size(height_cm=170, weight_kg=70))
    return apply_events(plan, [
        toxicity(day(6), "tumor_flare", 3, note="tender nodes in the neck and both axillae"),
        lab(day(9), "anc", 0.8), lab(day(12), "anc", 1.3), lab(day(12), "platelets", 120),
        decision(day(15), "reduce", "lenalidomide"),
        decision(day(45), "hold", "lenalidomide", note="patient in hospital for an infection"),
    ])


# ---------------------------------------------------------------------------
# Reading the page back


VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"})


@dataclass(eq=False)
class Node:
    """An element of the parsed page."""

    tag: str
    attrs: dict[str, str]
    content: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        parts: list[str] = []
        for item in self.content:
            parts.append(item if isinstance(item, str) else " " + item.text() + " ")
        return " ".join("".join(parts).split())

    def find(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        """Every element below this one with that tag and class, in document order."""
        found: list[Node] = []
        for item in self.content:
            if isinstance(item, Node):
                if (tag is None or item.tag == tag) and (cls is None or cls in item.classes):
                    found.append(item)
                found.extend(item.find(tag, cls))
        return found


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].content.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        open_tag = self.stack[-1].tag
        assert open_tag == tag, f"</{tag}> closes <{open_tag}>: the page is not well nested"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].content.append(data)


def parse(page: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(page)
    builder.close()
    assert builder.stack == [builder.root], "unclosed elements at the end of the page"
    return builder.root


def months_of(page: str) -> list[Node]:
    return parse(page).find("section", "month")


def cell_on(page: str, on: date) -> Node:
    (cell,) = [c for c in parse(page).find("td", "day")
               if c.attrs.get("data-date") == on.isoformat()]
    return cell


def expected_months(plan: Plan) -> list[str]:
    first, last = plan.days[0].date, plan.days[-1].date
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{MONTH_NAMES[month - 1]} {year}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# ---------------------------------------------------------------------------
# Golden pages


GOLDEN: dict[str, Callable[[], str]] = {
    "aue-2010": lambda: render_html(plan_of("aue-2010")),
    "ferrajoli-2013": lambda: render_html(ferrajoli_plan()),
    "badoux-2011-neutropenia-day-40": lambda: render_html(neutropenia(), patient="P-001"),
}


@pytest.mark.parametrize("name", sorted(GOLDEN), ids=sorted(GOLDEN))
def test_calendars_match_the_golden_pages(name: str) -> None:
    """The HTML of three regimens (10 mg; mg/m2 rituximab; a hold and a reduction) is fixed."""
    check_golden(f"{name}.html", GOLDEN[name]())


# ---------------------------------------------------------------------------
# Structure


@pytest.mark.parametrize(
    ("regimen_id", "start", "months"),
    [
        ("aue-2010", START, ["January 2027", "February 2027", "March 2027", "April 2027",
                             "May 2027", "June 2027"]),
        ("aue-2010", date(2027, 1, 31), ["January 2027", "February 2027", "March 2027",
                                         "April 2027", "May 2027", "June 2027", "July 2027"]),
        ("gcllsg-br-len", START, ["December 2026", *(f"{m} 2027" for m in MONTH_NAMES)]),
    ],
    ids=["6-months", "start-on-the-31st", "days-before-day-1-in-december"],
)
def test_one_page_per_month_the_plan_spans(regimen_id: str, start: date,
                                           months: list[str]) -> None:
    """A month section (one printed page) for each calendar month from first to last day."""
    sections = months_of(render_html(plan_of(regimen_id, start=start)))
    assert [s.find("h2")[0].text() for s in sections] == months


@pytest.mark.parametrize("regimen_id", ["aue-2010", "gcllsg-br-len", "egle-2013"])
def test_each_month_is_a_monday_first_seven_column_grid(regimen_id: str) -> None:
    """7 cells a week, Monday first; the month's days in order from the 1st's weekday."""
    plan = plan_of(regimen_id)
    for section in months_of(render_html(plan)):
        name = section.find("h2")[0].text()
        month, year = MONTH_NAMES.index(name.split()[0]) + 1, int(name.split()[1])
        grid = section.find("table", "grid")[0]
        assert [th.text() for th in grid.find("th")] == [
            "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
        cells = [c for row in grid.find("tbody")[0].find("tr") for c in row.find("td")]
        assert all(len(row.find("td")) == 7 for row in grid.find("tbody")[0].find("tr"))
        first = date(year, month, 1)
        days = [c for c in cells if "pad" not in c.classes]
        assert cells.index(days[0]) == first.weekday()
        assert [c.attrs["data-date"] for c in days] == [
            (first + timedelta(days=i)).isoformat() for i in range(len(days))]
        assert (first + timedelta(days=len(days))).month != month
        assert len(cells) - cells.index(days[-1]) <= 7


def test_doses_held_together_stand_under_one_mark() -> None:
    """Platelets 30 hold lenalidomide and the aspirin given with it: each held day shows
    one "HELD - do not take" over both drugs."""
    plan = apply_events(plan_of("aue-2010", supportive=[load_supportive("aspirin")]),
                        [lab(day(10), "platelets", 30)])
    page = render_html(plan)
    held_days = [d for d in plan.days if any(x.status == "held" for x in d.doses)]
    assert all({x.status for x in d.doses} == {"held"} and len(d.doses) == 2
               for d in held_days)
    assert page.count('<div class="mark">HELD - do not take</div>') == len(held_days) > 0


def test_february_2027_takes_four_weeks_and_may_2027_six() -> None:
    """Grids have as many weeks as the month touches: 4 (Feb 2027) to 6 (May 2027)."""
    sections = {s.find("h2")[0].text(): s for s in months_of(render_html(plan_of("aue-2010")))}
    rows = {name: len(s.find("table", "grid")[0].find("tbody")[0].find("tr"))
            for name, s in sections.items()}
    assert (rows["February 2027"], rows["May 2027"], rows["January 2027"]) == (4, 6, 5)


@pytest.mark.parametrize("regimen_id", ["aue-2010", "gcllsg-br-len", "egle-2013"])
def test_every_plan_day_is_one_cell_with_its_cycle_and_day(regimen_id: str) -> None:
    """Each day of the plan appears once, labelled C<cycle> D<day> (with the phase if several)."""
    plan = plan_of(regimen_id)
    cells = [c for c in parse(render_html(plan)).find("td", "day")
             if c.classes & {"rest", "dosing"}]
    assert [c.attrs["data-date"] for c in cells] == [d.date.isoformat() for d in plan.days]
    several = len(plan.cycles) > 1
    for cell, plan_day in zip(cells, plan.days, strict=True):
        label = f"C{plan_day.cycle} D{plan_day.cycle_day}"
        assert cell.find("span", "label")[0].text() == (
            f"{plan_day.phase} {label}" if several else label)


def test_days_before_day_1_are_labelled_with_negative_days() -> None:
    """[gcllsg] pre-phase days before cycle 1 day 1 read C1 D-7 ... C1 D-1."""
    page = render_html(plan_of("gcllsg-br-len"))
    assert cell_on(page, date(2026, 12, 28)).find("span", "label")[0].text() == "induction C1 D-7"


def test_days_of_the_month_outside_the_plan_are_grey_and_say_so() -> None:
    """Jan 1-3 before a Jan 4 start and June 21-30 after the end read "not in plan"."""
    page = render_html(plan_of("aue-2010"))
    outside = [c for c in parse(page).find("td", "outside")]
    expected = [date(2027, 1, d) for d in (1, 2, 3)] + [date(2027, 6, d) for d in range(21, 31)]
    assert [c.attrs["data-date"] for c in outside] == [d.isoformat() for d in expected]
    assert all(c.text().endswith("not in plan") for c in outside)
    assert re.search(r"td\.outside \{ background: #[0-9a-f]{6}", page)


def test_held_days_say_do_not_take_and_show_no_capsules() -> None:
    """[18] ANC 0.8 on day 40: "HELD - do not take", the dose, a note with the reason."""
    page = render_html(neutropenia())
    cell = cell_on(page, day(40))
    assert cell.text() == "12 C2 D12 HELD - do not take lenalidomide 10 mg by mouth (note 1)"
    assert "capsule" not in cell.text()
    (feb,) = [s for s in months_of(page) if s.find("h2")[0].text() == "February 2027"]
    assert feb.find("div", "notes")[0].find("p")[0].text() == (
        "Note 1: held: ANC 0.8 x 10^9/L is grade 3 (CTCAE v5.0) on 2027-02-12, rule low-counts "
        "(clinical-facts.md (Lenalidomide product facts))")


def test_reduced_days_say_reduced_with_the_capsules_of_the_lower_dose() -> None:
    """Recovery on day 50 resumes at 5 mg: "REDUCED", 5 mg, one 5 mg capsule, note 2."""
    cell = cell_on(render_html(neutropenia()), day(50))
    assert cell.text() == "22 C2 D22 REDUCED lenalidomide 5 mg by mouth (note 2) 1 x 5 mg capsule"


def test_a_held_clinic_infusion_says_not_given() -> None:
    """[22] rituximab held by the team on day 8: "HELD - not given", not a clinic visit."""
    plan = apply_events(ferrajoli_plan(), [decision(day(8), "hold", "rituximab")])
    cell = cell_on(render_html(plan), day(8))
    assert cell.text() == "11 C1 D8 HELD - not given rituximab 682.5 mg IV infusion (note 1)"


def test_stopped_drugs_say_do_not_take() -> None:
    """After end-treatment every dose reads "STOPPED - do not take"."""
    page = render_html(plan_of("aue-2010", [decision(day(5), "end-treatment")]))
    assert cell_on(page, day(4)).find("div", "dose")[0].classes == {"dose", "take"}
    assert cell_on(page, day(5)).find("div", "mark")[0].text() == "STOPPED - do not take"


@pytest.mark.parametrize(
    ("regimen_id", "n", "strengths", "capsules"),
    [
        ("aue-2010", 1, {"lenalidomide": (2.5, 5.0, 10.0, 15.0, 20.0, 25.0)},
         "1 x 10 mg capsule"),
        ("aue-2010", 1, {"lenalidomide": (5.0,)}, "2 x 5 mg capsules"),
        ("badoux-2011", 85, {"lenalidomide": (5.0, 10.0)}, "2 x 10 mg capsules"),
        ("badoux-2011", 113, {"lenalidomide": (5.0, 20.0)}, "1 x 20 mg + 1 x 5 mg capsules"),
        ("badoux-2011", 1, {"lenalidomide": (10.0,)},
         "5 mg cannot be made from 10 mg capsules: ask the pharmacy"),
    ],
    ids=["10mg-us", "10mg-from-5s", "20mg-from-10s", "25mg-mixed", "cannot-be-made"],
)
def test_oral_capsule_doses_show_the_capsules_of_each_strength(
        regimen_id: str, n: int, strengths: dict[str, tuple[float, ...]], capsules: str) -> None:
    """The day's lenalidomide dose is given as capsules of the stocked strengths."""
    cell = cell_on(render_html(plan_of(regimen_id), strengths=strengths), day(n))
    assert [c.text() for c in cell.find("div", "caps")] == [capsules]


def test_clinic_infusions_are_clinic_visits_and_capsules_are_not() -> None:
    """[22] day 15: "CLINIC VISIT" rituximab 682.5 mg IV (375 x 1.82 m2); lenalidomide by mouth."""
    cell = cell_on(render_html(ferrajoli_plan()), day(15))
    doses = cell.find("div", "dose")
    assert [(sorted(d.classes), d.text()) for d in doses] == [
        (["clinic", "dose"], "CLINIC VISIT rituximab 682.5 mg IV infusion"),
        (["dose", "take"], "lenalidomide 10 mg by mouth 1 x 10 mg capsule"),
    ]


def test_supportive_care_and_added_drugs_are_marked() -> None:
    """Prednisone for flare prophylaxis reads (supportive); ibuprofen added by a flare, ADDED."""
    plan = apply_events(
        plan_of("aue-2010", start=START, supportive=[load_supportive("prednisone-tfr")]),
        [toxicity(day(3), "tumor_flare", 2)])
    page = render_html(plan)
    assert [d.text() for d in cell_on(page, day(3)).find("div", "dose")] == [
        "lenalidomide 10 mg by mouth 1 x 10 mg capsule",
        "prednisone 20 mg by mouth (supportive)",
        "ADDED ibuprofen 400 mg by mouth every 6 hours (1600 mg a day) (note 1)",
    ]


def test_rest_days_say_rest_day() -> None:
    """[17] days 22-42 of each 42-day cycle: "Rest day", nothing to take."""
    cell = cell_on(render_html(plan_of("aue-2010")), day(22))
    assert (cell.classes, cell.text()) == ({"day", "rest"}, "25 C1 D22 Rest day")


def test_the_first_page_has_what_an_order_sheet_needs() -> None:
    """Regimen, citation, cycles, height, weight, BSA and formula, each basis once, patient."""
    plan = ferrajoli_plan()
    first = months_of(render_html(plan, patient="MRN 12345"))[0]
    assert first.find("div", "title")[0].text() == plan.title
    assert first.find("div", "facts")[0].text() == (
        "Patient: MRN 12345 Reference: [22] Ferrajoli et al.; regimen id ferrajoli-2013 "
        "Cycle 1 day 1: 2027-01-04 Last day: 2027-12-05 Cycles: treatment 12 cycles "
        "Body size: height 170 cm, weight 70 kg, BSA 1.82 m2 (Mosteller)")
    rows = [[td.text() for td in tr.find("td")]
            for tr in first.find("table", "drugs")[0].find("tbody")[0].find("tr")]
    assert rows == [
        ["rituximab (IV infusion)",
         "treatment: rituximab days 1, 8, 15, 22, cycles 1 clinical-facts.md (What the original "
         "publications add to the review, [22]) treatment: rituximab days 1, cycles 2-end [22]",
         "375 mg/m2 x 1.82 m2 (Mosteller) = 682.5 mg"],
        ["lenalidomide (by mouth)",
         "treatment: lenalidomide days 9-end, cycles 1 [22] treatment: lenalidomide days 1-end, "
         "cycles 2-end [22]",
         "10 mg"],
    ]
    warnings = [p.text() for p in first.find("div", "warnings")[0].find("p")]
    assert warnings == [f"- {w}" for w in plan.warnings]
    assert first.find("div", "warnings")[0].find("h3")[0].text() == "Warnings (8)"


def test_the_order_sheet_lists_recorded_events_with_their_notes() -> None:
    """Events applied to the plan are listed on page 1, notes included."""
    first = months_of(render_html(neutropenia()))[0]
    assert first.find("div", "events")[0].text() == (
        "Recorded events: ANC 0.8 x 10^9/L on 2027-02-12 (note: routine count); "
        "ANC 1.2 x 10^9/L on 2027-02-22; platelets 110 x 10^9/L on 2027-02-22")


def test_the_order_sheet_says_which_doses_recorded_events_changed() -> None:
    """Held and reduced doses are counted per drug, with the first day, under the calculation."""
    first = months_of(render_html(neutropenia()))[0]
    (row,) = first.find("table", "drugs")[0].find("tbody")[0].find("tr")
    assert [p.text() for p in row.find("p", "changed")] == [
        "Changed by recorded events (the reasons are in the notes under the calendar):",
        "HELD on 10 days, the first 2027-02-12",
        "REDUCED 5 mg on 287 days, the first 2027-02-22",
    ]
    assert months_of(render_html(plan_of("badoux-2011")))[0].find("p", "changed") == []


def test_escalation_steps_each_show_their_calculation_once() -> None:
    """[18] 5 escalation steps: five basis lines, none repeated."""
    first = months_of(render_html(plan_of("badoux-2011")))[0]
    (row,) = first.find("table", "drugs")[0].find("tbody")[0].find("tr")
    bases = [p.text() for p in row.find("td")[2].find("p")]
    assert bases == [
        f"step {i} of 5 of escalation from 5 to 25 mg every 28 days, if tolerated: {mg} mg"
        for i, mg in enumerate((5, 10, 15, 20, 25), start=1)]


def test_body_size_not_given_is_said() -> None:
    """Without height and weight the header says so rather than leaving a blank."""
    first = months_of(render_html(plan_of("aue-2010")))[0]
    assert "Body size: not given" in first.find("div", "facts")[0].text()


def test_every_page_has_the_regimen_the_legend_and_the_notice() -> None:
    """Title, patient, legend, planning-aid notice and "page N of M" on each month page."""
    plan = neutropenia()
    sections = months_of(render_html(plan, patient="P-001"))
    assert len(sections) == 12
    for n, section in enumerate(sections, start=1):
        assert section.find("div", "title")[0].text() == plan.title
        assert section.find("div", "facts")[0].text().startswith("Patient: P-001 ")
        assert section.find("div", "legend")[0].text().startswith(
            "Legend: HELD - do not take = the dose is not taken that day")
        assert section.find("div", "notice")[0].text() == plan.notice
        assert section.find("div", "pageno")[0].text().endswith(f"page {n} of 12")
    assert all(s.find("div", "see") for s in sections[1:])
    assert not sections[0].find("div", "see")


@pytest.mark.parametrize(
    "where", ["patient", "event-note", "regimen-title"], ids=["patient", "event-note", "title"])
def test_user_text_is_shown_as_text_never_as_markup(where: str) -> None:
    """A patient id, a note in a reason or a title of <script>alert(1)</script> stays text."""
    attack = "<script>alert(1)</script>"
    patient = None
    if where == "patient":
        plan, patient = plan_of("aue-2010"), attack
    elif where == "event-note":
        plan = plan_of("aue-2010", [decision(day(7), "hold", "lenalidomide", note=attack)])
    else:
        plan = dataclasses.replace(plan_of("aue-2010"), title=attack)
    page = render_html(plan, patient=patient)
    root = parse(page)
    assert root.find("script") == []
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert attack in root.text()


def test_the_page_is_self_contained_without_script() -> None:
    """No script, no external resource: no src, no href, no url(), no @import."""
    page = render_html(ferrajoli_plan(), patient="P-001")
    root = parse(page)
    assert not [n for n in root.find() if n.tag in {"script", "link", "img", "iframe", "object"}]
    assert not [n for n in root.find() if {"src", "href"} & set(n.attrs)]
    style = " ".join(n.text() for n in root.find("style"))
    assert "url(" not in style
    assert "@import" not in style
    assert len(root.find("style")) == 1


@pytest.mark.parametrize(
    ("paper", "size"), [("a4", "A4 landscape"), ("letter", "letter landscape")],
    ids=["a4", "letter"])
def test_paper_sets_the_printed_page_size_and_a_break_after_each_month(paper: str,
                                                                        size: str) -> None:
    """@page size is A4 or Letter landscape; each month section breaks the page after it."""
    page = render_html(plan_of("aue-2010"), paper=paper)
    assert f"@page {{ size: {size}; margin: 8mm; }}" in page
    assert "break-after: page; page-break-after: always;" in page
    assert ".month:last-of-type { break-after: auto; page-break-after: auto; }" in page


def test_an_unknown_paper_size_is_a_usage_error() -> None:
    """Only a4 and letter are known."""
    with pytest.raises(UsageError, match=r"^unknown paper size 'a3'; use one of a4, letter$"):
        render_html(plan_of("aue-2010"), paper="a3")


def test_the_golden_calendars_print_at_a_readable_size() -> None:
    """Ordinary plans fit their pages at 7.5 pt or more; the first page, which also
    carries the order sheet and every warning, at 7 pt or more."""
    for make in GOLDEN.values():
        sizes = [float(s) for s in re.findall(r'class="month" id="page-\d+" '
                                               r'style="font-size: ([0-9.]+)pt"', make())]
        assert len(sizes) >= 6
        assert min(sizes[1:]) >= 7.5
        assert sizes[0] >= 7.0


def test_output_is_byte_identical_whatever_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same plan gives the same bytes; month and weekday names do not follow LANG."""
    plan = neutropenia()
    before = render_html(plan, patient="P-001")
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    with contextlib.suppress(locale.Error):
        locale.setlocale(locale.LC_TIME, "de_DE.UTF-8")
    try:
        after = render_html(plan, patient="P-001")
    finally:
        locale.setlocale(locale.LC_TIME, "C")
    assert after == before
    assert "<h2>January 2027</h2>" in after
    assert "<th>Monday</th>" in after


def modules_after(code: str) -> set[str]:
    probe = code + "\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True, cwd="/")
    return {name.split(".")[0] for name in done.stdout.split()}


def test_jinja2_is_imported_only_when_a_calendar_is_rendered() -> None:
    """Importing doseplan.render.html loads no jinja2; rendering does (so the probe can fail)."""
    assert "jinja2" not in modules_after("import doseplan.render.html")
    rendered = modules_after(
        "import datetime\nfrom doseplan import build_plan, load_regimen\n"
        "from doseplan.render.html import render_html\n"
        "render_html(build_plan(load_regimen('aue-2010'), datetime.date(2027, 1, 4)))")
    assert "jinja2" in rendered


def test_pdf_without_weasyprint_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """render_pdf names the [pdf] extra and the browser alternative when WeasyPrint is missing."""
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import weasyprint -> ImportError
    with pytest.raises(UsageError) as caught:
        render_pdf(plan_of("aue-2010"))
    assert str(caught.value) == (
        "PDF output needs WeasyPrint: pip install 'doseplan[pdf]'; or print the --format html "
        "page from a browser")


def test_weasyprint_without_pango_says_so_and_prints_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """WeasyPrint installed without Pango prints a banner and raises OSError: the banner is
    not shown (it would go into a PDF on standard output); the one line names Pango."""
    (tmp_path / "weasyprint.py").write_text(
        "print('WeasyPrint could not import some external libraries.')\n"
        "raise OSError('cannot load library libpangoft2-1.0-0')\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "weasyprint", raising=False)
    try:
        with pytest.raises(UsageError) as caught:
            render_pdf(plan_of("aue-2010"))
    finally:
        sys.modules.pop("weasyprint", None)
    assert str(caught.value) == (
        "PDF output needs Pango, which WeasyPrint could not find: install it (on Debian, "
        "apt-get install libpangoft2-1.0-0); or print the --format html page from a browser")
    assert capsys.readouterr() == ("", "")


WEASYPRINT_WARNINGS = {
    "harfbuzz-subset-missing": ("HarfBuzz-Subset will be required by future versions of "
                                "WeasyPrint. Please install this library with your package "
                                "manager.", None),
    "any-other-deprecation": ("this call is deprecated", "this call is deprecated"),
}


@pytest.mark.parametrize(("warned", "raised"), WEASYPRINT_WARNINGS.values(),
                         ids=WEASYPRINT_WARNINGS.keys())
def test_weasyprint_is_loaded_past_its_harfbuzz_subset_warning_only(
        warned: str, raised: str | None, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """WeasyPrint's import warning about the optional HarfBuzz-Subset library is not an
    error; any other warning it raises still is (the suite turns warnings into errors)."""
    (tmp_path / "weasyprint.py").write_text(
        f"import warnings\nwarnings.warn({warned!r}, category=DeprecationWarning)\n",
        encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "weasyprint", raising=False)
    try:
        if raised is None:
            assert load_weasyprint().__file__ == str(tmp_path / "weasyprint.py")
        else:
            with pytest.raises(DeprecationWarning, match=raised):
                load_weasyprint()
    finally:
        sys.modules.pop("weasyprint", None)  # the real one, if loaded, is put back after


def pdf_pages(pdf: Path) -> int:
    info = run(["pdfinfo", str(pdf)])
    (pages,) = [line.split()[1] for line in info.splitlines() if line.startswith("Pages:")]
    return int(pages)


def test_weasyprint_prints_one_page_per_month(tmp_path: Path) -> None:
    """With the [pdf] extra, render_pdf gives a PDF of one page per month."""
    needs_weasyprint()
    pdf = render_pdf(plan_of("aue-2010"), paper="letter")
    assert pdf.startswith(b"%PDF-")
    path = tmp_path / "aue-2010.pdf"
    path.write_bytes(pdf)
    assert pdf_pages(path) == 6


# ---------------------------------------------------------------------------
# The real print: chromium headless, read back with poppler-utils


INSTALL = "apt-get install chromium poppler-utils"


def run(command: list[str], timeout: float = 60) -> str:
    """Run a print tool; a missing tool skips the test with how to install it (fails in CI)."""
    needs(shutil.which(command[0]) is not None,
          f"needs {command[0]} to check the printed calendar in a real browser: {INSTALL}")
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          check=False)
    assert done.returncode == 0, f"{command[0]} failed ({done.returncode}): {done.stderr[-2000:]}"
    return done.stdout


@dataclass(frozen=True)
class Printed:
    name: str
    plan: Plan
    html: str
    pdf: Path
    paper: str


PRINTS: dict[str, tuple[Callable[[], Plan], str, str | None]] = {
    "aue-2010": (lambda: plan_of("aue-2010"), "a4", None),
    "ferrajoli-2013": (ferrajoli_plan, "a4", None),
    "badoux-2011-neutropenia-day-40": (neutropenia, "a4", "P-001"),
    "egle-2013-crowded-letter": (everything_plan, "letter",
                                 "P-0001234567 Firstname Lastname-Longername"),
}


@pytest.fixture(scope="module", params=sorted(PRINTS), ids=sorted(PRINTS))
def printed(request: pytest.FixtureRequest) -> Printed:
    """The calendar printed to PDF by chromium, kept in tests/artifacts/."""
    make, paper, patient = PRINTS[request.param]
    plan = make()
    page = render_html(plan, paper=paper, patient=patient)
    ARTIFACTS.mkdir(exist_ok=True)
    source, pdf = ARTIFACTS / f"{request.param}.html", ARTIFACTS / f"{request.param}.pdf"
    source.write_text(page, encoding="utf-8")
    pdf.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", "--no-pdf-header-footer",
             f"--print-to-pdf={pdf}", source.resolve().as_uri()], timeout=180)
    assert pdf.is_file(), f"chromium wrote no PDF for {source}"
    return Printed(request.param, plan, page, pdf, paper)


PAPER_PT = {"a4": (841.92, 594.96), "letter": (792.0, 612.0)}
MARGIN_PT = 8 * 72 / 25.4


def page_text(printed: Printed, n: int | None = None) -> str:
    """The text of page n (or of the whole PDF), whitespace collapsed."""
    pages = [] if n is None else ["-f", str(n), "-l", str(n)]
    return " ".join(run(["pdftotext", *pages, str(printed.pdf), "-"]).split())


@dataclass(frozen=True)
class Word:
    x0: float
    y0: float
    x1: float
    text: str


def pdf_words(printed: Printed) -> list[list[Word]]:
    """The words of each page with their boxes (pdftotext -bbox), in points."""
    found = run(["pdftotext", "-bbox", str(printed.pdf), "-"])
    word = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                      r'yMax="[\d.]+">(.*?)</word>')
    return [[Word(float(a), float(b), float(c), html.unescape(t))
             for a, b, c, t in word.findall(page)]
            for page in found.split("<page ")[1:]]


def grid_columns(words: list[Word]) -> tuple[float, float]:
    """(centre of the Monday column, column pitch) from the weekday header of a page."""
    heads = {w.text: w for w in words if w.text in {"Monday", "Sunday"}}
    monday, sunday = heads["Monday"], heads["Sunday"]
    assert monday.y0 == sunday.y0, "the weekday header is not one row"
    left, right = (monday.x0 + monday.x1) / 2, (sunday.x0 + sunday.x1) / 2
    return left, (right - left) / 6


def column_texts(printed: Printed) -> list[list[str]]:
    """The text of each grid column (0 = Monday) of each page, read top to bottom.

    Words are sorted into the columns of the weekday header and read line by line
    within a column, so that cells side by side are never interleaved.
    """
    pages = []
    for words in pdf_words(printed):
        left, pitch = grid_columns(words)
        columns: list[list[Word]] = [[] for _ in range(7)]
        for w in words:
            k = round(((w.x0 + w.x1) / 2 - left) / pitch)
            if 0 <= k < 7:
                columns[k].append(w)
        texts = []
        for column in columns:
            column.sort(key=lambda w: (w.y0, w.x0))
            lines: list[list[Word]] = []
            for w in column:
                if lines and abs(lines[-1][0].y0 - w.y0) < 1.0:
                    lines[-1].append(w)
                else:
                    lines.append([w])
            texts.append(" ".join(w.text for line in lines
                                  for w in sorted(line, key=lambda w: w.x0)))
        pages.append(texts)
    return pages


def test_chromium_prints_one_landscape_page_per_month(printed: Printed) -> None:
    """pdfinfo: as many pages as months spanned, landscape, of the paper asked for."""
    assert pdf_pages(printed.pdf) == len(expected_months(printed.plan))
    info = run(["pdfinfo", str(printed.pdf)])
    (size,) = [line for line in info.splitlines() if line.startswith("Page size:")]
    width, height = (float(x) for x in re.findall(r"[0-9.]+", size)[:2])
    assert (width, height) == pytest.approx(PAPER_PT[printed.paper], abs=1.0)


def test_every_day_prints_whole_on_its_month_page(printed: Printed) -> None:
    """Each day cell's text (date, cycle day, marks, doses, capsules) is on its page and column."""
    sections = months_of(printed.html)
    pages = column_texts(printed)
    assert len(pages) == len(sections)
    checked, held = 0, 0
    for n, section in enumerate(sections):
        for row in section.find("table", "grid")[0].find("tbody")[0].find("tr"):
            for k, cell in enumerate(row.find("td")):
                if "pad" not in cell.classes:
                    assert cell.text() in pages[n][k], (n + 1, cell.attrs["data-date"])
                    checked += 1
                    held += "HELD - " in cell.text()
    assert checked == sum(len(s.find("td", "day")) - len(s.find("td", "pad")) for s in sections)
    assert held == sum(any(d.status == "held" for d in x.doses) for x in printed.plan.days)


def test_no_printed_page_is_shrunk_to_fit(printed: Printed) -> None:
    """The 7 columns are as wide as the paper allows: nothing overflowed sideways."""
    width, _ = PAPER_PT[printed.paper]
    for words in pdf_words(printed):
        left, pitch = grid_columns(words)
        assert pitch == pytest.approx((width - 2 * MARGIN_PT) / 7, rel=0.005)
        assert left - pitch / 2 == pytest.approx(MARGIN_PT, abs=2.0)


def test_every_printed_page_has_its_month_notice_and_page_marker(printed: Printed) -> None:
    """Page N has its month, the planning-aid notice, and ends with "page N of M"."""
    months = expected_months(printed.plan)
    assert page_text(printed).count(printed.plan.notice) == len(months)
    for n, month in enumerate(months, start=1):
        text = page_text(printed, n)
        assert month in text
        assert printed.plan.notice in text
        assert text.endswith(f"{month} - page {n} of {len(months)}")


def test_page_1_is_kept_as_a_png(printed: Printed) -> None:
    """pdftoppm renders page 1 at 60 dpi to tests/artifacts/NAME-page1.png, landscape."""
    target = ARTIFACTS / f"{printed.name}-page1"
    run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(printed.pdf),
         str(target)])
    png = target.with_suffix(".png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width > height > 400
