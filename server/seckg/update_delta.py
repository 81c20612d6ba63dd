"""What a SPARQL Update does to the graphs, found by querying the store instead of running the update
on a copy of it.

Running the update on a copy costs several passes over the whole store (copying it, filling its
default graph with the union, dumping it before and after), seconds at a million triples, for a write
that touches a handful of triples. Here the text is split into its operations (by the tokenizer of
sparql_guard.py), and each DELETE/INSERT … WHERE has its WHERE run as a SELECT on the store, with the
union of the named graphs as the default graph, as the update sees it. The templates are filled in
with the solutions the way Oxigraph fills them in: fresh blank nodes for each solution, and a triple
left out when a variable in it is unbound or it would not be RDF (a literal subject, a predicate that
is not an IRI, a graph that is a literal). Oxigraph itself parses each template, on an empty store,
with every variable bound to an IRI that stands for it, so constants read exactly as in the update.

An operation whose WHERE would have to see what earlier operations of the same request changed, and
the graph management operations (CLEAR, DROP, ADD, MOVE, COPY, CREATE, other than a first CLEAR or
DROP of one existing graph), raise `NeedsCopy`: the caller then runs the update on a copy.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

from seckg.sparql_guard import positioned_tokens


class NeedsCopy(Exception):
    """The update is one this module does not work out; run it on a copy of the store instead."""


@dataclass
class Operation:
    """One operation of an update request, as text pieces, with the prologue in force before it."""

    prologue: str
    kind: str  # "data" (INSERT/DELETE DATA), "modify" (… WHERE, DELETE WHERE included) or "drop"
    delete: str | None = None  # template, without its braces
    insert: str | None = None
    where: str | None = None  # the group graph pattern, braces included
    with_graph: str | None = None  # the IRI or prefixed name after WITH
    using: list[str] = field(default_factory=list)
    using_named: list[str] = field(default_factory=list)
    target: str | None = None  # "drop": the graph cleared or dropped
    silent: bool = False


def operations(text: str) -> list[Operation]:
    """The operations of a (syntactically valid) update, in order; NeedsCopy for any other kind."""
    items = _top_level(text)
    found, prologue, i = [], [], 0

    def word(at: int) -> str | None:
        return items[at][1].upper() if at < len(items) and items[at][0] == "word" else None

    def name(at: int) -> str:
        if at >= len(items) or items[at][0] not in ("iri", "pname"):
            raise NeedsCopy("expected an IRI")
        return items[at][1]

    def block(at: int) -> str:
        if at >= len(items) or items[at][0] != "block":
            raise NeedsCopy("expected a block")
        return items[at][1]

    while i < len(items):
        kind, token = items[i][0], word(i)
        if kind == "semicolon":
            i += 1
            continue
        if token == "PREFIX":
            if i + 2 >= len(items) or items[i + 1][0] != "pname" or items[i + 2][0] != "iri":
                raise NeedsCopy("unexpected PREFIX")
            prologue.append(f"PREFIX {items[i + 1][1]} {items[i + 2][1]}")
            i += 3
            continue
        if token == "BASE":
            prologue.append(f"BASE {name(i + 1)}")
            i += 2
            continue
        op = Operation(prologue="\n".join(prologue), kind="modify")
        if token in ("INSERT", "DELETE") and word(i + 1) == "DATA":
            op.kind = "data"
            setattr(op, token.lower(), block(i + 2)[1:-1])
            i += 3
        elif token == "DELETE" and word(i + 1) == "WHERE":
            pattern = block(i + 2)
            op.delete, op.where = pattern[1:-1], pattern
            i += 3
        elif token in ("WITH", "DELETE", "INSERT"):
            if token == "WITH":
                op.with_graph = name(i + 1)
                i += 2
            for clause in ("DELETE", "INSERT"):
                if word(i) == clause:
                    setattr(op, clause.lower(), block(i + 1)[1:-1])
                    i += 2
            if op.delete is None and op.insert is None:
                raise NeedsCopy("WITH without a template")
            while word(i) == "USING":
                if word(i + 1) == "NAMED":
                    op.using_named.append(name(i + 2))
                    i += 3
                else:
                    op.using.append(name(i + 1))
                    i += 2
            if word(i) != "WHERE":
                raise NeedsCopy("expected WHERE")
            op.where = block(i + 1)
            i += 2
        elif token in ("CLEAR", "DROP"):
            op.kind = "drop"
            at = i + 1
            if word(at) == "SILENT":
                op.silent, at = True, at + 1
            if word(at) != "GRAPH":
                raise NeedsCopy(f"{token} of more than one graph")
            op.target = name(at + 1)
            i = at + 2
        else:
            raise NeedsCopy(f"{token or kind} is worked out on a copy")
        if i < len(items) and items[i][0] != "semicolon":
            raise NeedsCopy("unexpected text after an operation")
        found.append(op)
    return found


def _top_level(text: str) -> list[tuple[str, str]]:
    """The tokens outside braces (words, IRIs, prefixed names, semicolons), each outermost `{…}`
    as one ("block", text) item."""
    items, depth, opened = [], 0, 0
    for kind, token, offset in positioned_tokens(text):
        if kind == "brace":
            if token == "{":
                if depth == 0:
                    opened = offset
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    items.append(("block", text[opened:offset + 1]))
                elif depth < 0:
                    raise NeedsCopy("unbalanced braces")
        elif depth == 0:
            if kind not in ("word", "iri", "pname", "semicolon"):
                raise NeedsCopy(f"unexpected {kind} outside braces")
            items.append((kind, token))
    if depth:
        raise NeedsCopy("unbalanced braces")
    return items


# --- filling in templates ------------------------------------------------------------------------

@dataclass
class Template:
    """The quads of a template, with the IRIs standing for its variables, by variable name."""

    quads: list[ox.Quad]
    variables: dict[ox.NamedNode, str]


def template(op: Operation, body: str, base_iri: str) -> Template:
    """`body` parsed by Oxigraph, as the update would read it (WITH included)."""
    names = sorted({token[1:] for kind, token, _ in positioned_tokens(body) if kind == "var"})
    stand_in = f"urn:uuid:{uuid.uuid4()}:"
    variables = {ox.NamedNode(f"{stand_in}{n}"): v for n, v in enumerate(names)}
    values = ""
    if names:
        values = ("VALUES (" + " ".join(f"?{v}" for v in names) + ") { ("
                  + " ".join(str(iri) for iri in variables) + ") }")
    with_clause = f"WITH {op.with_graph} " if op.with_graph else ""
    scratch = ox.Store()
    scratch.update(f"{op.prologue}\n{with_clause}INSERT {{{body}\n}} WHERE {{ {values} }}", base_iri=base_iri)
    quads = list(scratch)
    if any(isinstance(t, ox.Triple) for q in quads for t in (q.subject, q.object)):
        raise NeedsCopy("triple terms in a template")
    return Template(quads, variables)


def filled(tmpl: Template, solutions: Iterable[dict[str, object]]) -> Iterator[ox.Quad]:
    """The quads of the template for each solution; quads with an unbound variable, or that would
    not be RDF, are left out. Blank nodes of the template are new for each solution."""
    for solution in solutions:
        fresh: dict[ox.BlankNode, ox.BlankNode] = {}

        def value(term):
            if isinstance(term, ox.BlankNode):
                return fresh.setdefault(term, ox.BlankNode())
            if isinstance(term, ox.NamedNode) and term in tmpl.variables:
                return solution.get(tmpl.variables[term])
            return term

        for q in tmpl.quads:
            s, p, o = value(q.subject), value(q.predicate), value(q.object)
            g = q.graph_name if isinstance(q.graph_name, ox.DefaultGraph) else value(q.graph_name)
            if (isinstance(s, (ox.NamedNode, ox.BlankNode)) and isinstance(p, ox.NamedNode)
                    and isinstance(o, (ox.NamedNode, ox.BlankNode, ox.Literal, ox.Triple))
                    and isinstance(g, (ox.NamedNode, ox.BlankNode, ox.DefaultGraph))):
                yield ox.Quad(s, p, o, g)


def _resolved(op: Operation, name: str, base_iri: str) -> ox.NamedNode:
    """The IRI an IRI or prefixed name of the operation stands for."""
    solution = next(iter(ox.Store().query(f"{op.prologue}\nSELECT ?g WHERE {{ BIND({name} AS ?g) }}",
                                          base_iri=base_iri)))
    return solution["g"]


def solutions(store: ox.Store, op: Operation, base_iri: str) -> list[dict[str, object]]:
    """The WHERE's solutions over the dataset the update's WHERE sees, each as a dict by variable."""
    if op.where is None:
        return [{}]
    dataset = "".join(f" FROM {g}" for g in op.using) + "".join(f" FROM NAMED {g}" for g in op.using_named)
    options: dict = {}
    if not dataset:
        if op.with_graph:  # the default graph is the WITH graph; every named graph stays visible
            options["default_graph"] = _resolved(op, op.with_graph, base_iri)
        else:
            _check_union_answers(op)
            options["use_default_graph_as_union"] = True
    answers = store.query(f"{op.prologue}\nSELECT *{dataset} WHERE {op.where}", base_iri=base_iri, **options)
    names = [v.value for v in answers.variables]
    return [{v: row[v] for v in names} for row in answers]


# Oxigraph's union default graph is a bag: a triple stated by two graphs matches twice. The copy had a
# default graph holding each triple once. Only how many times a solution comes can differ, which
# changes nothing for templates without blank nodes, unless the WHERE makes values from the number of
# solutions (aggregates in a subquery) or from each solution (fresh blank nodes, random numbers).
_COUNTING_WORDS = {"SELECT", "BNODE", "UUID", "STRUUID", "RAND"}


def _check_union_answers(op: Operation) -> None:
    words = {t.upper() for kind, t, _ in positioned_tokens(op.where) if kind == "word"}
    if words & _COUNTING_WORDS:
        raise NeedsCopy("a WHERE over the union whose values depend on how often a solution comes")


def _check_multiplicity(rows: list[dict[str, object]], insert: Template | None) -> None:
    """A template with blank nodes makes new ones for every solution, so how often each solution
    comes matters: it is right when no solution comes twice (the copy's count is at least one)."""
    if insert is None or not any(isinstance(t, ox.BlankNode) for q in insert.quads for t in (q.subject, q.object)):
        return
    if len({tuple(row.values()) for row in rows}) != len(rows):
        raise NeedsCopy("a solution that comes twice, for a template with blank nodes")


# --- the state the operations leave ---------------------------------------------------------------

class Delta:
    """The store's graphs after some operations, as differences from the store: triples leaving and
    entering the default graph (which starts as the union of the named graphs) and quads leaving
    and entering named graphs. Removed ones were there, added ones were not."""

    def __init__(self, store: ox.Store):
        self.store = store
        self.default_removed: set[ox.Triple] = set()
        self.default_added: set[ox.Triple] = set()
        self.named_removed: set[ox.Quad] = set()
        self.named_added: set[ox.Quad] = set()

    def __bool__(self) -> bool:
        return bool(self.default_removed or self.default_added or self.named_removed or self.named_added)

    def in_union(self, t: ox.Triple) -> bool:
        return next(iter(self.store.quads_for_pattern(t.subject, t.predicate, t.object, None)), None) is not None

    def remove(self, quads: Iterable[ox.Quad]) -> None:
        for q in quads:
            self._set(q, present=False)

    def add(self, quads: Iterable[ox.Quad]) -> None:
        for q in quads:
            self._set(q, present=True)

    def _set(self, q: ox.Quad, present: bool) -> None:
        if isinstance(q.graph_name, ox.DefaultGraph):
            key, removed, added = q.triple, self.default_removed, self.default_added
            in_store = self.in_union
        else:
            key, removed, added = q, self.named_removed, self.named_added
            in_store = self.store.__contains__
        undone, done = (removed, added) if present else (added, removed)
        if key in undone:
            undone.discard(key)
        elif key not in done and in_store(key) != present:
            done.add(key)


def delta(store: ox.Store, text: str, base_iri: str) -> Delta:
    """What the update `text` (already known to parse) does to the graphs of `store`, left untouched."""
    if next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:
        raise NeedsCopy("the store's default graph holds triples of its own")
    state = Delta(store)
    try:
        for op in operations(text):
            _apply(store, op, state, base_iri)
    except SyntaxError as error:  # a piece of the update this module put together wrongly: not the client's
        raise NeedsCopy(f"a piece of the update did not parse alone: {error}") from None
    return state


def _apply(store: ox.Store, op: Operation, state: Delta, base_iri: str) -> None:
    """Apply the effect of `op` to `state`."""
    if op.kind == "drop":
        if state:
            raise NeedsCopy("a graph cleared after other operations")
        graph = _resolved(op, op.target, base_iri)
        removed = list(store.quads_for_pattern(None, None, None, graph))
        if not removed and not op.silent:
            raise NeedsCopy("a graph that does not exist")  # the copy gives the engine's own error
        state.remove(removed)
        return
    if op.where is not None and state:
        raise NeedsCopy("a WHERE that would see what earlier operations changed")
    templates = [template(op, body, base_iri) if body is not None else None for body in (op.delete, op.insert)]
    rows = solutions(store, op, base_iri)
    if op.where is not None and not (op.using or op.using_named or op.with_graph):
        _check_multiplicity(rows, templates[1])
    deleted, inserted = (list(filled(t, rows)) if t is not None else [] for t in templates)
    state.remove(deleted)
    state.add(inserted)


class Candidate:
    """The copy the update used to run on, as it stood once the triples deleted from its default
    graph had been deleted from every graph: answers `quads_for_pattern` (with any graph) from the
    store and the delta, default graph first."""

    def __init__(self, state: Delta, removed: set[ox.Quad], added: set[ox.Quad]):
        self.state, self.removed, self.added = state, removed, added

    def quads_for_pattern(self, s, p, o, g=None) -> Iterator[ox.Quad]:
        if g is not None:
            raise ValueError("only patterns over every graph")
        state, default = self.state, ox.DefaultGraph()
        for t in state.default_added:
            if _matches(t, s, p, o):
                yield ox.Quad(t.subject, t.predicate, t.object, default)
        seen = set()
        for q in state.store.quads_for_pattern(s, p, o, None):
            t = q.triple
            if t not in seen and t not in state.default_removed:
                seen.add(t)
                yield ox.Quad(t.subject, t.predicate, t.object, default)
        for q in state.store.quads_for_pattern(s, p, o, None):
            if q not in self.removed:
                yield q
        for q in self.added:
            if _matches(q, s, p, o):
                yield q


def _matches(t: ox.Triple | ox.Quad, s, p, o) -> bool:
    return (s is None or t.subject == s) and (p is None or t.predicate == p) and (o is None or t.object == o)
