"""The web front door without a browser: home page, search, timelines and their CSV, the editor page,
static assets and security headers, on a small repository written for these tests."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rdflib import Graph

from conftest import PREFIXES
from live_server import write_repo
from seckg.config import Config
from seckg.web import create_app
from seckg.web.search import fold
from seckg.web.timeline import LABEL_CHARS, Spell, decimal_year, layout, row_label

ROOT = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/seckg/id/"
SEC = "https://w3id.org/seckg/ontology#"

# Real facts, cut down: Uzbekistan suspended its CSTO membership on 28 June 2012, Armenia froze its
# participation in February 2024, Serbia has been an observer (of the Parliamentary Assembly) since 2013.
FRONT_DOOR = PREFIXES + """
@prefix time: <http://www.w3.org/2006/time#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix sorg: <https://w3id.org/seckg/id/org/> .
@prefix state: <https://w3id.org/seckg/id/state/> .
@prefix membership: <https://w3id.org/seckg/id/membership/> .
@prefix event: <https://w3id.org/seckg/id/event/> .

org:FormalOrganization rdfs:subClassOf org:Organization .
sec:Alliance rdfs:subClassOf sec:InternationalOrganization .
sec:MembershipChange rdfs:subClassOf sec:Event .

sec:FullMember skos:prefLabel "full member"@en .
sec:Observer skos:prefLabel "observer"@en .
sec:Suspension skos:prefLabel "suspension"@en .
sec:Freeze skos:prefLabel "freeze"@en .

sorg:CSTO sec:abbreviation "CSTO"@en , "ОДКБ"@ru .

state:KGZ a sec:State ; rdfs:label "Kyrgyzstan"@en , "Киргизия"@ru .
state:UZB a sec:State ; rdfs:label "Uzbekistan"@en .
state:SRB a sec:State ; rdfs:label "Serbia"@en .
state:TUR a sec:State ; rdfs:label "Turkey"@en ; skos:altLabel "Türkiye"@tr .

<https://w3id.org/seckg/id/person/nikolai-bordyuzha> a sec:Person ;
    rdfs:label "Nikolai Bordyuzha"@en , "Николай Бордюжа"@ru .

membership:CSTO-KGZ a org:Membership ; org:organization sorg:CSTO ; org:member state:KGZ ; org:role sec:FullMember ;
    org:memberDuring [ a time:Interval ; time:hasBeginning [ a time:Instant ; time:inXSDDate "2002-10-07"^^xsd:date ] ] .

membership:CSTO-UZB a org:Membership ; org:organization sorg:CSTO ; org:member state:UZB ; org:role sec:FullMember ;
    org:memberDuring [ a time:Interval ;
        time:hasBeginning [ a time:Instant ; time:inXSDDate "2006-08-16"^^xsd:date ] ;
        time:hasEnd [ a time:Instant ; time:inXSDDate "2012-06-28"^^xsd:date ] ] .
event:2012-06-28-uzb-csto-suspension a sec:MembershipChange ;
    rdfs:label "Uzbekistan suspends its membership of the CSTO"@en ;
    sec:changeOf membership:CSTO-UZB ; sec:changeType sec:Suspension ; dcterms:date "2012-06-28"^^xsd:date .

membership:CSTO-ARM-2003 a org:Membership ; org:organization sorg:CSTO ; org:member state:ARM ; org:role sec:FullMember ;
    org:memberDuring [ a time:Interval ; time:hasBeginning [ a time:Instant ; time:inXSDDate "2003-09-18"^^xsd:date ] ] .
event:2024-02-arm-csto-freeze a sec:MembershipChange ;
    rdfs:label "Armenia freezes its participation in the CSTO"@en ;
    sec:changeOf membership:CSTO-ARM-2003 ; sec:changeType sec:Freeze ; dcterms:date "2024-02"^^xsd:gYearMonth .

membership:CSTO-SRB a org:Membership ; org:organization sorg:CSTO ; org:member state:SRB ; org:role sec:Observer ;
    org:memberDuring [ a time:Interval ; time:hasBeginning [ a time:Instant ; time:inXSDgYearMonth "2013-04"^^xsd:gYearMonth ] ] .
"""


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    return write_repo(tmp_path_factory.mktemp("front-door"), {"data/memberships/front-door.ttl": FRONT_DOOR})


@pytest.fixture(scope="module")
def client(repo):
    app = create_app(Config(root=repo))
    app.config.update(TESTING=True)
    return app.test_client()


def search(client, query: str, **params) -> list[dict]:
    response = client.get("/api/search", query_string={"q": query, **params})
    assert response.status_code == 200, response.data
    return response.get_json()["results"]


# --- search ---------------------------------------------------------------------------------------

def test_labels_are_compared_without_case_accents_or_punctuation():
    assert fold("Türkiye") == fold("TURKIYE") == "turkiye"
    assert fold("ОДКБ") == "одкб"
    assert fold("  Collective-Security   Treaty ") == "collective security treaty"


def test_search_finds_by_the_start_of_the_label_or_of_a_word(client):
    hits = search(client, "collective sec")
    assert [h["iri"] for h in hits] == [ID + "org/CSTO"]
    assert hits[0] == {"iri": ID + "org/CSTO", "href": "/id/org/CSTO", "kind": "organization",
                       "label": "Collective Security Treaty Organization", "lang": "en",
                       "matched": "Collective Security Treaty Organization"}
    # Both match at a later word; the shorter label first.
    assert [h["iri"] for h in search(client, "treaty org")] == [ID + "org/NATO", ID + "org/CSTO"]
    assert search(client, "ecurity") == []  # inside a word is not a match


def test_search_ignores_accents_and_finds_any_language_and_abbreviations(client):
    for query in ("turkiye", "TÜRKİYE", "türkiy"):
        hits = search(client, query)
        assert [(h["iri"], h["label"], h["matched"], h["lang"]) for h in hits] == [
            (ID + "state/TUR", "Turkey", "Türkiye", "tr")]
    assert [h["iri"] for h in search(client, "одкб")] == [ID + "org/CSTO"]
    assert [h["iri"] for h in search(client, "csto")][0] == ID + "org/CSTO"  # then events "… the CSTO"
    assert [h["iri"] for h in search(client, "бордю")] == [ID + "person/nikolai-bordyuzha"]


def test_search_covers_states_persons_and_events_and_filters_by_kind(client):
    kinds = {h["iri"]: h["kind"] for h in search(client, "uzbekistan")}
    assert kinds == {ID + "state/UZB": "state", ID + "event/2012-06-28-uzb-csto-suspension": "event"}
    assert list(kinds)[0] == ID + "state/UZB"  # the whole label first
    assert [h["iri"] for h in search(client, "n", kind="person")] == [ID + "person/nikolai-bordyuzha"]
    assert len(search(client, "a", limit="1")) == 1


@pytest.mark.parametrize("params, message", [
    ({}, "pass the words to look for as q"),
    ({"q": "x" * 201}, "at most 200"),
    ({"q": "nato", "kind": "planet"}, "kind must be one of organization, state, person, event"),
    ({"q": "nato", "limit": "0"}, "limit must be a whole number from 1 to 50"),
    ({"q": "nato", "limit": "ten"}, "limit must be a whole number"),
])
def test_bad_search_requests_are_400_with_the_reason(client, params, message):
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_search_page_works_as_a_plain_form(client):
    page = client.get("/search", query_string={"q": "Collective Sec"}).get_data(as_text=True)
    assert '<a href="/id/org/CSTO">Collective Security Treaty Organization</a>' in page
    assert "1 match for" in page
    empty = client.get("/search", query_string={"q": "zzzz"})
    assert empty.status_code == 200 and "No organization, state, person or event" in empty.get_data(as_text=True)
    bad = client.get("/search", query_string={"q": "nato", "kind": "planet"})
    assert bad.status_code == 400 and "kind must be one of" in bad.get_data(as_text=True)
    assert client.get("/search").status_code == 200


def test_every_page_has_a_labelled_search_box(client):
    for path in ("/", "/query", "/search", "/id/org/CSTO.html", "/dumps/", "/ontology.html"):
        page = client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True)
        assert '<label for="site-search">Search</label>' in page and 'id="site-search" name="q"' in page, path


def test_openapi_describes_the_search(client):
    described = client.get("/api/openapi.json").get_json()["paths"]["/api/search"]["get"]
    assert [p["name"] for p in described["parameters"]] == ["q", "kind", "limit"]
    assert "/api/members-on-date" in client.get("/api/openapi.json").get_json()["paths"]


# --- timelines ------------------------------------------------------------------------------------

def test_organization_page_draws_its_members_over_time(client):
    page = client.get("/id/org/CSTO.html").get_data(as_text=True)
    chart = page.split('<svg id="timeline-members"')[1].split("</svg>")[0]
    rows = re.findall(r'<g class="row" data-iri="([^"]+)">', chart)
    # By first start; Kazakhstan's one membership has no recorded dates, so it comes last, without a bar.
    assert rows == [ID + "state/KGZ", ID + "state/ARM", ID + "state/UZB", ID + "state/SRB", ID + "state/KAZ"]
    kazakhstan = chart.split(f'data-iri="{ID}state/KAZ"')[1]
    assert "dates not recorded" in kazakhstan and 'class="spell"' not in kazakhstan
    uzbekistan = chart.split(f'data-iri="{ID}state/UZB"')[1].split('<g class="row"')[0]
    assert 'data-start="2006-08-16" data-end="2012-06-28"' in uzbekistan
    assert "<title>suspension 2012-06-28</title>" in uzbekistan and 'class="paused"' not in uzbekistan
    armenia = chart.split(f'data-iri="{ID}state/ARM"')[1].split('<g class="row"')[0]
    assert 'class="paused"' in armenia and "<title>freeze 2024-02</title>" in armenia
    serbia = chart.split(f'data-iri="{ID}state/SRB"')[1].split('<g class="row"')[0]
    assert 'data-role="' + SEC + 'Observer"' in serbia and 'fill="#b7791f"' in serbia
    assert 'role="img"' in page.split('<svg id="timeline-members"')[1].split(">")[0]
    assert 'href="/timeline/id/org/CSTO.csv"' in page


def test_state_page_draws_its_memberships(client):
    page = client.get("/id/state/UZB.html").get_data(as_text=True)
    chart = page.split('<svg id="timeline-member-of"')[1].split("</svg>")[0]
    assert re.findall(r'<g class="row" data-iri="([^"]+)">', chart) == [ID + "org/CSTO"]
    assert 'href="/timeline/id/state/UZB.csv"' in page


def test_timeline_csv_holds_the_same_spells(client):
    response = client.get("/timeline/id/org/CSTO.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="id-org-CSTO-memberships.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    by_membership = {r["membership"]: r for r in rows}
    assert set(by_membership) == {ID + f"membership/{m}" for m in
                                  ("CSTO-ARM", "CSTO-KAZ", "CSTO-KGZ", "CSTO-UZB", "CSTO-ARM-2003", "CSTO-SRB")}
    uzbekistan = by_membership[ID + "membership/CSTO-UZB"]
    assert (uzbekistan["member_label"], uzbekistan["role_label"], uzbekistan["start"], uzbekistan["end"],
            uzbekistan["changes"]) == ("Uzbekistan", "full member", "2006-08-16", "2012-06-28", "suspension 2012-06-28")
    assert by_membership[ID + "membership/CSTO-SRB"]["start"] == "2013-04"
    state = list(csv.DictReader(io.StringIO(client.get("/timeline/id/state/UZB.csv").get_data(as_text=True))))
    assert [r["organization"] for r in state] == [ID + "org/CSTO"]


@pytest.mark.parametrize("path", ["/timeline/id/org/NOPE.csv", "/timeline/id/person/nikolai-bordyuzha.csv"])
def test_timeline_csv_of_nothing_is_404(client, path):
    response = client.get(path)
    assert response.status_code == 404 and "Not Found" in response.get_data(as_text=True)


def test_dates_of_any_precision_are_placed_at_their_first_day():
    assert decimal_year("1949") == 1949.0
    assert decimal_year("2008-11") == pytest.approx(2008 + 10 / 12)
    assert decimal_year("2012-06-28") == pytest.approx(2012 + 5 / 12 + 27 / 365.25, abs=1e-9)
    assert decimal_year("not a date") is None and decimal_year(None) is None


def test_layout_places_bars_on_the_axis():
    from datetime import date
    spells = [Spell("m1", "o", "a", [SEC + "FullMember"], "1949", None),
              Spell("m2", "o", "b", [], "1999-03-12", "2004")]
    chart = layout(spells, {"a": "A", "b": "B", SEC + "FullMember": "full member"}, True, today=date(2026, 1, 1))
    ticks = {t["year"]: t["x"] for t in chart["ticks"]}
    assert min(ticks) == 1940 and max(ticks) == 2030
    first = chart["rows"][0]["bars"][0]
    assert first["x"] == pytest.approx(ticks[1940] + 0.9 * (ticks[1950] - ticks[1940]), abs=0.01)
    assert first["ongoing"] and not chart["rows"][1]["bars"][0]["ongoing"]
    assert [entry["label"] for entry in chart["legend"]] == ["full member", "other or unstated role"]


def test_long_row_labels_give_way_to_the_abbreviation():
    long_name = "Organization for Security and Co-operation in Europe"
    labels = {"o": long_name, ("o", "short"): "OSCE", "p": "x" * 40, "s": "Serbia"}
    assert row_label(labels, "o") == "OSCE" and row_label(labels, "s") == "Serbia"
    assert row_label(labels, "p") == "x" * (LABEL_CHARS - 1) + "…"


# --- home page, editor, assets, headers -----------------------------------------------------------

def test_home_page_counts_what_the_graph_holds(client, repo):
    graph = Graph()
    for path in sorted((repo / "data").rglob("*.ttl")) + sorted((repo / "ontology").glob("*.ttl")):
        graph.parse(path)
    organizations = len(set(graph.query(
        "SELECT DISTINCT ?o WHERE { ?o a/rdfs:subClassOf* <https://w3id.org/seckg/ontology#InternationalOrganization> }")))
    states = len(set(graph.query("SELECT DISTINCT ?s WHERE { ?s a <https://w3id.org/seckg/ontology#State> }")))
    page = client.get("/").get_data(as_text=True)
    assert f"<strong>{organizations}</strong> international organizations" in page and organizations == 2
    assert f"<strong>{states}</strong> states" in page
    assert re.search(r'Sources last changed <time datetime="\d{4}-\d\d-\d\dT[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d UTC</time>', page)
    for href in ("/query", "/search", "/ontology", "/dumps/", "/.well-known/void", "/sparql", "/api"):
        assert f'href="{href}"' in page, href


class _Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts: list[dict] = []
        self.inline_handlers: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts.append(attrs)
        self.inline_handlers += [name for name in attrs if name.startswith("on")]


def test_editor_page_hands_yasgui_its_settings_without_inline_script(client):
    response = client.get("/query")
    html = response.get_data(as_text=True)
    parser = _Scripts()
    parser.feed(html)
    assert parser.inline_handlers == []
    for script in parser.scripts:
        assert script.get("src") or script.get("type") in ("application/json", "application/ld+json"), script
    assert any("vendor/yasgui/yasgui.min.js?v=" in (s.get("src") or "") for s in parser.scripts)
    settings = json.loads(html.split('<script type="application/json" id="editor-settings">')[1].split("</script>")[0])
    assert settings["endpoint"] == "/sparql" and settings["base"] == "https://w3id.org/seckg/"
    assert settings["prefixes"]["sec"] == SEC and settings["prefixes"]["id"] == ID
    assert "PREFIX sec:" in settings["defaultQuery"]
    examples = {e["name"]: e for e in settings["examples"]}
    assert set(examples) == {"members-on-date", "by-label"}
    assert examples["members-on-date"]["title"] == "Members of an organization on a date"
    assert "VALUES (?org ?date) { (<https://w3id.org/seckg/id/org/CSTO>" in examples["members-on-date"]["query"]
    assert 'href="/query?example=members-on-date"' in html
    plain = client.get("/query", query_string={"example": "members-on-date"}).get_data(as_text=True)
    assert "VALUES (?org ?date)" in plain.split('id="plain-query"')[1].split("</textarea>")[0]
    asked = client.get("/query", query_string={"query": "ASK { ?s ?p ?o }"}).get_data(as_text=True)
    assert "ASK { ?s ?p ?o }</textarea>" in asked


def test_pages_carry_a_content_security_policy_without_inline_scripts(client):
    for path in ("/", "/query", "/search?q=a", "/id/org/CSTO.html", "/dumps/", "/ontology.html", "/shapes.html"):
        response = client.get(path, headers={"Accept": "text/html"})
        policy = response.headers["Content-Security-Policy"]
        script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
        assert script_src.split() == ["script-src", "'self'"], path
        assert "connect-src 'self'" in policy and response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/api/search?q=a").headers["X-Content-Type-Options"] == "nosniff"


def test_assets_are_hashed_gzipped_and_revalidated(client):
    page = client.get("/query").get_data(as_text=True)
    url = re.search(r'src="(/assets/vendor/yasgui/yasgui\.min\.js\?v=[0-9a-f]+)"', page)[1]
    shipped = (ROOT / "server/seckg/web/assets/vendor/yasgui/yasgui.min.js").read_bytes()
    packed = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert packed.headers["Content-Encoding"] == "gzip" and gzip.decompress(packed.data) == shipped
    assert len(packed.data) < len(shipped) / 3
    assert "immutable" in packed.headers["Cache-Control"] and "Accept-Encoding" in packed.headers["Vary"]
    plain = client.get(url)
    assert plain.data == shipped and "Content-Encoding" not in plain.headers
    again = client.get(url.split("?")[0], headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304 and "no-cache" in again.headers["Cache-Control"]
    assert client.get("/assets/../pyproject.toml").status_code == 404
    assert client.get("/assets/nothing.js").status_code == 404


def test_the_vendored_yasgui_is_the_pinned_version_with_its_licences():
    vendored = ROOT / "server/seckg/web/assets/vendor/yasgui"
    pinned = json.loads((ROOT / "scripts/yasgui/package.json").read_text())["dependencies"]["@zazuko/yasgui"]
    locked = json.loads((ROOT / "scripts/yasgui/package-lock.json").read_text())
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned)  # an exact version, not a range
    assert locked["packages"]["node_modules/@zazuko/yasgui"]["version"] == pinned
    assert (vendored / "VERSION").read_text().strip() == pinned
    licences = (vendored / "LICENSES.txt").read_text(encoding="utf-8")
    assert f"@zazuko/yasgui {pinned} — licence: MIT" in licences and "Permission is hereby granted" in licences
    bundled = [name for name in locked["packages"] if name.startswith("node_modules/")]
    for name in bundled:
        assert f"\n{name[len('node_modules/'):].split('node_modules/')[-1]} " in licences, name


def test_another_base_reaches_the_editor_and_the_search(tmp_path):
    """The base is configuration: the editor maps result IRIs under it, search links to its paths."""
    repo = write_repo(tmp_path, {"data/organizations/local.ttl": PREFIXES.replace("https://w3id.org/seckg/id/", "http://example.org/kg/id/")
                                 + '<http://example.org/kg/id/org/LOCAL> a sec:Alliance ; rdfs:label "Local alliance"@en .\n'})
    client = create_app(Config(root=repo, base="http://example.org/kg/")).test_client()
    html = client.get("/query").get_data(as_text=True)
    settings = json.loads(html.split('<script type="application/json" id="editor-settings">')[1].split("</script>")[0])
    assert settings["base"] == "http://example.org/kg/" and settings["prefixes"]["id"] == "http://example.org/kg/id/"
    hits = client.get("/api/search", query_string={"q": "local"}).get_json()["results"]
    assert [(h["iri"], h["href"]) for h in hits] == [("http://example.org/kg/id/org/LOCAL", "/id/org/LOCAL")]


@pytest.mark.parametrize("accept, expected", [
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "editor"),  # a browser
    ("*/*", "text/turtle"), (None, "text/turtle"), ("application/rdf+xml", "application/rdf+xml"),
])
def test_a_browser_opening_the_endpoint_lands_in_the_editor(client, accept, expected):
    response = client.get("/sparql", headers={"Accept": accept} if accept else {})
    assert "Accept" in response.headers["Vary"]
    if expected == "editor":
        assert response.status_code == 303 and response.headers["Location"].endswith("/query")
    else:
        assert response.status_code == 200 and response.mimetype == expected
