"""Bug: a literal holding a C0 control character (U+0007, U+001B…) was written raw into RDF/XML and
SPARQL XML results, which made them ill-formed: XML 1.0 cannot carry those characters at all.
Files holding one are now refused at load time (file:line:column), and an XML answer that would hold
one (from a graph built some other way) is a 422 naming the character, never a broken document."""

from __future__ import annotations

import json

import pyoxigraph as ox

from conftest import PREFIXES
from seckg.config import Config
from seckg.executor import Job, execute
from seckg.loading import load
from seckg.store import EmbeddedStore


def test_a_file_with_a_control_character_is_refused_with_its_place(make_repo):
    root = make_repo({"data/organizations/bell.ttl": PREFIXES + """
<https://w3id.org/seckg/id/org/CSTO> rdfs:comment "tab\\t ok, bell \\u0007 not" .
"""})
    (problem,) = load(Config(root=root)).problems
    assert str(problem).startswith("data/organizations/bell.ttl:")
    assert (problem.line, problem.column) == (9, 67)
    assert "U+0007" in problem.message


def test_an_xml_answer_with_a_control_character_is_refused_not_sent_broken():
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://example.org/x"), ox.NamedNode("http://example.org/p"),
                      ox.Literal("bell \x07"), ox.NamedNode("http://example.org/g")))
    graph_store = EmbeddedStore(store)
    select = "SELECT ?o WHERE { ?s ?p ?o }"
    construct = "CONSTRUCT WHERE { ?s ?p ?o }"
    for job in (Job(select, results_writer="XML"), Job(construct, graph_writer="RDF_XML")):
        answer = execute(graph_store, job)
        assert answer.status == 422
        assert "U+0007" in answer.message
    answer = execute(graph_store, Job(select, results_writer="JSON"))  # formats that can carry it still do
    assert answer.status == 200
    assert json.loads(answer.body)["results"]["bindings"][0]["o"]["value"] == "bell \x07"
