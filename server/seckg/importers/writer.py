"""Deterministic Turtle for generated membership files: sorted, no timestamps, stable IRIs.

The text is built here for what it says and written in the canonical form of
`seckg.canonical`, so `seckg fmt` leaves generated files as `seckg import` wrote them.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from seckg.canonical import format_turtle
from seckg.importers.model import CHANGES, ROLES, Spell

PREFIXES = """@prefix sec:        <https://w3id.org/seckg/ontology#> .
@prefix org:        <http://www.w3.org/ns/org#> .
@prefix time:       <http://www.w3.org/2006/time#> .
@prefix prov:       <http://www.w3.org/ns/prov#> .
@prefix dcterms:    <http://purl.org/dc/terms/> .
@prefix rdfs:       <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:        <http://www.w3.org/2001/XMLSchema#> .
@prefix source:     <https://w3id.org/seckg/id/source/> .
@prefix sorg:       <https://w3id.org/seckg/id/org/> .
@prefix state:      <https://w3id.org/seckg/id/state/> .
@prefix membership: <https://w3id.org/seckg/id/membership/> .
@prefix event:      <https://w3id.org/seckg/id/event/> .
"""

CHANGE_LABELS = {
    "withdrawal": "withdrawal",
    "suspension": "suspension",
    "dissolution": "end of the organization",
    "freeze": "freeze",
}


def _text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def date_literal(value: str) -> tuple[str, str]:
    """(OWL-Time property, typed literal) for a date of year, month or day precision."""
    if len(value) == 4:
        return "time:inXSDgYear", f'"{value}"^^xsd:gYear'
    if len(value) == 7:
        return "time:inXSDgYearMonth", f'"{value}"^^xsd:gYearMonth'
    return "time:inXSDDate", f'"{value}"^^xsd:date'


def _typed(value: str) -> str:
    return date_literal(value)[1]


def file_name(org: str) -> str:
    return org.lower()


def render(org: str, spells: list[Spell], states: dict[str, str], org_labels: dict[str, str]) -> str:
    """One organization's generated membership file."""
    name = file_name(org)
    used_sources = sorted({src for spell in spells for src in spell.sources})
    ordinal: Counter = Counter()
    label_counts: Counter = Counter()
    blocks = []
    for spell in spells:
        role_local, role_label = ROLES[spell.role]
        key = (spell.state, spell.role)
        ordinal[key] += 1
        slug = f"{org}-{spell.state}" + ("" if spell.role == "full" else f"-{spell.role}")
        if ordinal[key] > 1:
            slug += f"-{ordinal[key]}"
        years = f"{spell.start[:4]}–{spell.end[:4] if spell.end else ''}"
        label = f"{states[spell.state]} in {org_labels[org]} ({role_label}, {years})"
        label_counts[label] += 1
        if label_counts[label] > 1:
            label += f" [{label_counts[label]}]"
        lines = [f"membership:{slug} a sec:OrganizationMembership ;", f"    rdfs:label {_text(label)}@en ;"]
        lines.append(f"    rdfs:comment {_text(' '.join(spell.comments))}@en ;")
        lines.append(f"    org:organization sorg:{org} ; org:member state:{spell.state} ; org:role sec:{role_local} ;")
        interval = ["    org:memberDuring [ a time:Interval ;"]
        parts = []
        if spell.start:
            prop, lit = date_literal(spell.start)
            parts.append(f"        time:hasBeginning [ a time:Instant ; {prop} {lit} ]")
        if spell.end:
            prop, lit = date_literal(spell.end)
            parts.append(f"        time:hasEnd [ a time:Instant ; {prop} {lit} ]")
        interval.append(" ;\n".join(parts) + " ] ;")
        lines.extend(interval)
        if spell.attested:
            lines.append("    sec:attestedOn " + " , ".join(_typed(a) for a in sorted(set(spell.attested))) + " ;")
        event = None
        if spell.end and spell.end_change:
            event = f"{spell.end}-{spell.state.lower()}-{org.lower()}-{spell.end_change}"
            lines.append(f"    sec:statusChange event:{event} ;")
        lines.append("    dcterms:source " + " , ".join(f"source:{s}" for s in sorted(set(spell.sources))) + " .")
        blocks.append("\n".join(lines))
        if event:
            change_label = f"{states[spell.state]} in {org_labels[org]}: {CHANGE_LABELS[spell.end_change]} ({spell.end})"
            blocks.append("\n".join([
                f"event:{event} a sec:MembershipChange ;",
                f"    rdfs:label {_text(change_label)}@en ;",
                f"    sec:changeOf membership:{slug} ;",
                f"    sec:changeType sec:{CHANGES[spell.end_change]} ;",
                f"    sec:participant state:{spell.state} ;",
                f"    sec:concerns sorg:{org} ;",
                f"    dcterms:date {_typed(spell.end)} ;",
                "    dcterms:source " + " , ".join(f"source:{s}" for s in sorted(set(spell.sources))) + " .",
            ]))
    header = (
        f"# GENERATED FILE: written by `seckg import` from data/raw/*.csv (COW IGO v3, ATOP v4.01, CIA\n"
        f"# World Factbook 2026) and data/curated/memberships.csv. Do not edit: correct the curated file\n"
        f"# and run `seckg import` again. Memberships in {org_labels[org]}, one node per spell, each with\n"
        f"# its sources and, in rdfs:comment, how it was derived.\n"
    )
    graph = "\n".join([
        f"<https://w3id.org/seckg/graph/data/generated/memberships/{name}>",
        "    a sec:DataGraph ;",
        f"    rdfs:label {_text('Memberships in ' + org_labels[org] + ' (generated)')}@en ;",
        f"    dcterms:description {_text('Membership spells of states in ' + org_labels[org] + ', generated by seckg import from the datasets and the curated corrections.')}@en ;",
        "    prov:wasDerivedFrom " + " , ".join(f"source:{s}" for s in used_sources) + " .",
    ])
    return format_turtle(header + "\n" + PREFIXES + "\n" + graph + "\n\n" + "\n\n".join(blocks) + "\n")


def group(spells: list[Spell]) -> dict[str, list[Spell]]:
    by_org = defaultdict(list)
    for spell in spells:
        by_org[spell.org].append(spell)
    return dict(sorted(by_org.items()))
