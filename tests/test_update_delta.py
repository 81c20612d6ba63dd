"""A SPARQL Update worked out by querying the store (update_delta.py) makes exactly the change that
running it on a copy of the store makes (`update_change_by_copy`, the definition): the same quads
removed and added, blank nodes aside, or the same refusal. And the updates said to be worked out
without a copy are, while the others still come out right through the copy."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from seckg import transactions
from seckg.config import Config
from seckg.loading import load
from seckg.terms import to_rdflib
from seckg.transactions import Change, WriteRefused, update_change, update_change_by_copy

BASE = "https://w3id.org/seckg/"
ORGS = BASE + "graph/data/organizations/orgs"
MEMBERSHIPS = BASE + "graph/data/memberships/memberships"
SPELLS = BASE + "graph/data/memberships/spells"
LABELS = BASE + "graph/data/curated/labels"
ONTOLOGY = BASE + "graph/ontology/seckg"

PREFIXES = f"""PREFIX org: <http://www.w3.org/ns/org#> PREFIX time: <http://www.w3.org/2006/time#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX sec: <{BASE}ontology#> PREFIX id: <{BASE}id/>
"""

# Membership spells whose intervals and instants are blank nodes, and a label the orgs file states too.
EXTRA = {
    "data/memberships/spells.ttl": """\
@prefix org: <http://www.w3.org/ns/org#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

<https://w3id.org/seckg/id/membership/NATO-ARM> a org:Membership ;
    rdfs:label "Armenia in NATO's partnership"@en ;
    org:organization <https://w3id.org/seckg/id/org/NATO> ;
    org:member <https://w3id.org/seckg/id/state/ARM> ;
    org:memberDuring [ a time:Interval ;
        time:hasBeginning [ a time:Instant ; time:inXSDDate "1994-10-05"^^xsd:date ] ;
        time:hasEnd [ a time:Instant ; time:inXSDDate "2020-01-01"^^xsd:date ] ] .

<https://w3id.org/seckg/id/membership/NATO-KAZ> a org:Membership ;
    org:organization <https://w3id.org/seckg/id/org/NATO> ;
    org:member <https://w3id.org/seckg/id/state/KAZ> ;
    org:memberDuring [ a time:Interval ;
        time:hasBeginning [ a time:Instant ; time:inXSDDate "1995-05-27"^^xsd:date ] ] .
""",
    "data/curated/labels.ttl": """\
<https://w3id.org/seckg/id/org/CSTO> <http://www.w3.org/2000/01/rdf-schema#label>
    "Collective Security Treaty Organization"@en .
<https://w3id.org/seckg/id/org/CSTO> <http://www.w3.org/2000/01/rdf-schema#comment> "stated here only"@en .
""",
}

FAST, COPY = "fast", "copy"

# (name, path it must take, update, options)
CASES = [
    ("insert data: to the file describing the subject", FAST,
     'INSERT DATA { id:state\\/ARM rdfs:comment "x" }', {}),
    ("insert data: a blank node follows its owner", FAST,
     'INSERT DATA { id:org\\/NATO sec:foundedDuring [ rdfs:comment "inner" ; rdfs:seeAlso [ rdfs:comment "deeper" ] ] }', {}),
    ("insert data: a new subject is refused", FAST, 'INSERT DATA { id:org\\/NEW rdfs:comment "x" }', {}),
    ("insert data: a subject two files describe is refused", FAST, 'INSERT DATA { id:org\\/CSTO rdfs:comment "x" }', {}),
    ("insert data: a new subject goes to the default graph", FAST,
     'INSERT DATA { id:org\\/NEW rdfs:comment "x" }', {"default_graph": BASE + "graph/data/curated/unfiled"}),
    ("insert data: into a named graph", FAST,
     f'INSERT DATA {{ GRAPH <{ORGS}> {{ id:org\\/NEW a sec:Alliance ; rdfs:label "New"@en }} }}', {}),
    ("insert data: into the ontology is refused", FAST,
     f'INSERT DATA {{ GRAPH <{ONTOLOGY}> {{ sec:X a <http://www.w3.org/2002/07/owl#Class> }} }}', {}),
    ("insert data: a triple already there", FAST,
     'INSERT DATA { id:state\\/ARM rdfs:label "Armenia"@en }', {}),
    ("delete data: from both files stating it", FAST,
     'DELETE DATA { id:org\\/CSTO rdfs:label "Collective Security Treaty Organization"@en }', {}),
    ("delete data: from one named graph only", FAST,
     f'DELETE DATA {{ GRAPH <{LABELS}> {{ id:org\\/CSTO rdfs:label "Collective Security Treaty Organization"@en }} }}', {}),
    ("delete data: nothing there", FAST, 'DELETE DATA { id:org\\/CSTO rdfs:label "nope" }', {}),
    ("delete/insert where: a date", FAST,
     'DELETE { ?m sec:since ?d } INSERT { ?m sec:since "2003-09-19"^^xsd:date } '
     'WHERE { ?m org:member id:state\\/ARM ; sec:since ?d }', {}),
    ("delete/insert where: a blank instant's date", FAST,
     'DELETE { ?i time:inXSDDate ?d } INSERT { ?i time:inXSDDate "1994-10-06"^^xsd:date } '
     'WHERE { id:membership\\/NATO-ARM org:memberDuring/time:hasBeginning ?i . ?i time:inXSDDate ?d }', {}),
    ("delete/insert where: a new triple on a blank instant", FAST,
     'INSERT { ?i rdfs:comment "approximate" } WHERE { id:membership\\/NATO-KAZ org:memberDuring/time:hasBeginning ?i }', {}),
    ("delete/insert where: GRAPH in the WHERE and the templates", FAST,
     'DELETE { GRAPH ?g { ?s rdfs:label ?l } } INSERT { GRAPH ?g { ?s rdfs:label ?new } } '
     'WHERE { GRAPH ?g { ?s a sec:State ; rdfs:label ?l } BIND(CONCAT(STR(?l), " (state)") AS ?new) }', {}),
    ("delete/insert where: WITH", FAST,
     f'WITH <{MEMBERSHIPS}> DELETE {{ ?m sec:since ?d }} INSERT {{ ?m sec:since "2006-01-02"^^xsd:date ; rdfs:comment "moved" }} '
     'WHERE { ?m org:member id:state\\/KAZ ; sec:since ?d }', {}),
    ("delete/insert where: WITH a graph the WHERE does not match", FAST,
     f'WITH <{ORGS}> INSERT {{ id:org\\/NATO rdfs:comment "c" }} WHERE {{ ?m sec:since ?d }}', {}),
    ("delete/insert where: WITH and GRAPH in the WHERE", FAST,
     f'WITH <{ORGS}> INSERT {{ ?o rdfs:comment "has members" }} WHERE {{ GRAPH <{MEMBERSHIPS}> {{ ?m org:organization ?o }} }}', {}),
    ("delete/insert where: WITH and USING (the WHERE reads the USING graph)", FAST,
     f'WITH <{ORGS}> INSERT {{ ?m rdfs:comment "w" }} USING <{MEMBERSHIPS}> WHERE {{ ?m sec:since ?d }}', {}),
    ("delete/insert where: comments closing the templates and the WHERE", FAST,
     'DELETE { ?m sec:since ?d # the old date }\n} INSERT { ?m sec:since "2003-09-20"^^xsd:date # the new one\n}\n'
     'WHERE { ?m org:member id:state\\/ARM ; sec:since ?d # {\n}', {}),
    ("delete/insert where: USING", FAST,
     f'INSERT {{ ?o rdfs:comment "an alliance" }} USING <{ORGS}> WHERE {{ ?o a sec:Alliance FILTER(?o != id:org\\/CSTO) }}', {}),
    ("delete/insert where: USING hides the other graphs", FAST,
     f'INSERT {{ ?m rdfs:comment "seen" }} USING <{ORGS}> WHERE {{ ?m sec:since ?d }}', {}),
    ("delete/insert where: USING NAMED", FAST,
     f'INSERT {{ GRAPH ?g {{ ?o rdfs:comment "named" }} }} USING NAMED <{ORGS}> WHERE {{ GRAPH ?g {{ ?o a sec:Alliance }} }}', {}),
    ("delete/insert where: USING two graphs stating one triple", FAST,
     f'INSERT {{ ?o rdfs:comment "twice" }} USING <{ORGS}> USING <{LABELS}> WHERE {{ ?o rdfs:label ?l }}',
     {"default_graph": BASE + "graph/data/curated/unfiled"}),
    ("delete/insert where: the protocol's using-graph-uri", FAST,
     'INSERT { ?o rdfs:comment "from the protocol" } WHERE { ?o a sec:Alliance FILTER(?o != id:org\\/CSTO) }',
     {"using": [ORGS]}),
    ("delete/insert where: the protocol's using-named-graph-uri", FAST,
     'INSERT { GRAPH ?g { ?o rdfs:comment "p" } } WHERE { GRAPH ?g { ?o a sec:Alliance } }',
     {"using_named": [ORGS]}),
    ("insert where: blank nodes in the template, fresh for each solution", FAST,
     'INSERT { ?m org:memberDuring [ a time:Interval ; time:hasBeginning [ a time:Instant ; time:inXSDDate ?d ] ] } '
     'WHERE { ?m sec:since ?d }', {}),
    ("insert where: blank nodes for a triple two files state", COPY,
     'INSERT { ?o rdfs:seeAlso [ rdfs:label ?l ] } WHERE { ?o rdfs:label ?l FILTER(?o = id:org\\/CSTO) }',
     {"default_graph": BASE + "graph/data/curated/unfiled"}),
    ("insert where: OPTIONAL and FILTER", FAST,
     'DELETE { ?m sec:since ?d } INSERT { ?m rdfs:comment ?l } WHERE { ?m a org:Membership ; sec:since ?d '
     'FILTER(?d > "2005-01-01"^^xsd:date) OPTIONAL { ?m rdfs:label ?l } }', {}),
    ("insert where: an unbound variable leaves its triple out", FAST,
     'INSERT { ?m rdfs:comment "dated" ; rdfs:seeAlso ?l } WHERE { ?m sec:since ?d OPTIONAL { ?m rdfs:label ?l } }', {}),
    ("insert where: a literal where a subject or graph goes is left out", FAST,
     'INSERT { ?d rdfs:comment "x" . GRAPH ?d { ?m rdfs:comment "y" } . ?m rdfs:comment "z" } WHERE { ?m sec:since ?d }', {}),
    ("insert where: no solution", FAST,
     'INSERT { ?m rdfs:comment "x" } WHERE { ?m sec:since "1800-01-01"^^xsd:date }', {}),
    ("delete where", FAST, 'DELETE WHERE { ?m org:member id:state\\/KAZ ; sec:since ?d }', {}),
    ("delete where: nothing matches", FAST, 'DELETE WHERE { ?m org:member id:state\\/XXX ; sec:since ?d }', {}),
    ("delete where: in a named graph", FAST,
     f'DELETE WHERE {{ GRAPH <{SPELLS}> {{ ?m org:member id:state\\/KAZ ; org:memberDuring ?i }} }}', {}),
    ("delete where: deletes from every file stating it", FAST,
     'DELETE WHERE { id:org\\/CSTO rdfs:label ?l }', {}),
    ("move a triple from the union to a named graph", FAST,
     f'DELETE {{ ?o rdfs:label ?l }} INSERT {{ GRAPH <{LABELS}> {{ ?o rdfs:label ?l }} }} '
     'WHERE { ?o rdfs:label ?l FILTER(?o = id:org\\/NATO) }', {}),
    ("insert into the union and a named graph at once", FAST,
     f'INSERT {{ ?o rdfs:comment "both" . GRAPH <{LABELS}> {{ ?o rdfs:comment "both" }} }} WHERE {{ ?o a sec:Alliance }}', {}),
    ("delete and insert the same triple", FAST,
     'DELETE { ?s rdfs:label ?l } INSERT { ?s rdfs:label ?l } WHERE { ?s a sec:State ; rdfs:label ?l }', {}),
    ("a subquery in the WHERE", COPY,
     'INSERT { id:state\\/ARM rdfs:comment ?n } WHERE { { SELECT (STR(COUNT(*)) AS ?n) WHERE { ?o rdfs:label ?l } } }', {}),
    ("a subquery in a WHERE over one graph", FAST,
     f'INSERT {{ id:state\\/ARM rdfs:comment ?n }} USING <{ORGS}> WHERE {{ {{ SELECT (STR(COUNT(*)) AS ?n) WHERE {{ ?o rdfs:label ?l }} }} }}', {}),
    ("several data operations", FAST,
     'INSERT DATA { id:state\\/ARM rdfs:comment "one" } ; DELETE DATA { id:state\\/KAZ rdfs:label "Kazakhstan"@en } ;'
     ' INSERT DATA { id:state\\/KAZ rdfs:label "Kazakhstan"@en , "Qazaqstan"@kk } ; DELETE DATA { id:state\\/ARM rdfs:comment "one" }', {}),
    ("a WHERE after a change in the same request", COPY,
     'INSERT DATA { id:state\\/ARM rdfs:comment "one" } ; DELETE { ?s rdfs:comment ?c } INSERT { ?s rdfs:comment "two" } '
     'WHERE { ?s rdfs:comment ?c FILTER(?s != id:org\\/CSTO) }', {}),
    ("a WHERE after a no-op in the same request", FAST,
     'DELETE DATA { id:state\\/ARM rdfs:comment "absent" } ; DELETE { ?s rdfs:comment ?c } WHERE { ?s rdfs:comment ?c }', {}),
    ("prefixes and base between operations", FAST,
     f'BASE <{BASE}id/> PREFIX st: <state/> INSERT DATA {{ <state/ARM> rdfs:comment "b" }} ; '
     'INSERT DATA { st:KAZ rdfs:comment "k" . <membership/NATO-KAZ> rdfs:comment "m" }', {}),
    ("a prologue after the first operation (refused by the parser)", FAST,
     'INSERT DATA { id:state\\/ARM rdfs:comment "b" } ; PREFIX st: <http://x/> INSERT DATA { st:KAZ rdfs:comment "k" }', {}),
    ("keywords in any case, a comment and a string holding ; and {", FAST,
     'insert data { id:state\\/ARM rdfs:comment "a ; b { c } # d" } # ; DROP ALL\n ; delete data { id:state\\/KAZ rdfs:comment "x" }', {}),
    ("drop a data graph", FAST, f"DROP GRAPH <{LABELS}>", {}),
    ("clear a data graph, then insert into it", FAST,
     f'CLEAR GRAPH <{LABELS}> ; INSERT DATA {{ GRAPH <{LABELS}> {{ id:org\\/CSTO rdfs:comment "fresh" }} }}', {}),
    ("drop silent a graph that does not exist", FAST, f"DROP SILENT GRAPH <{BASE}graph/data/none>", {}),
    ("drop a graph that does not exist", COPY, f"DROP GRAPH <{BASE}graph/data/none>", {}),
    ("drop the ontology", FAST, f"DROP GRAPH <{ONTOLOGY}>", {}),
    ("clear the default graph", COPY, "CLEAR DEFAULT", {}),
    ("copy a graph", COPY, f"COPY <{LABELS}> TO <{BASE}graph/data/curated/copied>", {}),
    ("add a graph", COPY, f"ADD <{LABELS}> TO <{ORGS}>", {}),
    ("create a graph", COPY, f"CREATE GRAPH <{BASE}graph/data/curated/created>", {}),
    ("malformed", FAST, "INSERT DATA { <a:s> <a:p> }", {}),
    ("a query", FAST, "SELECT * WHERE { ?s ?p ?o }", {}),
    ("LOAD", FAST, "LOAD <http://example.org/x>", {}),
    ("USING in the text and in the protocol", FAST,
     f'INSERT {{ ?o rdfs:comment "x" }} USING <{ORGS}> WHERE {{ ?o a sec:Alliance }}', {"using": [ORGS]}),
]


@pytest.fixture(scope="module")
def repository(tmp_path_factory) -> Config:
    from conftest import BASE_FILES

    root = tmp_path_factory.mktemp("update-delta")
    for rel, text in {**BASE_FILES, **EXTRA}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return Config(root=root)


def _outcome(function, config: Config, store: ox.Store, text: str, options: dict):
    try:
        return function(config, store, text, **options)
    except WriteRefused as refusal:
        return refusal.status, re.sub(r"_:[0-9a-f]+", "_:b", str(refusal))


def _as_graph(change: Change) -> Graph:
    """The change as one graph whose predicates also name the quad's graph and side, so that two
    changes are the same when their graphs are isomorphic (fresh blank nodes differ)."""
    graph = Graph()
    for side, quads in (("removed", change.removed), ("added", change.added)):
        for q in quads:
            where = "default" if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value
            graph.add((to_rdflib(q.subject), URIRef(f"urn:{side}:{where}:{q.predicate.value}"), to_rdflib(q.object)))
    return graph


@pytest.mark.parametrize("name, path, text, options", CASES, ids=[case[0] for case in CASES])
def test_the_change_is_the_one_the_copy_makes(repository, monkeypatch, name, path, text, options):
    store = load(repository).store
    before = set(store)
    reference = _outcome(update_change_by_copy, repository, store, PREFIXES + text, options)
    copies = []
    on_a_copy = transactions._change_on_a_copy
    monkeypatch.setattr(transactions, "_change_on_a_copy", lambda *a: copies.append(a) or on_a_copy(*a))
    outcome = _outcome(update_change, repository, store, PREFIXES + text, options)
    assert set(store) == before, "the store was changed"
    assert ("copy" if copies else "fast") == path
    if isinstance(reference, Change):
        assert isinstance(outcome, Change), outcome
        assert isomorphic(_as_graph(outcome), _as_graph(reference)), (outcome.per_graph(), reference.per_graph())
    else:
        assert outcome == reference


def test_the_cases_change_something_or_are_refused(repository):
    """The comparisons above are worth something only if most updates do change the graph."""
    store = load(repository).store
    outcomes = [_outcome(update_change_by_copy, repository, store, PREFIXES + text, options)
                for _, _, text, options in CASES]
    changed = [o for o in outcomes if isinstance(o, Change) and o]
    refused = [o for o in outcomes if not isinstance(o, Change)]
    assert len(changed) >= 35 and len(refused) >= 8, (len(changed), len(refused))


def test_blank_nodes_of_a_template_are_new_for_each_solution(repository):
    store = load(repository).store
    text = next(t for name, _, t, _ in CASES if name.startswith("insert where: blank nodes in the template"))
    change = update_change(repository, store, PREFIXES + text)
    intervals = {q.object for q in change.added if q.predicate.value.endswith("memberDuring")}
    assert len(intervals) == 2 and all(isinstance(i, ox.BlankNode) for i in intervals)
    assert change.per_graph() == {MEMBERSHIPS: {"removed": 0, "added": 10}}


def test_the_comparison_tells_graphs_and_sides_apart_but_not_blank_node_ids():
    def change(graph: str, side: str = "added", literal: str = "1") -> Change:
        quad = ox.Quad(ox.BlankNode(), ox.NamedNode("a:p"), ox.Literal(literal), ox.NamedNode(graph))
        return Change(**{side: {quad}})

    assert isomorphic(_as_graph(change("a:g")), _as_graph(change("a:g")))
    for other in (change("a:h"), change("a:g", side="removed"), change("a:g", literal="2")):
        assert not isomorphic(_as_graph(change("a:g")), _as_graph(other))
