"""Well-known membership facts, asked through the named queries on the real graph.

Each expectation comes from the source cited next to it (the same documents the curated file
data/curated/memberships.csv cites); a failure means the graph says something about the world
that those sources contradict.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from seckg.config import Config
from seckg.loading import load
from seckg.named_queries import load_named_queries
from seckg.store import GraphStore

ROOT = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/seckg/id/"
SEC = "https://w3id.org/seckg/ontology#"
FULL = SEC + "FullMember"
OBSERVER = SEC + "Observer"
DIALOGUE = SEC + "DialoguePartner"
PARTNER = SEC + "Partner"

NATO_FOUNDERS = {"BEL", "CAN", "DNK", "FRA", "ISL", "ITA", "LUX", "NLD", "NOR", "PRT", "GBR", "USA"}


@pytest.fixture(scope="module")
def store():
    return GraphStore.from_loaded(load(Config(root=ROOT)))


@pytest.fixture(scope="module")
def ask(store):
    """Run a named query on the real ontology and data; rows as {variable: value} dicts."""
    catalog = load_named_queries(ROOT / "queries")

    def run(name: str, **params: str) -> list[dict[str, str]]:
        solutions = store.query(catalog[name].bind(params))
        names = [v.value for v in solutions.variables]
        return [{n: s[n].value for n in names if s[n] is not None} for s in solutions]

    return run


def members(ask, org: str, date: str, role: str = FULL) -> set[str]:
    rows = ask("members-on-date", org=ID + "org/" + org, date=date)
    return {r["member"].rsplit("/", 1)[1] for r in rows if r.get("role") == role}


# --- Founders -------------------------------------------------------------------------------

@pytest.mark.parametrize("org, date, expected", [
    ("NATO", "1950-01-01", NATO_FOUNDERS),
    ("WARSAW-PACT", "1956-01-01", {"ALB", "BGR", "CSK", "DDR", "HUN", "POL", "ROU", "SUN"}),
    ("SEATO", "1955-02-19", {"AUS", "FRA", "GBR", "NZL", "PAK", "PHL", "THA", "USA"}),
    ("ANZUS", "1952-04-29", {"AUS", "NZL", "USA"}),
    ("CENTO", "1956-06-01", {"GBR", "IRN", "IRQ", "PAK", "TUR"}),
    ("shanghai-five", "1996-04-26", {"CHN", "KAZ", "KGZ", "RUS", "TJK"}),
    ("SCO", "2001-06-15", {"CHN", "KAZ", "KGZ", "RUS", "TJK", "UZB"}),
    ("EAEU", "2015-01-01", {"BLR", "KAZ", "RUS"}),
    ("GUAM", "1997-10-10", {"AZE", "GEO", "MDA", "UKR"}),
    ("CIS", "1991-12-08", {"BLR", "RUS", "UKR"}),
    ("WEU", "1956-01-01", {"BEL", "DEU", "FRA", "GBR", "ITA", "LUX", "NLD"}),
])
def test_founders(ask, org, date, expected):
    assert members(ask, org, date) == expected


def test_nothing_before_founding(ask):
    assert members(ask, "SCO", "2001-06-14") == set()
    assert members(ask, "EAEU", "2014-12-31") == set()


# --- NATO enlargements: the day before and the day of each accession (NATO, Member countries) --

NATO_ENLARGEMENTS = [
    ("1952-02-18", {"GRC", "TUR"}),
    ("1955-05-06", {"DEU"}),
    ("1982-05-30", {"ESP"}),
    ("1999-03-12", {"CZE", "HUN", "POL"}),
    ("2004-03-29", {"BGR", "EST", "LVA", "LTU", "ROU", "SVK", "SVN"}),
    ("2009-04-01", {"ALB", "HRV"}),
    ("2017-06-05", {"MNE"}),
    ("2020-03-27", {"MKD"}),
    ("2023-04-04", {"FIN"}),
    ("2024-03-07", {"SWE"}),
]


@pytest.mark.parametrize("day, joined", NATO_ENLARGEMENTS)
def test_nato_enlargement(ask, day, joined):
    from datetime import date, timedelta

    before = (date.fromisoformat(day) - timedelta(days=1)).isoformat()
    assert members(ask, "NATO", day) - members(ask, "NATO", before) == joined


def test_nato_sizes(ask):
    assert len(members(ask, "NATO", "1966-07-01")) == 15  # France stayed a member in 1966
    assert len(members(ask, "NATO", "2024-03-06")) == 31
    assert len(members(ask, "NATO", "2026-01-01")) == 32


# --- SCO accessions (SCO declarations of 2017, 2023, 2024) ---------------------------------------

@pytest.mark.parametrize("day, joined", [
    ("2017-06-09", {"IND", "PAK"}),
    ("2023-07-04", {"IRN"}),
    ("2024-07-04", {"BLR"}),
])
def test_sco_accession(ask, day, joined):
    from datetime import date, timedelta

    before = (date.fromisoformat(day) - timedelta(days=1)).isoformat()
    assert members(ask, "SCO", day) - members(ask, "SCO", before) == joined


def test_sco_observers_become_members(ask):
    observer = "https://w3id.org/seckg/ontology#Observer"
    assert {"IND", "PAK", "IRN", "MNG"} <= members(ask, "SCO", "2010-01-01", observer)
    assert "IND" not in members(ask, "SCO", "2017-06-09", observer)


# --- The CSTO's changing membership ----------------------------------------------------------------

def test_csto_membership_over_time(ask):
    six = {"ARM", "BLR", "KAZ", "KGZ", "RUS", "TJK"}
    assert members(ask, "CSTO", "2005-11-01") == six
    # Between COW source years: Uzbekistan restored on 16 August 2006, suspended 28 June 2012.
    assert members(ask, "CSTO", "2006-08-15") == six
    assert members(ask, "CSTO", "2006-08-16") == six | {"UZB"}
    assert members(ask, "CSTO", "2012-06-28") == six | {"UZB"}
    assert members(ask, "CSTO", "2012-06-29") == six
    # Armenia's 2024 freeze does not end its membership.
    assert members(ask, "CSTO", "2026-01-01") == six


def test_cst_before_the_csto(ask):
    assert "UZB" in members(ask, "CST", "1995-01-01")
    assert "UZB" not in members(ask, "CST", "1999-04-21")


# --- Corrections of known dataset errors (SOURCES.md) ----------------------------------------------

def test_known_errors_corrected(ask):
    assert "GHA" not in members(ask, "WARSAW-PACT", "1962-01-01")
    assert "USA" in members(ask, "SEATO", "1962-01-01")
    assert "FRA" in members(ask, "SEATO", "1955-06-01")
    assert "PAK" not in members(ask, "SEATO", "1975-01-01")
    assert "IRQ" in members(ask, "CENTO", "1959-03-24")
    assert "IRQ" not in members(ask, "CENTO", "1959-03-25")
    assert "UZB" not in members(ask, "CSTO", "2004-01-01")
    assert "GEO" in members(ask, "CIS", "1994-06-01")
    assert "GEO" not in members(ask, "CIS", "2009-08-19")
    assert "ALB" not in members(ask, "WARSAW-PACT", "1969-01-01")


def test_dissolved_organizations_have_no_members_after(ask):
    assert members(ask, "WARSAW-PACT", "1991-07-02") == set()
    assert members(ask, "SEATO", "1977-07-01") == set()
    assert members(ask, "EURASEC", "2015-01-02") == set()
    assert members(ask, "WEU", "2011-07-01") == set()


def test_eaeu_later_accessions(ask):
    assert members(ask, "EAEU", "2015-01-02") == {"ARM", "BLR", "KAZ", "RUS"}
    assert members(ask, "EAEU", "2015-08-11") == {"ARM", "BLR", "KAZ", "RUS"}
    assert members(ask, "EAEU", "2015-08-12") == {"ARM", "BLR", "KAZ", "KGZ", "RUS"}


def test_rio_treaty_withdrawals(ask):
    assert "MEX" not in members(ask, "TIAR", "2005-01-01")
    assert "MEX" in members(ask, "TIAR", "2004-09-06")
    assert "VEN" in members(ask, "TIAR", "2015-07-14")
    assert "VEN" not in members(ask, "TIAR", "2015-07-15")


def test_succession_of_states_in_memberships(ask):
    # The USSR sat in the CSCE until 1991, Russia from 1992; Germany is one member throughout.
    assert "SUN" in members(ask, "OSCE", "1985-01-01")
    assert "RUS" in members(ask, "OSCE", "1995-01-01") and "SUN" not in members(ask, "OSCE", "1995-01-01")
    assert "DEU" in members(ask, "NATO", "1990-10-03")


def test_membership_history_of_uzbekistan(ask):
    rows = ask("membership-history", state=ID + "state/UZB")
    spells = {(r["org"].rsplit("/", 1)[1], r.get("start"), r.get("end")) for r in rows}
    assert ("CSTO", "2006-08-16", "2012-06-28") in spells
    assert ("CST", "1992-05-15", "1999-04-20") in spells
    assert ("GUAM", "1999-04-24", "2005-05") in spells
    assert ("SCO", "2001-06-15", None) in spells
    how = {r["org"].rsplit("/", 1)[1]: r.get("how", "").rsplit("#", 1)[-1] for r in rows if r.get("end") == "2012-06-28"}
    assert how == {"CSTO": "Suspension"}


def test_uzbekistan_left_eurasec_in_2008_despite_cow():
    """COW IGO v3 keeps Uzbekistan in EurAsEC to 2014; it suspended its membership in November 2008."""
    from click.testing import CliRunner

    from seckg.cli import main

    def members(date: str) -> set[str]:
        result = CliRunner().invoke(main, ["--root", str(Path(__file__).resolve().parents[1]), "query",
                                           "members-on-date", "-p", "org=https://w3id.org/seckg/id/org/EURASEC",
                                           "-p", f"date={date}", "--format", "csv"])
        assert result.exit_code == 0, result.output
        return {line.split(",")[0].rsplit("/", 1)[-1] for line in result.output.splitlines()[1:] if line}

    assert "UZB" in members("2007-06-01")
    assert "UZB" not in members("2010-06-01")


# --- Roles beyond full membership -------------------------------------------------------------

def test_belarus_in_the_sco_dialogue_partner_observer_member(ask):
    """Yekaterinburg 2009 (dialogue partner), Ufa 10 July 2015 (observer), Astana 4 July 2024."""
    assert "BLR" in members(ask, "SCO", "2010-01-01", DIALOGUE)
    assert "BLR" in members(ask, "SCO", "2020-01-01", OBSERVER)
    assert "BLR" not in members(ask, "SCO", "2020-01-01", DIALOGUE) | members(ask, "SCO", "2020-01-01")
    assert "BLR" in members(ask, "SCO", "2025-01-01")
    assert "BLR" not in members(ask, "SCO", "2025-01-01", OBSERVER)
    rows = ask("membership-history", state=ID + "state/BLR")
    sco = sorted((r["role"].rsplit("#", 1)[1], r.get("start"), r.get("end"))
                 for r in rows if r["org"] == ID + "org/SCO")
    assert sco == [("DialoguePartner", "2009-06", "2015-07-09"), ("FullMember", "2024-07-04", None),
                   ("Observer", "2015-07-10", "2024-07-03")]


def test_sco_observers_and_dialogue_partners_in_2016(ask):
    """The six and six that Uzbekistan's and Belarus's foreign ministries listed in April-June 2016."""
    assert members(ask, "SCO", "2016-05-01", OBSERVER) == {"AFG", "BLR", "IND", "IRN", "MNG", "PAK"}
    assert members(ask, "SCO", "2016-05-01", DIALOGUE) == {"ARM", "AZE", "KHM", "LKA", "NPL", "TUR"}


def test_sco_dialogue_partners_admitted_2022_to_2025(ask):
    assert {"EGY", "QAT"} <= members(ask, "SCO", "2022-09-14", DIALOGUE)
    assert "EGY" not in members(ask, "SCO", "2022-09-13", DIALOGUE)
    assert {"KWT", "ARE", "MDV", "MMR", "SAU"} <= members(ask, "SCO", "2023-06-01", DIALOGUE)
    assert "KWT" not in members(ask, "SCO", "2023-01-01", DIALOGUE)
    # Before the Tianjin summit merged the statuses: two observers and fourteen dialogue partners
    # (TASS, 1 September 2025).
    assert members(ask, "SCO", "2025-08-31", OBSERVER) == {"AFG", "MNG"}
    assert members(ask, "SCO", "2025-08-31", DIALOGUE) == {
        "ARM", "AZE", "BHR", "EGY", "KHM", "QAT", "KWT", "MDV", "MMR", "NPL", "ARE", "SAU", "TUR", "LKA"}
    assert "LAO" in members(ask, "SCO", "2025-09-01", PARTNER)


def test_sco_observers_and_dialogue_partners_became_sco_partners_in_tianjin(ask):
    """The Tianjin Declaration of 1 September 2025 merged both statuses into "SCO partner" (Trend, 1 September 2025)."""
    before = members(ask, "SCO", "2025-08-31", OBSERVER) | members(ask, "SCO", "2025-08-31", DIALOGUE)
    assert members(ask, "SCO", "2025-09-01", PARTNER) == before | {"LAO"}
    assert members(ask, "SCO", "2025-09-01", OBSERVER) | members(ask, "SCO", "2025-09-01", DIALOGUE) == set()
    assert members(ask, "SCO", "2025-09-01") == {"BLR", "CHN", "IND", "IRN", "KAZ", "KGZ", "PAK", "RUS", "TJK", "UZB"}


def test_osce_partners_for_cooperation(ask):
    """The eleven Partners for Co-operation of the OSCE's own list; Mongolia a partner before 2012."""
    assert members(ask, "OSCE", "2026-01-01", PARTNER) == {
        "AFG", "AUS", "JPN", "KOR", "THA", "DZA", "EGY", "ISR", "JOR", "MAR", "TUN"}
    assert members(ask, "OSCE", "1993-01-01", PARTNER) == {"JPN"}
    assert "MNG" in members(ask, "OSCE", "2010-01-01", PARTNER)
    assert "MNG" in members(ask, "OSCE", "2013-01-01") and "MNG" not in members(ask, "OSCE", "2013-01-01", PARTNER)


def test_azerbaijan_left_the_cis_in_1992_and_joined_in_1993(ask):
    assert "AZE" in members(ask, "CIS", "1992-06-01")
    assert "AZE" not in members(ask, "CIS", "1993-01-01")
    assert "AZE" not in members(ask, "CIS", "1993-09-23")
    assert "AZE" in members(ask, "CIS", "1993-09-24")


def test_france_stayed_in_seato_after_it_stopped_paying_in_1974(ask, store):
    assert "FRA" in members(ask, "SEATO", "1976-01-01")
    rows = list(store.query("""
        PREFIX sec: <https://w3id.org/seckg/ontology#> PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?type ?date WHERE {
            ?change sec:changeOf <https://w3id.org/seckg/id/membership/SEATO-FRA> ;
                    sec:changeType ?type ; dcterms:date ?date }"""))
    changes = {(r["type"].value.rsplit("#", 1)[1], r["date"].value) for r in rows}
    assert changes == {("Freeze", "1974-06-30"), ("Dissolution", "1977-06-30")}


# --- Founding treaties and seats --------------------------------------------------------------

@pytest.mark.parametrize("org, signed, place, seat", [
    ("NATO", "1949-04-04", "washington", "brussels"),
    ("CST", "1992-05-15", "tashkent", None),
    ("CSTO", "2002-10-07", "chisinau", "moscow"),
    ("SCO", "2002-06-07", "saint-petersburg", "beijing"),
    ("shanghai-five", "1996-04-26", "shanghai", None),
    ("OSCE", "1975-08-01", "helsinki", "vienna"),
    ("CIS", "1991-12-08", "minsk", "minsk"),
    ("EURASEC", "2000-10-10", "astana", None),
    ("CACO", "2002-02-28", "almaty", None),
    ("EAEU", "2014-05-29", "astana", "moscow"),
    ("GUAM", "2006-05-23", "kyiv", "kyiv"),
    ("WARSAW-PACT", "1955-05-14", "warsaw", "moscow"),
    ("SEATO", "1954-09-08", "manila", "bangkok"),
    ("CENTO", "1955-02-24", "baghdad", "ankara"),
    ("ANZUS", "1951-09-01", "san-francisco", None),
    ("TIAR", "1947-09-02", "rio-de-janeiro", None),
    ("WEU", "1954-10-23", "paris", "brussels"),
    ("UN", "1945-06-26", "san-francisco", "new-york"),
])
def test_founding_treaty_and_seat(store, org, signed, place, seat):
    rows = list(store.query(f"""
        PREFIX sec: <https://w3id.org/seckg/ontology#>
        SELECT ?signed ?place ?seat WHERE {{
            <{ID}org/{org}> sec:foundingTreaty ?treaty .
            ?treaty sec:signedOn ?signed ; sec:signedAt ?place .
            OPTIONAL {{ <{ID}org/{org}> sec:headquarters ?seat }} }}"""))
    assert len(rows) == 1
    assert rows[0]["signed"].value == signed
    assert rows[0]["place"].value == f"{ID}place/{place}"
    assert (rows[0]["seat"].value if rows[0]["seat"] is not None else None) == (f"{ID}place/{seat}" if seat else None)


def test_eapc_founded_by_sixteen_allies_and_twenty_seven_partners(ask):
    """Sintra, 30 May 1997: NATO's Secretary General spoke of the allies' '27 Partner countries'."""
    founders = members(ask, "EAPC", "1997-05-30")
    allies = members(ask, "NATO", "1997-05-30")
    assert len(allies) == 16 and allies <= founders
    assert len(founders - allies) == 27
    assert {"POL", "HUN", "CZE", "EST", "LVA", "LTU", "SVK", "SVN", "BGR", "ROU", "CHE"} <= founders
    assert "TJK" not in founders and "TJK" in members(ask, "EAPC", "2003-01-01")


def test_baghdad_pact_accessions(ask):
    """The United Kingdom, Pakistan and Iran joined on 5 April, 23 September and 3 November 1955."""
    assert "GBR" not in members(ask, "CENTO", "1955-04-04") and "GBR" in members(ask, "CENTO", "1955-04-05")
    assert "PAK" not in members(ask, "CENTO", "1955-09-22") and "PAK" in members(ask, "CENTO", "1955-09-23")
    assert "IRN" not in members(ask, "CENTO", "1955-11-02") and "IRN" in members(ask, "CENTO", "1955-11-03")


def test_osce_participation_follows_the_states(ask):
    """The GDR to unification, the SFRY to its end, Montenegro from 22 June 2006 (OSCE)."""
    assert "DDR" in members(ask, "OSCE", "1990-10-02") and "DDR" not in members(ask, "OSCE", "1990-10-04")
    assert "YUG" in members(ask, "OSCE", "1992-01-15")
    assert "MNE" not in members(ask, "OSCE", "2006-06-21") and "MNE" in members(ask, "OSCE", "2006-06-22")


def test_csto_has_no_observer_states(ask):
    """COW's 2013 CSTO observers were Serbia's and Afghanistan's parliaments in the CSTO PA (TASS)."""
    assert members(ask, "CSTO", "2014-06-01", OBSERVER) == set()


@pytest.mark.parametrize("successor, predecessor", [
    ("RUS", "SUN"), ("CZE", "CSK"), ("SVK", "CSK"), ("SCG", "YUG"), ("SRB", "SCG"),
])
def test_state_successions(store, successor, predecessor):
    assert store.query(f"ASK {{ <{ID}state/{successor}> <{SEC}successorOf> <{ID}state/{predecessor}> }}")


@pytest.mark.parametrize("earlier, later", [
    ("CST", "CSTO"), ("shanghai-five", "SCO"), ("EURASEC", "EAEU"), ("CACO", "EURASEC"),
])
def test_organization_successions(store, earlier, later):
    """Either direction may be stated; sec:successorOf and sec:predecessorOf are inverses."""
    assert store.query(f"ASK {{ {{ <{ID}org/{later}> <{SEC}successorOf> <{ID}org/{earlier}> }} UNION "
                       f"{{ <{ID}org/{earlier}> <{SEC}predecessorOf> <{ID}org/{later}> }} }}")


def test_germany_keeps_both_correlates_of_war_codes(store):
    """COW lists West Germany as 260 (1955-1990) and united Germany as 255: one state, both codes."""
    rows = store.query(f"SELECT ?code ?former WHERE {{ <{ID}state/DEU> <{SEC}cowCode> ?code ; "
                       f"<{SEC}formerCowCode> ?former }}")
    assert [(int(r["code"].value), int(r["former"].value)) for r in rows] == [(255, 260)]


# --- NATO's founders from the treaty's entry into force (source: north-atlantic-treaty) ------

def test_nato_founders_are_members_from_24_august_1949(ask, store):
    assert members(ask, "NATO", "1949-08-23") == set()
    assert members(ask, "NATO", "1949-08-24") == NATO_FOUNDERS
    starts = store.query("""
        PREFIX org: <http://www.w3.org/ns/org#> PREFIX time: <http://www.w3.org/2006/time#>
        SELECT ?state ?start WHERE {
          ?m org:organization <https://w3id.org/seckg/id/org/NATO> ; org:member ?state ;
             org:memberDuring/time:hasBeginning/time:inXSDDate ?start .
          FILTER(?start < "1950-01-01"^^<http://www.w3.org/2001/XMLSchema#date>) }""")
    found = {s["state"].value.rsplit("/", 1)[1]: s["start"].value for s in starts}
    assert found == {code: "1949-08-24" for code in NATO_FOUNDERS}


# --- Wikidata items equal the cited tables in data/raw/ ------------------------------------

def _wikidata_items(store) -> dict[str, set[str]]:
    items: dict[str, set[str]] = {}
    for s in store.query(f"SELECT ?e ?q WHERE {{ ?e <{SEC}wikidata> ?q }}"):
        items.setdefault(s["e"].value, set()).add(s["q"].value.rsplit("/", 1)[1])
    return items


def _raw(name: str) -> list[dict[str, str]]:
    import csv

    with open(ROOT / "data/raw" / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_state_wikidata_items_are_owid_s(store):
    items = _wikidata_items(store)
    table = {r["iso_alpha3"]: r["wikidata_uri"].rsplit("/", 1)[1] for r in _raw("owid_countries_regions_wikidata.csv")}
    assert len(table) == 108
    assert {code: items.get(ID + "state/" + code) for code in table} == {code: {q} for code, q in table.items()}
    cited = {r["state"]: r["wikidata"] for r in _raw("state_wikidata_ids.csv")}
    assert {code: items.get(ID + "state/" + code) for code in cited} == {
        "SUN": {"Q15180"}, "DDR": {"Q16957"}, "CSK": {"Q33946"}, "VAT": {"Q159583"}}
    # The Holy See is a participant of the OSCE; Vatican City State (OWID's VAT, Q237) is another item.
    assert "Q237" not in {q for qids in items.values() for q in qids}
    # Spot checks a reader can verify: the Kingdom of the Netherlands, not its European part (Q55).
    assert items[ID + "state/NLD"] == {"Q29999"}
    assert items[ID + "state/JPN"] == {"Q17"}


def test_organization_wikidata_items_are_the_cited_tables(store):
    from seckg.importers.codes import SUPRAVERDEN_ORGS

    items = _wikidata_items(store)
    expected = {SUPRAVERDEN_ORGS[r["yaml_key"]]: r["Wikidata_code"] for r in _raw("supraverden_security_org_wikidata_ids.csv")
                if r["yaml_key"] in SUPRAVERDEN_ORGS}
    expected.update({r["org"]: r["wikidata"] for r in _raw("organization_wikidata_ids.csv")})
    assert {org: items.get(ID + "org/" + org) for org in expected} == {org: {q} for org, q in expected.items()}
    assert expected["WARSAW-PACT"] == "Q41644" and expected["NATO"] == "Q7184"
    # Found in this order of work: CENTO (two tables), the EAPC, the Rio Treaty, the UN.
    assert {org: expected[org] for org in ("CENTO", "EAPC", "TIAR", "UN")} == {
        "CENTO": "Q379850", "EAPC": "Q1374456", "TIAR": "Q1410645", "UN": "Q1065"}


def test_every_row_of_the_organization_table_agrees_with_the_graph(store):
    """Tables that corroborate each other (CENTO, SEATO, the Warsaw Pact, the CSTO, the SCO, the
    UN have more than one row) name the same item, and the graph has that item."""
    items = _wikidata_items(store)
    rows = _raw("organization_wikidata_ids.csv")
    assert len({r["org"] for r in rows}) < len(rows)
    for row in rows:
        assert items.get(ID + "org/" + row["org"]) == {row["wikidata"]}, row
        # The copied text shows the item: "Q379850", or SpocWiki's link form "WD~United_Nations,1065]]".
        assert row["wikidata"] in row["upstream_text"] or f",{row['wikidata'][1:]}]]" in row["upstream_text"], row


def test_every_city_has_the_wikidata_item_of_its_cited_rows(store):
    """Each city of data/places/ has exactly the item its rows in place_wikidata_ids.csv give
    (two tables agree where both list a city), and the copied text shows that item."""
    items = _wikidata_items(store)
    cities = {r["c"].value.rsplit("/", 1)[1] for r in store.query(
        f"SELECT DISTINCT ?c WHERE {{ ?c a <{SEC}City> }}")}
    rows = _raw("place_wikidata_ids.csv")
    cited = {r["place"]: r["wikidata"] for r in rows}
    assert set(cited) == cities and len(cities) == 25
    assert {c: items.get(ID + "place/" + c) for c in cities} == {c: {q} for c, q in cited.items()}
    for row in rows:
        # The item as the page writes it: "Q3640" (conzept) or entity/Q35493" (tinySearch).
        assert row["wikidata"] == cited[row["place"]], row
        assert re.search(rf'(?<![0-9]){row["wikidata"]}"', row["upstream_text"]), row
    # The three cities of the seed article, formerly typed in by hand, and two a reader can check.
    assert {c: cited[c] for c in ("moscow", "tashkent", "yerevan", "brussels", "washington")} == {
        "moscow": "Q649", "tashkent": "Q269", "yerevan": "Q1953", "brussels": "Q239", "washington": "Q61"}


def test_organizations_without_a_wikidata_item_are_the_three_not_found(store):
    items = _wikidata_items(store)
    orgs = ["ANZUS", "CACO", "CENTO", "CIS", "CST", "CSTO", "EAEU", "EAPC", "EURASEC", "GUAM", "NATO",
            "OSCE", "SCO", "SEATO", "TIAR", "UN", "WARSAW-PACT", "WEU", "shanghai-five"]
    assert [org for org in orgs if ID + "org/" + org not in items] == ["CACO", "CST", "shanghai-five"]


def test_no_two_things_share_a_wikidata_item(store):
    owners: dict[str, list[str]] = {}
    for entity, qids in _wikidata_items(store).items():
        assert len(qids) == 1, (entity, qids)
        owners.setdefault(next(iter(qids)), []).append(entity)
    assert {q: e for q, e in owners.items() if len(e) > 1} == {}


# --- The WEU's associate members, observers and associate partners (WEU, List of 28 Delegations) --

ASSOCIATE = SEC + "AssociateMember"


def test_weu_statuses_of_non_full_members(ask):
    assert members(ask, "WEU", "1993-01-01", ASSOCIATE) == {"ISL", "NOR", "TUR"}
    assert members(ask, "WEU", "2000-01-01", ASSOCIATE) == {"CZE", "HUN", "ISL", "NOR", "POL", "TUR"}
    assert members(ask, "WEU", "1993-01-01", OBSERVER) == {"DNK", "IRL"}
    assert members(ask, "WEU", "2000-01-01", OBSERVER) == {"AUT", "DNK", "FIN", "IRL", "SWE"}
    assert members(ask, "WEU", "1995-01-01", PARTNER) == {"BGR", "CZE", "EST", "HUN", "LTU", "LVA", "POL", "ROU", "SVK"}
    assert members(ask, "WEU", "2000-01-01", PARTNER) == {"BGR", "EST", "LTU", "LVA", "ROU", "SVK", "SVN"}
    assert members(ask, "WEU", "2011-06-30", PARTNER) == {"BGR", "EST", "LTU", "LVA", "ROU", "SVK", "SVN"}
    for role in (FULL, ASSOCIATE, OBSERVER, PARTNER):
        assert members(ask, "WEU", "2011-07-01", role) == set()


def test_weu_associate_partners_from_the_kirchberg_declaration(ask, store):
    """Kirchberg Declaration, 9 May 1994 (source weu-kirchberg-1994): nine associate partners that day."""
    kirchberg = {"BGR", "CZE", "EST", "HUN", "LTU", "LVA", "POL", "ROU", "SVK"}
    assert members(ask, "WEU", "1994-05-08", PARTNER) == set()
    assert members(ask, "WEU", "1994-05-09", PARTNER) == kirchberg
    rows = store.query("""
        PREFIX org: <http://www.w3.org/ns/org#> PREFIX time: <http://www.w3.org/2006/time#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?state ?start WHERE {
          ?m org:organization <https://w3id.org/seckg/id/org/WEU> ; org:member ?state ;
             org:role <https://w3id.org/seckg/ontology#Partner> ;
             dcterms:source <https://w3id.org/seckg/id/source/weu-kirchberg-1994> ;
             org:memberDuring/time:hasBeginning/time:inXSDDate ?start . }""")
    assert {r["state"].value.rsplit("/", 1)[1]: r["start"].value for r in rows} == dict.fromkeys(kirchberg, "1994-05-09")


def test_iran_an_eaeu_observer_from_december_2024(ask):
    assert "IRN" not in members(ask, "EAEU", "2024-11-30", OBSERVER)
    assert members(ask, "EAEU", "2025-06-01", OBSERVER) == {"CUB", "IRN", "MDA", "UZB"}


# --- Fact-check of November 2026 (issue 3): each date with the source that gives it -----------

def spell(store, name: str) -> dict:
    """Start, end, cited sources and comment of one membership, as the graph states them."""
    rows = list(store.query(f"""
        PREFIX org: <http://www.w3.org/ns/org#> PREFIX time: <http://www.w3.org/2006/time#>
        PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?start ?end ?source ?comment WHERE {{
            <{ID}membership/{name}> org:memberDuring ?during ; dcterms:source ?source ; rdfs:comment ?comment .
            ?during time:hasBeginning/(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear) ?start .
            OPTIONAL {{ ?during time:hasEnd/(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear) ?end }}
        }}"""))
    assert rows, f"no membership {name}"
    return {
        "start": rows[0]["start"].value,
        "end": rows[0]["end"].value if rows[0]["end"] is not None else None,
        "sources": {r["source"].value.rsplit("/", 1)[1] for r in rows},
        "comment": rows[0]["comment"].value,
    }


def status_changes(store, name: str) -> set[tuple[str, str, frozenset]]:
    rows = list(store.query(f"""
        PREFIX sec: <https://w3id.org/seckg/ontology#> PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?change ?type ?date ?source WHERE {{
            ?change sec:changeOf <{ID}membership/{name}> ; sec:changeType ?type ;
                    dcterms:date ?date ; dcterms:source ?source }}"""))
    found: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        key = (r["type"].value.rsplit("#", 1)[1], r["date"].value)
        found.setdefault(key, set()).add(r["source"].value.rsplit("/", 1)[1])
    return {(kind, date, frozenset(sources)) for (kind, date), sources in found.items()}


def test_cuba_stays_a_rio_treaty_party_excluded_from_participation_in_1962(ask, store):
    """The OAS depositary notes no denunciation by Cuba; Punta del Este excluded its government."""
    cuba = spell(store, "TIAR-CUB")
    assert (cuba["start"], cuba["end"]) == ("1948-12-09", None)
    assert "oas-b29-status" in cuba["sources"]
    assert "CUB" in members(ask, "TIAR", "2019-09-11")
    assert "CUB" not in members(ask, "TIAR", "1948-12-08")
    assert status_changes(store, "TIAR-CUB") == {("Suspension", "1962-01", frozenset({"punta-del-este-1962"}))}


# Deposits of ratification of the Rio Treaty as the OAS depositary's table "B-29" gives them
# (http://www.oas.org/juridico/english/sigs/b-29.html, source:oas-b29-status), for the rows read
# there (the stored copy breaks off after Guatemala); the United States' deposit is from
# 62 Stat. 1681 (source:us-stat-62-rio-treaty). The treaty is in force from 3 December 1948.
RIO_DEPOSITS = {
    "ARG": "1950-08-21", "BHS": "1982-11-24", "BOL": "1950-09-26", "BRA": "1948-03-25",
    "CHL": "1949-02-09", "COL": "1948-02-03", "CRI": "1948-12-03", "CUB": "1948-12-09",
    "ECU": "1950-11-07", "SLV": "1948-03-15", "GTM": "1955-04-06", "USA": "1947-12-30",
}


def test_rio_treaty_parties_in_june_1949_are_those_that_had_deposited_their_ratification(ask):
    """Of the states whose deposit was read, exactly those that had deposited by then are parties."""
    day = "1949-06-01"
    assert members(ask, "TIAR", day) & set(RIO_DEPOSITS) == {
        state for state, deposit in RIO_DEPOSITS.items() if deposit <= day}
    assert members(ask, "TIAR", day) & set(RIO_DEPOSITS) == {"BRA", "CHL", "COL", "CRI", "CUB", "SLV", "USA"}


# Signatories whose deposit was not read (the stored B-29 copy breaks off after Guatemala): each
# begins at the earliest day it can have been a party, the entry into force (Article 22), and its
# row says that this is a lower bound.
RIO_DEPOSIT_UNREAD = {"DOM", "HND", "HTI", "MEX", "NIC", "PAN", "PER", "PRY", "URY", "VEN"}


@pytest.mark.parametrize("day", ["1947-09-02", "1948-01-01", "1948-06-01", "1948-12-02"])
def test_no_rio_treaty_party_before_the_entry_into_force(ask, day):
    """Signed in 1947, in force from 3 December 1948 (B-29): nobody is a party before."""
    assert members(ask, "TIAR", day) == set()


def test_rio_treaty_parties_on_the_day_of_entry_into_force(ask):
    """The states that had deposited by then, and the signatories whose deposit was not read."""
    deposited = {state for state, deposit in RIO_DEPOSITS.items() if deposit <= "1948-12-03"}
    assert deposited == {"BRA", "COL", "CRI", "SLV", "USA"}
    assert members(ask, "TIAR", "1948-12-03") == deposited | RIO_DEPOSIT_UNREAD


@pytest.mark.parametrize("state", sorted(RIO_DEPOSIT_UNREAD))
def test_a_rio_treaty_party_with_an_unread_deposit_begins_at_the_entry_into_force_and_says_so(store, state):
    party = spell(store, f"TIAR-{state}")
    assert party["start"] == "1948-12-03"
    assert {"oas-b29-status", "us-stat-62-rio-treaty", "atop-v4-01"} <= party["sources"]
    assert "deposit of ratification was not read" in party["comment"] and "lower bound" in party["comment"]


def test_trinidad_and_tobago_is_not_a_rio_treaty_party_before_it_signed(ask):
    # ATOP v4.01 gives the signature day, 6 April 1967; the deposit was not read.
    assert "TTO" not in members(ask, "TIAR", "1967-04-05")
    assert "TTO" in members(ask, "TIAR", "1967-04-06")


@pytest.mark.parametrize("state, last_day, day_after", [
    ("MEX", "2004-09-06", "2004-09-07"),  # notice of 6 September 2002, two years (Article 25)
    ("NIC", "2014-09-06", "2014-09-07"),
])
def test_rio_treaty_denunciations_end_on_atop_s_day(ask, store, state, last_day, day_after):
    party = spell(store, f"TIAR-{state}")
    assert (party["start"], party["end"]) == ("1948-12-03", last_day)
    assert state in members(ask, "TIAR", last_day)
    assert state not in members(ask, "TIAR", day_after)


@pytest.mark.parametrize("state, deposit, day_before", [
    ("GTM", "1955-04-06", "1955-04-05"),
    ("ARG", "1950-08-21", "1950-08-20"),
    ("BHS", "1982-11-24", "1982-11-23"),
])
def test_a_late_ratifier_becomes_a_rio_treaty_party_on_its_deposit(ask, store, state, deposit, day_before):
    party = spell(store, f"TIAR-{state}")
    assert party["start"] == deposit
    assert {"oas-b29-status", "atop-v4-01"} <= party["sources"]
    assert state in members(ask, "TIAR", deposit)
    assert state not in members(ask, "TIAR", day_before)


def test_rio_treaty_denunciations_keep_atop_s_ends_after_the_deposit(store):
    assert (spell(store, "TIAR-BOL")["start"], spell(store, "TIAR-BOL")["end"]) == ("1950-09-26", "2014-10-17")
    assert (spell(store, "TIAR-ECU")["start"], spell(store, "TIAR-ECU")["end"]) == ("1950-11-07", "2016-02-19")


def test_venezuela_left_the_rio_treaty_and_its_2019_re_entry_is_recorded_as_contested(ask, store):
    venezuela = spell(store, "TIAR-VEN")
    assert venezuela["end"] == "2015-07-14"
    assert {"atop-v4-01", "tiar-venezuela-2019", "crs-rio-treaty-2019"} <= venezuela["sources"]
    assert "2019" in venezuela["comment"] and "null" in venezuela["comment"]
    assert "VEN" not in members(ask, "TIAR", "2019-09-11")


def test_gdr_left_the_warsaw_pact_with_the_gdr_and_the_protocol_of_24_september_is_recorded(ask, store):
    gdr = spell(store, "WARSAW-PACT-DDR")
    assert gdr["end"] == "1990-10-03"
    assert "ddr-warsaw-pact-exit-1990" in gdr["sources"]
    assert "24 September 1990" in gdr["comment"]
    assert "DDR" in members(ask, "WARSAW-PACT", "1990-09-30")
    assert "DDR" not in members(ask, "WARSAW-PACT", "1990-10-04")


def test_albania_left_the_warsaw_pact_on_13_september_1968(ask, store):
    albania = spell(store, "WARSAW-PACT-ALB")
    assert albania["end"] == "1968-09-13"
    assert {"albania-warsaw-withdrawal", "bpb-chronik-1955-05-14"} <= albania["sources"]
    assert "ALB" in members(ask, "WARSAW-PACT", "1968-09-13")
    assert "ALB" not in members(ask, "WARSAW-PACT", "1968-09-14")


def test_greece_had_no_weu_status_before_its_accession_in_1995(ask, store):
    greece = spell(store, "WEU-GRC")
    assert greece["start"] == "1995-03-06" and "weu-greece-1992-1995" in greece["sources"]
    rows = ask("membership-history", state=ID + "state/GRC")
    assert [r.get("start") for r in rows if r["org"] == ID + "org/WEU"] == ["1995-03-06"]
    assert not any(r["member"] == ID + "state/GRC" for r in ask("members-on-date", org=ID + "org/WEU", date="1994-01-01"))


def test_moldova_is_still_a_cis_member_while_its_denunciation_runs(ask, store):
    moldova = spell(store, "CIS-MDA")
    assert (moldova["start"], moldova["end"]) == ("1991-12-21", None)
    assert "moldova-cis-denunciation-2026" in moldova["sources"]
    assert "MDA" in members(ask, "CIS", "2026-11-01")


def test_armenia_froze_its_csto_participation_and_has_not_left(ask, store):
    assert "ARM" in members(ask, "CSTO", "2026-11-01")
    assert status_changes(store, "CSTO-ARM") == {("Freeze", "2024-02", frozenset({"armenia-csto-freeze-2024"}))}
    cited = {r["s"].value.rsplit("/", 1)[1] for r in store.query("""
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?s WHERE { <https://w3id.org/seckg/graph/data/curated/status-changes> prov:wasDerivedFrom ?s }""")}
    assert "armenia-csto-2024-06" in cited


def test_ukraine_a_cis_founder_that_never_ratified_the_charter(ask, store):
    full, associate = spell(store, "CIS-UKR"), spell(store, "CIS-UKR-associate")
    assert (full["start"], full["end"]) == ("1991-12-08", "1993-01-21")
    assert (associate["start"], associate["end"]) == ("1993-01-22", None)
    assert "ukraine-cis-2018-reports" in full["sources"] & associate["sources"]
    assert status_changes(store, "CIS-UKR-associate") == {("Freeze", "2018-05-19", frozenset({"ukraine-cis-2018"}))}


@pytest.mark.parametrize("name, start, source", [
    ("EAEU-MDA-observer", "2018-05-14", "eaeu-observer-status"),
    ("EAEU-UZB-observer", "2020-12-11", "eaeu-observer-status"),
    ("EAEU-CUB-observer", "2020-12-11", "eaeu-observer-status"),
    ("EAEU-IRN-observer", "2024-12-26", "eaeu-summit-2024-12-26"),
])
def test_eaeu_observers_from_the_day_of_the_supreme_council_decision(store, name, start, source):
    observer = spell(store, name)
    assert observer["start"] == start and source in observer["sources"]


def test_eaeu_observers_around_the_decisions(ask):
    assert members(ask, "EAEU", "2020-12-10", OBSERVER) == {"MDA"}
    assert members(ask, "EAEU", "2020-12-11", OBSERVER) == {"CUB", "MDA", "UZB"}
    assert members(ask, "EAEU", "2024-12-26", OBSERVER) == {"CUB", "IRN", "MDA", "UZB"}


def test_sco_in_2026_ten_members_and_seventeen_partners(ask, store):
    """Interfax and TASS, 1 September 2025: ten member states; seventeen partners with Laos."""
    assert "sco-tianjin-2025-composition" in spell(store, "SCO-LAO-partner")["sources"]
    assert members(ask, "SCO", "2026-06-01") == {"BLR", "CHN", "IND", "IRN", "KAZ", "KGZ", "PAK", "RUS", "TJK", "UZB"}
    assert members(ask, "SCO", "2026-06-01", PARTNER) == {
        "AFG", "ARE", "ARM", "AZE", "BHR", "EGY", "KHM", "KWT", "LAO", "LKA", "MDV", "MMR", "MNG", "NPL",
        "QAT", "SAU", "TUR"}
    assert not members(ask, "SCO", "2026-06-01", OBSERVER) | members(ask, "SCO", "2026-06-01", DIALOGUE)
