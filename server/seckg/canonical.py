"""One canonical Turtle form for every file of ontology/, shapes/ and data/.

The text written depends only on the triples (and, when given, the previous text's
comments and sections), never on the order a tool happened to write them in, so a file
saved by Protégé, by an importer or by the server comes back to the same text and a
change shows in git as a change of the lines it touches:

- prefixes: the project's names for the namespaces used, sorted, nothing unused;
- subjects: the ontology or data-graph header first, then by kind (annotation, object and
  datatype properties, classes, concept schemes, concepts) and IRI, within the sections of
  the previous text (see `seckg.turtle_layout`), every comment re-emitted at its anchor;
- predicates: rdf:type, then labels, then the rest sorted; objects sorted;
- blank nodes used once are nested `[ … ]`, lists written `( … )`; a blank node used
  twice or in a cycle gets a label derived from the graph's canonical blank-node hashes;
- literals keep their lexical form: no rdflib normalization (parse with `parse_exact`).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from seckg.config import DEFAULT_BASE
from seckg.namespaces import PREFIXES as VOCABULARY_PREFIXES
from seckg.turtle_layout import Layout, comment_lines, read_layout

WIDTH = 100
INDENT = "    "
_ID = f"{DEFAULT_BASE}id/"
PREFIXES: dict[str, str] = {
    **VOCABULARY_PREFIXES,
    "secsh": f"{DEFAULT_BASE}shapes#",
    "body": f"{_ID}body/",
    "event": f"{_ID}event/",
    "holding": f"{_ID}post-holding/",
    "membership": f"{_ID}membership/",
    "outlet": f"{_ID}outlet/",
    "person": f"{_ID}person/",
    "place": f"{_ID}place/",
    "post": f"{_ID}post/",
    "proposal": f"{_ID}proposal/",
    "relation": f"{_ID}relation/",
    "report": f"{_ID}report/",
    "sorg": f"{_ID}org/",
    "source": f"{_ID}source/",
    "state": f"{_ID}state/",
    "statement": f"{_ID}statement/",
    "terms": f"{_ID}arms-terms/",
    "treaty": f"{_ID}treaty/",
}
_PREFIX_COLUMN = max(len(name) for name in PREFIXES) + 2

_LABELS = (RDF.type, RDFS.label, SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, URIRef(f"{PREFIXES['sh']}path"))
_KINDS = (
    OWL.Ontology,
    URIRef(f"{PREFIXES['sec']}DataGraph"),
    OWL.AnnotationProperty,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.Class,
    SKOS.ConceptScheme,
    SKOS.Concept,
)
_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?")
_BARE = {
    XSD.integer: re.compile(r"[+-]?[0-9]+"),
    XSD.decimal: re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    XSD.double: re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.?[0-9]+)[eE][+-]?[0-9]+"),
    XSD.boolean: re.compile(r"true|false"),
}
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def parse_exact(text: str, base: str = DEFAULT_BASE) -> Graph:
    """The triples of a Turtle text, literals exactly as written (rdflib would rewrite "01" as "1").

    Raises SyntaxError with the parser's line and column.
    """
    graph = Graph()
    blanks: dict[str, BNode] = {}

    def term(node):
        if isinstance(node, ox.NamedNode):
            return URIRef(node.value)
        if isinstance(node, ox.BlankNode):
            return blanks.setdefault(node.value, BNode())
        if node.language:
            return Literal(node.value, lang=node.language, normalize=False)
        if node.datatype.value == str(XSD.string):
            return Literal(node.value, normalize=False)
        return Literal(node.value, datatype=URIRef(node.datatype.value), normalize=False)

    for triple in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TURTLE, base_iri=base):
        graph.add((term(triple.subject), term(triple.predicate), term(triple.object)))
    return graph


class CommentsLost(ValueError):
    """Formatting would have dropped comments; the text is left as it was."""


def format_turtle(text: str, base: str = DEFAULT_BASE, previous: str | None = None) -> str:
    """A Turtle text in canonical form, with its comments and sections kept.

    `previous` is an earlier version of the file whose comments and sections to use instead
    (for a file saved by a tool that drops comments, such as Protégé). Raises SyntaxError when
    a text does not parse, and CommentsLost rather than return a text with fewer comments
    than the layout it was given.
    """
    layout = text if previous is None else previous
    formatted = canonical_turtle(parse_exact(text, base), previous=layout, base=base)
    before, after = Counter(comment_lines(layout)), Counter(comment_lines(formatted))
    if before != after:
        missing = before - after
        raise CommentsLost(f"formatting would lose {sum(missing.values())} comment line(s), "
                           f"first {next(iter(missing), '?')!r}")
    return formatted


def canonical_turtle(
    graph: Graph,
    *,
    previous: str | None = None,
    base: str = DEFAULT_BASE,
    prefixes: Mapping[str, str] | None = None,
) -> str:
    """`graph` as canonical Turtle.

    `previous` is the text the graph was read from or replaces (a file being written back):
    its comments, sections and own prefix names for namespaces the project does not name
    are kept. `prefixes` adds names for other namespaces.
    """
    layout = read_layout(previous, base) if previous is not None else Layout()
    names = dict(PREFIXES)
    for name, namespace in {**layout.prefixes, **(prefixes or {})}.items():
        if namespace not in names.values() and name not in names and re.fullmatch(r"[A-Za-z][\w-]*", name):
            names[name] = namespace
    return _Writer(graph, names, layout, base).document()


class _Writer:
    def __init__(self, graph: Graph, prefixes: dict[str, str], layout: Layout, base: str) -> None:
        self.graph = graph
        self.prefixes = prefixes
        self.by_length = sorted(prefixes.items(), key=lambda item: -len(item[1]))
        self.layout = layout
        self.base = base
        self.used: set[str] = set()
        self.inline_cache: dict[Node, str] = {}
        references = Counter(o for o in graph.objects() if isinstance(o, BNode))
        self.nested = {node for node, count in references.items() if count == 1}
        self.lists = self._lists()
        self._label_cycles()
        self.labels = self._blank_labels()

    # --- terms ---------------------------------------------------------------------------

    def iri(self, iri: str) -> str:
        for name, namespace in self.by_length:
            if iri.startswith(namespace) and _LOCAL.fullmatch(iri[len(namespace):]):
                self.used.add(name)
                return f"{name}:{iri[len(namespace):]}"
        return "<" + "".join(c if c > " " and c not in '<>"{}|^`\\' else f"\\u{ord(c):04X}" for c in iri) + ">"

    def literal(self, lit: Literal) -> str:
        lexical = str(lit)
        datatype = lit.datatype
        if datatype in _BARE and _BARE[datatype].fullmatch(lexical):
            return lexical
        if "\n" in lexical:
            body = lexical.replace("\\", "\\\\").replace("\r", "\\r")
            body = re.sub(r'"(?="|$)', '\\"', body)
            quoted = f'"""{body}"""'
        else:
            quoted = '"' + "".join(_ESCAPES.get(c, c if c >= " " else f"\\u{ord(c):04X}") for c in lexical) + '"'
        if lit.language:
            return f"{quoted}@{lit.language}"
        if datatype is not None and datatype != XSD.string:
            return f"{quoted}^^{self.iri(datatype)}"
        return quoted

    def term(self, node: Node) -> str:
        """One line (or a multi-line string) for a node, nested blank nodes written inline."""
        if isinstance(node, URIRef):
            return "()" if node == RDF.nil else self.iri(node)
        if isinstance(node, Literal):
            return self.literal(node)
        if node in self.labels:
            return self.labels[node]
        if node not in self.inline_cache:
            if node in self.lists:
                self.inline_cache[node] = "( " + " ".join(self.term(i) for i in self.lists[node]) + " )"
            else:
                pairs = [f"{self.verb(p)} {' , '.join(self.term(o) for o in objects)}"
                         for p, objects in self.predicates(node)]
                self.inline_cache[node] = f"[ {' ; '.join(pairs)} ]" if pairs else "[]"
        return self.inline_cache[node]

    def verb(self, predicate: Node) -> str:
        return "a" if predicate == RDF.type else self.term(predicate)

    # --- blank nodes and lists -----------------------------------------------------------

    def _lists(self) -> dict[Node, list[Node]]:
        """Blank nodes used once that head a well-formed rdf:List, with their items."""
        found = {}
        for head in self.nested:
            items, node, seen = [], head, set()
            while node != RDF.nil:
                if not isinstance(node, BNode) or node in seen or (node != head and node not in self.nested):
                    break
                seen.add(node)
                pairs = list(self.graph.predicate_objects(node))
                firsts = [o for p, o in pairs if p == RDF.first]
                rests = [o for p, o in pairs if p == RDF.rest]
                if len(pairs) != 2 or len(firsts) != 1 or len(rests) != 1:
                    break
                items.append(firsts[0])
                node = rests[0]
            else:
                found[head] = items
        # A list's tail nodes are written as part of it.
        tails = {n for head in found for n in self._tail_nodes(head)}
        return {head: items for head, items in found.items() if head not in tails}

    def _tail_nodes(self, head: Node) -> list[Node]:
        nodes, node = [], self.graph.value(head, RDF.rest)
        while node is not None and node != RDF.nil:
            nodes.append(node)
            node = self.graph.value(node, RDF.rest)
        return nodes

    def _label_cycles(self) -> None:
        """Blank nodes used once but unreachable from any written subject (a cycle) get labels."""
        reached, stack = set(), [s for s in set(self.graph.subjects()) if s not in self.nested]
        while stack:
            node = stack.pop()
            for child in self.graph.objects(node):
                if child in self.nested and child not in reached:
                    reached.add(child)
                    stack.append(child)
        cyclic = {node for node in self.nested if node not in reached and (node, None, None) in self.graph}
        self.nested -= cyclic
        self.lists = {h: items for h, items in self.lists.items() if h in self.nested}

    def _blank_labels(self) -> dict[Node, str]:
        """`_:bN` for blank nodes used twice or in a cycle, numbered in the order of what they hold."""
        labelled = {o for o in self.graph.objects() if isinstance(o, BNode) and o not in self.nested}

        def signature(node: Node) -> tuple:
            def show(n: Node) -> str:
                return "_:" if isinstance(n, BNode) else self.term(n)

            own = sorted(f"{show(p)} {show(o)}" for p, o in self.graph.predicate_objects(node))
            incoming = sorted(f"{show(s)} {show(p)}" for s, p in self.graph.subject_predicates(node))
            return (own, incoming)

        return {node: f"_:b{i + 1}" for i, node in enumerate(sorted(labelled, key=signature))}

    # --- statements ----------------------------------------------------------------------

    def predicates(self, subject: Node) -> list[tuple[Node, list[Node]]]:
        grouped: dict[Node, list[Node]] = defaultdict(list)
        for p, o in self.graph.predicate_objects(subject):
            grouped[p].append(o)

        def predicate_key(p: Node):
            return (_LABELS.index(p) if p in _LABELS else len(_LABELS), self.verb(p))

        return [(p, sorted(grouped[p], key=self.object_key)) for p in sorted(grouped, key=predicate_key)]

    def object_key(self, node: Node):
        if isinstance(node, Literal):
            return (1, node.language or "", str(node.datatype or ""), str(node))
        return (0 if isinstance(node, URIRef) else 2, self.term(node), "", "")

    def block(self, subject_text: str, subject: Node, comments: Mapping[Node, list[str]], indent: str) -> list[str]:
        """`subject_text` followed by its predicates, one per line (or a block per nested node)."""
        lines = [subject_text]
        inner = indent + INDENT
        for predicate, objects in self.predicates(subject):
            lines.extend(inner + c for c in comments.get(predicate, ()))
            lines.extend(self.predicate_lines(predicate, objects, inner))
        return lines

    def predicate_lines(self, predicate: Node, objects: list[Node], indent: str) -> list[str]:
        verb = self.verb(predicate)
        flat, nested = [], []
        for node in objects:
            text = self.term(node)
            fits = len(indent) + len(verb) + len(text) + 3 <= WIDTH and "\n" not in text
            (flat if fits or not self._nestable(node) else nested).append(node)
        lines = []
        if flat:
            texts = [self.term(o) for o in flat]
            one_line = f"{indent}{verb} {' , '.join(texts)} ;"
            if len(flat) == 1 or ("\n" not in one_line and len(one_line) <= WIDTH):
                lines.append(one_line)
            else:
                lines.append(f"{indent}{verb}")
                lines.extend(f"{indent}{INDENT}{t} ," for t in texts[:-1])
                lines.append(f"{indent}{INDENT}{texts[-1]} ;")
        for node in nested:
            lines.extend(self.nested_lines(f"{indent}{verb} ", node, indent))
        return lines

    def _nestable(self, node: Node) -> bool:
        return isinstance(node, BNode) and node not in self.labels

    def nested_lines(self, opening: str, node: Node, indent: str, closer: str = " ;") -> list[str]:
        """A nested blank node or list too long for one line: opening, members, closing bracket."""
        inner = indent + INDENT
        if node not in self.lists:
            lines = [opening + "["]
            for predicate, objects in self.predicates(node):
                lines.extend(self.predicate_lines(predicate, objects, inner))
            return lines + [indent + "]" + closer]
        lines = [opening + "("]
        for item in self.lists[node]:
            text = self.term(item)
            if self._nestable(item) and (len(inner) + len(text) > WIDTH or "\n" in text):
                lines.extend(self.nested_lines(inner, item, inner, closer=""))
            else:
                lines.append(inner + text)
        return lines + [indent + ")" + closer]

    # --- document ------------------------------------------------------------------------

    def subject_key(self, subject: Node):
        kinds = [_KINDS.index(t) for t in self.graph.objects(subject, RDF.type) if t in _KINDS]
        if isinstance(subject, URIRef):
            return (min(kinds, default=len(_KINDS)), 0, self.term(subject))
        return (len(_KINDS) + 1, 0, self.statement_text(subject))

    def statement_text(self, subject: Node) -> str:
        if subject in self.labels:
            return self.labels[subject]
        return self.term(subject)

    def subject_lines(self, subject: Node, key: str | None) -> list[str]:
        """A statement with its comments: one line when the subject has one short value and no
        comment on a predicate, else one line per predicate."""
        pairs = self.predicates(subject)
        present = {p for p, _ in pairs}
        comments = {URIRef(p): c for (s, p), c in self.layout.predicate_comments.items() if s == key}
        # A comment whose predicate is gone (the file was rewritten without it) stays, above the subject.
        own = (self.layout.subject_comments.get(key, []) if key else []) + [
            line for p, lines in comments.items() if p not in present for line in lines]
        subject_text = self.statement_text(subject) if isinstance(subject, URIRef) or subject in self.labels else "[]"
        if len(pairs) == 1 and len(pairs[0][1]) == 1 and not (comments.keys() & present):
            line = f"{subject_text} {self.verb(pairs[0][0])} {self.term(pairs[0][1][0])} ."
            if len(line) <= WIDTH and "\n" not in line:
                return own + [line]
        lines = self.block(subject_text, subject, comments, "")
        lines[-1] = lines[-1][:-2] + " ."
        return own + lines

    def orphans(self, section_subjects: list[str], written: set[str | None]) -> list[list[str]]:
        """Comments of subjects the graph no longer has, kept where the subject stood."""
        found = []
        for key in section_subjects:
            if key in written:
                continue
            lines = self.layout.subject_comments.get(key, []) + [
                line for (s, _), c in self.layout.predicate_comments.items() if s == key for line in c]
            if lines:
                found.append(lines)
        return found

    def document(self) -> str:
        subjects = [s for s in set(self.graph.subjects())
                    if isinstance(s, URIRef) or s in self.labels or (s not in self.nested)]
        blank_keys = self._match_blank_statements([s for s in subjects if isinstance(s, BNode)])
        key_of = {s: (str(s) if isinstance(s, URIRef) else blank_keys.get(s)) for s in subjects}
        section_of = self.layout.section_of()
        ordered = sorted(subjects, key=self.subject_key)
        placed: dict[int, list[Node]] = defaultdict(list)
        current = next((section_of[k] for s in ordered if (k := key_of[s]) in section_of), 0)
        for subject in ordered:  # a subject new to the layout joins the section of the one before it
            current = section_of.get(key_of[subject], current)
            placed[current].append(subject)

        body: list[str] = []
        written = set()
        for index, section in enumerate(self.layout.sections):
            chunks = list(section.comments)
            for subject in placed.get(index, []):
                key = key_of[subject]
                chunks.append(self.subject_lines(subject, key))
                written.add(key)
            chunks.extend(self.orphans(section.subjects, written))
            for chunk, following in zip(chunks, chunks[1:] + [None]):
                # One-line statements stand together; anything longer is set off by blank lines.
                together = len(chunk) == 1 and following is not None and len(following) == 1
                together = together and not chunk[0].startswith("#") and not following[0].startswith("#")
                body.extend(chunk if together else chunk + [""])

        head = [line for block in self.layout.header for line in block + [""]]
        prefix_lines = [f"@prefix {(name + ':').ljust(_PREFIX_COLUMN)}<{self.prefixes[name]}> ."
                        for name in sorted(self.used)]
        out = head + prefix_lines + ([""] if prefix_lines else []) + body
        while out and out[-1] == "":
            out.pop()
        return "\n".join(out) + "\n"

    def _match_blank_statements(self, roots: list[Node]) -> dict[Node, str]:
        """Which `[ … ] .` statement of the previous text wrote each blank-node subject."""
        if not self.layout.blank_statements or not roots:
            return {}
        by_text = {self.term(root): root for root in roots}
        matched = {}
        declarations = "".join(f"@prefix {n}: <{ns}> .\n" for n, ns in self.layout.prefixes.items())
        for key, statement in self.layout.blank_statements.items():
            try:
                small = parse_exact(declarations + statement, self.base)
            except SyntaxError:
                continue
            writer = _Writer(small, self.prefixes, Layout(), self.base)
            root = next((s for s in small.subjects() if isinstance(s, BNode) and s not in writer.nested), None)
            if root is not None and writer.term(root) in by_text:
                matched[by_text[writer.term(root)]] = key
        return matched

