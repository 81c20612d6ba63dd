"""Checks the loaded graph against the SHACL shapes and says precisely what is wrong where.

Ontology and data are validated together as one graph, so the ontology's
rdfs:subClassOf axioms are in the data graph, which is where SHACL looks for
them when deciding what sh:targetClass and sh:class cover. No RDFS/OWL
inference is run: it would let range and domain axioms invent the very types
that the shapes are there to demand.

Speed. pyshacl hands rdflib the text of a SPARQL constraint once per focus
node, and rdflib parses and translates that text every time: on the whole
repository that was three quarters of a run. The data graph given to pyshacl
is therefore a `PreparedQueryGraph`, a view over the same triples whose
`query` parses each distinct text once and reuses the prepared algebra. It is
contained: nothing global is patched, and only pyshacl's queries go through it.
pyshacl also runs in place (no copy of the data graph), which is safe because
the shapes have no SHACL rules that would write to it.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from dataclasses import asdict, dataclass

import pyshacl
from pyshacl.errors import ReportableRuntimeError
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, SKOS
from rdflib.plugins.sparql.processor import prepareQuery
from rdflib.term import Node

from pathlib import Path

from seckg.loading import FileChange, LoadedGraph
from seckg.namespaces import display_prefixes, shorten
from seckg.setwise_shacl import Program, UnsupportedShapes, ox_term, validate_store
from seckg.store_view import StoreView
from seckg.terms import to_rdflib

_SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass(frozen=True)
class Finding:
    """One SHACL validation result, with terms rendered for people and a source location."""

    severity: str  # Violation, Warning or Info
    focus: str  # the focus node's IRI, or _:id for a blank node
    node: str  # the IRI the finding is filed under: the focus, or the resource owning a blank focus
    via: str | None  # for a blank focus, the path from `node` to it, e.g. org:memberDuring
    label: str | None  # of `node`
    path: str | None  # SPARQL property path syntax, prefixed
    value: str | None  # N-Triples-like rendering, prefixed
    message: str
    component: str  # e.g. sh:MinCountConstraintComponent
    shape: str | None  # the shape's name, or the node shape that holds a blank property shape
    file: str | None  # where the focus node (or the resource that owns it) is described
    line: int | None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class ValidationReport:
    """All findings plus pyshacl's own results graph for standard SHACL output."""

    findings: list[Finding]
    graph: Graph

    @property
    def conforms(self) -> bool:
        """Warnings and infos are advice; only violations make the graph unfit to serve."""
        return not any(f.severity == "Violation" for f in self.findings)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]


class _Describer:
    """Renders nodes of the data and shapes graphs for a report.

    It reads labels and owners from the Oxigraph store (the union of its graphs), so a report
    never needs the rdflib copy of a large graph."""

    def __init__(self, loaded: LoadedGraph):
        self.loaded = loaded
        self.store = loaded.store
        self.shapes = loaded.shapes
        self.prefixes = display_prefixes(loaded.config.base, loaded.prefixes)

    def term(self, node: Node) -> str:
        if isinstance(node, URIRef):
            return shorten(str(node), self.prefixes)
        if isinstance(node, BNode):
            return f"_:{node}"
        if isinstance(node, Literal):
            if node.language:
                return f'"{node}"@{node.language}'
            if node.datatype is not None:
                return f'"{node}"^^{shorten(str(node.datatype), self.prefixes)}'
            return f'"{node}"'
        return str(node)

    def path(self, graph: Graph, node: Node) -> str:
        """A SHACL property path in SPARQL syntax (sh:inversePath → ^p, sequences → a/b …)."""
        if isinstance(node, URIRef):
            return self.term(node)
        if (graph.value(node, RDF.first)) is not None:
            return "/".join(self.path(graph, item) for item in Collection(graph, node))
        for predicate, template in (
            (SH.inversePath, "^{}"),
            (SH.zeroOrMorePath, "{}*"),
            (SH.oneOrMorePath, "{}+"),
            (SH.zeroOrOnePath, "{}?"),
        ):
            inner = graph.value(node, predicate)
            if inner is not None:
                return template.format(self.path(graph, inner))
        alternatives = graph.value(node, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self.path(graph, i) for i in Collection(graph, alternatives)) + ")"
        return self.term(node)

    def _objects(self, node: Node, predicate: URIRef) -> set[Node]:
        if isinstance(node, Literal):
            return set()
        return {to_rdflib(q.object) for q in self.store.quads_for_pattern(ox_term(node), ox_term(predicate), None, None)}

    def label(self, node: Node) -> str | None:
        labels = [*self._objects(node, RDFS.label), *self._objects(node, SKOS.prefLabel)]
        english = [lab for lab in labels if isinstance(lab, Literal) and lab.language == "en"]
        chosen = english or labels
        return str(sorted(chosen, key=str)[0]) if chosen else None

    def owner(self, node: Node) -> tuple[Node, list[Node]]:
        """For a blank node, the nearest resource that points to it and the predicates leading
        there; for anything else, the node itself and no predicates."""
        seen = {node}
        via: list[Node] = []
        while isinstance(node, BNode):
            link = next(iter(self.store.quads_for_pattern(None, None, ox_term(node), None)), None)
            if link is None or to_rdflib(link.subject) in seen:
                break
            node = to_rdflib(link.subject)
            seen.add(node)
            via.insert(0, to_rdflib(link.predicate))
        return node, via

    def shape(self, shape: Node | None) -> str | None:
        if shape is None:
            return None
        if isinstance(shape, BNode):
            parent = next(iter(self.shapes.subjects(SH.property, shape)), None)
            if parent is not None:
                return self.term(parent)
        return self.term(shape)


def _plain(node: Node) -> str:
    return f"_:{node}" if isinstance(node, BNode) else str(node)


def _holder(results: Graph, shapes: Graph, path: Node) -> Graph:
    """The graph that spells out a (possibly blank-node) path: the results, else the shapes."""
    return results if (path, None, None) in results or isinstance(path, URIRef) else shapes


def _messages(results: Graph, result: Node) -> str:
    texts = sorted(str(m) for m in results.objects(result, SH.resultMessage))
    return "; ".join(texts)


def findings_from(results: Graph, loaded: LoadedGraph) -> list[Finding]:
    """Turn a SHACL results graph into findings sorted by file, line, node and severity."""
    describe = _Describer(loaded)
    findings = []
    # Only the report's top-level results: nested sh:detail results repeat what they explain.
    top_level = (
        result
        for report in results.subjects(RDF.type, SH.ValidationReport)
        for result in results.objects(report, SH.result)
    )
    for result in top_level:
        focus = results.value(result, SH.focusNode)
        severity = results.value(result, SH.resultSeverity)
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        owner, via = describe.owner(focus)
        location = loaded.location(str(owner)) if isinstance(owner, URIRef) else None
        findings.append(
            Finding(
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                focus=_plain(focus),
                node=_plain(owner),
                via="/".join(describe.term(p) for p in via) or None,
                label=describe.label(owner),
                path=describe.path(_holder(results, loaded.shapes, path), path) if path is not None else None,
                value=describe.term(value) if value is not None else None,
                message=_messages(results, result),
                component=describe.term(results.value(result, SH.sourceConstraintComponent)),
                shape=describe.shape(results.value(result, SH.sourceShape)),
                file=location.file.as_posix() if location else None,
                line=location.line if location else None,
            )
        )
    findings.sort(
        key=lambda f: (
            f.file is None,
            f.file or "",
            f.line or 0,
            f.node,
            f.via or "",
            _SEVERITY_ORDER.get(f.severity, 9),
            f.path or "",
            f.component,
        )
    )
    return findings


@functools.lru_cache(maxsize=512)
def _prepared(text: str, namespaces: frozenset, base: str | None):
    """The parsed and translated form of a query text, built once per distinct text."""
    return prepareQuery(text, initNs=dict(namespaces), base=base)


class PreparedQueryGraph(Graph):
    """A view over another graph's triples (same store, no copy) whose string queries are
    prepared once; see the module docstring for why."""

    def __init__(self, graph: Graph):
        super().__init__(store=graph.store, identifier=graph.identifier, namespace_manager=graph.namespace_manager)

    def query(self, query_object, processor="sparql", result="sparql", initNs=None, initBindings=None,  # noqa: N803
              use_store_provided=True, **kwargs):
        if isinstance(query_object, str):
            namespaces = frozenset((initNs or {}).items())
            query_object = _prepared(query_object, namespaces, kwargs.pop("base", None))
            initNs = None  # noqa: N806  (already applied when the text was prepared)
        return super().query(query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs)


_OPTIONS = {
    "inference": "none",
    "advanced": True,  # SPARQL-based targets and constraints
    "allow_warnings": True,  # sh:Warning / sh:Info do not fail sh:conforms
    "abort_on_first": False,
    "inplace": True,  # no copy of the data graph: the shapes have no rules that would change it
}


class ShapesError(ValueError):
    """The shapes themselves are unusable (pyshacl refused them), so nothing was validated."""


ENGINES = ("setwise", "pyshacl")
DEFAULT_ENGINE = "setwise"


_PROGRAMS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def program_for(shapes: Graph) -> Program:
    """The shapes compiled for the set-wise engine, once per shapes graph (a write's validation
    is shorter than the compilation); unusable shapes raise `ShapesError`."""
    cached = _PROGRAMS.get(shapes)
    if cached is not None and cached[0] == len(shapes):
        return cached[1]
    try:
        program = Program(shapes)
    except UnsupportedShapes as error:
        raise ShapesError(f"the shapes cannot be used: {error}") from error
    _PROGRAMS[shapes] = (len(shapes), program)
    return program


def validate_focus_nodes(loaded: LoadedGraph, focus: set[Node], engine: str = DEFAULT_ENGINE) -> Graph:
    """The SHACL results about the `focus` nodes only: each shape on those of its targets in `focus`."""
    if engine == "setwise":
        return validate_store(program_for(loaded.shapes), loaded.store, {ox_term(n) for n in focus})
    return _validate_focus(loaded.union_graph, loaded.shapes, focus)


def validate(loaded: LoadedGraph, engine: str = DEFAULT_ENGINE) -> ValidationReport:
    """Validate ontology + data against all shapes, with the set-wise engine (setwise_shacl.py)
    or with pyshacl, the reference it is tested against; both give the same findings.

    An invalid graph gives a report, never an exception; unusable shapes raise `ShapesError`.
    """
    if engine == "setwise":
        results = validate_store(program_for(loaded.shapes), loaded.store)
        return ValidationReport(findings=findings_from(results, loaded), graph=results)
    if engine != "pyshacl":
        raise ValueError(f"unknown validation engine {engine!r}; choose one of {', '.join(ENGINES)}")
    try:
        _, results, _ = pyshacl.validate(
            PreparedQueryGraph(loaded.union_graph), shacl_graph=loaded.shapes, **_OPTIONS
        )
    except ReportableRuntimeError as error:
        raise ShapesError(f"the shapes cannot be used: {error.message}") from error
    return ValidationReport(findings=findings_from(results, loaded), graph=results)


# --- Incremental validation -------------------------------------------------------------------
#
# After one data file changes, only some focus nodes can have different results: those whose own
# description changed, and those whose constraints read a changed node. A constraint reads the
# focus node (with the blank nodes it owns: intervals, instants) and the nodes one link away
# (sh:class and sh:node on values, the organization of a membership, the report of a statement,
# the post of a post holding). A few SPARQL constraints read further, along the paths below;
# a new constraint that does must add its path here (tests/test_validation_incremental.py checks
# incremental against full validation on edits of every data file and every fixture).
#
# Each path is (first, direction, second, shared): from a changed node along `second` (inverted with
# _INVERSE) to a middle node, then back along `first` to the nodes read. `shared`, when not empty,
# keeps only the nodes that have a value of one of these predicates in common with the changed
# node (before or after the change): the constraint only ever pairs such nodes.

_INVERSE = "^"
_ORG = "http://www.w3.org/ns/org#"
_READS_BEYOND_ONE_LINK: tuple[tuple[URIRef, str, URIRef, tuple[URIRef, ...]], ...] = (
    # statement → speaker → the speaker's post holdings (secsh:StatementAfterTakingPost)
    (URIRef("http://www.w3.org/ns/prov#wasAttributedTo"), _INVERSE, URIRef(_ORG + "member"), ()),
    # membership → member → the member's other memberships in the same organization or post
    # (secsh:DuplicatedSpell compares only those: a state in a thousand organizations is not a
    # thousand memberships to revalidate)
    (URIRef(_ORG + "member"), _INVERSE, URIRef(_ORG + "member"),
     (URIRef(_ORG + "organization"), URIRef("https://w3id.org/seckg/ontology#post"))),
    # post holding → post → the state the post is of (secsh:MembershipWithinStateLifetime)
    (URIRef("https://w3id.org/seckg/ontology#post"), "", URIRef("https://w3id.org/seckg/ontology#postOfState"), ()),
    # resource → its label → the other resources of that label (secsh:UniqueLabel)
    (RDFS.label, _INVERSE, RDFS.label, ()),
)


def _owned(graph: Graph, node: Node) -> set[Node]:
    """`node` and the blank nodes it owns, transitively (a membership's interval and instants)."""
    seen = {node}
    todo = [node]
    blank_objects = getattr(graph, "blank_objects", None)  # a StoreView's: converts no literal
    while todo:
        current = todo.pop()
        found = blank_objects(current) if blank_objects else graph.objects(current, None)
        for o in found:
            if isinstance(o, BNode) and o not in seen:
                seen.add(o)
                todo.append(o)
    return seen


def owning_resource(graph: Graph, node: Node) -> Node:
    """The resource that owns a blank node (itself for anything else, or an unowned blank node)."""
    seen = {node}
    while isinstance(node, BNode):
        parent = next((s for s in graph.subjects(None, node) if s not in seen), None)
        if parent is None:
            break
        node = parent
        seen.add(node)
    return node


def _descriptions(triples: Graph) -> dict[Node, frozenset]:
    """Each resource's description with the blank nodes it owns spelled out, so two parses of
    the same text compare equal although their blank node ids differ."""

    def canonical(node: Node, depth: int = 0):
        if isinstance(node, BNode) and depth < 8:
            return frozenset((p, canonical(o, depth + 1)) for p, o in triples.predicate_objects(node))
        return node

    owners = {owning_resource(triples, s) for s in triples.subjects()}
    return {o: canonical(o) if isinstance(o, BNode) else frozenset(
        (p, canonical(v)) for p, v in triples.predicate_objects(o)) for o in owners}


def _as_graph(quads) -> Graph:
    graph = Graph()
    for q in quads:
        graph.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return graph


def changed_resources(change: FileChange) -> tuple[set[Node], set[Node]]:
    """The resources whose description differs between the old and the new text of the file,
    and the IRIs a changed description links to or linked to (only their incoming links changed,
    which no constraint reads beyond the focus itself)."""
    old, new = _as_graph(change.removed), _as_graph(change.added)
    before, after = _descriptions(old), _descriptions(new)
    # Blank owners get fresh ids in every parse, so an unowned blank description always differs.
    changed = {n for n in before.keys() | after.keys() if before.get(n) != after.get(n)}
    linked = {o for g in (old, new) for n in changed for o in g.objects(n, None) if isinstance(o, URIRef)}
    return changed, linked - changed


def affected_focus_nodes(graph: Graph, removed: Graph, changed: set[Node]) -> set[Node]:
    """Every node whose results may differ because `changed` changed: the changed resources,
    what links to them, and what reads them along `_READS_BEYOND_ONE_LINK`; each with the blank
    nodes it owns. `removed` holds the file's old triples, for links that no longer exist."""
    graphs = (graph, removed)
    resources = set(changed)
    for node in changed:
        for g in graphs:
            resources |= {owning_resource(g, s) for s in g.subjects(None, node)}
        for first, direction, second, shared in _READS_BEYOND_ONE_LINK:
            values = _values(graphs, node, shared)
            for g in graphs:
                middles = g.objects(node, second) if direction == _INVERSE else g.subjects(second, node)
                for middle in list(middles):
                    for h in graphs:
                        resources |= {owning_resource(h, s) for s in h.subjects(first, middle)
                                      if not shared or values & _values(graphs, s, shared)}
    focus: set[Node] = set()
    for node in resources:
        focus |= _owned(graph, node)
    return focus


def _values(graphs, node: Node, predicates: tuple[URIRef, ...]) -> set[Node]:
    return {v for g in graphs for p in predicates for v in g.objects(node, p)}


def _validate_focus(graph: Graph, shapes: Graph, focus: set[Node]) -> Graph:
    """pyshacl's validation restricted to `focus`: each shape is evaluated on the nodes it
    targets that are in `focus`."""
    return validate_shapes_on(graph, shapes, lambda shape, data: [n for n in shape.focus_nodes(data) if n in focus])


def validate_shapes_on(graph: Graph, shapes: Graph, targets_of: Callable) -> Graph:
    """Run each shape on the nodes `targets_of(shape, data_graph)` picks; the SHACL results graph.

    pyshacl's own focus_nodes option takes IRIs only, and the intervals and
    instants are blank nodes, so this drives pyshacl's shapes directly, the
    way `pyshacl.Validator.run` does."""
    from pyshacl import Validator
    from pyshacl.graph_abstraction import DataGraph

    data = DataGraph.from_rdflib(PreparedQueryGraph(graph))
    validator = Validator(data, shacl_graph=shapes, options=dict(_OPTIONS))
    executor = validator.make_executor()
    reports = []
    conforms = True
    for shape in validator.shacl_graph.shapes:
        shape.set_advanced(True)
        targets = targets_of(shape, data)
        if targets:
            ok, found = shape.validate(executor, data, focus=targets)
            conforms = conforms and ok
            reports.extend(found)
    results, _ = validator.create_validation_report(validator.shacl_graph, conforms, reports)
    return results


def _result_nodes(results: Graph) -> list[Node]:
    return [r for report in results.subjects(RDF.type, SH.ValidationReport) for r in results.objects(report, SH.result)]


def _merge_results(results: Graph, drop: set[Node], fresh: Graph) -> Graph:
    """`results` without the results about `drop`, plus the results of `fresh`."""
    merged = Graph()
    report = BNode()
    merged.add((report, RDF.type, SH.ValidationReport))

    def copy(graph: Graph, node: Node) -> None:
        todo = [node]
        while todo:
            n = todo.pop()
            for p, o in graph.predicate_objects(n):
                merged.add((n, p, o))
                if isinstance(o, BNode) and (o, None, None) not in merged:
                    todo.append(o)

    for graph, keep in ((results, lambda r: results.value(r, SH.focusNode) not in drop), (fresh, lambda r: True)):
        for r in _result_nodes(graph):
            if keep(r):
                merged.add((report, SH.result, r))
                copy(graph, r)
    conforms = not any(
        merged.value(r, SH.resultSeverity) == SH.Violation for r in merged.objects(report, SH.result)
    )
    merged.add((report, SH.conforms, Literal(conforms)))
    return merged


class IncrementalValidator:
    """Validates everything once, then after each edited data file only the focus nodes the
    edit can affect (see `affected_focus_nodes`), merging their results into the last report.

    An edit of an ontology file changes what the class targets cover, so it is validated in full.
    """

    def __init__(self, loaded: LoadedGraph, engine: str = DEFAULT_ENGINE):
        self.loaded = loaded
        self.engine = engine
        self.report = validate(loaded, engine)
        self.last_focus: set[Node] | None = None  # what the last update re-validated (None: all)

    def update(self, path: Path) -> ValidationReport:
        from seckg.loading import relative, replace_file

        change = replace_file(self.loaded, path)
        ontology = relative(self.loaded.config, self.loaded.config.ontology_dir)
        if change.path.is_relative_to(ontology):
            self.report = validate(self.loaded, self.engine)
            self.last_focus = None
            return self.report
        graph = self.loaded.union_graph if self.engine == "pyshacl" else StoreView(self.loaded.store)
        removed = _as_graph(change.removed)
        changed, linked = changed_resources(change)
        # Results about blank nodes that the new parse replaced belong to resources to redo.
        for f in self.report.graph.objects(None, SH.focusNode):
            if isinstance(f, BNode) and (f, None, None) not in graph:
                changed.add(owning_resource(removed, f))
        focus = affected_focus_nodes(graph, removed, changed) | linked
        stale = focus | {f for f in self.report.graph.objects(None, SH.focusNode) if (f, None, None) not in graph}
        fresh = validate_focus_nodes(self.loaded, focus, self.engine) if focus else Graph()
        merged = _merge_results(self.report.graph, stale, fresh)
        self.report = ValidationReport(findings=findings_from(merged, self.loaded), graph=merged)
        self.last_focus = focus
        return self.report
