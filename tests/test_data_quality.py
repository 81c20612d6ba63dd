"""Well-known membership facts, asked through the named queries on the real graph.

Each expectation comes from the source cited next to it (the same documents the curated file
data/curated/memberships.csv cites); a failure means the graph says something about the world
that those sources contradict.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from seckg.config import Config
from seckg.loading import load
from seckg.named_queries import load_named_queries
from seckg.store import GraphStore

ROOT = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/seckg/id/"
FULL = "https://w3id.org/seckg/ontology#FullMember"

NATO_FOUNDERS = {"BEL", "CAN", "DNK", "FRA", "ISL", "ITA", "LUX", "NLD", "NOR", "PRT", "GBR", "USA"}


@pytest.fixture(scope="module")
def ask():
    """Run a named query on the real ontology and data; rows as {variable: value} dicts."""
    store = GraphStore.from_loaded(load(Config(root=ROOT)))
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
    assert {"MEX", "CUB"}.isdisjoint(members(ask, "TIAR", "2005-01-01"))
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
