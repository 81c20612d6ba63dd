"""Reads the Turtle sources into named graphs, one per file, without stopping at a bad file.

Parsing is done by pyoxigraph because it is fast and its syntax errors carry a
line and column. A file that does not parse contributes nothing (half a file is
worse than none) and is reported as a `ParseProblem`; the other files still load,
so one run shows every broken file at once.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from urllib.parse import urljoin

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef

from seckg.config import Config
from seckg.iri_patterns import rebase_patterns
from seckg.terms import to_rdflib
from seckg.xml_text import forbidden_character


@dataclass(frozen=True)
class ParseProblem:
    """A file that could not be read, with the place the parser gave up."""

    file: Path
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


@dataclass(frozen=True)
class Location:
    """Where a subject's description starts, so reports can point editors at it."""

    file: Path
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


def ontology_files(config: Config) -> list[Path]:
    return sorted(config.ontology_dir.glob("*.ttl"))


def data_files(config: Config) -> list[Path]:
    return sorted(config.data_dir.glob("**/*.ttl"))


def shape_files(config: Config) -> list[Path]:
    return sorted(config.shapes_dir.glob("*.ttl"))


def relative(config: Config, path: Path) -> Path:
    """`path` relative to the repository root when it lies inside it (as listed, or once resolved:
    a link to a file elsewhere, or to nothing, is still named by where it sits in the repository)."""
    for candidate in (path.absolute(), path.resolve()):
        try:
            return candidate.relative_to(config.root)
        except ValueError:
            continue
    return path


def graph_iri(config: Config, path: Path) -> str:
    """`{base}graph/{path relative to the root, without .ttl}`; stable as long as the file stays put."""
    rel = relative(config, path).with_suffix("")
    return f"{config.base}graph/{rel.as_posix()}"


_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff\ufffe\uffff]")


def _visible(message: str) -> str:
    """The parser quotes the offending character; a NUL or a BOM printed as itself shows nothing."""
    return _INVISIBLE.sub(lambda m: f"U+{ord(m.group()):04X}", message)


def _problem_from(error: SyntaxError, file: Path) -> ParseProblem:
    message = error.msg or str(error)
    # pyoxigraph prefixes the text with the location it also gives as numbers.
    if message.startswith("Parser error") and ": " in message:
        message = message.split(": ", 1)[1]
    return ParseProblem(file, error.lineno or 1, error.offset or 1, _visible(message))


def _literal_xml_cannot_carry(triples: list) -> str | None:
    for triple in triples:
        if isinstance(triple.object, ox.Literal):
            found = forbidden_character(triple.object.value)
            if found is not None:
                return found
    return None


def _place_of_character(text: str, char: str) -> tuple[int, int]:
    """Line and column of `char` in Turtle `text`, written as itself or as a \\u / \\U escape."""
    code = ord(char)
    pattern = re.compile(f"{re.escape(char)}|\\\\u{code:04X}|\\\\U{code:08X}", re.IGNORECASE)
    match = pattern.search(text)
    if match is None:
        return 1, 1
    line = text.count("\n", 0, match.start()) + 1
    return line, match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1


def syntax_of(path: Path) -> ox.RdfFormat:
    """Turtle, or RDF/XML when the file holds XML: Protégé can save an ontology opened from a
    .ttl file as RDF/XML under the same name."""
    try:
        with path.open("rb") as handle:
            head = handle.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return ox.RdfFormat.TURTLE
    return ox.RdfFormat.RDF_XML if head.startswith((b"<?xml", b"<rdf:RDF")) else ox.RdfFormat.TURTLE


def parse_file(config: Config, path: Path, graph: str) -> list[ox.Quad] | ParseProblem:
    """All triples of one Turtle (or RDF/XML) file as quads in `graph`, or why they cannot be read."""
    try:
        data = path.read_bytes()
        # Editors on Windows start UTF-8 files with a byte order mark; it is not part of the Turtle.
        data = data[len(_BOM):] if data.startswith(_BOM) else data
        triples = list(
            ox.parse(
                data,
                format=syntax_of(path),
                base_iri=config.base,
                without_named_graphs=True,
            )
        )
    except SyntaxError as error:
        return _problem_from(error, relative(config, path))
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        return ParseProblem(relative(config, path), 1, 1, f"cannot read the file: {reason}")
    unwritable = _literal_xml_cannot_carry(triples)
    if unwritable is not None:
        line, column = _place_of_character(data.decode("utf-8", errors="replace"), unwritable)
        return ParseProblem(relative(config, path), line, column,
                            f"a literal holds the control character U+{ord(unwritable):04X}, which RDF/XML and "
                            "SPARQL XML results cannot carry; remove it (tab, line feed and carriage return are fine)")
    name = ox.NamedNode(graph)
    blank = _stable_blank_nodes(graph)
    return [ox.Quad(blank(q.subject), q.predicate, blank(q.object), name) for q in triples]


def _stable_blank_nodes(graph: str):
    """Blank nodes named by their file's graph and order of appearance, not at random: files share
    one store, so their _:b1s must not merge, and the same files must give the same dumps (and
    ETags) on every load."""
    prefix = "b" + hashlib.sha256(graph.encode("utf-8")).hexdigest()[:12] + "x"
    names: dict[str, ox.BlankNode] = {}

    def rename(term):
        if isinstance(term, ox.BlankNode):
            if term.value not in names:
                names[term.value] = ox.BlankNode(f"{prefix}{len(names)}")
            return names[term.value]
        return term

    return rename


_BOM = b"\xef\xbb\xbf"
_PREFIX = re.compile(r"^[ \t]*@?prefix[ \t]+([A-Za-z][\w.-]*)?:[ \t]*<([^>]*)>", re.I | re.M)
_BASE = re.compile(r"^[ \t]*@?base[ \t]+<([^>]*)>", re.I | re.M)
_LONG_QUOTE = re.compile(r'"""|\'\'\'')
_SUBJECT = re.compile(r"<([^<>\s]*)>|([A-Za-z][\w.-]*)?:((?:[\w:%-]|\.(?=[\w:%-]))*)")
_SUBJECT_AT_LINE_START = re.compile(f"^(?:{_SUBJECT.pattern})", re.M)


def _lines_with_word(text: str, word: str) -> list[int]:
    """Where each line that holds `word` (in any case) starts. Declarations are looked for on
    these lines only: a line-anchored pattern would be tried at every character of a large file."""
    if text.isascii():  # lowering keeps every position
        lowered, found, at = text.lower(), [], -1
        while (at := lowered.find(word, at + 1)) >= 0:
            found.append(text.rfind("\n", 0, at) + 1)
    else:
        pattern = "".join(f"[{c}{c.upper()}]" for c in word)
        found = [text.rfind("\n", 0, m.start()) + 1 for m in re.finditer(pattern, text)]
    return list(dict.fromkeys(found))


def declared_prefixes(text: str) -> dict[str, str]:
    """The @prefix / PREFIX declarations of a Turtle text ("" for the default prefix)."""
    found: dict[str, str] = {}
    for start in _lines_with_word(text, "prefix"):
        match = _PREFIX.match(text, start)
        if match:
            found[match.group(1) or ""] = match.group(2)
    return found


def _declared_bases(text: str) -> list[str]:
    return [m.group(1) for m in (_BASE.match(text, start) for start in _lines_with_word(text, "base")) if m]


def _odd_line_breaks(text: str) -> bool:
    """Whether `text` has line breaks other than \\n and \\r\\n, which splitlines() also splits on."""
    return any(c in text for c in "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029") or text.count("\r") != text.count("\r\n")


def subject_lines(text: str, base: str, subjects: set[str], prefixes: dict[str, str] | None = None) -> dict[str, int]:
    """First line at which each of `subjects` starts a statement (column 0) in Turtle `text`.

    Lines that begin inside a triple-quoted string are skipped, and candidates
    are checked against the parsed subjects, so text that merely looks like a
    subject is not taken for one.
    """
    prefixes = declared_prefixes(text) if prefixes is None else prefixes
    bases = _declared_bases(text)
    base = urljoin(base, bases[0]) if bases else base
    found: dict[str, int] = {}
    resolved: dict[str, str] = {}  # IRI as written → absolute; a subject starts many lines of N-Triples

    def subject_of(match) -> str | None:
        if match.group(1) is not None:
            written = match.group(1)
            if written in subjects:  # already absolute: what the parser read
                return written
            iri = resolved.get(written)
            if iri is None:
                iri = resolved[written] = urljoin(base, written)
            return iri
        if (match.group(2) or "") in prefixes:
            return prefixes[match.group(2) or ""] + match.group(3)
        return None

    if '"""' not in text and "'''" not in text and not _odd_line_breaks(text):
        # No string spans lines and lines end in \n only: find the line starts in one pass.
        number, position = 1, 0
        for match in _SUBJECT_AT_LINE_START.finditer(text):
            written = match.group(1)
            iri = written if written is not None and written in subjects else subject_of(match)
            if iri is None or iri in found or iri not in subjects:
                continue
            number += text.count("\n", position, match.start())
            position = match.start()
            found[iri] = number
        return found
    open_quote = None  # the delimiter of a long string still open at the end of the line
    for number, line in enumerate(text.splitlines(), start=1):
        starts_inside = open_quote is not None
        for quote in _LONG_QUOTE.findall(line) if ('"""' in line or "'''" in line) else ():
            if open_quote is None:
                open_quote = quote
            elif quote == open_quote:
                open_quote = None
        match = None if starts_inside else _SUBJECT.match(line)
        if not match:
            continue
        iri = subject_of(match)
        if iri is not None and iri in subjects and iri not in found:
            found[iri] = number
    return found


@dataclass
class LoadedGraph:
    """The loaded sources: an Oxigraph store of named graphs, shapes, and what went wrong."""

    config: Config
    store: ox.Store
    graphs: dict[str, Path] = field(default_factory=dict)
    shapes: Graph = field(default_factory=Graph)
    problems: list[ParseProblem] = field(default_factory=list)
    located: dict[str, list[Location]] = field(default_factory=dict)
    prefixes: dict[str, str] = field(default_factory=dict)  # as declared in the files, first wins
    file_prefixes: dict[str, dict[str, str]] = field(default_factory=dict)  # each file's own, by path
    # Files loaded whose subjects are not located yet, with their size and mtime when loaded.
    unlocated: list[tuple[Path, tuple[int, int]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def subject_locations(self) -> dict[str, list[Location]]:
        """Where each subject starts a statement, per file in load order. Found when first asked
        for (a report with findings, the writer), not at load: at a million triples that is a
        third of a start. A file edited since it was loaded (and not reloaded) is left out, as
        its lines no longer match the triples in the store."""
        while self.unlocated:
            path, signature = self.unlocated.pop(0)
            _locate(self, path, signature)
        return self.located

    def locations(self, iri: str) -> list[Location]:
        """Every file (in load order) where `iri` starts a statement."""
        return self.subject_locations.get(iri, [])

    def location(self, iri: str) -> Location | None:
        """Where `iri` is first described: ontology files first, then data in path order."""
        found = self.locations(iri)
        return found[0] if found else None

    @cached_property
    def union_graph(self) -> Graph:
        """All ontology and data triples in one rdflib graph, as pyshacl wants them."""
        graph = Graph()
        for quad in self.store.quads_for_pattern(None, None, None, None):
            graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
        return graph

    def dataset(self) -> Dataset:
        """The same triples in an rdflib Dataset, keeping one named graph per file."""
        dataset = Dataset()
        for quad in self.store.quads_for_pattern(None, None, None, None):
            dataset.graph(URIRef(quad.graph_name.value)).add(
                (to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object))
            )
        return dataset


def _remember_prefixes(loaded: LoadedGraph, path: Path) -> None:
    declared = declared_prefixes(path.read_text(encoding="utf-8-sig"))
    loaded.file_prefixes[relative(loaded.config, path).as_posix()] = declared
    remember_prefixes(loaded, declared)


def remember_prefixes(loaded: LoadedGraph, prefixes: dict[str, str]) -> None:
    """Add a file's declared prefixes to `loaded.prefixes`, where the first file to declare one wins."""
    for name, namespace in prefixes.items():
        if name and namespace:
            loaded.prefixes.setdefault(name, namespace)


# What only parse_file handles: anonymous blank nodes ([ ] and lists: the parser names them at
# random), and escapes and characters that may put a character XML cannot carry in a literal
# (U+FFFE, U+FFFF, and C0 controls other than tab and line breaks).
_NEEDS_PARSE_FILE = (b"[", b"(", b"\\u", b"\\U", b"\xef\xbf\xbe", b"\xef\xbf\xbf")
_CONTROL = bytes(c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))


def _load_directly(config: Config, store: ox.Store, path: Path, graph: str, bulk: bool = False) -> bool:
    """Parse a Turtle file straight into `store` inside Oxigraph, without a Python object per
    triple (most of a start at a million triples). False, with nothing loaded, for a file that
    parse_file must read (see _NEEDS_PARSE_FILE) or that does not parse (parse_file then says
    where). `bulk` uses Oxigraph's bulk loader, which writes an on-disk
    store's index files directly instead of through transactions; it leaves a file with blank
    nodes to parse_file, as renaming them afterwards would delete from those files again."""
    if syntax_of(path) is not ox.RdfFormat.TURTLE:
        return False
    try:
        data = path.read_bytes()
    except OSError:
        return False
    data = data[len(_BOM):] if data.startswith(_BOM) else data
    if any(marker in data for marker in _NEEDS_PARSE_FILE) or len(data.translate(None, _CONTROL)) != len(data):
        return False
    if bulk and b"_:" in data:
        return False
    name = ox.NamedNode(graph)
    try:
        if bulk:
            store.bulk_load(data, format=ox.RdfFormat.TURTLE, base_iri=config.base, to_graph=name)
        else:
            store.load(data, format=ox.RdfFormat.TURTLE, base_iri=config.base, to_graph=name)
    except (SyntaxError, ValueError, OSError):
        if bulk:  # the bulk loader is not one transaction: take back what it wrote before the error
            store.remove_graph(name)
        return False  # (a load is one transaction: nothing of the file was written)
    if b"_:" in data:
        _rename_blank_nodes(store, name, data, config.base)
    return True


def _stream_into(config: Config, store: ox.Store, path: Path, graph: str) -> bool:
    """The quads parse_file gives, streamed into `store` by the bulk loader without a list of them
    all (gigabytes at ten million triples). False, with nothing of the file kept, where parse_file
    must say why the file cannot be read."""
    name = ox.NamedNode(graph)
    blank = _stable_blank_nodes(graph)

    def quads():
        data = path.read_bytes()
        data = data[len(_BOM):] if data.startswith(_BOM) else data
        for triple in ox.parse(data, format=syntax_of(path), base_iri=config.base, without_named_graphs=True):
            if _literal_xml_cannot_carry((triple,)) is not None:
                raise ValueError("a literal XML cannot carry")
            yield ox.Quad(blank(triple.subject), triple.predicate, blank(triple.object), name)

    try:
        store.bulk_extend(quads())
    except (SyntaxError, ValueError, OSError):
        store.remove_graph(name)  # the bulk loader is not one transaction
        return False
    return True


def _rename_blank_nodes(store: ox.Store, name: ox.NamedNode, data: bytes, base: str) -> None:
    """Replace the triples with blank nodes that Oxigraph's loader named at random by the same
    triples as parse_file names them (labelled blank nodes only: the caller made sure). Only
    those triples become Python objects."""
    store.update(f"DELETE {{ GRAPH {name} {{ ?s ?p ?o }} }} "
                 f"WHERE {{ GRAPH {name} {{ ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) }} }}")
    blank = _stable_blank_nodes(name.value)
    renamed = []
    for triple in ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=base, without_named_graphs=True):
        subject, obj = triple.subject, triple.object
        if isinstance(subject, ox.BlankNode) or isinstance(obj, ox.BlankNode):
            renamed.append(ox.Quad(blank(subject), triple.predicate, blank(obj), name))
    store.extend(renamed)


def _signature(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (-1, -1)
    return (stat.st_size, stat.st_mtime_ns)


def locate_later(loaded: LoadedGraph, path: Path) -> None:
    """Have the subject lines of `path`, a file whose graph is in `loaded`, found when first asked for."""
    loaded.unlocated.append((path, _signature(path)))


def _locate(loaded: LoadedGraph, path: Path, signature: tuple[int, int]) -> None:
    """Add the subject lines of one loaded file to `loaded.located`, if it is as it was loaded."""
    config = loaded.config
    if _signature(path) != signature:
        return
    name = ox.NamedNode(graph_iri(config, path))
    rows = loaded.store.query(f"SELECT DISTINCT ?s WHERE {{ GRAPH {name} {{ ?s ?p ?o }} FILTER(isIRI(?s)) }}")
    subjects = {row[0].value for row in rows}
    rel = relative(config, path)
    for iri, line in subject_lines(path.read_text(encoding="utf-8-sig"), config.base, subjects).items():
        loaded.located.setdefault(iri, []).append(Location(rel, line))


def load(config: Config, store: ox.Store | None = None) -> LoadedGraph:
    """Load ontology/*.ttl and data/**/*.ttl into named graphs and shapes/*.ttl into `shapes`.

    The graphs go into a new in-memory store, or into `store`, an empty on-disk one, with
    Oxigraph's bulk loader (see `seckg.disk_store.build_on_disk`)."""
    bulk = store is not None
    loaded = LoadedGraph(config=config, store=store if bulk else ox.Store())
    for path in [*ontology_files(config), *data_files(config)]:
        graph = graph_iri(config, path)
        signature = _signature(path)
        problem = load_file(config, loaded.store, path, graph, bulk)
        if problem is not None:
            loaded.problems.append(problem)
            continue
        loaded.graphs[graph] = relative(config, path)
        _remember_prefixes(loaded, path)
        loaded.unlocated.append((path, signature))
    load_shapes(loaded)
    return loaded


def load_file(config: Config, store: ox.Store, path: Path, graph: str, bulk: bool = False) -> ParseProblem | None:
    """Load one ontology or data file into `graph` of `store` as `load` does; None when it was
    read, else why not (and nothing of it is in the store)."""
    if not _load_directly(config, store, path, graph, bulk) and not (
            bulk and _stream_into(config, store, path, graph)):
        quads = parse_file(config, path, graph)
        if isinstance(quads, ParseProblem):
            return quads
        store.extend(quads)
    return None


def load_shapes(loaded: LoadedGraph) -> None:
    """Read shapes/*.ttl into `loaded.shapes` (their problems into `loaded.problems`)."""
    config = loaded.config
    for path in shape_files(config):
        quads = parse_file(config, path, graph_iri(config, path))
        if isinstance(quads, ParseProblem):
            loaded.problems.append(quads)
            continue
        _remember_prefixes(loaded, path)
        for q in quads:
            loaded.shapes.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    rebase_patterns(loaded.shapes, config.base)


@dataclass(frozen=True)
class FileChange:
    """What `LoadedGraph.replace_file` did to one file's named graph: the triples it took out
    and put in (as quads of that graph), and the parse problem if the new text is unreadable."""

    path: Path
    graph: str
    removed: list[ox.Quad]
    added: list[ox.Quad]
    problem: ParseProblem | None = None


def _location_order(config: Config):
    """Sort key that keeps `subject_locations` in load order: ontology files first, then data."""
    ontology = relative(config, config.ontology_dir).as_posix() + "/"

    def key(location: Location) -> tuple[int, str]:
        text = location.file.as_posix()
        return (0 if text.startswith(ontology) else 1, text)

    return key


def replace_file(loaded: LoadedGraph, path: Path) -> FileChange:
    """Re-read one ontology or data file into `loaded` after it was edited, created or deleted.

    The store, the locations, the parse problems and (if it was already built) the union graph
    are updated as `load` would have built them from the new text, so an incremental validator
    can work from the difference instead of loading everything again. An unreadable file
    contributes nothing, as in `load`.
    """
    config = loaded.config
    rel = relative(config, path)
    graph = graph_iri(config, path)
    name = ox.NamedNode(graph)
    removed = list(loaded.store.quads_for_pattern(None, None, None, name))
    problem = None
    added: list[ox.Quad] = []
    text = ""
    if path.exists():
        parsed = parse_file(config, path, graph)
        if isinstance(parsed, ParseProblem):
            problem = parsed
        else:
            added = parsed
            text = path.read_text(encoding="utf-8-sig")
    if removed:
        loaded.store.remove_graph(name)
    loaded.store.extend(added)
    loaded.problems = [p for p in loaded.problems if p.file != rel] + ([problem] if problem else [])
    if added:
        loaded.graphs[graph] = rel
    else:
        loaded.graphs.pop(graph, None)
    for iri in list(loaded.subject_locations):
        kept = [loc for loc in loaded.subject_locations[iri] if loc.file != rel]
        if kept:
            loaded.subject_locations[iri] = kept
        else:
            del loaded.subject_locations[iri]
    if added:
        declared = declared_prefixes(text)
        loaded.file_prefixes[rel.as_posix()] = declared
        remember_prefixes(loaded, declared)
        subjects = {q.subject.value for q in added if isinstance(q.subject, ox.NamedNode)}
        order = _location_order(config)
        for iri, line in subject_lines(text, config.base, subjects).items():
            found = loaded.subject_locations.setdefault(iri, [])
            found.append(Location(rel, line))
            found.sort(key=order)
    if "union_graph" in loaded.__dict__:
        union = loaded.union_graph
        for q in removed:
            # A triple another file also states stays in the union.
            if next(iter(loaded.store.quads_for_pattern(q.subject, q.predicate, q.object, None)), None) is None:
                union.remove((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
        for q in added:
            union.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return FileChange(rel, graph, removed, added, problem)
