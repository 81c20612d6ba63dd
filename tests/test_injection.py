"""Named-query parameters cannot change a query's shape, whatever text they carry.

Each parameter type (iri, date, string, integer) is given SPARQL injection strings. A value is either
refused (400, naming the parameter) or bound as one RDF term: the answer must then equal what
Oxigraph gives for the unbound query with the same term substituted at the algebra level
(`substitutions`), an independent way to bind that no text can escape. The data holds a resource
whose label is itself an injection string, so a correct binding has something to find.
"""

from __future__ import annotations

import json
import re

import pyoxigraph as ox
import pytest

from conftest import PREFIXES
from seckg.config import Config
from seckg.loading import load
from seckg.named_queries import load_named_queries, to_term
from seckg.store import GraphStore
from seckg.web import create_app

TRICKY_LABEL = 'Armenia" } UNION { ?thing ?p ?o } #'
INTEGER_QUERY = """\
#+ title: Labels longer than a length
#+ param: n | integer | 10 | Minimum length
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?thing WHERE { ?thing rdfs:label ?label FILTER(strlen(str(?label)) > ?n) }
"""
INJECTIONS = [
    TRICKY_LABEL,
    '" } UNION { ?thing ?p ?o } #',
    "' } UNION { ?thing ?p ?o } #",
    '"""} UNION { ?thing ?p ?o } #',
    '\\" ) } UNION { ?thing ?p ?o } #',
    '\\u0022 } UNION { ?thing ?p ?o } #',
    "x\n} UNION { ?thing ?p ?o } #",
    "x\r\n# comment\n} INSERT DATA { <a> <b> <c> } #",
    "> } UNION { ?thing ?p ?o } <",
    "https://w3id.org/seckg/id/org/CSTO> } UNION { ?thing ?p ?o } #",
    "https://w3id.org/seckg/id/org/CSTO>}UNION{?thing?p?o}#<",
    "https://example.org/a\u0000b",
    "2005-11-01\"^^<http://www.w3.org/2001/XMLSchema#date> ) } UNION { ?thing ?p ?o } #",
    "2005-11-01) } UNION { ?m ?p ?o",
    "1 ) } UNION { ?thing ?p ?o } #",
    "10 || true",
    "1e3",
    "-0",
    "VALUES ?n { 0 }",
    "}}}}}}",
    "$n ?n",
    "'; DROP TABLE triples; --",
]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from live_server import write_repo

    root = write_repo(tmp_path_factory.mktemp("injection"), {
        "queries/longer-than.rq": INTEGER_QUERY,
        "data/organizations/tricky.ttl": PREFIXES + f"""
<https://w3id.org/seckg/id/org/TRICKY> rdfs:label {json.dumps(TRICKY_LABEL)}@en .
""",
    })
    config = Config(root=root)
    app = create_app(config)
    return app.test_client(), GraphStore.from_loaded(load(config)), load_named_queries(config.queries_dir)


def expected_rows(store: GraphStore, template: str, terms: dict) -> set[tuple]:
    # Oxigraph substitutes only projected variables, so the parameters are projected (and ignored below).
    template = re.sub(r"SELECT(\s+DISTINCT)?", lambda m: m.group() + " " + " ".join(f"?{k}" for k in terms),
                      template, count=1)
    solutions = store.store.query(template, use_default_graph_as_union=True,
                                  substitutions={ox.Variable(k): v for k, v in terms.items()})
    names = [v.value for v in solutions.variables if v.value not in terms]
    return {tuple(str(s[n]) if s[n] is not None else None for n in names) for s in solutions}


def answered_rows(body: bytes, exclude: set[str]) -> set[tuple]:
    solutions = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    names = [v.value for v in solutions.variables if v.value not in exclude]
    return {tuple(str(s[n]) if s[n] is not None else None for n in names) for s in solutions}


CASES = [("by-label", "name", {}), ("members-on-date", "org", {"date": "2005-11-01"}),
         ("members-on-date", "date", {"org": "https://w3id.org/seckg/id/org/CSTO"}), ("longer-than", "n", {})]


@pytest.mark.parametrize("name,param,others", CASES)
@pytest.mark.parametrize("value", INJECTIONS)
def test_an_injection_string_is_refused_or_bound_as_one_term(setup, name, param, others, value):
    client, store, catalog = setup
    named = catalog[name]
    kind = next(p.type for p in named.params if p.name == param)
    response = client.get(f"/api/{name}", query_string={param: value, **others})
    try:
        term = to_term(kind, value)
    except ValueError:
        assert response.status_code == 400, response.data
        assert response.data.decode().startswith(f"{param}: "), response.data
        return
    assert response.status_code == 200, response.data
    terms = {param: term, **{k: to_term(next(p.type for p in named.params if p.name == k), v)
                              for k, v in others.items()}}
    assert answered_rows(response.data, set(terms)) == expected_rows(store, named.sparql, terms)


def test_the_tricky_label_finds_exactly_its_resource(setup):
    client, _, _ = setup
    response = client.get("/api/by-label", query_string={"name": TRICKY_LABEL})
    rows = json.loads(response.data)["results"]["bindings"]
    assert [row["thing"]["value"] for row in rows] == ["https://w3id.org/seckg/id/org/TRICKY"]


def test_string_values_with_quotes_and_newlines_bind_and_find_nothing_else(setup):
    client, store, _ = setup
    everything = len(list(store.store.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o }", use_default_graph_as_union=True)))
    for value in INJECTIONS:
        response = client.get("/api/by-label", query_string={"name": value})
        rows = json.loads(response.data)["results"]["bindings"]
        assert len(rows) <= 1 < everything


def test_reserved_and_unknown_parameter_names_cannot_reach_the_query(setup):
    client, _, _ = setup
    response = client.get("/api/by-label", query_string={"name": "Armenia", "thing": "<x>", "query": "ASK {}"})
    assert response.status_code == 400
    assert b"unknown parameter(s): query, thing" in response.data
    response = client.get("/api/by-label", query_string={"name": "Armenia", "format": "xml'} UNION {"})
    assert response.status_code == 406
