"""Named queries (queries/*.rq): their headers, and their answers.

Three kinds of test:

* headers: every query the project promises exists, parses, declares the parameters and result
  variables it should, and projects exactly the variables it declares;
* the seed article: each query is run through the `seckg query … --format json` command on the
  real ontology and data, and its answer is checked against what the article
  (shared/seed/edm-2005-v2-i213-csto.txt) says;
* edge cases: the same queries on a small synthetic graph (the real ontology plus FIXTURE), for
  what the seed data does not exercise: dates of year or month precision, memberships that
  ended, role changes, several English labels, quote against paraphrase, nested bodies and
  events with more than one class.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import NamedTuple

import pytest
from click.testing import CliRunner

from seckg.cli import main
from seckg.config import Config
from seckg.loading import load
from seckg.named_queries import load_named_queries
from seckg.store import GraphStore

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "queries"

ID = "https://w3id.org/seckg/id/"
SEC = "https://w3id.org/seckg/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
T = "https://w3id.org/seckg/id/test/"  # the synthetic graph's namespace


def org(code: str) -> str:
    return f"{ID}org/{code}"


def state(code: str) -> str:
    return f"{ID}state/{code}"


def person(slug: str) -> str:
    return f"{ID}person/{slug}"


class Lit(NamedTuple):
    """A literal from SPARQL JSON results: lexical value, datatype (or None), language (or None)."""

    value: str
    datatype: str | None = None
    lang: str | None = None


def xsd_date(value: str) -> Lit:
    return Lit(value, XSD + "date")


def en(value: str) -> Lit:
    return Lit(value, None, "en")


# --------------------------------------------------------------------------------------------
# Running queries through the command line
# --------------------------------------------------------------------------------------------

def _term(binding: dict) -> str | Lit:
    if binding["type"] == "uri":
        return binding["value"]
    if binding["type"] == "literal":
        return Lit(binding["value"], binding.get("datatype"), binding.get("xml:lang"))
    return f"_:{binding['value']}"


def cli(*args: str, root: Path = ROOT):
    return CliRunner().invoke(main, ["--root", str(root), *args])


def ask(name: str, root: Path = ROOT, **params: str) -> list[dict[str, str | Lit]]:
    """Rows of `seckg query NAME --param k=v … --format json`; a variable left unbound is absent."""
    args = ["query", name, "--format", "json"]
    for key, value in params.items():
        args += ["--param", f"{key}={value}"]
    result = cli(*args, root=root)
    assert result.exit_code == 0, f"{name} {params}: exit {result.exit_code}\n{result.stderr}"
    document = json.loads(result.stdout)
    assert document["head"]["vars"] == list(load_named_queries(root / "queries")[name].result)
    return [{var: _term(b) for var, b in row.items()} for row in document["results"]["bindings"]]


def column(rows, var: str) -> list:
    return [row.get(var) for row in rows]


def local(iri: str | None) -> str | None:
    """The name after the test namespace or the ontology namespace; None stays None."""
    if iri is None:
        return None
    return iri.removeprefix(T).removeprefix(SEC)


# --------------------------------------------------------------------------------------------
# Headers
# --------------------------------------------------------------------------------------------

# name: ((param, type) …), required result variables (first, in this order; more may follow)
PROMISED = {
    "members-on-date": ((("org", "iri"), ("date", "date")), ("member", "memberLabel", "role")),
    "membership-history": ((("state", "iri"),), ("org", "orgLabel", "role", "start", "end")),
    "organization-members": ((("org", "iri"),), ("member", "memberLabel", "role", "start", "end")),
    "office-holders": ((("org", "iri"),), ("person", "personLabel", "post", "start", "end")),
    "statements-by-person": ((("person", "iri"),), ("statement", "date", "text", "source")),
    "statements-citing": ((("outlet", "iri"),), ("statement", "speaker", "date", "text")),
    "organization-relations": ((("org", "iri"),), ("other", "relation", "date", "source")),
    "organization-timeline": ((("org", "iri"),), ("date", "event", "eventLabel", "eventType")),
    "shared-members": (
        (("org1", "iri"), ("org2", "iri"), ("date", "date")),
        ("member", "memberLabel"),
    ),
    "former-members": ((("org", "iri"),), ("member", "memberLabel", "end", "how")),
}


@pytest.fixture(scope="module")
def catalog():
    return load_named_queries(QUERIES)


@pytest.fixture(scope="module")
def seed_store():
    loaded = load(Config(root=ROOT))
    assert loaded.ok, loaded.problems
    return GraphStore.from_loaded(loaded)


def test_every_promised_query_exists_and_its_header_parses(catalog):
    missing = set(PROMISED) - set(catalog)
    assert not missing, f"queries/ lacks {sorted(missing)}"
    for name in PROMISED:
        assert catalog[name].title and catalog[name].description, name


@pytest.mark.parametrize("name", sorted(PROMISED))
def test_header_declares_the_promised_parameters_and_results(catalog, name):
    params, required = PROMISED[name]
    named = catalog[name]
    assert tuple((p.name, p.type) for p in named.params) == params
    assert named.result[: len(required)] == required
    assert len(set(named.result)) == len(named.result), "a result variable is declared twice"


@pytest.mark.parametrize("name", sorted(PROMISED))
def test_query_projects_exactly_the_declared_result_variables(catalog, seed_store, name):
    named = catalog[name]
    answer = seed_store.query(named.bind({p.name: p.example for p in named.params}))
    assert [v.value for v in answer.variables] == list(named.result)
    list(answer)  # the example runs to the end without an error


@pytest.mark.parametrize("name", sorted(PROMISED))
def test_a_missing_parameter_is_named_in_a_usage_error(catalog, name):
    named = catalog[name]
    given = {p.name: p.example for p in named.params[:-1]}
    left_out = named.params[-1].name
    args = ["query", name]
    for key, value in given.items():
        args += ["--param", f"{key}={value}"]
    result = cli(*args)
    assert result.exit_code == 2
    assert f"missing parameter(s): {left_out}" in result.stderr
    assert f"--param {left_out}=" in result.stderr  # the usage lists how to give it
    assert not result.stdout


def test_a_malformed_parameter_is_refused_before_the_query_runs():
    result = cli("query", "organization-members", "--param", "org=CSTO> } ?s ?p ?o {")
    assert result.exit_code == 2
    assert "not an absolute IRI" in result.stderr
    result = cli(
        "query", "members-on-date",
        "--param", f"org={org('CSTO')}", "--param", "date=2005-11",
    )
    assert result.exit_code == 2
    assert "not a date" in result.stderr


def test_the_installed_command_answers_in_sparql_json():
    """The real entry point, not only the click object: `python -m seckg query …`."""
    done = subprocess.run(
        [sys.executable, "-m", "seckg", "--root", str(ROOT), "query", "organization-members",
         "--param", f"org={org('CSTO')}", "--format", "json"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["results"]["bindings"]
    assert {row["member"]["value"] for row in rows} >= {state("RUS"), state("ARM")}


# --------------------------------------------------------------------------------------------
# The seed article
# --------------------------------------------------------------------------------------------

CSTO_2005 = {state(c) for c in ("RUS", "BLR", "KAZ", "KGZ", "TJK", "ARM")}


def test_members_of_the_csto_in_november_2005_are_the_six_the_article_names():
    rows = ask("members-on-date", org=org("CSTO"), date="2005-11-01")
    assert sorted(column(rows, "member")) == sorted(CSTO_2005)  # each once
    assert set(column(rows, "role")) == {SEC + "FullMember"}
    labels = {row["member"]: row["memberLabel"] for row in rows}
    assert labels[state("KGZ")] == en("Kyrgyzstan") and labels[state("ARM")] == en("Armenia")


def test_uzbekistan_was_in_the_cst_in_1995_but_not_in_2000():
    assert state("UZB") in column(ask("members-on-date", org=org("CST"), date="1995-01-01"), "member")
    assert state("UZB") not in column(ask("members-on-date", org=org("CST"), date="2000-01-01"), "member")


def test_the_csto_did_not_exist_before_the_upgrade_of_the_treaty():
    assert ask("members-on-date", org=org("CSTO"), date="2003-09-17") == []
    assert sorted(column(ask("members-on-date", org=org("CSTO"), date="2003-09-18"), "member")) == sorted(CSTO_2005)


def test_organization_members_of_the_csto_are_ongoing_since_the_upgrade():
    rows = ask("organization-members", org=org("CSTO"))
    # Later members (Uzbekistan 2006-2012, observers from 2013) come from data/curated/ and COW.
    rows = [row for row in rows if row["member"] in CSTO_2005]
    assert sorted(column(rows, "member")) == sorted(CSTO_2005)
    for row in rows:
        assert row["start"] == xsd_date("2003-09-18")
        assert "end" not in row  # ongoing


def test_uzbekistan_is_the_former_member_of_the_cst_that_withdrew_in_1999():
    rows = ask("former-members", org=org("CST"))
    uzbekistan = [row for row in rows if row["member"] == state("UZB")]
    assert len(uzbekistan) == 1
    assert uzbekistan[0]["end"] == xsd_date("1999-04-20")
    assert uzbekistan[0]["how"] == SEC + "Withdrawal"
    assert uzbekistan[0]["memberLabel"] == en("Uzbekistan")
    # The states that upgraded the Treaty into the CSTO did not leave the CST.
    assert not CSTO_2005 & set(column(rows, "member"))


def test_nobody_has_left_the_csto_by_2005():
    rows = ask("former-members", org=org("CSTO"))
    assert [row for row in rows if row["end"].value <= "2005-11"] == []
    # Uzbekistan, restored in 2006, suspended its membership on 28 June 2012.
    assert [(row["member"], row["end"]) for row in rows] == [(state("UZB"), xsd_date("2012-06-28"))]


def test_membership_history_of_uzbekistan_is_the_cst_from_1992_to_1999():
    rows = ask("membership-history", state=state("UZB"))
    cst = [row for row in rows if row["org"] == org("CST")]
    assert len(cst) == 1
    assert cst[0]["start"] == xsd_date("1992-05-15")
    assert cst[0]["end"] == xsd_date("1999-04-20")
    assert cst[0]["role"] == SEC + "FullMember"
    assert cst[0]["orgLabel"] == en("Collective Security Treaty")
    assert cst[0]["how"] == SEC + "Withdrawal"


def test_membership_history_of_armenia_has_an_ongoing_csto_membership():
    rows = ask("membership-history", state=state("ARM"))
    csto = [row for row in rows if row["org"] == org("CSTO")]
    assert len(csto) == 1 and "end" not in csto[0] and "how" not in csto[0]


def test_shared_members_of_csto_and_cst_on_the_day_of_the_upgrade():
    """The article: on 18 September 2003 the member states of the Treaty upgraded it into the
    CSTO, so that day the six were members of both; the day before only of the Treaty."""
    rows = ask("shared-members", org1=org("CSTO"), org2=org("CST"), date="2003-09-18")
    assert sorted(column(rows, "member")) == sorted(CSTO_2005)
    assert ask("shared-members", org1=org("CSTO"), org2=org("CST"), date="2003-09-17") == []


def test_shared_members_of_csto_and_cst_in_2005_are_none():
    # The CST had become the CSTO, and the states that had left the CST were not in the CSTO.
    assert ask("shared-members", org1=org("CSTO"), org2=org("CST"), date="2005-11-01") == []


def test_shared_members_of_an_organization_with_itself_are_its_members():
    rows = ask("shared-members", org1=org("CST"), org2=org("CST"), date="1995-01-01")
    assert state("UZB") in column(rows, "member")
    assert len(rows) == len(set(column(rows, "member")))


def test_bordyuzha_said_on_8_november_what_ria_novosti_reported():
    rows = ask("statements-by-person", person=person("nikolai-bordyuzha"))
    nato = [row for row in rows if row["statement"] == f"{ID}statement/bordyuzha-2005-11-08-nato"]
    assert len(nato) == 1
    assert nato[0]["date"] == xsd_date("2005-11-08")
    assert nato[0]["text"] == en(
        "Unfortunately, NATO officials are not in any rush to pursue institutional cooperation, "
        "preferring bilateral relations with separate CSTO members"
    )
    assert nato[0]["source"] == f"{ID}report/ria-novosti-2005-11-08"
    assert nato[0]["textKind"].value == "quote"
    # The article's dates for Bordyuzha: Kazinform 11 Oct, RIA 8 Nov, press release on the
    # meeting of 10 Nov, Interfax and RIA 11 Nov.
    assert {row["date"].value for row in rows} == {"2005-10-11", "2005-11-08", "2005-11-10", "2005-11-11"}
    assert column(rows, "date") == sorted(column(rows, "date"), key=lambda d: d.value)
    # one row per statement and report
    assert len({(row["statement"], row["source"]) for row in rows}) == len(rows)


def test_a_statement_with_quote_and_paraphrase_is_given_by_its_quote():
    rows = ask("statements-by-person", person=person("nikolai-bordyuzha"))
    merger = [row for row in rows if row["statement"] == f"{ID}statement/bordyuzha-2005-11-11-eurasec-merger"]
    assert [row["text"] for row in merger] == [en("I do not see a need for the merger")]


def test_a_statement_cited_from_two_reports_gives_a_row_for_each():
    rows = ask("statements-by-person", person=person("nikolai-bordyuzha"))  # none cite two
    assert all(len(column([r for r in rows if r["statement"] == s], "source")) == 1
               for s in set(column(rows, "statement")))
    # The CSTO Secretariat's reply was carried by Kazinform and Regnum (3 November).
    rows = ask("statements-by-person", person=f"{ID}body/csto-secretariat")
    consensus = [row for row in rows if row["statement"].endswith("csto-secretariat-2005-11-03-consensus")]
    assert sorted(column(consensus, "source")) == [f"{ID}report/kazinform-2005-11-03", f"{ID}report/regnum-2005-11-03"]
    assert len({row["text"] for row in consensus}) == 1


def test_interfax_carried_karasin_rapota_and_bordyuzha():
    rows = ask("statements-citing", outlet=f"{ID}outlet/interfax")
    speakers = set(column(rows, "speaker"))
    assert speakers == {person("grigory-karasin"), person("grigory-rapota"), person("nikolai-bordyuzha")}
    by = {p: {row["date"].value for row in rows if row["speaker"] == p} for p in speakers}
    assert by[person("grigory-karasin")] == {"2005-11-07"}
    assert by[person("grigory-rapota")] == {"2005-11-09"}
    assert by[person("nikolai-bordyuzha")] == {"2005-11-11"}
    rapota = [row for row in rows if row["speaker"] == person("grigory-rapota")]
    assert rapota[0]["text"].value.startswith("The military and military-political issues of the EEC")
    assert all(row["report"].startswith(f"{ID}report/interfax-") for row in rows)


def test_ria_novosti_did_not_carry_karasin():
    rows = ask("statements-citing", outlet=f"{ID}outlet/ria-novosti")
    assert person("grigory-karasin") not in column(rows, "speaker")
    assert person("sergei-lavrov") in column(rows, "speaker")


def test_relations_of_the_csto_are_those_the_article_reports():
    rows = ask("organization-relations", org=org("CSTO"))
    got = {(row["other"], row["relation"], row["direction"].value) for row in rows}
    for partner in ("UN", "OSCE", "SCO", "CIS", "NATO"):
        assert (org(partner), SEC + "CooperationSought", "outgoing") in got, partner
    assert (org("NATO"), SEC + "CooperationRefused", "incoming") in got
    ruled_out = [row for row in rows
                 if row["other"] == org("EURASEC") and row["relation"] == SEC + "MergerRuledOut"]
    assert sorted(row["date"].value for row in ruled_out) == ["2005-11-07", "2005-11-11"]
    assert {row["source"] for row in ruled_out} == {f"{ID}report/interfax-2005-11-07", f"{ID}report/ria-novosti-2005-11-11"}
    # No merger with EurAsEC happened, and the labels are the scheme's.
    assert (org("EURASEC"), SEC + "MergerEffected", "outgoing") not in got
    assert {row["relationLabel"] for row in ruled_out} == {en("merger ruled out")}
    assert [r["date"].value for r in rows] == sorted(r["date"].value for r in rows)


def test_relations_are_found_from_the_object_side_too():
    rows = ask("organization-relations", org=org("NATO"))
    got = {(row["other"], row["relation"], row["direction"].value) for row in rows}
    assert (org("CSTO"), SEC + "CooperationRefused", "outgoing") in got
    assert (org("CSTO"), SEC + "CooperationSought", "incoming") in got


def test_office_holders_of_the_csto_include_its_bodies():
    rows = ask("office-holders", org=org("CSTO"))
    held = {(row["person"], row["post"]) for row in rows}
    assert (person("nikolai-bordyuzha"), f"{ID}post/csto-secretary-general") in held
    assert (person("igor-khalevinsky"), f"{ID}post/csto-permanent-council-representative-RUS") in held
    # Officials of other organizations and of governments are not CSTO office holders.
    holders = set(column(rows, "person"))
    assert not holders & {person("robert-simmons"), person("grigory-rapota"), person("sergei-lavrov")}
    bordyuzha = next(row for row in rows if row["person"] == person("nikolai-bordyuzha"))
    assert bordyuzha["personLabel"] == en("Nikolai Bordyuzha")
    assert "start" not in bordyuzha and "end" not in bordyuzha  # the article gives no term
    assert bordyuzha["firstAttested"] == xsd_date("2005-10-11")
    assert bordyuzha["lastAttested"] == xsd_date("2005-11-11")


def test_timeline_of_the_csto_in_date_order():
    rows = ask("organization-timeline", org=org("CSTO"))
    dates = [row["date"].value for row in rows]
    assert dates == sorted(dates)
    assert len(rows) == len(set(column(rows, "event")))
    events = {row["event"].rsplit("/", 1)[1]: row for row in rows}
    order = [
        "2003-09-18-cst-upgraded-to-csto",
        "2003-12-26-csto-un-registration",
        "2005-10-csto-deputy-ministers-consultations",
        "2005-10-31-csto-permanent-council",
        "2005-11-10-bordyuzha-jekshenkulov",
    ]
    assert [e for e in (r["event"].rsplit("/", 1)[1] for r in rows) if e in order] == order
    assert events["2003-09-18-cst-upgraded-to-csto"]["date"] == xsd_date("2003-09-18")
    assert events["2005-10-csto-deputy-ministers-consultations"]["date"] == Lit("2005-10", XSD + "gYearMonth")
    assert events["2003-12-26-csto-un-registration"]["eventType"] == SEC + "Registration"
    assert events["2005-10-31-csto-permanent-council"]["eventType"] == SEC + "CouncilSession"
    # Decision and succession at once: the deeper class wins.
    assert events["2003-09-18-cst-upgraded-to-csto"]["eventType"] == SEC + "Succession"
    # The Yerevan round table was about NATO–CSTO cooperation but not an event of the CSTO.
    assert "2005-10-29-yerevan-round-table" not in events


def test_timeline_of_the_cst_has_its_founding_registration_withdrawal_and_upgrade():
    rows = ask("organization-timeline", org=org("CST"))
    assert [row["date"].value for row in rows] == sorted(row["date"].value for row in rows)
    by_event = {row["event"].rsplit("/", 1)[1]: (row["date"].value, row["eventType"]) for row in rows}
    article = [
        ("1992-05-15-cst-signing", ("1992-05-15", SEC + "TreatySigning")),
        ("1995-11-01-cst-un-registration", ("1995-11-01", SEC + "Registration")),
        ("1999-04-20-uzbekistan-leaves-cst", ("1999-04-20", SEC + "MembershipChange")),
        ("2003-09-18-cst-upgraded-to-csto", ("2003-09-18", SEC + "Succession")),
    ]
    for event, expected in article:
        assert by_event.get(event) == expected, event
    # The Treaty's timeline ends with its upgrade: nothing of the CSTO's later life.
    assert max(row["date"].value for row in rows) == "2003-09-18"


# --------------------------------------------------------------------------------------------
# Edge cases on a synthetic graph
# --------------------------------------------------------------------------------------------

FIXTURE = """\
@prefix sec:     <https://w3id.org/seckg/ontology#> .
@prefix org:     <http://www.w3.org/ns/org#> .
@prefix time:    <http://www.w3.org/2006/time#> .
@prefix prov:    <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix t:       <https://w3id.org/seckg/id/test/> .

t:A a sec:InternationalOrganization ; rdfs:label "Alpha"@en .
t:B a sec:InternationalOrganization ; rdfs:label "Beta"@en .
t:X a sec:State ; rdfs:label "Xland"@en , "Republic of Xland"@en , "Иксландия"@ru .
t:Y a sec:State ; rdfs:label "Yland"@en .
t:Z a sec:State ; rdfs:label "Zland"@en .
t:W a sec:State ; rdfs:label "Wland"@en .

# X in A from some day of 1994 to some day of April 1999.
t:A-X a sec:OrganizationMembership ; org:organization t:A ; org:member t:X ; org:role sec:FullMember ;
    org:memberDuring [ time:hasBeginning [ time:inXSDgYear "1994"^^xsd:gYear ] ;
                       time:hasEnd [ time:inXSDgYearMonth "1999-04"^^xsd:gYearMonth ] ] ;
    sec:statusChange t:X-leaves-A .
t:X-leaves-A a sec:MembershipChange ; rdfs:label "X leaves Alpha"@en ;
    sec:changeType sec:Withdrawal ; dcterms:date "1999-04-12"^^xsd:date .
# Y an observer of A, then a full member; it never left.
t:A-Y-1 a sec:OrganizationMembership ; org:organization t:A ; org:member t:Y ; org:role sec:Observer ;
    org:memberDuring [ time:hasBeginning [ time:inXSDgYearMonth "1995-03"^^xsd:gYearMonth ] ;
                       time:hasEnd [ time:inXSDDate "2000-05-14"^^xsd:date ] ] .
t:A-Y-2 a sec:OrganizationMembership ; org:organization t:A ; org:member t:Y ; org:role sec:FullMember ;
    org:memberDuring [ time:hasBeginning [ time:inXSDDate "2000-05-15"^^xsd:date ] ] .
# W's membership ended with A's successor taking over: W did not leave.
t:A-W a sec:OrganizationMembership ; org:organization t:A ; org:member t:W ; org:role sec:FullMember ;
    org:memberDuring [ time:hasBeginning [ time:inXSDDate "1992-01-01"^^xsd:date ] ;
                       time:hasEnd [ time:inXSDDate "2003-09-18"^^xsd:date ] ] .
t:W-A-ends a sec:MembershipChange ; rdfs:label "W's membership ends with Alpha"@en ; sec:changeOf t:A-W ; sec:changeType sec:Dissolution ;
    dcterms:date "2003-09-18"^^xsd:date .
# Z has no known beginning: not counted on any day.
t:A-Z a sec:OrganizationMembership ; org:organization t:A ; org:member t:Z ; org:role sec:FullMember .

t:B-X a sec:OrganizationMembership ; org:organization t:B ; org:member t:X ; org:role sec:FullMember ;
    org:memberDuring [ time:hasBeginning [ time:inXSDgYear "1990"^^xsd:gYear ] ] .
t:B-Y a sec:OrganizationMembership ; org:organization t:B ; org:member t:Y ; org:role sec:FullMember ;
    org:memberDuring [ time:hasBeginning [ time:inXSDDate "1999-01-01"^^xsd:date ] ] .
# A date with a time zone.
t:B-W a sec:OrganizationMembership ; org:organization t:B ; org:member t:W ; org:role sec:Observer ;
    org:memberDuring [ time:hasBeginning [ time:inXSDDate "2001-06-01+03:00"^^xsd:date ] ] .

# Bodies two levels down, their posts and holders.
t:council a sec:Council ; rdfs:label "Alpha Council"@en ; org:unitOf t:A .
t:group a sec:WorkingGroup ; rdfs:label "Alpha working group"@en ; org:subOrganizationOf t:council .
t:sg a org:Post ; rdfs:label "Secretary-General of Alpha"@en ; org:postIn t:A .
t:rapporteur a org:Post ; rdfs:label "Rapporteur of the Alpha working group"@en ; org:postIn t:group .
t:p a sec:Person ; rdfs:label "Pat"@en .
t:q a sec:Person ; rdfs:label "Quinn"@en .
t:p-sg a sec:PostHolding ; org:member t:p ; sec:post t:sg ; org:organization t:A ;
    org:memberDuring [ time:hasBeginning [ time:inXSDDate "2001-02-03"^^xsd:date ] ;
                       time:hasEnd [ time:inXSDgYear "2004"^^xsd:gYear ] ] .
t:q-rapporteur a sec:PostHolding ; org:member t:q ; sec:post t:rapporteur ;
    sec:attestedOn "2002-06-01"^^xsd:date , "2002-01-05"^^xsd:date .

# Statements: a quote and a paraphrase; a paraphrase only; quotes in two languages; two reports.
t:news a sec:NewsOutlet ; rdfs:label "News"@en .
t:r1 a sec:NewsReport ; dcterms:publisher t:news ; dcterms:date "2002-03-04"^^xsd:date .
t:r2 a sec:NewsReport ; dcterms:publisher t:news ; dcterms:date "2002-03-05"^^xsd:date .
t:s1 a sec:Statement ; prov:wasAttributedTo t:p ; dcterms:date "2002-03-04"^^xsd:date ;
    sec:quote "The words."@en ; sec:paraphrase "What the words meant."@en ; prov:wasDerivedFrom t:r1 .
t:s2 a sec:Statement ; prov:wasAttributedTo t:p ; dcterms:date "2002-03-01"^^xsd:date ;
    sec:paraphrase "Only reported speech."@en ; prov:wasDerivedFrom t:r1 , t:r2 .
t:s3 a sec:Statement ; prov:wasAttributedTo t:p , t:q ; dcterms:date "2002-03-05"^^xsd:date ;
    sec:quote "Слова."@ru , "Words."@en ; prov:wasDerivedFrom t:r2 .

# Events: a meeting of the working group, typed with a class and its superclass; a change that
# is two unrelated kinds at once; a year-dated event.
t:e1 a sec:Meeting , sec:CouncilSession , prov:Activity ; rdfs:label "Working group meets"@en ;
    sec:meetingOf t:group ; dcterms:date "2002-05-06"^^xsd:date .
t:e2 a sec:Decision , sec:Succession ; rdfs:label "Alpha becomes Beta"@en ;
    org:originalOrganization t:A ; org:resultingOrganization t:B ; dcterms:date "2003-09-18"^^xsd:date .
t:e3 a sec:Registration ; rdfs:label "Alpha registered"@en ; sec:registered t:A ; sec:concerns t:A ;
    dcterms:date "1999"^^xsd:gYear .
t:e4 rdfs:label "Something untyped"@en ; sec:concerns t:A ; dcterms:date "2004-01-01"^^xsd:date .

t:rel a sec:OrganizationRelation ; sec:subjectOrganization t:A ; sec:objectOrganization t:B ;
    sec:relationType sec:SuccessionRelation ; dcterms:date "2003-09-18"^^xsd:date ;
    dcterms:source t:r1 , t:r2 .
"""

@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    """A repository with the real ontology and queries and FIXTURE as its only data."""
    root = tmp_path_factory.mktemp("synthetic")
    shutil.copytree(ROOT / "ontology", root / "ontology")
    shutil.copytree(QUERIES, root / "queries")
    (root / "data").mkdir()
    (root / "data" / "fixture.ttl").write_text(textwrap.dedent(FIXTURE), encoding="utf-8")
    return root


def members_on(root: Path, day: str, organization: str = T + "A") -> set[tuple[str, str]]:
    rows = ask("members-on-date", root=root, org=organization, date=day)
    return {(row["member"].removeprefix(T), row["role"].removeprefix(SEC)) for row in rows}


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("1991-12-31", set()),
        ("1992-01-01", {("W", "FullMember")}),
        ("1993-12-31", {("W", "FullMember")}),
        ("1994-01-01", {("W", "FullMember"), ("X", "FullMember")}),           # year: from 1 Jan
        ("1995-02-28", {("W", "FullMember"), ("X", "FullMember")}),
        ("1995-03-01", {("W", "FullMember"), ("X", "FullMember"), ("Y", "Observer")}),  # month
        ("1999-04-30", {("W", "FullMember"), ("X", "FullMember"), ("Y", "Observer")}),  # to 30 Apr
        ("1999-05-01", {("W", "FullMember"), ("Y", "Observer")}),
        ("2000-05-14", {("W", "FullMember"), ("Y", "Observer")}),             # end day included
        ("2000-05-15", {("W", "FullMember"), ("Y", "FullMember")}),           # role changed
        ("2003-09-18", {("W", "FullMember"), ("Y", "FullMember")}),
        ("2003-09-19", {("Y", "FullMember")}),
    ],
)
def test_members_on_date_reads_years_and_months_as_their_first_and_last_days(synthetic, day, expected):
    assert members_on(synthetic, day) == expected


def test_members_on_date_ignores_time_zones(synthetic):
    assert ("W", "Observer") not in members_on(synthetic, "2001-05-31", T + "B")
    assert ("W", "Observer") in members_on(synthetic, "2001-06-01", T + "B")


def test_members_on_date_gives_one_row_and_the_english_label_despite_several_labels(synthetic):
    rows = ask("members-on-date", root=synthetic, org=T + "A", date="1996-01-01")
    xland = [row for row in rows if row["member"] == T + "X"]
    assert len(xland) == 1
    assert xland[0]["memberLabel"] in (en("Xland"), en("Republic of Xland"))
    assert xland[0]["roleLabel"] == en("full member")


def test_post_holdings_are_not_memberships(synthetic):
    # Pat's holding names org:organization Alpha and has an interval, but is a post holding.
    assert T + "p" not in column(ask("members-on-date", root=synthetic, org=T + "A", date="2002-01-01"), "member")
    assert T + "p" not in column(ask("organization-members", root=synthetic, org=T + "A"), "member")


@pytest.mark.parametrize(
    ("day", "expected"),
    [("1993-06-01", set()), ("1994-06-01", {"X"}), ("1999-04-30", {"X", "Y"}), ("1999-05-01", {"Y"})],
)
def test_shared_members_on_a_date(synthetic, day, expected):
    rows = ask("shared-members", root=synthetic, org1=T + "A", org2=T + "B", date=day)
    assert {row["member"].removeprefix(T) for row in rows} == expected
    assert len(rows) == len(expected)


def test_organization_members_give_stored_dates_unchanged_and_one_row_per_membership(synthetic):
    rows = ask("organization-members", root=synthetic, org=T + "A")
    spells = {(row["member"].removeprefix(T), row["role"].removeprefix(SEC), row.get("start"), row.get("end"))
              for row in rows}
    assert spells == {
        ("W", "FullMember", xsd_date("1992-01-01"), xsd_date("2003-09-18")),
        ("X", "FullMember", Lit("1994", XSD + "gYear"), Lit("1999-04", XSD + "gYearMonth")),
        ("Y", "Observer", Lit("1995-03", XSD + "gYearMonth"), xsd_date("2000-05-14")),
        ("Y", "FullMember", xsd_date("2000-05-15"), None),
        ("Z", "FullMember", None, None),
    }
    assert len(rows) == 5
    # ordered by beginning (a year before the days in it); no beginning sorts first
    assert [row["member"].removeprefix(T) for row in rows] == ["Z", "W", "X", "Y", "Y"]


def test_former_members_leave_out_ongoing_members_and_dissolution(synthetic):
    rows = ask("former-members", root=synthetic, org=T + "A")
    # Y's observer membership ended but Y is a member now; W's ended with Alpha itself.
    assert [(row["member"], row["end"], row.get("how")) for row in rows] == [
        (T + "X", Lit("1999-04", XSD + "gYearMonth"), SEC + "Withdrawal"),  # change dated 12 April
    ]
    assert rows[0]["howLabel"] == en("withdrawal")


def test_membership_history_lists_each_spell_with_how_it_ended(synthetic):
    rows = ask("membership-history", root=synthetic, state=T + "Y")
    # ordered by beginning: "1995-03" < "1999-01-01" < "2000-05-15"
    assert [(row["org"].removeprefix(T), row["role"].removeprefix(SEC), row["start"], row.get("end"))
            for row in rows] == [
        ("A", "Observer", Lit("1995-03", XSD + "gYearMonth"), xsd_date("2000-05-14")),
        ("B", "FullMember", xsd_date("1999-01-01"), None),
        ("A", "FullMember", xsd_date("2000-05-15"), None),
    ]
    assert all("how" not in row for row in rows)  # no status change recorded for Y
    assert rows[0]["orgLabel"] == en("Alpha") and rows[0]["roleLabel"] == en("observer")
    x = ask("membership-history", root=synthetic, state=T + "X")
    assert {(row["org"].removeprefix(T), row.get("how")) for row in x} == {("A", SEC + "Withdrawal"), ("B", None)}


def test_office_holders_reach_posts_in_bodies_of_bodies(synthetic):
    rows = ask("office-holders", root=synthetic, org=T + "A")
    by_person = {row["person"].removeprefix(T): row for row in rows}
    assert set(by_person) == {"p", "q"}
    assert by_person["p"]["start"] == xsd_date("2001-02-03")
    assert by_person["p"]["end"] == Lit("2004", XSD + "gYear")
    assert "firstAttested" not in by_person["p"]
    assert by_person["q"]["post"] == T + "rapporteur"
    assert "start" not in by_person["q"] and "end" not in by_person["q"]
    assert by_person["q"]["firstAttested"] == xsd_date("2002-01-05")
    assert by_person["q"]["lastAttested"] == xsd_date("2002-06-01")
    # From the council down only the working group's post is found, not Alpha's own.
    assert column(ask("office-holders", root=synthetic, org=T + "council"), "person") == [T + "q"]


def test_statement_text_prefers_the_quote_then_english(synthetic):
    rows = ask("statements-by-person", root=synthetic, person=T + "p")
    got = [(row["statement"].removeprefix(T), row["text"], row["textKind"].value, row["source"].removeprefix(T))
           for row in rows]
    assert got == [
        ("s2", en("Only reported speech."), "paraphrase", "r1"),  # 1 March, two reports: two rows
        ("s2", en("Only reported speech."), "paraphrase", "r2"),
        ("s1", en("The words."), "quote", "r1"),  # quote and paraphrase: the quote
        ("s3", en("Words."), "quote", "r2"),      # quotes in Russian and English: the English
    ]


def test_statements_citing_give_a_row_per_speaker(synthetic):
    rows = ask("statements-citing", root=synthetic, outlet=T + "news")
    s3 = [row for row in rows if row["statement"] == T + "s3"]
    assert sorted(row["speaker"] for row in s3) == [T + "p", T + "q"]
    assert {row["text"] for row in s3} == {en("Words.")}
    assert len(rows) == 5  # s1 (r1), s2 (r1, r2), s3 (p, q)
    assert column(rows, "date") == sorted(column(rows, "date"), key=lambda d: d.value)


def test_relation_with_two_sources_gives_two_rows(synthetic):
    rows = ask("organization-relations", root=synthetic, org=T + "B")
    assert [(row["other"], row["relation"], row["direction"].value, row["source"]) for row in rows] == [
        (T + "A", SEC + "SuccessionRelation", "incoming", T + "r1"),
        (T + "A", SEC + "SuccessionRelation", "incoming", T + "r2"),
    ]
    assert rows[0]["relationLabel"] == en("succeeded by")


def test_timeline_includes_meetings_of_nested_bodies_and_picks_the_most_specific_class(synthetic):
    rows = ask("organization-timeline", root=synthetic, org=T + "A")
    assert [(local(row["event"]), row["date"].value, local(row.get("eventType"))) for row in rows] == [
        ("e3", "1999", "Registration"),                  # year-dated: before the days of 1999
        ("X-leaves-A", "1999-04-12", "MembershipChange"),  # status change of a membership in A
        ("e1", "2002-05-06", "CouncilSession"),          # the working group's; not its superclass Meeting
        ("e2", "2003-09-18", "Succession"),              # deeper than Decision
        ("W-A-ends", "2003-09-18", "MembershipChange"),  # same day: by label
        ("e4", "2004-01-01", None),                      # no class: still on the timeline
    ]
    assert rows[0]["eventLabel"] == en("Alpha registered")
    # Beta's timeline has the change it resulted from, and nothing of Alpha's.
    rows = ask("organization-timeline", root=synthetic, org=T + "B")
    assert column(rows, "event") == [T + "e2"]
