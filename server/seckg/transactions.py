"""Turns one write request into the exact change it makes to the named graphs, and checks it.

Every triple of the store lives in the named graph of one file, and queries see
their union as the default graph. A write is worked out without touching the
store, and comes out as a `Change`: the quads removed and the quads added. The writer (see writer.py) validates that change
and, only if it conforms, makes it durable; a refused write changes nothing.

SPARQL Update sees the same default graph as queries do: its semantics are those
of running it on a copy of the store whose default graph is filled with the
union (`update_change_by_copy` does exactly that, for the updates that
update_delta.py cannot work out by querying the store), so
`DELETE {…} INSERT {…} WHERE {…}` without GRAPH works on the data as it is
queried. What the update does to that default graph is then mapped back to
files: a triple deleted from it is deleted from every data graph that states
it; a triple inserted into it goes to the graph that describes its subject
(the resource owning it, for a blank node) when exactly one graph does, else
to the configured default graph for writes, else the write is refused and
asks for GRAPH or WITH.

Only graphs of data files (`{base}graph/data/…`) can be written: the ontology
and the shapes are edited as files (see `seckg serve --watch`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDFS

from seckg.config import Config
from seckg.loading import LoadedGraph
from seckg.sparql_guard import QueryRejected, check_query, inspect_query, positioned_tokens
from seckg.terms import to_rdflib
from seckg import update_delta
from seckg.change_validation import validate_focus
from seckg.store_view import StoreView
from seckg.validation import (
    DEFAULT_ENGINE,
    ValidationReport,
    affected_focus_nodes,
    findings_from,
    owning_resource,
    validate,
    validate_focus_nodes,
)


class WriteRefused(Exception):
    """A write this server will not apply, with the HTTP status and the reason to give."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass
class Change:
    """Quads leaving and entering the named graphs; the two sets never share a quad."""

    removed: set[ox.Quad] = field(default_factory=set)
    added: set[ox.Quad] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.removed or self.added)

    def inverse(self) -> Change:
        """The change that takes this one back (both are differences from the same graph)."""
        return Change(removed=self.added, added=self.removed)

    def per_graph(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for key, quads in (("removed", self.removed), ("added", self.added)):
            for q in quads:
                counts.setdefault(q.graph_name.value, {"removed": 0, "added": 0})[key] += 1
        return dict(sorted(counts.items()))


_SAFE_PATH = re.compile(r"^[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*$")


def data_file_of(config: Config, graph: str) -> PurePosixPath | None:
    """The data file (relative to the root) a graph IRI stands for, None for any other graph."""
    prefix = f"{config.base}graph/data/"
    if not graph.startswith(prefix):
        return None
    rest = graph[len(prefix):]
    if not _SAFE_PATH.match(rest) or any(part in (".", "..") for part in rest.split("/")):
        return None
    return PurePosixPath("data") / f"{rest}.ttl"


def _require_data_graph(config: Config, graph: str) -> None:
    if data_file_of(config, graph) is None:
        raise WriteRefused(
            400, f"<{graph}> is not the graph of a data file: only graphs named "
                 f"{config.base}graph/data/<path> (the file data/<path>.ttl) can be written; "
                 "the ontology and the shapes are edited as files")


def _with_using(text: str, using: list[str], using_named: list[str]) -> str:
    """The update with `USING <g>` / `USING NAMED <g>` put before the WHERE of every DELETE/INSERT…WHERE
    operation, which is what the protocol's using-graph-uri / using-named-graph-uri mean."""
    tokens = positioned_tokens(text)
    words = {t.upper() for kind, t, _ in tokens if kind == "word"}
    if words & {"USING", "WITH"}:
        raise WriteRefused(400, "using-graph-uri / using-named-graph-uri cannot be combined with USING, "
                                "USING NAMED or WITH in the update itself")
    clause = "".join(f" USING {ox.NamedNode(g)}" for g in using) + "".join(
        f" USING NAMED {ox.NamedNode(g)}" for g in using_named) + " "
    depth, previous, cuts = 0, None, []
    for kind, token, offset in tokens:
        if kind == "brace":
            depth += 1 if token == "{" else -1
        elif depth == 0 and kind == "word" and token.upper() == "WHERE" and previous == "}":
            cuts.append(offset)
        previous = token
    for offset in reversed(cuts):
        text = text[:offset] + clause + text[offset:]
    return text


def update_change(config: Config, store: ox.Store, text: str, using: list[str] = (),
                  using_named: list[str] = (), default_graph: str | None = None) -> Change:
    """The change a SPARQL 1.1 Update makes to `store` (which it leaves untouched)."""
    text = _admitted_update(config, text, using, using_named)
    try:
        state = update_delta.delta(store, text, config.base)
    except update_delta.NeedsCopy:
        return _change_on_a_copy(config, store, text, default_graph)
    except (ValueError, OSError, RuntimeError) as error:
        raise WriteRefused(400, f"the update failed: {error}") from None
    gone = state.default_removed  # deleted from the union: from every graph stating it
    removed = set(state.named_removed)
    for t in gone:
        removed.update(store.quads_for_pattern(t.subject, t.predicate, t.object, None))
    added = {q for q in state.named_added if q.triple not in gone}
    stated = {q.triple for q in added}
    inserted = {t for t in state.default_added if t not in stated}
    placed = _file_inserted(config, inserted, update_delta.Candidate(state, removed, added), default_graph)
    return _checked(config, Change(removed=removed, added=added | placed))


def update_change_by_copy(config: Config, store: ox.Store, text: str, using: list[str] = (),
                          using_named: list[str] = (), default_graph: str | None = None) -> Change:
    """`update_change` worked out by running the update on a copy of the store: the definition the
    faster way is held to (tests), and the way for updates it does not handle."""
    return _change_on_a_copy(config, store, _admitted_update(config, text, using, using_named), default_graph)


def _admitted_update(config: Config, text: str, using: list[str], using_named: list[str]) -> str:
    """The update as it will run (protocol USING clauses put in), or WriteRefused."""
    try:
        info = check_query(text)
    except QueryRejected as error:
        raise WriteRefused(400, str(error)) from None
    if not info.is_update and inspect_query(text).form is not None:
        raise WriteRefused(400, "this is a query, not an update: send queries to /sparql")
    if any(kind == "word" and t.upper() == "LOAD" for kind, t, _ in positioned_tokens(text)):
        raise WriteRefused(400, "LOAD is not allowed: the server fetches nothing from the web; "
                                "PUT or POST the data to /data?graph=… instead")
    if using or using_named:
        text = _with_using(text, list(using), list(using_named))
    try:  # on an empty store: the parser's own message, at no cost
        ox.Store().update(text, base_iri=config.base)
    except SyntaxError as error:
        raise WriteRefused(400, f"malformed update: {error}") from None
    except (ValueError, OSError, RuntimeError):
        pass  # an error of running it on no data, not necessarily on this store's
    return text


def _change_on_a_copy(config: Config, store: ox.Store, text: str, default_graph: str | None) -> Change:
    # Differences are taken between N-Quads lines (bytes): comparing pyoxigraph objects in Python
    # sets cost seconds on the repository, comparing lines costs milliseconds.
    # Each dump is a pass over the whole graph (the cost of a write at a million triples), so
    # the named graphs are dumped alone, before the union is added and after it is cleared.
    candidate = ox.Store()
    candidate.extend(store.quads_for_pattern(None, None, None, None))
    before = _lines(candidate)
    candidate.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")  # the union, as queries see it
    union_before = _lines(candidate, default_only=True)
    before -= union_before
    try:
        candidate.update(text, base_iri=config.base)
    except SyntaxError as error:
        raise WriteRefused(400, f"malformed update: {error}") from None
    except (ValueError, OSError, RuntimeError) as error:
        raise WriteRefused(400, f"the update failed: {error}") from None
    default_after = _lines(candidate, default_only=True)
    for triple in _parsed(union_before - default_after):  # deleted from the union: from every graph stating it
        for q in list(candidate.quads_for_pattern(triple.subject, triple.predicate, triple.object, None)):
            candidate.remove(q)
    inserted = {t for t in _parsed(default_after - union_before)
                if not any(not isinstance(q.graph_name, ox.DefaultGraph)
                           for q in candidate.quads_for_pattern(t.subject, t.predicate, t.object, None))}
    placed = _file_inserted(config, inserted, candidate, default_graph)  # reads the default graph too
    candidate.clear_graph(ox.DefaultGraph())
    named_after = _lines(candidate)
    change = Change(removed=set(_parsed(before - named_after, quads=True)),
                    added=set(_parsed(named_after - before, quads=True)))
    change.added |= placed
    return _checked(config, change)


def _lines(store: ox.Store, default_only: bool = False) -> set[bytes]:
    if default_only:
        return set(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).splitlines())
    return set(store.dump(format=ox.RdfFormat.N_QUADS).splitlines())


def _parsed(lines: set[bytes], quads: bool = False) -> list:
    """Lines of N-Triples or N-Quads back to triples or quads, blank node ids kept."""
    if not lines:
        return []
    text = b"\n".join(sorted(lines)) + b"\n"
    parsed = ox.parse(text, format=ox.RdfFormat.N_QUADS if quads else ox.RdfFormat.N_TRIPLES)
    return [q if quads else ox.Triple(q.subject, q.predicate, q.object) for q in parsed]


def _file_inserted(config: Config, triples: set[ox.Triple], candidate: ox.Store | update_delta.Candidate,
                   default_graph: str | None) -> set[ox.Quad]:
    """Quads placing triples inserted into the default graph in the graph that describes their
    subject (for a blank node: the resource that owns it) in `candidate`, the store after the update."""
    placed = set()
    for t in triples:
        owner, seen = t.subject, set()
        while isinstance(owner, ox.BlankNode) and owner not in seen:
            seen.add(owner)
            parent = next(iter(candidate.quads_for_pattern(None, None, owner, None)), None)
            if parent is None:
                break
            owner = parent.subject
        candidates = {q.graph_name.value for q in candidate.quads_for_pattern(owner, None, None, None)
                      if isinstance(q.graph_name, ox.NamedNode) and data_file_of(config, q.graph_name.value)}
        if len(candidates) == 1:
            graph = candidates.pop()
        elif default_graph is not None:
            graph = default_graph
        else:
            where = (f"{owner} is described in {len(candidates)} graphs" if candidates
                     else f"no data graph describes {owner}")
            raise WriteRefused(400, f"cannot tell which file {t} belongs in ({where}): insert it with "
                                    "GRAPH <…> or WITH <…> naming the graph of its file")
        placed.add(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph)))
    return placed


def _checked(config: Config, change: Change) -> Change:
    for graph in {q.graph_name for q in change.removed | change.added}:
        if isinstance(graph, ox.DefaultGraph):
            raise WriteRefused(400, "a write cannot leave triples outside the named graphs")
        _require_data_graph(config, graph.value)
    return change


PAYLOAD_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


def graph_exists(store: ox.Store, graph: str) -> bool:
    """Whether the graph holds a triple (Oxigraph keeps the name of a graph emptied triple by triple)."""
    return next(iter(store.quads_for_pattern(None, None, None, ox.NamedNode(graph))), None) is not None


def parse_payload(body: bytes, media_type: str, graph: str) -> list[ox.Quad]:
    """The triples of a Graph Store Protocol payload, as quads of `graph` (blank nodes made fresh)."""
    fmt = PAYLOAD_FORMATS.get(media_type)
    if fmt is None:
        raise WriteRefused(415, f"unsupported Content-Type {media_type!r}: send text/turtle, application/n-triples, "
                                "application/rdf+xml or application/ld+json")
    try:
        triples = list(ox.parse(body, format=fmt, base_iri=graph, rename_blank_nodes=True,
                                without_named_graphs=True))
    except SyntaxError as error:
        raise WriteRefused(400, f"the payload is not valid {media_type}: {error}") from None
    except ValueError as error:
        raise WriteRefused(400, f"the payload cannot be read: {error}") from None
    name = ox.NamedNode(graph)
    return [ox.Quad(q.subject, q.predicate, q.object, name) for q in triples]


def graph_store_change(config: Config, store: ox.Store, method: str, graph: str,
                       payload: list[ox.Quad] = ()) -> Change:
    """The change of a Graph Store Protocol PUT (replace), POST (merge) or DELETE on one graph."""
    _require_data_graph(config, graph)
    existing = set(store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
    new = set(payload)
    if method == "PUT":
        return Change(removed=existing - new, added=new - existing)
    if method == "POST":
        return Change(added=new - existing)
    if method == "DELETE":
        return Change(removed=existing)
    raise WriteRefused(405, f"{method} is not a write of the Graph Store Protocol")


# --- Validation of a change --------------------------------------------------------------------

# A change to these can change which nodes a shape targets anywhere, so it is validated in full.
_SCHEMA_PREDICATES = {RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass}


def _triple(q: ox.Quad | ox.Triple):
    return to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)


def apply_change(store: ox.Store, change: Change) -> None:
    """Apply `change`; applying it again changes nothing, which is what makes a redo safe."""
    for q in change.removed:
        store.remove(q)
    store.extend(change.added)
    for graph in {q.graph_name for q in change.removed}:  # a graph emptied is gone, name and all
        if next(iter(store.quads_for_pattern(None, None, None, graph)), None) is None:
            store.remove_graph(graph)


class Trial:
    """A change applied to the mirror (its store, and the union graph pyshacl reads) for validation.

    `report` holds the findings about every node the change can affect (`focus_nodes`; None when
    the change is validated in full); `undo()` puts the mirror back exactly as it was, which the
    writer does unless the change is then committed.
    """

    def __init__(self, loaded: LoadedGraph, change: Change, engine: str = DEFAULT_ENGINE):
        self.loaded = loaded
        store = loaded.store
        # The rdflib union graph is kept in step only where it exists: pyshacl needs it, the
        # set-wise engine reads the store (through a view with the same calls).
        rdflib_union = loaded.union_graph if engine == "pyshacl" or "union_graph" in loaded.__dict__ else None
        union = loaded.union_graph if engine == "pyshacl" else StoreView(store)
        removed_triples = {_triple(q) for q in change.removed}
        removed_graph = Graph()
        for t in removed_triples:
            removed_graph.add(t)
        owners_before = {owning_resource(union, t[0]) for t in removed_triples}
        # A triple leaves the union only when no graph states it any more.
        added_in: dict = {}
        removed_from: dict = {}
        for quads, index in ((change.added, added_in), (change.removed, removed_from)):
            for q in quads:
                index.setdefault(ox.Triple(q.subject, q.predicate, q.object), set()).add(q.graph_name)
        left = set()
        for triple, graphs in removed_from.items():
            stated = {o.graph_name for o in store.quads_for_pattern(triple.subject, triple.predicate,
                                                                    triple.object, None)}
            if not (stated - graphs) | added_in.get(triple, set()):
                left.add(_triple(triple))
        entered = {t for t in map(_triple, added_in) if t not in union}
        self._left, self._entered, self._change = left, entered, change
        self.union_growth = len(entered) - len(left)  # distinct triples the union gains (or loses)
        self._rdflib_union = rdflib_union
        if rdflib_union is not None:
            for t in left:
                rdflib_union.remove(t)
            for t in entered:
                rdflib_union.add(t)
        apply_change(store, change)
        self.focus_nodes: set | None = None  # the nodes validated; None: the whole graph
        try:
            touched = removed_triples | {_triple(q) for q in change.added}
            if any(t[1] in _SCHEMA_PREDICATES for t in touched):
                self.report = validate(loaded, engine)
                return
            changed = owners_before | {owning_resource(union, t[0]) for t in entered}
            linked = {t[2] for t in touched if isinstance(t[2], URIRef)}
            focus = self.focus_nodes = affected_focus_nodes(union, removed_graph, changed) | linked
            if engine == "pyshacl":
                results = validate_focus(union, store, loaded.shapes, focus)
            else:
                results = validate_focus_nodes(loaded, focus, engine)
            self.report = ValidationReport(findings=findings_from(results, loaded), graph=results)
        except BaseException:
            self.undo()
            raise

    @property
    def conforms(self) -> bool:
        return self.report.conforms

    def undo(self) -> None:
        union = self._rdflib_union
        if union is not None:
            for t in self._entered:
                union.remove(t)
            for t in self._left:
                union.add(t)
        if self._change is not None:
            apply_change(self.loaded.store, self._change.inverse())
        self._left, self._entered, self._change = set(), set(), None
