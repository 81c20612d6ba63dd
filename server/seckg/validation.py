"""Checks the loaded graph against the SHACL shapes and says precisely what is wrong where.

Ontology and data are validated together as one graph, so the ontology's
rdfs:subClassOf axioms are in the data graph, which is where SHACL looks for
them when deciding what sh:targetClass and sh:class cover. No RDFS/OWL
inference is run: it would let range and domain axioms invent the very types
that the shapes are there to demand.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pyshacl
from pyshacl.errors import ReportableRuntimeError
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, SKOS
from rdflib.term import Node

from seckg.loading import LoadedGraph
from seckg.namespaces import display_prefixes, shorten

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
    """Renders nodes of the data and shapes graphs for a report."""

    def __init__(self, loaded: LoadedGraph):
        self.loaded = loaded
        self.data = loaded.union_graph
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

    def label(self, node: Node) -> str | None:
        labels = [*self.data.objects(node, RDFS.label), *self.data.objects(node, SKOS.prefLabel)]
        english = [lab for lab in labels if isinstance(lab, Literal) and lab.language == "en"]
        chosen = english or labels
        return str(sorted(chosen, key=str)[0]) if chosen else None

    def owner(self, node: Node) -> tuple[Node, list[Node]]:
        """For a blank node, the nearest resource that points to it and the predicates leading
        there; for anything else, the node itself and no predicates."""
        seen = {node}
        via: list[Node] = []
        while isinstance(node, BNode):
            link = next(iter(self.data.subject_predicates(node)), None)
            if link is None or link[0] in seen:
                break
            node = link[0]
            seen.add(node)
            via.insert(0, link[1])
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


class ShapesError(ValueError):
    """The shapes themselves are unusable (pyshacl refused them), so nothing was validated."""


def validate(loaded: LoadedGraph) -> ValidationReport:
    """Validate ontology + data against all shapes.

    An invalid graph gives a report, never an exception; unusable shapes raise `ShapesError`.
    """
    try:
        _, results, _ = pyshacl.validate(
            loaded.union_graph,
            shacl_graph=loaded.shapes,
            inference="none",
            advanced=True,  # SPARQL-based targets and constraints
            allow_warnings=True,  # sh:Warning / sh:Info do not fail sh:conforms
            abort_on_first=False,
        )
    except ReportableRuntimeError as error:
        raise ShapesError(f"the shapes cannot be used: {error.message}") from error
    return ValidationReport(findings=findings_from(results, loaded), graph=results)
