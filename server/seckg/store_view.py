"""A read-only, rdflib-style view of the union of an Oxigraph store's named graphs.

Change validation works out which focus nodes an edit can affect by following
links around the edited nodes (validation.affected_focus_nodes). It was written
against an rdflib graph; this view answers the same few calls from the store, so
the set-wise engine never needs the rdflib copy of the whole graph, which takes
longer to build than validating a change does.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
from rdflib.term import Node

from seckg.setwise_shacl import ox_term
from seckg.terms import to_rdflib


def _ox(node: Node | None):
    return None if node is None else ox_term(node)


class StoreView:
    def __init__(self, store: ox.Store):
        self.store = store

    def _quads(self, s, p, o) -> Iterator[ox.Quad]:
        if s is not None and isinstance(s, ox.Literal):
            return iter(())
        return iter(self.store.quads_for_pattern(_ox(s), _ox(p), _ox(o), None))

    def triples(self, pattern) -> Iterator[tuple[Node, Node, Node]]:
        seen = set()
        for q in self._quads(*pattern):
            triple = (q.subject, q.predicate, q.object)
            if triple not in seen:  # a triple stated by two files is one triple of the union
                seen.add(triple)
                yield to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)

    def __contains__(self, pattern) -> bool:
        return next(self._quads(*pattern), None) is not None

    # Each converts only the terms it returns: a write's focus nodes are found by walking a few
    # hundred nodes' links, and converting whole triples was a third of that walk.
    def subjects(self, predicate: Node | None = None, obj: Node | None = None) -> Iterator[Node]:
        return iter(dict.fromkeys(to_rdflib(q.subject) for q in self._quads(None, predicate, obj)))

    def objects(self, subject: Node | None = None, predicate: Node | None = None) -> Iterator[Node]:
        return iter(dict.fromkeys(to_rdflib(q.object) for q in self._quads(subject, predicate, None)))

    def blank_objects(self, subject: Node) -> Iterator[Node]:
        return iter(dict.fromkeys(to_rdflib(q.object) for q in self._quads(subject, None, None)
                                  if isinstance(q.object, ox.BlankNode)))

    def subject_predicates(self, obj: Node | None = None) -> Iterator[tuple[Node, Node]]:
        return iter(dict.fromkeys((to_rdflib(q.subject), to_rdflib(q.predicate)) for q in self._quads(None, None, obj)))

    def predicate_objects(self, subject: Node | None = None) -> Iterator[tuple[Node, Node]]:
        return iter(dict.fromkeys((to_rdflib(q.predicate), to_rdflib(q.object)) for q in self._quads(subject, None, None)))
