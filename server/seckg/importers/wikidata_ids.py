"""Wikidata items of states, organizations and cities, generated from cited tables, never typed in.

States take the item that Our World in Data's countries-and-regions table gives for their
ISO 3166-1 alpha-3 code; the states it has no item for (former states, the Holy See) take the
item of a cited page (data/raw/state_wikidata_ids.csv). Organizations take SupraVerden's item
and the items of the cited pages in data/raw/organization_wikidata_ids.csv; the cities of
data/places/ take those of data/raw/place_wikidata_ids.csv. Several rows for one thing
corroborate each other and must agree. A state or organization that no table covers keeps the
item written by hand, or none.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import rdflib
from rdflib.namespace import RDF

from seckg.canonical import format_turtle
from seckg.importers import codes

OWID_CSV = "data/raw/owid_countries_regions_wikidata.csv"
SUPRAVERDEN_CSV = "data/raw/supraverden_security_org_wikidata_ids.csv"
ORG_IDS_CSV = "data/raw/organization_wikidata_ids.csv"
STATE_IDS_CSV = "data/raw/state_wikidata_ids.csv"
PLACE_IDS_CSV = "data/raw/place_wikidata_ids.csv"
PLACES_DIR = Path("data/places")
GENERATED_FILE = Path("data/generated/wikidata.ttl")
ENTITY = "http://www.wikidata.org/entity/"
QID = re.compile(r"^Q[1-9][0-9]*$")

# The repositories whose pages the row tables cite, and the source node (data/sources/sources.ttl)
# each stands for; a row from any other repository is refused, so every item has a cited source.
SOURCE_OF_REPOSITORY = {
    "confirmordeny/supraverden": "supraverden",
    "SpocWiki/_Standards": "spocwiki-standards",
    "datenoio/internacia-db": "internacia-db",
    "kei-nan/meast-events": "meast-events",
    "rm8tw8szdn-sudo/travel2.0": "travel2-country-identities",
    "waldenn/conzept": "conzept-countries",
    "gparlakov/tinySearch": "tinysearch-cities",
}


@dataclass(frozen=True)
class Item:
    kind: str  # "state", "org" or "place"
    slug: str
    qid: str
    source: str


def _rows(root: Path, rel: str) -> list[dict[str, str]]:
    with open(root / rel, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for number, row in enumerate(rows, start=2):
        if None in row or None in row.values():
            raise ValueError(f"{rel}:{number}: not as many columns as the header (quote a text that has commas)")
    return rows


def _checked(qid: str, where: str) -> str:
    if not QID.match(qid):
        raise ValueError(f"{where}: {qid!r} is not a Wikidata item id (Q…)")
    return qid


def _cited_source(row: dict[str, str], where: str) -> str:
    source = SOURCE_OF_REPOSITORY.get(row["repository"])
    if source is None:
        raise ValueError(f"{where}: repository {row['repository']!r} is not a cited source (SOURCE_OF_REPOSITORY)")
    return source


def _cited_rows(root: Path, rel: str, kind: str, known: set[str] | None = None, what: str = "") -> list[Item]:
    """Rows of a table of cited pages (kind, wikidata, repository, path, commit, upstream_text);
    `known`, when given, is the set of things the first column may name."""
    items = []
    for number, row in enumerate(_rows(root, rel), start=2):
        where = f"{rel}:{number}"
        if known is not None and row[kind] not in known:
            raise ValueError(f"{where}: {row[kind]} is not {what}")
        items.append(Item(kind, row[kind], _checked(row["wikidata"], where), _cited_source(row, where)))
    return items


def state_items(root: Path, states: set[str]) -> list[Item]:
    """OWID's item for each state of the graph whose alpha-3 code is in the table, then the cited pages'."""
    items = []
    for number, row in enumerate(_rows(root, OWID_CSV), start=2):
        code = row["iso_alpha3"]
        if code not in states:
            raise ValueError(f"{OWID_CSV}:{number}: {code} is not a state in data/states/states.ttl")
        uri = row["wikidata_uri"]
        if not uri.startswith(ENTITY):
            raise ValueError(f"{OWID_CSV}:{number}: {uri!r} is not a Wikidata entity IRI")
        items.append(Item("state", code, _checked(uri[len(ENTITY):], f"{OWID_CSV}:{number}"), "owid-countries-regions"))
    return items + _cited_rows(root, STATE_IDS_CSV, "state", states, "a state in data/states/states.ttl")


def organization_items(root: Path) -> list[Item]:
    items = []
    for number, row in enumerate(_rows(root, SUPRAVERDEN_CSV), start=2):
        slug = codes.SUPRAVERDEN_ORGS.get(row["yaml_key"])
        if slug is not None:
            items.append(Item("org", slug, _checked(row["Wikidata_code"], f"{SUPRAVERDEN_CSV}:{number}"), "supraverden"))
    return items + _cited_rows(root, ORG_IDS_CSV, "org")


def place_slugs(root: Path) -> set[str]:
    """The cities described in data/places/, by the last segment of their IRI."""
    prefix = "https://w3id.org/seckg/id/place/"
    city = rdflib.URIRef("https://w3id.org/seckg/ontology#City")
    slugs = set()
    for path in sorted((root / PLACES_DIR).glob("*.ttl")):
        graph = rdflib.Graph().parse(path)
        slugs.update(str(s)[len(prefix):] for s in graph.subjects(RDF.type, city) if str(s).startswith(prefix))
    return slugs


def place_items(root: Path, places: set[str]) -> list[Item]:
    return _cited_rows(root, PLACE_IDS_CSV, "place", places, "a city in data/places/")


def all_items(root: Path, states: set[str], orgs: set[str], places: set[str] | None = None) -> list[Item]:
    """Every cited item, checked: one item per thing and one thing per item, across the kinds.
    The cities are read only when `places` is given."""
    items = state_items(root, states) + organization_items(root)
    if places is not None:
        items += place_items(root, places)
    seen: dict[tuple[str, str], str] = {}
    for item in items:
        if item.kind == "org" and item.slug not in orgs:
            raise ValueError(f"{item.slug}: no organization id/org/{item.slug} in organizations.ttl")
        key = (item.kind, item.slug)
        if key in seen and seen[key] != item.qid:
            raise ValueError(f"{item.kind} {item.slug}: two Wikidata items, {seen[key]} and {item.qid}")
        seen[key] = item.qid
    by_qid: dict[str, Item] = {}
    for item in items:
        other = by_qid.setdefault(item.qid, item)
        if (other.kind, other.slug) != (item.kind, item.slug):
            raise ValueError(f"{item.qid} is given to both {other.kind} {other.slug} and {item.kind} {item.slug}")
    return sorted(set(items), key=lambda i: (i.kind, i.slug))


def render(items: list[Item]) -> str:
    """The generated Turtle: one sec:wikidata per state, organization or city, with the tables it came from."""
    header = (
        "# GENERATED FILE: written by `seckg import` from data/raw/owid_countries_regions_wikidata.csv,\n"
        "# data/raw/state_wikidata_ids.csv, data/raw/supraverden_security_org_wikidata_ids.csv,\n"
        "# data/raw/organization_wikidata_ids.csv and data/raw/place_wikidata_ids.csv.\n"
        "# Do not edit: correct the raw table (with its citation) and run `seckg import` again.\n"
    )
    prefixes = (
        "@prefix dcterms:    <http://purl.org/dc/terms/> .\n"
        "@prefix place:      <https://w3id.org/seckg/id/place/> .\n"
        "@prefix prov:       <http://www.w3.org/ns/prov#> .\n"
        "@prefix rdfs:       <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix sec:        <https://w3id.org/seckg/ontology#> .\n"
        "@prefix source:     <https://w3id.org/seckg/id/source/> .\n"
        "@prefix sorg:       <https://w3id.org/seckg/id/org/> .\n"
        "@prefix state:      <https://w3id.org/seckg/id/state/> .\n"
        "@prefix wd:         <http://www.wikidata.org/entity/> .\n"
    )
    sources = sorted({item.source for item in items})
    graph = "\n".join([
        "<https://w3id.org/seckg/graph/data/generated/wikidata>",
        "    a sec:DataGraph ;",
        '    rdfs:label "Wikidata items of states, organizations and cities (generated)"@en ;',
        '    dcterms:description "The Wikidata item of each state, organization and city that a cited table gives, generated by seckg import."@en ;',
        "    prov:wasDerivedFrom " + " , ".join(f"source:{s}" for s in sources) + " .",
    ])
    prefix = {"state": "state", "org": "sorg", "place": "place"}
    # One triple per thing, however many tables corroborate it (all_items made sure they agree).
    blocks = sorted({f"{prefix[i.kind]}:{i.slug} sec:wikidata wd:{i.qid} ." for i in items})
    return format_turtle(header + "\n" + prefixes + "\n" + graph + "\n\n" + "\n".join(blocks) + "\n")
