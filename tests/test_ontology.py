"""The ontology's own metadata and style: what an ontology engineer expects on opening it.

The OWL API and HermiT checks are in test_owl_reasoning.py; these need only rdflib.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY_IRI = URIRef("https://w3id.org/seckg/ontology")
SEC = "https://w3id.org/seckg/ontology#"
VANN = "http://purl.org/vocab/vann/"
XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"
TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ROOT / "ontology" / "seckg.ttl")


@pytest.fixture(scope="module")
def data() -> Graph:
    graph = Graph()
    for path in sorted((ROOT / "data").rglob("*.ttl")):
        graph.parse(path)
    return graph


def declared_terms(ontology: Graph) -> set[URIRef]:
    return {s for t in TERM_TYPES for s in ontology.subjects(RDF.type, t) if isinstance(s, URIRef)}


def test_header_has_the_metadata_catalogues_and_protege_show(ontology):
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    version = ontology.value(ONTOLOGY_IRI, OWL.versionIRI)
    info = ontology.value(ONTOLOGY_IRI, OWL.versionInfo)
    assert version is not None and str(version).startswith(str(ONTOLOGY_IRI) + "/")
    assert info is not None and str(version).endswith(str(info)), "version IRI and versionInfo disagree"
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.creator, DCTERMS.license, DCTERMS.created,
                 DCTERMS.modified):
        assert ontology.value(ONTOLOGY_IRI, prop) is not None, f"ontology header lacks {prop}"
    assert ontology.value(ONTOLOGY_IRI, URIRef(VANN + "preferredNamespacePrefix")) == Literal("sec")
    assert ontology.value(ONTOLOGY_IRI, URIRef(VANN + "preferredNamespaceUri")) == Literal(SEC)
    modified = ontology.value(ONTOLOGY_IRI, DCTERMS.modified)
    assert modified.datatype == URIRef(XSD_DATE) and modified >= ontology.value(ONTOLOGY_IRI, DCTERMS.created)


def test_every_own_term_has_an_english_label_and_definition(ontology):
    own = [t for t in declared_terms(ontology) if str(t).startswith(SEC)]
    assert len(own) > 80
    missing = [
        t for t in own
        if not any(isinstance(l, Literal) and l.language == "en" for l in ontology.objects(t, RDFS.label))
        or not any(isinstance(d, Literal) and d.language == "en" for d in ontology.objects(t, SKOS.definition))
    ]
    assert missing == []


def test_every_concept_is_labelled_defined_and_in_a_scheme(ontology):
    concepts = set(ontology.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) > 30
    for concept in concepts:
        assert ontology.value(concept, SKOS.prefLabel) is not None, concept
        assert ontology.value(concept, SKOS.definition) is not None, concept
        scheme = ontology.value(concept, SKOS.inScheme)
        assert (scheme, RDF.type, SKOS.ConceptScheme) in ontology, concept
        assert (scheme, SKOS.hasTopConcept, concept) in ontology, f"{concept} is not a top concept of {scheme}"


def test_every_property_and_class_used_anywhere_is_declared(ontology, data):
    """Protégé would otherwise guess what an undeclared term is, and OWL 2 DL forbids guessing."""
    declared = declared_terms(ontology) | {RDF.type}
    used = set()
    for graph in (ontology, data):
        for _, p, o in graph:
            used.add(p)
            if p == RDF.type and o not in (OWL.Ontology, OWL.AllDisjointClasses, RDFS.Datatype):
                used.add(o)
    builtin = {OWL.versionIRI, OWL.members, OWL.inverseOf, OWL.disjointWith, RDFS.subClassOf,
               RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.FunctionalProperty, OWL.Class,
               OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.first, RDF.rest}
    assert sorted(used - declared - builtin) == []


def test_main_kinds_of_thing_are_pairwise_disjoint(ontology):
    kinds = {URIRef(SEC + "State"), URIRef("http://www.w3.org/ns/org#Organization"),
             URIRef("http://xmlns.com/foaf/0.1/Person"), URIRef(SEC + "Event"), URIRef(SEC + "Document")}
    for axiom in ontology.subjects(RDF.type, OWL.AllDisjointClasses):
        members = set(ontology.items(ontology.value(axiom, OWL.members)))
        if kinds <= members:
            return
    pytest.fail("no owl:AllDisjointClasses axiom covers states, organizations, persons, events and documents")
