"""A SHACL engine that checks each constraint for all focus nodes at once, on the Oxigraph store.

Why. pyshacl evaluates node by node on an rdflib graph: every focus node costs
Python calls per constraint, and every SPARQL-based constraint is one rdflib
query per focus node. At 100k triples that was over four minutes. Here a shape
is evaluated on the set of its focus nodes: the values of a path come from one
scan of the store per predicate (or one lookup per node when the set is small),
each core constraint is a pass over those values in Python, nested shapes
(sh:node, sh:or, sh:not, qualified shapes) are decided once per value node and
remembered, and each SPARQL-based constraint is one Oxigraph query in which
`$this` ranges over a VALUES block of focus nodes instead of one query each.

It gives the results pyshacl gives (focus node, path, value, source shape,
component, severity, message: tests/test_setwise_shacl.py compares the two
engines on the repository, the negative fixtures, the mutation corpus and a
synthetic graph), and writes them as a standard sh:ValidationReport graph.
Only the constraint components the shapes of this project use are implemented;
a shape that uses any other is refused with `UnsupportedShapes`, never skipped.
"""

from __future__ import annotations

import functools
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock_time
from decimal import Decimal
from types import SimpleNamespace

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

from seckg.terms import to_rdflib

_RDF_TYPE = ox.NamedNode(str(RDF.type))
# On a SPARQL target: the same target as a query that a bound ?this answers cheaply (Program._target_texts).
_SELECT_FOR_FOCUS_NODES = URIRef("https://w3id.org/seckg/shapes#selectForFocusNodes")
_SUBCLASS = ox.NamedNode(str(RDFS.subClassOf))
_SMALL = 2000  # below this many nodes, look values up node by node rather than scan a predicate
_DESCRIBED_AT_MOST = 500  # triples of a node read at once (`Run.described`)
_VALUES_BATCH = 100  # focus nodes per SPARQL query: with larger VALUES blocks Oxigraph may start elsewhere
_SUBQUERY = re.compile(r"\{\s*SELECT\b", re.IGNORECASE)
_PROBE = 5  # focus nodes tried one by one before a SPARQL query's way of running is chosen
_BLANKS_ONE_BY_ONE = 20  # up to this many blank focus nodes that no IRI owns, one query each
_STARTS_FROM_THIS = re.compile(r"\bWHERE\s*\{\s*\?this\s", re.IGNORECASE)
_OWNER_DEPTH = 8  # links followed up from a blank node to the IRI that owns it
_ANCHOR = "?seckg_owner"  # the variable of the owners' VALUES block that reaches blank focus nodes
# `WHERE { ?this <p> …` or `WHERE { ?this prefix:p …`: every row's ?this is a subject of p.
_FIRST_PREDICATE = re.compile(r"\bWHERE\s*\{\s*\?this\s+(<[^<>\s]*>|[A-Za-z][\w.-]*:[\w.-]*|a)\s", re.IGNORECASE)
_PREFIX_DECLARATION = re.compile(r"PREFIX\s+([\w.-]*):\s*<([^<>\s]*)>", re.IGNORECASE)

# Parameters that name no constraint: what a shape may carry besides its constraints.
_DESCRIPTIVE = {RDF.type, SH.message, SH.severity, SH.name, SH.description, SH.order, SH.group, SH.deactivated,
                SH.path, RDFS.label, RDFS.comment, SH.targetClass, SH.targetNode, SH.targetSubjectsOf,
                SH.targetObjectsOf, SH.target, SH.defaultValue}
_CONSTRAINTS = {SH["class"], SH.datatype, SH.nodeKind, SH.pattern, SH.flags, SH.languageIn, SH.hasValue, SH["in"],
                SH.node, SH["or"], SH["and"], SH["not"], SH.minCount, SH.maxCount, SH.uniqueLang,
                SH.qualifiedValueShape, SH.qualifiedMinCount, SH.qualifiedMaxCount,
                SH.qualifiedValueShapesDisjoint, SH.disjoint, SH.property, SH.sparql}
_SPARQL_CONSTRAINT_KEYS = {RDF.type, SH.message, SH.prefixes, SH.select, SH.deactivated, RDFS.label, RDFS.comment}


# SHACL's terms that evaluation reads, as plain attributes: rdflib checks a namespace attribute
# on every access (3 µs), and a write's validation reads them thousands of times.
_SH = SimpleNamespace(**{name: SH[name] for name in (
    "QualifiedMaxCountConstraintComponent", "QualifiedMinCountConstraintComponent", "datatype", "disjoint",
    "flags", "hasValue", "languageIn", "maxCount", "minCount", "node", "nodeKind", "pattern", "property",
    "qualifiedMaxCount", "qualifiedMinCount", "qualifiedValueShape", "uniqueLang",
)})


class UnsupportedShapes(ValueError):
    """The shapes use something this engine does not implement; validate with pyshacl instead."""


def ox_term(node: Node):
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        if node.datatype is not None:
            return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
        return ox.Literal(str(node))
    raise TypeError(f"not an RDF term: {node!r}")


# --- The shapes, read once -------------------------------------------------------------------


@dataclass
class SparqlConstraint:
    node: Node
    select: str  # with PREFIX lines and ?this for $this
    messages: list[Literal]


@dataclass
class Shape:
    node: Node
    is_property: bool
    path: Node | None
    severity: URIRef
    messages: list[Literal]
    deactivated: bool
    params: dict[URIRef, list[Node]] = field(default_factory=dict)
    sparql: list[SparqlConstraint] = field(default_factory=list)

    def one(self, key: URIRef) -> Node | None:
        values = self.params.get(key, [])
        return values[0] if values else None


class Program:
    """The shapes graph, checked for what this engine supports and indexed for evaluation."""

    def __init__(self, shapes: Graph):
        self.graph = shapes
        self.shapes: dict[Node, Shape] = {}
        self.top_level: list[Node] = []
        # SPARQL text → whether, restricted, it runs faster one focus node at a time than for a
        # VALUES block of them (Run._select): learnt by the first restricted run that needs it.
        self.one_by_one: dict[str, bool] = {}
        self._targets: dict = {}
        candidates = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape))
        for key in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target):
            candidates |= set(shapes.subjects(key, None))
        candidates |= set(shapes.subjects(SH.path, None))
        for shape in sorted(candidates, key=str):
            self.shape(shape)
            if self._targets_of(shape):
                self.top_level.append(shape)

    def targets(self, shape: Shape) -> tuple:
        """The shape's targets as (nodes, classes, subjects-of, objects-of, SPARQL texts), in ox
        terms; read from the shapes graph once, as a write's validation asks for every shape."""
        found = self._targets.get(shape.node)
        if found is None:
            g, node = self.graph, shape.node
            classes = {ox_term(c) for c in g.objects(node, SH.targetClass)}
            if self._implicit_class(node):
                classes.add(ox_term(node))
            found = self._targets[shape.node] = (
                {ox_term(n) for n in g.objects(node, SH.targetNode)}, classes,
                [ox_term(p) for p in g.objects(node, SH.targetSubjectsOf)],
                [ox_term(p) for p in g.objects(node, SH.targetObjectsOf)],
                [self._target_texts(t) for t in g.objects(node, SH.target)])
        return found

    def _target_texts(self, target: Node) -> tuple[str, str]:
        """(the SPARQL target's query for a whole-graph run, its query for a run restricted to some
        focus nodes): the second is its `secsh:selectForFocusNodes` where it has one, an equivalent
        query that a bound ?this answers cheaply where the first (a grouping subquery, linear over
        the graph) would run over the whole graph for a write's few nodes."""
        g = self.graph
        whole = self.query_text(target, str(g.value(target, SH.select)))
        restricted = g.value(target, _SELECT_FOR_FOCUS_NODES)
        return whole, whole if restricted is None else self.query_text(target, str(restricted))

    def _targets_of(self, node: Node) -> bool:
        g = self.graph
        return any((node, key, None) in g for key in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf,
                                                      SH.targetObjectsOf, SH.target)) or self._implicit_class(node)

    def _implicit_class(self, node: Node) -> bool:
        return isinstance(node, URIRef) and bool({RDFS.Class, OWL.Class} & set(self.graph.objects(node, RDF.type)))

    def shape(self, node: Node) -> Shape:
        found = self.shapes.get(node)
        if found is not None:
            return found
        g = self.graph
        path = g.value(node, SH.path)
        severity = g.value(node, SH.severity) or SH.Violation
        deactivated = g.value(node, SH.deactivated)
        shape = Shape(node=node, is_property=path is not None, path=path, severity=severity,
                      messages=sorted(g.objects(node, SH.message), key=str),
                      deactivated=bool(deactivated is not None and deactivated.toPython() is True))
        self.shapes[node] = shape
        for p, o in g.predicate_objects(node):
            if p in _DESCRIPTIVE:
                continue
            if p not in _CONSTRAINTS:
                raise UnsupportedShapes(f"shape {node} uses {p}, which the set-wise engine does not implement")
            shape.params.setdefault(p, []).append(o)
        if path is not None:
            self._check_path(path)
        for prop in shape.params.get(SH.property, []):
            if g.value(prop, SH.path) is None:
                raise UnsupportedShapes(f"shape {node} has a sh:property value without sh:path")
        for key in (SH.node, SH["not"], SH.qualifiedValueShape, SH.property):
            for other in shape.params.get(key, []):
                self.shape(other)
        for key in (SH["or"], SH["and"]):
            for lst in shape.params.get(key, []):
                for other in Collection(g, lst):
                    self.shape(other)
        if shape.params.get(SH.qualifiedValueShapesDisjoint, []) and any(
                v.toPython() is True for v in shape.params[SH.qualifiedValueShapesDisjoint]):
            raise UnsupportedShapes(f"shape {node} uses sh:qualifiedValueShapesDisjoint true")
        if SH.flags in shape.params and SH.pattern not in shape.params:
            raise UnsupportedShapes(f"shape {node} has sh:flags without sh:pattern")
        for constraint in shape.params.get(SH.sparql, []):
            if shape.is_property:
                raise UnsupportedShapes(f"property shape {node} has a SPARQL-based constraint ($PATH)")
            shape.sparql.append(self._sparql_constraint(constraint))
        for target in g.objects(node, SH.target):
            if SH.SPARQLTarget not in set(g.objects(target, RDF.type)) and g.value(target, SH.select) is None:
                raise UnsupportedShapes(f"shape {node} has a custom target that is not a SPARQL target")
        return shape

    def _check_path(self, path: Node) -> None:
        g = self.graph
        if isinstance(path, URIRef):
            return
        if g.value(path, RDF.first) is not None:
            for step in Collection(g, path):
                self._check_path(step)
            return
        if g.value(path, SH.inversePath) is not None:
            self._check_path(g.value(path, SH.inversePath))
            return
        if g.value(path, SH.alternativePath) is not None:
            for step in Collection(g, g.value(path, SH.alternativePath)):
                self._check_path(step)
            return
        raise UnsupportedShapes(f"the path {path} is not a predicate, inverse, sequence or alternative path")

    def prefixes(self, node: Node) -> str:
        lines = []
        for holder in self.graph.objects(node, SH.prefixes):
            for declaration in self.graph.objects(holder, SH.declare):
                prefix, namespace = self.graph.value(declaration, SH.prefix), self.graph.value(declaration, SH.namespace)
                lines.append(f"PREFIX {prefix}: <{namespace}>")
        return "\n".join(sorted(set(lines)))

    def query_text(self, node: Node, select: str) -> str:
        if re.search(r"\$(PATH|currentShape|shapesGraph)\b", select):
            raise UnsupportedShapes(f"{node}: $PATH, $currentShape and $shapesGraph are not supported")
        return self.prefixes(node) + "\n" + re.sub(r"\$this\b", "?this", select)

    def _sparql_constraint(self, node: Node) -> SparqlConstraint:
        g = self.graph
        for p in g.predicates(node, None):
            if p not in _SPARQL_CONSTRAINT_KEYS:
                raise UnsupportedShapes(f"SPARQL constraint {node} uses {p}")
        select = g.value(node, SH.select)
        if select is None:
            raise UnsupportedShapes(f"SPARQL constraint {node} has no sh:select (ASK is not supported)")
        return SparqlConstraint(node=node, select=self.query_text(node, str(select)),
                                messages=sorted(g.objects(node, SH.message), key=str))


# --- Evaluation ------------------------------------------------------------------------------


@dataclass
class Result:
    shape: Shape
    focus: object  # an ox term
    component: URIRef
    value: object | None = None
    path: Node | None = None  # a shapes-graph node for property shapes, or an ox term from SPARQL
    constraint: Node | None = None
    messages: list[Literal] | None = None  # None: the shape's own


def _component(name: str) -> URIRef:
    return SH[name + "ConstraintComponent"]


class Run:
    """One evaluation over one store; caches what the shapes ask of it more than once."""

    def __init__(self, program: Program, store: ox.Store, restricted: bool = False):
        self.program = program
        self.store = store
        # A restricted run (a write's few hundred nodes) keeps each node's triples it reads; a full
        # run reads most nodes once and would keep the whole graph.
        self.restricted = restricted
        self._superclasses: dict = {}
        self._classes_of: dict = {}
        self._values: dict = {}  # (path, predicate scan) → subject → values
        self._conforms: dict = defaultdict(dict)  # shape → node → bool
        self._rdflib: dict = {}
        self._described: dict = {}  # node → predicate → values (see `described`)
        self._owners: dict = {}  # blank node → (chain of predicates, the IRI that owns it) or None
        self._indexed: tuple | None = None  # (focus set, class → its nodes, predicate → its subjects)

    # Terms and triples --------------------------------------------------------------------

    def rd(self, term) -> Node:
        found = self._rdflib.get(term)
        if found is None:
            found = self._rdflib[term] = to_rdflib(term)
        return found

    def objects(self, subject, predicate) -> set:
        return {q.object for q in self.store.quads_for_pattern(subject, predicate, None, None)}

    def described(self, node) -> dict:
        """predicate → the node's values, from one read of its triples, kept for the run: the
        shapes of a write's few hundred nodes ask each node for a dozen predicates, most more than
        once. A node with very many triples (an organization everything links to is an object,
        but may be a subject too) is asked predicate by predicate instead: None."""
        found = self._described.get(node, False)
        if found is False:
            found = defaultdict(set)
            for i, q in enumerate(self.store.quads_for_pattern(node, None, None, None)):
                if i == _DESCRIBED_AT_MOST:
                    found = None
                    break
                found[q.predicate].add(q.object)
            self._described[node] = found
        return found

    def subjects(self, predicate, obj) -> set:
        return {q.subject for q in self.store.quads_for_pattern(None, predicate, obj, None)}

    def superclasses(self, cls) -> frozenset:
        found = self._superclasses.get(cls)
        if found is None:
            seen, todo = {cls}, [cls]
            while todo:
                for sup in self.objects(todo.pop(), _SUBCLASS):
                    if sup not in seen:
                        seen.add(sup)
                        todo.append(sup)
            found = self._superclasses[cls] = frozenset(seen)
        return found

    def classes_of(self, node) -> frozenset:
        found = self._classes_of.get(node)
        if found is None:
            classes: set = set()
            if not isinstance(node, ox.Literal):
                for t in self.objects(node, _RDF_TYPE):
                    classes |= self.superclasses(t)
            found = self._classes_of[node] = frozenset(classes)
        return found

    def instances(self, cls) -> set:
        """Instances of `cls` and of its subclasses, as pyshacl's class targets find them."""
        seen, todo = {cls}, [cls]
        while todo:
            for sub in self.subjects(_SUBCLASS, todo.pop()):
                if sub not in seen:
                    seen.add(sub)
                    todo.append(sub)
        found = set()
        for c in seen:
            found |= self.subjects(_RDF_TYPE, c)
        return found

    # Paths -----------------------------------------------------------------------------------

    def values(self, path: Node, nodes: set) -> dict:
        """Each of `nodes` → the set of its values along the SHACL path `path`."""
        g = self.program.graph
        if isinstance(path, URIRef):
            return self._predicate_values(ox.NamedNode(str(path)), nodes, inverse=False)
        if g.value(path, SH.inversePath) is not None:
            inner = g.value(path, SH.inversePath)
            if isinstance(inner, URIRef):
                return self._predicate_values(ox.NamedNode(str(inner)), nodes, inverse=True)
            raise UnsupportedShapes(f"inverse of a complex path {inner}")
        if g.value(path, SH.alternativePath) is not None:
            merged: dict = {n: set() for n in nodes}
            for step in Collection(g, g.value(path, SH.alternativePath)):
                for n, vs in self.values(step, nodes).items():
                    merged[n] |= vs
            return merged
        steps = list(Collection(g, path))
        current = {n: {n} for n in nodes}
        for step in steps:
            frontier = set().union(*current.values()) if current else set()
            hop = self.values(step, frontier)
            current = {n: set().union(*(hop[m] for m in ms)) if ms else set() for n, ms in current.items()}
        return current

    def _predicate_values(self, predicate, nodes: set, inverse: bool) -> dict:
        if len(nodes) < _SMALL:
            if inverse:
                return {n: self.subjects(predicate, n) for n in nodes}
            values = {}
            for n in nodes:
                described = self.described(n) if self.restricted and not isinstance(n, ox.Literal) else None
                values[n] = set(described.get(predicate, ())) if described is not None else self.objects(n, predicate)
            return values
        key = (predicate, inverse)
        index = self._values.get(key)
        if index is None:
            index = defaultdict(set)
            for q in self.store.quads_for_pattern(None, predicate, None, None):
                if inverse:
                    index[q.object].add(q.subject)
                else:
                    index[q.subject].add(q.object)
            self._values[key] = index
        return {n: set(index.get(n, ())) for n in nodes}

    # Targets ---------------------------------------------------------------------------------

    def focus_nodes(self, shape: Shape, within: set | None) -> set:
        """The shape's targets; with `within`, only those among `within`."""
        nodes, classes, subjects_of, objects_of, queries = self.program.targets(shape)
        found = set(nodes)
        if within is not None:
            found &= within
            by_class, by_predicate = self._index(within)
            for c in classes:
                found |= by_class.get(c, set())
            for p in subjects_of:
                found |= by_predicate.get(p, set())
            for p in objects_of:
                found |= {n for n in within
                          if next(iter(self.store.quads_for_pattern(None, p, n, None)), None) is not None}
        else:
            for c in classes:
                found |= self.instances(c)
            for p in subjects_of:
                found |= {q.subject for q in self.store.quads_for_pattern(None, p, None, None)}
            for p in objects_of:
                found |= {q.object for q in self.store.quads_for_pattern(None, p, None, None)}
        for whole, for_focus_nodes in queries:
            text = whole if within is None else for_focus_nodes
            # A target with a subquery (one over the whole graph) is run once, not once per node.
            restrict = None if _SUBQUERY.search(text) else self._subjects_of_first_predicate(text, within)
            hits = {row["this"] for row in self._select(text, restrict) if "this" in row}
            found |= hits if within is None else hits & within
        return found

    def _index(self, within: set) -> tuple[dict, dict]:
        """The focus nodes `within` by class (their types' superclasses included) and by the
        predicates they are subjects of, worked out once for all the shapes of a run: asking
        each shape's target classes and predicates of each node took a write at 1M triples
        tens of milliseconds."""
        if self._indexed is None or self._indexed[0] is not within:
            by_class: dict = defaultdict(set)
            by_predicate: dict = defaultdict(set)
            for n in within:
                if isinstance(n, ox.Literal):
                    continue
                for c in self.classes_of(n):
                    by_class[c].add(n)
                described = self.described(n)
                if described is None:
                    for q in self.store.quads_for_pattern(n, None, None, None):
                        by_predicate[q.predicate].add(n)
                else:
                    for predicate in described:
                        by_predicate[predicate].add(n)
            self._indexed = (within, by_class, by_predicate)
        return self._indexed[1], self._indexed[2]

    def _subjects_of_first_predicate(self, text: str, within: set | None) -> set | None:
        """`within` less the nodes that cannot be ?this because they lack the predicate of the
        query's first pattern: a write's few hundred candidates shrink to the few it concerns, so
        a target query never runs for the rest (at 100k triples this took one write from 1.3 s)."""
        match = _FIRST_PREDICATE.search(text) if within else None
        if match is None:
            return within
        token = match.group(1)
        if token == "a":
            predicate = _RDF_TYPE
        elif token.startswith("<"):
            predicate = ox.NamedNode(token[1:-1])
        else:
            prefix, _, local = token.partition(":")
            namespaces = dict(_PREFIX_DECLARATION.findall(text))
            if prefix not in namespaces:
                return within
            predicate = ox.NamedNode(namespaces[prefix] + local)
        return set(self._index(within)[1].get(predicate, set()))

    def _select(self, text: str, within: set | None):
        """Rows of a SELECT with ?this, each as a dict of its bound variables; over the whole graph,
        or with ?this restricted to `within`.

        Restricted, a query runs either once per VALUES block of focus nodes (`restrict_this`) or
        once per node with ?this bound, whichever is cheaper for that query: Oxigraph plans some
        queries well for a block (one query instead of a hundred) and others badly (a hash join
        over a whole-graph scan for each block, where a bound ?this needs two index lookups). The
        first few nodes are tried both ways; the rest, and later runs, go the cheaper way. Blank
        nodes, which a query cannot name, are reached from the IRIs that own them (`_owned_blocks`)."""
        if within is None:
            yield from self._rows(text, None)
            return
        named = sorted((n for n in within if not isinstance(n, ox.BlankNode)), key=str)
        blanks = {n for n in within if isinstance(n, ox.BlankNode)}
        one_by_one = self.program.one_by_one.get(text)
        start = 0
        while start < len(named):
            if one_by_one is None and len(named) - start > _PROBE:
                began = time.perf_counter()
                for n in named[start:start + _PROBE]:
                    yield from self._rows(text, {ox.Variable("this"): n})
                per_node = (time.perf_counter() - began) / _PROBE
                start += _PROBE
                batch = named[start:start + _VALUES_BATCH]
                began = time.perf_counter()
                yield from self._rows(restrict_this(text, " ".join(map(str, batch))), None)
                one_by_one = self.program.one_by_one[text] = (time.perf_counter() - began) / len(batch) > per_node
                start += len(batch)
            elif one_by_one:
                yield from self._rows(text, {ox.Variable("this"): named[start]})
                start += 1
            else:
                batch = named[start:start + _VALUES_BATCH]
                yield from self._rows(restrict_this(text, " ".join(map(str, batch))), None)
                start += len(batch)
        loose = set()
        if len(blanks) > _SMALL and _STARTS_FROM_THIS.search(text):
            loose = blanks  # a full validation's blank nodes: one query over the graph, below
        else:
            for block, members in self._owned_blocks(blanks):
                if block is None or _ANCHOR in text:  # no owner, or a query that has the block's variable
                    loose |= members
                    continue
                yield from (row for row in self._rows(restrict_this_by(text, block), None)
                            if row.get("this") in members)
        if len(loose) > _BLANKS_ONE_BY_ONE and _STARTS_FROM_THIS.search(text):
            # When ?this is the subject of the first pattern, running the query unrestricted and
            # keeping the rows about `loose` gives the same rows.
            yield from (row for row in self._rows(text, None) if row.get("this") in loose)
        else:
            for n in loose:
                yield from self._rows(text, {ox.Variable("this"): n})

    def _owned_blocks(self, blanks: set) -> Iterator[tuple[str, set]]:
        """SPARQL groups that bind ?this to the blank nodes in `blanks` (and maybe others) by way
        of the IRIs that own them, each with the blank nodes it is for; and (None, the blank
        nodes no IRI owns).

        A query cannot name a blank node, and one query per node costs a write tens of
        milliseconds (a membership's interval and instants are three blank nodes). But each is
        reached from its owner by a fixed chain of predicates (org:memberDuring/time:hasBeginning),
        so `{ SELECT DISTINCT ?this WHERE { VALUES ?owner { … } ?owner <chain> ?this } }` at the
        start of the groups with ?this binds ?this to a superset of them, each once, and keeping
        the rows whose ?this is one of them leaves exactly their rows."""
        owners: dict = {}  # owner → its blank nodes in `blanks`
        chains: set = set()
        loose = set()
        for blank in blanks:
            owned = self._owner(blank)
            if owned is None:
                loose.add(blank)
            else:
                chains.add(owned[0])
                owners.setdefault(owned[1], set()).add(blank)
        # One query for all chains: an alternative path over them reaches a superset again.
        path = "|".join(sorted(chains))
        ordered = sorted(owners, key=str)
        for start in range(0, len(ordered), _VALUES_BATCH):
            batch = ordered[start:start + _VALUES_BATCH]
            yield (f"{{ SELECT DISTINCT ?this WHERE {{ VALUES {_ANCHOR} {{ {' '.join(map(str, batch))} }} "
                   f"{_ANCHOR} {path} ?this }} }}", set().union(*(owners[o] for o in batch)))
        if loose:
            yield None, loose

    def _owner(self, blank) -> tuple[str, ox.NamedNode] | None:
        """(the chain of predicates from its owner, as a SPARQL path; the owner) for a blank node
        that an IRI owns, through at most `_OWNER_DEPTH` links; else None."""
        found = self._owners.get(blank, False)
        if found is False:
            chain, node, seen = [], blank, {blank}
            while isinstance(node, ox.BlankNode) and len(chain) < _OWNER_DEPTH:
                link = next(iter(self.store.quads_for_pattern(None, None, node, None)), None)
                if link is None or link.subject in seen:
                    break
                chain.append(link.predicate)
                node = link.subject
                seen.add(node)
            found = ("/".join(map(str, reversed(chain))), node) if isinstance(node, ox.NamedNode) else None
            self._owners[blank] = found
        return found

    def _rows(self, query: str, substitutions: dict | None):
        solutions = self.store.query(query, use_default_graph_as_union=True, substitutions=substitutions)
        names = [v.value for v in solutions.variables]
        for row in solutions:
            yield {name: term for name, term in zip(names, row) if term is not None}

    # Constraints -----------------------------------------------------------------------------

    def conforming(self, shape_node: Node, nodes: Iterable) -> dict:
        """node → whether it conforms to the shape (remembered for the run)."""
        shape = self.program.shape(shape_node)
        known = self._conforms[shape_node]
        todo = {n for n in nodes if n not in known}
        if todo:
            failing = {r.focus for r in self.evaluate(shape, todo)}
            for n in todo:
                known[n] = n not in failing
        return known

    def evaluate(self, shape: Shape, focus: set) -> list[Result]:
        """The results of `shape` on the focus nodes `focus` (sh:deactivated shapes give none)."""
        if shape.deactivated or not focus:
            return []
        results: list[Result] = []
        if shape.is_property:
            values = self.values(shape.path, focus)
        else:
            values = {n: {n} for n in focus}
        p = shape.params
        for cls in p.get(SH["class"], []):
            wanted = ox_term(cls)
            for f, vs in values.items():
                for v in vs:
                    if isinstance(v, ox.Literal) or wanted not in self.classes_of(v):
                        results.append(Result(shape, f, _component("Class"), value=v))
        for rule in p.get(_SH.datatype, []):
            for f, vs in values.items():
                for v in vs:
                    matches = _datatype_decided(v, rule)
                    if matches is None:
                        matches = _datatype_matches(self.rd(v), rule)
                    if not matches:
                        results.append(Result(shape, f, _component("Datatype"), value=v))
        for kind in p.get(_SH.nodeKind, []):
            for f, vs in values.items():
                for v in vs:
                    if not _kind_matches(v, kind):
                        results.append(Result(shape, f, _component("NodeKind"), value=v))
        if _SH.pattern in p:
            flags = 0
            flag_text = str(shape.one(_SH.flags) or "").lower()
            flags |= re.I if "i" in flag_text else 0
            flags |= re.M if "m" in flag_text else 0
            for pattern in p[_SH.pattern]:
                text = str(pattern.value) if pattern.value is not None and len(pattern.value) > 1 else str(pattern)
                matcher = re.compile(text, flags)
                for f, vs in values.items():
                    for v in vs:
                        matched = None if isinstance(v, ox.BlankNode) else _lexical(v)
                        if matched is None and not isinstance(v, ox.BlankNode):
                            matched = _as_string(self.rd(v))
                        if matched is None or not matcher.search(matched):
                            results.append(Result(shape, f, _component("Pattern"), value=v))
        for languages in p.get(_SH.languageIn, []):
            wanted = {str(x).lower() for x in Collection(self.program.graph, languages)}
            for f, vs in values.items():
                for v in vs:
                    lang = v.language if isinstance(v, ox.Literal) else None
                    if not (lang and ("*" in wanted or lang.lower() in wanted or lang.split("-")[0].lower() in wanted)):
                        results.append(Result(shape, f, _component("LanguageIn"), value=v))
        for allowed in p.get(SH["in"], []):
            members = {ox_term(x) for x in Collection(self.program.graph, allowed)}
            for f, vs in values.items():
                for v in vs:
                    if v not in members:
                        results.append(Result(shape, f, _component("In"), value=v))
        for wanted in p.get(_SH.hasValue, []):
            term = ox_term(wanted)
            for f, vs in values.items():
                if term not in vs:
                    results.append(Result(shape, f, _component("HasValue")))
        for bound, name, too_few in ((_SH.minCount, "MinCount", True), (_SH.maxCount, "MaxCount", False)):
            for limit in p.get(bound, []):
                n = int(limit)
                for f, vs in values.items():
                    if (len(vs) < n) if too_few else (len(vs) > n):
                        results.append(Result(shape, f, _component(name)))
        for unique in p.get(_SH.uniqueLang, []):
            if unique.toPython() is True:
                for f, vs in values.items():
                    seen, repeated = set(), []
                    for v in vs:
                        if isinstance(v, ox.Literal) and v.language:
                            low = v.language.lower()
                            if low in seen and low not in repeated:
                                repeated.append(low)
                            seen.add(low)
                    results.extend(Result(shape, f, _component("UniqueLang")) for _ in repeated)
        for other in p.get(_SH.disjoint, []):
            theirs = self.values(other, set(values))
            for f, vs in values.items():
                for v in vs & theirs[f]:
                    results.append(Result(shape, f, _component("Disjoint"), value=v))
        every_value = set().union(*values.values()) if values else set()
        for other in p.get(_SH.node, []):
            ok = self.conforming(other, every_value)
            for f, vs in values.items():
                for v in vs:
                    if not ok[v]:
                        results.append(Result(shape, f, _component("Node"), value=v))
        for other in p.get(SH["not"], []):
            ok = self.conforming(other, every_value)
            for f, vs in values.items():
                for v in vs:
                    if ok[v]:
                        results.append(Result(shape, f, _component("Not"), value=v))
        for key, name, test in ((SH["or"], "Or", any), (SH["and"], "And", all)):
            for lst in p.get(key, []):
                members = list(Collection(self.program.graph, lst))
                verdicts = [self.conforming(m, every_value) for m in members]
                for f, vs in values.items():
                    for v in vs:
                        if not test(verdict[v] for verdict in verdicts):
                            results.append(Result(shape, f, _component(name), value=v))
        if _SH.qualifiedValueShape in p:
            low, high = shape.one(_SH.qualifiedMinCount), shape.one(_SH.qualifiedMaxCount)
            for other in p[_SH.qualifiedValueShape]:
                ok = self.conforming(other, every_value)
                for f, vs in values.items():
                    count = sum(1 for v in vs if ok[v])
                    if high is not None and count > int(high):
                        results.append(Result(shape, f, _SH.QualifiedMaxCountConstraintComponent))
                    if low is not None and count < int(low):
                        results.append(Result(shape, f, _SH.QualifiedMinCountConstraintComponent))
        for prop in p.get(_SH.property, []):
            inner = self.program.shape(prop)
            # A property shape's results are its own, with its focus being this shape's value node.
            results.extend(self.evaluate(inner, every_value if shape.is_property else set(values)))
        for constraint in shape.sparql:
            results.extend(self._sparql(shape, constraint, set(values)))
        return results

    def _sparql(self, shape: Shape, constraint: SparqlConstraint, focus: set) -> list[Result]:
        seen: dict = defaultdict(list)
        results = []
        for bound in self._select(constraint.select, focus):
            this = bound.pop("this", None)
            if this is None:
                continue
            failure = bound.pop("failure", None)
            path = bound.pop("path", None)
            value = bound.pop("value", None)
            if failure is not None:
                key = ("failure",)
            else:
                key = (path, value, tuple(sorted((k, str(v)) for k, v in bound.items())))
            if key in seen[this]:
                continue
            seen[this].append(key)
            shown = value if value is not None else this
            variables = {**{k: self.rd(v) for k, v in bound.items()}, "this": self.rd(this)}
            if path is not None and failure is None:
                variables["path"] = self.rd(path)
            if failure is None:
                variables["value"] = self.rd(shown)
            results.append(Result(shape, this, SH.SPARQLConstraintComponent, value=None if failure else shown,
                                  path=None if failure else path, constraint=constraint.node,
                                  messages=_sparql_messages(shape.messages, constraint.messages, variables)))
        return results


def _groups(text: str) -> Iterator[tuple[int, int, bool]]:
    """(start, end, under EXISTS or a subquery) for each { … } group of a query text, skipping
    strings, IRIs and comments."""
    stack: list[tuple[int, bool]] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c in "\"'":
            quote = text[i:i + 3] if text[i:i + 3] in ('"""', "'''") else c
            i = text.find(quote, i + len(quote))
            while i > 0 and text[i - 1] == "\\":
                i = text.find(quote, i + 1)
            if i < 0:
                return
            i += len(quote)
            continue
        if c == "<" and re.match(r"<[^<>\s\"{}|^`]*>", text[i:]):
            i = text.index(">", i) + 1
            continue
        if c == "#":
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        if c == "{":
            before = text[:i].rstrip()
            shielded = (bool(stack) and stack[-1][1]) or before.upper().endswith("EXISTS") \
                or bool(re.match(r"\{\s*SELECT\b", text[i:], re.IGNORECASE)) \
                or bool(re.search(r"VALUES\s*(\?\w+|\([^)]*\))\s*$", before, re.IGNORECASE))
            stack.append((i, shielded))
        elif c == "}" and stack:
            start, shielded = stack.pop()
            yield start, i, shielded
        i += 1


def restrict_this(text: str, nodes: str) -> str:
    """`text` with ?this restricted to `nodes` (IRIs in N-Triples form) by a VALUES block at the
    start of every group that uses ?this, outside FILTER EXISTS and subqueries.

    One block at the top would do for the meaning, but Oxigraph evaluates a UNION's branches
    without the bindings of the patterns before it, so a branch such as { ?this org:role ?value .
    ?post org:role ?expected } would be a product over the whole graph. Inside EXISTS, ?this is
    already bound when the pattern is evaluated."""
    return restrict_this_by(text, f"VALUES ?this {{ {nodes} }}")


@functools.lru_cache(maxsize=256)
def _this_group_starts(text: str) -> tuple[int, ...]:
    """Where the groups that `restrict_this_by` puts a block in open, last first (a write runs
    each query text for a few batches)."""
    return tuple(sorted({start for start, end, shielded in _groups(text)
                         if not shielded and re.search(r"[?$]this\b", text[start:end])}, reverse=True))


def restrict_this_by(text: str, block: str) -> str:
    """`text` with `block`, a pattern that binds ?this, at the start of every group that uses
    ?this outside FILTER EXISTS and subqueries (see `restrict_this`)."""
    for start in _this_group_starts(text):
        text = text[:start + 1] + f" {block} " + text[start + 1:]
    return text


def _format(message: str, variables: dict) -> str:
    for name, value in variables.items():
        message = re.sub("{{[?$]{}}}".format(name), str(value), message)
    return message


def _sparql_messages(own: list[Literal], constraint: list[Literal], variables: dict) -> list[Literal]:
    """As pyshacl words a SPARQL-based result: the constraint's messages, then the shape's, each
    with {?var} replaced and as a plain literal."""
    extra = [m for m in constraint if m not in own]
    return [Literal(_format(str(m.value), variables)) for m in [*extra, *own]]


def _kind_matches(term, kind: Node) -> bool:
    if isinstance(term, ox.BlankNode):
        return kind in (SH.BlankNode, SH.BlankNodeOrLiteral, SH.BlankNodeOrIRI)
    if isinstance(term, ox.Literal):
        return kind in (SH.Literal, SH.BlankNodeOrLiteral, SH.IRIOrLiteral)
    return kind in (SH.IRI, SH.IRIOrLiteral, SH.BlankNodeOrIRI)


def _lexical(term) -> str | None:
    """What sh:pattern matches (`_as_string`) of an ox term, without converting the plain strings,
    language-tagged strings and IRIs that most values are (their lexical form is that string)."""
    if isinstance(term, ox.NamedNode) or (isinstance(term, ox.Literal) and (
            term.language or term.datatype.value == _XSD_STRING_IRI)):
        return term.value
    return None


def _as_string(term: Node) -> str:
    if isinstance(term, Literal) and term.value is not None and term.datatype in (None, RDF.langString, XSD.string):
        return str(term.value)
    return str(term)


_PYTHON_TYPES = {XSD.string: (str, bytes), RDF.langString: (str, bytes), XSD.integer: int, XSD.float: float,
                 XSD.decimal: Decimal, XSD.boolean: bool, XSD.date: date, XSD.time: clock_time, XSD.dateTime: datetime}


def _lexical_value_fits(term: Literal, rule: Node) -> bool:
    wanted = _PYTHON_TYPES.get(rule)
    return True if wanted is None else isinstance(term.value, wanted)


# Looked up once: rdflib resolves a namespace attribute on every access.
_RDFS_LITERAL, _RDFS_DATATYPE, _XSD_STRING, _LANG_STRING = RDFS.Literal, RDFS.Datatype, XSD.string, RDF.langString
_XSD_STRING_IRI = str(XSD.string)


def _datatype_decided(term, rule: Node) -> bool | None:
    """`_datatype_matches` for an ox term where it needs no rdflib literal (None: where it does,
    to see whether a lexical form is well-formed): strings and language-tagged strings, and any
    literal of another datatype than the rule's. Converting every label of a full validation was
    a tenth of its time."""
    if not isinstance(term, ox.Literal):
        return False
    if rule == _RDFS_LITERAL:
        return True
    if term.language:  # rdflib gives it no datatype
        return rule == _LANG_STRING
    datatype = term.datatype.value
    if datatype == _XSD_STRING_IRI:  # rdflib gives it no datatype either
        return rule == _XSD_STRING
    if rule == _RDFS_DATATYPE:
        return True
    return None if str(rule) == datatype else False


def _datatype_matches(term: Node, rule: Node) -> bool:
    """sh:datatype as pyshacl decides it, well-formedness of the lexical form included."""
    if not isinstance(term, Literal):
        return False
    if term.datatype == rule:
        return getattr(term, "ill_typed", None) is not True and _lexical_value_fits(term, rule)
    if rule == _RDFS_LITERAL:
        return True
    if rule == _RDFS_DATATYPE and term.datatype:
        return True
    if term.datatype is None and term.language is None and rule == _XSD_STRING:
        return _lexical_value_fits(term, rule)
    if rule == _LANG_STRING and term.language:
        return _lexical_value_fits(term, rule)
    return False


# --- Entry points ----------------------------------------------------------------------------


def _generic_message(result: Result) -> Literal:
    """For a result whose shape has no sh:message (every shape of this project has one)."""
    name = str(result.component).rsplit("#", 1)[-1].removesuffix("ConstraintComponent")
    return Literal(f"Fails sh:{name[0].lower()}{name[1:]}")


def results_graph(program: Program, results: list[Result], run: Run) -> Graph:
    """The results as a standard sh:ValidationReport graph, with the paths they name spelled out."""
    graph = Graph()
    report = BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    conforms = True
    copied: set = set()

    def copy_path(node: Node) -> None:
        todo = [node]
        while todo:
            n = todo.pop()
            if not isinstance(n, BNode) or n in copied:
                continue
            copied.add(n)
            for p, o in program.graph.predicate_objects(n):
                graph.add((n, p, o))
                todo.append(o)

    for r in results:
        node = BNode()
        graph.add((report, SH.result, node))
        graph.add((node, RDF.type, SH.ValidationResult))
        graph.add((node, SH.focusNode, run.rd(r.focus)))
        graph.add((node, SH.resultSeverity, r.shape.severity))
        graph.add((node, SH.sourceConstraintComponent, r.component))
        graph.add((node, SH.sourceShape, r.shape.node))
        if r.value is not None:
            graph.add((node, SH.value, run.rd(r.value)))
        path = r.path if r.path is not None else r.shape.path
        if path is not None:
            path = run.rd(path) if isinstance(path, (ox.NamedNode, ox.BlankNode, ox.Literal)) else path
            graph.add((node, SH.resultPath, path))
            copy_path(path)
        if r.constraint is not None:
            graph.add((node, SH.sourceConstraint, r.constraint))
        messages = r.messages if r.messages is not None else (r.shape.messages or [_generic_message(r)])
        for m in messages:
            graph.add((node, SH.resultMessage, m))
        if r.shape.severity == SH.Violation:
            conforms = False
    graph.add((report, SH.conforms, Literal(conforms)))
    return graph


def validate_store(program: Program, store: ox.Store, focus: set | None = None) -> Graph:
    """Validate the union of the store's graphs; with `focus` (ox terms), only the results about
    those focus nodes, as pyshacl run on every shape's targets among them would give."""
    run = Run(program, store, restricted=focus is not None)
    results: list[Result] = []
    for node in program.top_level:
        shape = program.shape(node)
        if shape.deactivated:
            continue
        results.extend(run.evaluate(shape, run.focus_nodes(shape, focus)))
    return results_graph(program, results, run)
