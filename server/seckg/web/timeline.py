"""Membership timelines: who was a member of what, when, in which role, with suspensions and freezes.

An organization's page and a state's page draw their membership spells as an
SVG chart laid out here, on the server, so it shows without JavaScript; the
table under it and /timeline/<path>.csv hold the same spells as data. Dates keep
their precision in the text (a spell from "1992" starts somewhere in 1992); on
the axis a year or a month is placed at its first day.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

import pyoxigraph as ox
from flask import Blueprint, Response, request

from seckg.web.entity_page import fetch_memberships
from seckg.web.resources import Unavailable, best_label, iri_for_path, local_href, select
from seckg.web.sparql import error_response

bp = Blueprint("timeline", __name__)

SEC = "https://w3id.org/seckg/ontology#"
LABEL_PROPERTIES = ("http://www.w3.org/2004/02/skos/core#prefLabel", "http://www.w3.org/2000/01/rdf-schema#label")
ABBREVIATION = SEC + "abbreviation"
# Colours of the roles (readable on white and on a dark page), in legend order; others are grey.
ROLE_COLOURS = {SEC + "FullMember": "#2b6cb0", SEC + "AssociateMember": "#2f855a", SEC + "Observer": "#b7791f",
                SEC + "Partner": "#805ad5", SEC + "DialoguePartner": "#c05621"}
OTHER_COLOUR = "#718096"
# Changes after which a spell goes on with the membership not exercised, drawn hatched until it ends or resumes.
PAUSING = {SEC + "Suspension", SEC + "Freeze"}
RESUMING = {SEC + "Readmission"}
WIDTH, LABEL_WIDTH, RIGHT_PAD, AXIS_HEIGHT, ROW_HEIGHT, BAR_HEIGHT = 960, 250, 24, 26, 22, 14
LABEL_CHARS = 34  # longer row labels are cut (with …) so they fit LABEL_WIDTH at 12 px
_DATE = re.compile(r"^(-?\d{4,})(?:-(\d{2})(?:-(\d{2}))?)?")


@dataclass
class Spell:
    membership: str
    organization: str
    member: str
    roles: list[str]
    start: str | None
    end: str | None
    changes: list[tuple[str, str]] = field(default_factory=list)  # (change type IRI, date), by date
    sources: list[str] = field(default_factory=list)


def _changes_query(iri: str) -> str:
    node = str(ox.NamedNode(iri))
    return f"""SELECT DISTINCT ?m ?type ?date WHERE {{
  {{ ?m <http://www.w3.org/ns/org#organization> {node} }} UNION {{ ?m <http://www.w3.org/ns/org#member> {node} }}
  ?change <{SEC}changeOf> ?m ; <{SEC}changeType> ?type ; <http://purl.org/dc/terms/date> ?date .
}}"""


def fetch_spells(iri: str, rows: dict[str, list[dict]] | None = None) -> tuple[list[Spell], list[Spell]]:
    """Spells of the members of `iri` (an organization) and of what `iri` (a member) belonged to;
    `rows` are its memberships when the caller has already fetched them."""
    rows = rows if rows is not None else fetch_memberships(iri)
    changes: dict[str, list[tuple[str, str]]] = {}
    if rows["members"] or rows["member_of"]:
        for sol in select(_changes_query(iri)):
            changes.setdefault(sol["m"].value, []).append((sol["type"].value, sol["date"].value))

    def spells(found: list[dict]) -> list[Spell]:
        return [Spell(row["membership"], row["org"], row["member"], sorted(row["roles"]),
                      row["start"].value if row["start"] is not None else None,
                      row["end"].value if row["end"] is not None else None,
                      sorted(changes.get(row["membership"], []), key=lambda c: (c[1], c[0])),
                      sorted(row["sources"])) for row in found]

    return spells(rows["members"]), spells(rows["member_of"])


def fetch_labels(iris: set[str]) -> dict[str, str]:
    """English-first labels of `iris`, the IRI's last segment when it has none; under the key
    (iri, "short") the abbreviation too, where there is one."""
    found: dict[tuple[str, bool], list[ox.Literal]] = {}
    if iris:
        values = " ".join(str(ox.NamedNode(i)) for i in sorted(iris))
        props = " ".join(f"<{p}>" for p in (*LABEL_PROPERTIES, ABBREVIATION))
        for sol in select(f"SELECT ?x ?p ?l WHERE {{ VALUES ?x {{ {values} }} VALUES ?p {{ {props} }} ?x ?p ?l }}"):
            found.setdefault((sol["x"].value, sol["p"].value == ABBREVIATION), []).append(sol["l"])
    labels: dict = {i: best_label(found.get((i, False), [])) or re.split(r"[/#]", i)[-1] for i in iris}
    labels.update({(i, "short"): best_label(found[(i, True)]) for i in iris if (i, True) in found})
    return labels


def row_label(labels: dict, iri: str) -> str:
    """The label of a chart row: the name if it fits, else the abbreviation, else the name cut short."""
    name = labels[iri]
    if len(name) <= LABEL_CHARS:
        return name
    return labels.get((iri, "short")) or name[:LABEL_CHARS - 1].rstrip() + "…"


def decimal_year(value: str | None) -> float | None:
    """1999-03-12 → 1999.19…; a gYearMonth or gYear counts from its first day."""
    match = _DATE.match(value or "")
    if not match:
        return None
    year, month, day = int(match[1]), int(match[2] or 1), int(match[3] or 1)
    return year + (month - 1) / 12 + (day - 1) / 365.25


def _tick_step(span: float) -> int:
    return next((step for step in (1, 2, 5, 10, 20, 25, 50, 100) if span / step <= 12), 200)


def _other(spell: Spell, members: bool) -> str:
    return spell.member if members else spell.organization


def layout(spells: list[Spell], labels: dict[str, str], members: bool, today: date | None = None) -> dict | None:
    """Coordinates of the chart (viewBox units): one row per member (or organization), one bar per spell."""
    starts = [y for y in (decimal_year(s.start) for s in spells) if y is not None]
    if not starts:
        return None
    today = today or date.today()
    now = decimal_year(today.isoformat())
    ends = [y for y in (decimal_year(s.end) for s in spells) if y is not None]
    first, last = int(min(starts)), int(max([now, *ends])) + 1
    step = _tick_step(last - first)
    first -= first % step
    last += -last % step  # the axis runs from tick to tick
    span = last - first
    plot = WIDTH - LABEL_WIDTH - RIGHT_PAD

    def x(year: float) -> float:
        return round(LABEL_WIDTH + (year - first) / span * plot, 2)

    by_other: dict[str, list[Spell]] = {}
    for spell in sorted(spells, key=lambda s: (decimal_year(s.start) or 1e9, s.membership)):
        by_other.setdefault(_other(spell, members), []).append(spell)
    rows, roles_seen, paused_seen = [], set(), False
    for index, (other, own) in enumerate(by_other.items()):
        top = AXIS_HEIGHT + index * ROW_HEIGHT
        bars, undated = [], 0
        for spell in own:
            begin = decimal_year(spell.start)
            if begin is None:
                undated += 1
                continue
            finish = decimal_year(spell.end)
            role = spell.roles[0] if spell.roles else None
            roles_seen.add(role)
            role_text = ", ".join(labels.get(r, r) for r in spell.roles) or "role not stated"
            changes = [(labels.get(kind, kind), when) for kind, when in spell.changes]
            period = f"{spell.start} – {spell.end or 'today'}"
            title = f"{labels[other]}: {role_text}, {period}" + "".join(f"; {k} {w}" for k, w in changes)
            paused, pause_from = [], None
            for kind, when in spell.changes:
                if kind in PAUSING and pause_from is None:
                    pause_from = decimal_year(when)
                elif kind in RESUMING and pause_from is not None:
                    paused.append((pause_from, decimal_year(when)))
                    pause_from = None
            if pause_from is not None:
                paused.append((pause_from, finish if finish is not None else now))
            # A suspension that ends the spell is a mark at its end, not a stretch of its own.
            paused = [(a, b) for a, b in paused if a is not None and b is not None and b > a]
            paused_seen |= bool(paused)
            right = x(finish if finish is not None else now)
            bars.append({
                "x": x(begin), "width": max(round(right - x(begin), 2), 1.5), "colour": ROLE_COLOURS.get(role, OTHER_COLOUR),
                "title": title, "start": spell.start, "end": spell.end or "", "role": role or "",
                "ongoing": finish is None, "right": right,
                "paused": [{"x": x(a), "width": max(round(x(b) - x(a), 2), 1.5)} for a, b in paused],
                "marks": [{"x": x(decimal_year(when)), "title": f"{labels.get(kind, kind)} {when}"}
                          for kind, when in spell.changes if decimal_year(when) is not None],
            })
        rows.append({"iri": other, "label": row_label(labels, other), "name": labels[other], "y": top,
                     "bar_y": top + (ROW_HEIGHT - BAR_HEIGHT) / 2, "text_y": top + ROW_HEIGHT / 2 + 4, "bars": bars,
                     "undated": undated})
    legend = [{"colour": colour, "label": labels.get(role, role)} for role, colour in ROLE_COLOURS.items()
              if role in roles_seen]
    if None in roles_seen or roles_seen - set(ROLE_COLOURS) - {None}:
        legend.append({"colour": OTHER_COLOUR, "label": "other or unstated role"})
    height = AXIS_HEIGHT + len(rows) * ROW_HEIGHT + 8
    return {
        "width": WIDTH, "height": height, "label_width": LABEL_WIDTH, "bar_height": BAR_HEIGHT,
        "ticks": [{"x": x(year), "year": year} for year in range(first, last + 1, step)],
        "today": {"x": x(now), "date": today.isoformat()},
        "rows": rows, "legend": legend, "paused": paused_seen, "first": first, "last": last,
        "spells": sum(len(r["bars"]) for r in rows),
    }


def csv_href(iri: str) -> str:
    """Where /timeline/… serves the spells of `iri` (an IRI under the base) as CSV."""
    return request.script_root + "/timeline" + local_href(iri)[len(request.script_root):] + ".csv"


def timeline_views(iri: str, rows: dict[str, list[dict]] | None = None) -> list[dict]:
    """The charts of an entity page: its members over time, and what it was a member of."""
    members, member_of = fetch_spells(iri, rows)
    if not members and not member_of:
        return []
    labels = fetch_labels({i for s in (*members, *member_of)
                           for i in (s.member, s.organization, *s.roles, *(kind for kind, _ in s.changes))})
    views = []
    for spells, is_members, heading in ((members, True, "Members over time"), (member_of, False, "Memberships over time")):
        chart = layout(spells, labels, is_members)
        if chart:
            chart.update(heading=heading, id="timeline-members" if is_members else "timeline-member-of",
                         kind="member" if is_members else "organization",
                         csv=csv_href(iri))
            views.append(chart)
    return views


CSV_COLUMNS = ("organization", "organization_label", "member", "member_label", "role", "role_label",
               "start", "end", "changes", "membership", "sources")


@bp.route("/timeline/<path:path>.csv")
def spells_csv(path: str) -> Response:
    """The spells of the entity at `path` (as an organization and as a member) as CSV, one row per spell."""
    iri = iri_for_path(path)
    if iri is None:
        return error_response(404, f"404 Not Found: {path!r} is not an IRI this server can name")
    try:
        members, member_of = fetch_spells(iri)
        spells = members + [s for s in member_of if s.membership not in {m.membership for m in members}]
        if not spells:
            return error_response(404, f"404 Not Found: no memberships of or in <{iri}>")
        labels = fetch_labels({i for s in spells for i in (s.member, s.organization, *s.roles, *(k for k, _ in s.changes))})
    except Unavailable as error:
        return error_response(error.status, str(error), error.headers)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for s in spells:
        writer.writerow((s.organization, labels[s.organization], s.member, labels[s.member], " ".join(s.roles),
                         "; ".join(labels[r] for r in s.roles), s.start or "", s.end or "",
                         "; ".join(f"{labels[k]} {when}" for k, when in s.changes), s.membership, " ".join(s.sources)))
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", path.rstrip("/")).strip("-") or "timeline"
    response = Response(out.getvalue(), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-memberships.csv"'
    response.headers["Link"] = f'<{iri}>; rel="about"'
    return response
