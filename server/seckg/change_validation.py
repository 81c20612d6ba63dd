"""SHACL validation of the few nodes a write touches, fast enough to run on every write.

Incremental validation (validation.py) restricts the constraints to the
affected focus nodes but still asks pyshacl for every shape's whole target set
and intersects it with them. On the repository that is where a write's time
went (about 90%): the SPARQL targets that pick candidates with one query over
the whole graph, evaluated by rdflib. Here each kind of target is decided for
the focus nodes only — a class target by the node's types and their
superclasses, subjects-of / objects-of by the node's own triples — and a SPARQL
target is evaluated by Oxigraph over the same triples, which answers it in
milliseconds. The constraints themselves are still pyshacl's, on the same
rdflib graph, so the results are those `validate_focus` in validation.py gives.
"""

from __future__ import annotations

import pyoxigraph as ox
from pyshacl.consts import SH_SPARQLTarget
from rdflib import Graph
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from seckg.terms import to_rdflib
from seckg.validation import validate_shapes_on


def _classes_of(graph: Graph, node: Node, cache: dict) -> set[Node]:
    """The node's types and all their superclasses (rdfs:subClassOf*), as SHACL class targets see them."""
    found: set[Node] = set()
    for cls in graph.objects(node, RDF.type):
        if cls not in cache:
            cache[cls] = set(graph.transitive_objects(cls, RDFS.subClassOf))
        found |= cache[cls]
    return found


def _targeted(shape, graph: Graph, store: ox.Store, focus: set[Node], classes: dict) -> list[Node]:
    target_nodes, target_classes, implicit, objects_of, subjects_of = (set(t) for t in shape.target())
    wanted_classes = target_classes | implicit
    chosen = focus & target_nodes
    for node in focus - chosen:
        if wanted_classes and _classes_of(graph, node, classes) & wanted_classes:
            chosen.add(node)
        elif any((node, p, None) in graph for p in subjects_of):
            chosen.add(node)
        elif any((None, p, node) in graph for p in objects_of):
            chosen.add(node)
    advanced = shape.advanced_target() if shape._advanced else {}
    for spec in (advanced or {}).values():
        if spec["type"] == SH_SPARQLTarget:
            select = spec["qh"].apply_prefixes(spec["qh"].select_text)
            hits = {to_rdflib(row["this"]) for row in store.query(select, use_default_graph_as_union=True)
                    if row["this"] is not None}
        else:  # other custom targets: pyshacl's own (slower) way
            hits = set(spec["qt"].find_targets(graph)) if "qt" in spec else set()
        chosen |= hits & focus
    return sorted(chosen, key=str)


def validate_focus(graph: Graph, store: ox.Store, shapes: Graph, focus: set[Node]) -> Graph:
    """SHACL results for the `focus` nodes of `graph`; `store` must hold the same triples (in any
    named graphs), for the SPARQL targets."""
    classes: dict = {}
    return validate_shapes_on(graph, shapes, lambda shape, _data: _targeted(shape, graph, store, focus, classes))
