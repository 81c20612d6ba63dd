"""`seckg import`: reproducible output, provenance on every spell, and conflicts reported."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from rdflib.namespace import RDF, RDFS

from seckg.cli import main
from seckg.importers import CONFLICTS_FILE, run_import
from seckg.importers.codes import cow_state
from seckg.importers.pipeline import curated_spells
from seckg.importers.wikidata_ids import ORG_IDS_CSV, all_items

ROOT = Path(__file__).resolve().parents[1]
SEC = rdflib.Namespace("https://w3id.org/seckg/ontology#")
ORG = rdflib.Namespace("http://www.w3.org/ns/org#")
TIME = rdflib.Namespace("http://www.w3.org/2006/time#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")


@pytest.fixture(scope="module")
def result():
    return run_import(ROOT)


@pytest.fixture(scope="module")
def generated(result) -> rdflib.Graph:
    graph = rdflib.Graph()
    for rel, text in result.files.items():
        if rel.suffix == ".ttl":
            graph.parse(data=text, format="turtle")
    return graph


def test_rebuild_is_byte_identical_to_the_committed_files(result):
    for rel, text in result.files.items():
        assert (ROOT / rel).read_text(encoding="utf-8") == text, f"{rel} is stale: run `seckg import`"
    assert run_import(ROOT).files == result.files


def test_no_stale_generated_files(result):
    on_disk = {p.relative_to(ROOT) for p in (ROOT / "data/generated").rglob("*.ttl")}
    assert on_disk == {rel for rel in result.files if rel.suffix == ".ttl"}


def test_check_command_passes_on_the_repository():
    outcome = CliRunner().invoke(main, ["--root", str(ROOT), "import", "--check"])
    assert outcome.exit_code == 0, outcome.output
    assert "conflict(s)" in outcome.output


def test_generated_files_say_they_are_generated(result):
    for rel, text in result.files.items():
        assert "GENERATED FILE" in text.splitlines()[0] + text.splitlines()[2], rel
        assert "seckg import" in text.split("\n\n")[0], rel


def test_every_spell_has_a_source_and_a_derivation(generated):
    spells = list(generated.subjects(RDF.type, SEC.OrganizationMembership))
    assert len(spells) > 200
    for spell in spells:
        assert list(generated.objects(spell, DCT.source)), spell
        comment = generated.value(spell, RDFS.comment)
        assert comment and len(str(comment)) > 20, spell
        sources = {str(s).rsplit("/", 1)[1] for s in generated.objects(spell, DCT.source)}
        if "cow-igo-v3" in sources:
            assert "COW IGO v3" in str(comment), spell


def test_right_censored_spells_are_open_and_marked(generated):
    censored = [s for s in generated.subjects(RDFS.comment, None)
                if str(generated.value(s, RDFS.comment)).find("Right-censored") >= 0]
    assert censored
    for spell in censored:
        interval = generated.value(spell, ORG.memberDuring)
        assert generated.value(interval, TIME.hasEnd) is None, spell
        assert list(generated.objects(spell, SEC.attestedOn)), spell


def test_day_precision_spells_come_from_cited_curation(generated):
    """COW gives years only: a day-precision beginning must cite a non-dataset source."""
    datasets = {"cow-igo-v3", "atop-v4-01", "cia-factbook-2026"}
    for spell in generated.subjects(RDF.type, SEC.OrganizationMembership):
        begin = generated.value(generated.value(spell, ORG.memberDuring), TIME.hasBeginning)
        if begin is not None and generated.value(begin, TIME.inXSDDate) is not None:
            sources = {str(s).rsplit("/", 1)[1] for s in generated.objects(spell, DCT.source)}
            assert sources - datasets, spell


@pytest.mark.parametrize("org, state, needle", [
    ("WARSAW-PACT", "GHA", "no membership"),
    ("SEATO", "USA", "1965"),
    ("CENTO", "IRQ", "1959-03-24"),
    ("CSTO", "UZB", "2006-08-16"),
    ("CIS", "GEO", "2009-08-18"),
    ("CIS", "AZE", "1993-09-24"),  # COW has no 1992-93 gap
    ("SEATO", "FRA", "1974-06-30"),
    ("CSTO", "SRB", "no membership"),  # an observer in the CSTO Parliamentary Assembly, not the CSTO  # ATOP ends France when it stopped paying, not when SEATO ended
])
def test_known_dataset_errors_are_reported(result, org, state, needle):
    lines = [c.text for c in result.conflicts if c.org == org and c.state == state]
    assert any(needle in line for line in lines), lines


def test_a_curated_rio_treaty_row_replaces_atop_s_and_the_difference_is_reported(result):
    cuba = [s for s in result.build.spells if (s.org, s.state) == ("TIAR", "CUB")]
    assert [(s.start, s.end, s.origin) for s in cuba] == [("1948-12-09", None, "curated")]
    lines = [c.line() for c in result.conflicts if (c.org, c.state) == ("TIAR", "CUB")]
    assert lines == ["[atop-vs-curated] TIAR CUB: ATOP v4.01 has full 1947–1962-01-22;"
                     " data/curated/memberships.csv has full 1948-12-09– (kept)"]
    # Venezuela's curated row keeps ATOP's exit and moves the beginning from the signature year to
    # the entry into force; the moved beginning is reported like Cuba's.
    assert [(s.start, s.end, s.origin) for s in result.build.spells if (s.org, s.state) == ("TIAR", "VEN")] == [
        ("1948-12-03", "2015-07-14", "curated")]
    assert [c.line() for c in result.conflicts if (c.org, c.state) == ("TIAR", "VEN")] == [
        "[atop-vs-curated] TIAR VEN: ATOP v4.01 has full 1947–2015-07-14;"
        " data/curated/memberships.csv has full 1948-12-03–2015-07-14 (kept)"]


def test_every_rio_treaty_party_has_a_cited_curated_row(result):
    """No Rio Treaty spell is left at ATOP's signature year, which is before the entry into force."""
    tiar = [s for s in result.build.spells if s.org == "TIAR"]
    assert len(tiar) == 23
    assert {s.origin for s in tiar} == {"curated"}
    assert all(len(s.start) == 10 and s.start >= "1948-12-03" for s in tiar)


def test_a_curated_rio_treaty_start_keeps_atop_s_censored_open_end(result):
    """Guatemala's row corrects only the beginning: ATOP's open end stays censored and reported."""
    guatemala = [s for s in result.build.spells if (s.org, s.state) == ("TIAR", "GTM")]
    assert [(s.start, s.end, s.origin, s.right_censored) for s in guatemala] == [("1955-04-06", None, "curated", True)]
    kinds = sorted(c.kind for c in result.conflicts if (c.org, c.state) == ("TIAR", "GTM"))
    assert kinds == ["atop-vs-curated", "right-censored"]
    # Cuba's ATOP spell is closed, so its open curated row is not marked censored.
    assert not any(s.right_censored for s in result.build.spells if (s.org, s.state) == ("TIAR", "CUB"))


def test_factbook_disagreements_are_reported(result):
    factbook = {(c.org, c.state) for c in result.conflicts if c.kind == "factbook"}
    assert ("SCO", "IND") in factbook  # the Factbook still lists India as an observer


def test_conflicts_report_lists_every_conflict(result):
    report = result.files[CONFLICTS_FILE]
    assert f"Total: {len(result.conflicts)}" in report
    for conflict in result.conflicts:
        assert f"- {conflict.org} {conflict.state}: {conflict.text}" in report


@pytest.mark.parametrize("ccode, year, org, iso", [
    (365, 1991, "OSCE", "SUN"), (365, 1992, "OSCE", "RUS"), (365, 1991, "CIS", "RUS"),
    (345, 1980, "OSCE", "YUG"), (345, 2000, "OSCE", "SCG"), (345, 2013, "CSTO", "SRB"),
    (260, 1960, "NATO", "DEU"), (255, 1995, "NATO", "DEU"), (315, 1960, "WEU", "CSK"),
    (705, 2001, "SCO", "KAZ"), (372, 1995, "CIS", "GEO"),
])
def test_cow_codes_map_to_iso(ccode, year, org, iso):
    assert cow_state(ccode, year, org) == iso


def test_unknown_cow_code_is_an_error():
    with pytest.raises(KeyError):
        cow_state(999, 2000, "NATO")


def test_curated_fact_without_source_is_refused(tmp_path):
    (tmp_path / "data/curated").mkdir(parents=True)
    (tmp_path / "data/curated/memberships.csv").write_text(
        "org,state,role,start,end,end_change,sources,comment\nNATO,FIN,full,2023-04-04,,,,no source\n")
    with pytest.raises(ValueError, match="needs a source"):
        curated_spells(tmp_path)


def test_curated_fact_with_bad_date_is_refused(tmp_path):
    (tmp_path / "data/curated").mkdir(parents=True)
    (tmp_path / "data/curated/memberships.csv").write_text(
        "org,state,role,start,end,end_change,sources,comment\nNATO,FIN,full,4 April 2023,,,nato-member-countries,x\n")
    with pytest.raises(ValueError, match="YYYY"):
        curated_spells(tmp_path)


def _org_table(tmp_path, rows: str):
    """A copy of the raw Wikidata tables with `rows` in place of the organization table."""
    for rel in ("data/raw/owid_countries_regions_wikidata.csv", "data/raw/state_wikidata_ids.csv",
                "data/raw/supraverden_security_org_wikidata_ids.csv"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text((ROOT / rel).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / ORG_IDS_CSV).write_text("org,wikidata,repository,path,commit,upstream_text\n" + rows, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("rows, message", [
    ("WEU,189946,SpocWiki/_Standards,x.md,0,has_id_wikidata: 189946\n", "not a Wikidata item id"),
    ("WEU,Q189946,someone/somewhere,x.md,0,wikidata: Q189946\n", "someone/somewhere.*not a cited source"),
    ("CENTO,Q379850,kei-nan/meast-events,r.md,0,Q379850\n"
     "CENTO,Q41644,datenoio/internacia-db,c.yaml,0,wikidata_id: Q41644\n", "two Wikidata items"),
    ("UN,Q1065,SpocWiki/_Standards,x.md,0,member_of: WD~United_Nations,1065\n", "not as many columns as the header"),
    ("WEU,Q7184,SpocWiki/_Standards,x.md,0,has_id_wikidata: Q7184\n", "given to both"),
], ids=["not-an-item", "uncited-repository", "tables-disagree", "unquoted-commas", "one-item-two-orgs"])
def test_bad_organization_table_is_refused(tmp_path, result, rows, message):
    root = _org_table(tmp_path, rows)
    with pytest.raises(ValueError, match=message):
        all_items(root, set(result.build.state_labels), set(result.build.org_labels))


@pytest.mark.parametrize("rows, message", [
    ("atlantis,Q1,gparlakov/tinySearch,c.ts,0,Q1\n", "atlantis is not a city"),
    ("moscow,Q649,waldenn/conzept,c.js,0,Q649\nmoscow,Q656,gparlakov/tinySearch,c.ts,0,Q656\n", "two Wikidata items"),
    ("moscow,Q7184,waldenn/conzept,c.js,0,Q7184\n", "given to both"),
    ("moscow,Q649,someone/somewhere,c.js,0,Q649\n", "not a cited source"),
], ids=["unknown-city", "tables-disagree", "item-of-an-organization", "uncited-repository"])
def test_bad_city_table_is_refused(tmp_path, result, rows, message):
    """A city row is checked like the others: a known city, a cited page, one item each, no item for two things."""
    from seckg.importers.wikidata_ids import PLACE_IDS_CSV, place_slugs

    root = _org_table(tmp_path, (ROOT / ORG_IDS_CSV).read_text(encoding="utf-8").split("\n", 1)[1])
    (root / PLACE_IDS_CSV).write_text("place,wikidata,repository,path,commit,upstream_text\n" + rows, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        all_items(root, set(result.build.state_labels), set(result.build.org_labels), place_slugs(ROOT))


def test_corroborating_rows_give_one_triple(tmp_path, result):
    from seckg.importers.wikidata_ids import render

    root = _org_table(tmp_path, "CENTO,Q379850,kei-nan/meast-events,r.md,0,Q379850\n"
                                "CENTO,Q379850,datenoio/internacia-db,c.yaml,0,wikidata_id: Q379850\n")
    text = render(all_items(root, set(result.build.state_labels), set(result.build.org_labels)))
    assert text.count("sorg:CENTO sec:wikidata wd:Q379850") == 1
    assert "source:internacia-db" in text and "source:meast-events" in text
