"""Canonical Turtle (`seckg fmt`): same triples, same comments, one text whatever wrote the file."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, XSD

from seckg.canonical import canonical_turtle, format_turtle, parse_exact
from seckg.cli import main
from seckg.config import Config
from seckg.formatting import turtle_files
from seckg.turtle_layout import comment_lines

ROOT = Path(__file__).resolve().parents[1]
REPO_FILES = turtle_files(Config(ROOT))
EX = "https://example.org/"
pytestmark = pytest.mark.slow(30)  # every Turtle file of the repository formatted and parsed four times


def same_triples(a: Graph, b: Graph) -> bool:
    """Graph isomorphism, decided by Oxigraph's blank-node canonicalization (rdflib's is slow)."""

    def canonical(graph: Graph) -> set:
        def term(node):
            if isinstance(node, URIRef):
                return ox.NamedNode(str(node))
            if isinstance(node, BNode):
                return ox.BlankNode(str(node))
            if node.language:
                return ox.Literal(str(node), language=node.language)
            return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype or XSD.string)))

        dataset = ox.Dataset(ox.Quad(term(s), term(p), term(o)) for s, p, o in graph)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        return set(dataset)

    return len(a) == len(b) and canonical(a) == canonical(b)


def ids(paths):
    return [p.relative_to(ROOT).as_posix() for p in paths]


@pytest.mark.parametrize("path", REPO_FILES, ids=ids(REPO_FILES))
def test_formatting_keeps_triples_and_comments_and_undoes_another_tools_rewrite(path):
    text = path.read_text(encoding="utf-8")
    formatted = format_turtle(text)
    assert same_triples(parse_exact(text), parse_exact(formatted))
    # rdflib's own parser (which normalizes literals) agrees too.
    assert same_triples(Graph().parse(data=text, format="turtle"), Graph().parse(data=formatted, format="turtle"))
    assert Counter(comment_lines(text)) == Counter(comment_lines(formatted))
    assert format_turtle(formatted) == formatted
    # What Protégé or rdflib writes (another order, other prefix names, no comments) comes back
    # to the same text; given the previous version, with its comments and sections too.
    rewritten = parse_exact(text).serialize(format="turtle")
    assert not comment_lines(rewritten)
    assert canonical_turtle(parse_exact(rewritten), previous=text) == formatted
    assert canonical_turtle(parse_exact(rewritten)) == canonical_turtle(parse_exact(formatted))


def test_the_repository_is_in_canonical_form(monkeypatch):
    from click.testing import CliRunner

    monkeypatch.delenv("SECKG_BASE", raising=False)
    result = CliRunner(env={"SECKG_ROOT": str(ROOT)}).invoke(main, ["fmt", "--check"])
    assert result.exit_code == 0, result.output + "\nRun `.venv/bin/seckg fmt` and commit the result."


MESSY = """\
# Header of the file.

@prefix ex: <https://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix unused: <https://unused.example/> .

# --- Second kind --------------------------------------------------

# Why b exists.
ex:b ex:z "2" ; rdfs:label "B"@en ;
    # Why 1999, not 2000.
    ex:date "1999"^^xsd:gYear ; # and a trailing note
    a ex:Thing .

ex:a a ex:Thing ; ex:count "01"^^xsd:integer ; ex:list ( ex:y ex:x ) ;
    ex:node [ ex:p "one" ] , [ ex:p "two" ] .

# --- First kind ---------------------------------------------------

ex:c rdfs:label "C"@en .

# Trailing remark.
"""


def test_comments_stay_at_their_anchors_and_sections_keep_their_subjects():
    out = format_turtle(MESSY)
    assert out.startswith("# Header of the file.\n\n@prefix ex:")
    assert "unused" not in out
    lines = out.splitlines()
    second, first = lines.index("# --- Second kind --------------------------------------------------"), \
        lines.index("# --- First kind ---------------------------------------------------")
    # Within a section subjects are sorted (ex:a before ex:b); the sections keep their order.
    assert second < lines.index("ex:a") < lines.index("# Why b exists.") < lines.index("ex:b") < first
    assert lines[lines.index("ex:b") + 1:lines.index("ex:b") + 5] == [
        "    a ex:Thing ;",
        '    rdfs:label "B"@en ;',
        "    # Why 1999, not 2000.",
        "    # and a trailing note",
    ]
    assert lines[-1] == "# Trailing remark."
    assert 'ex:count 01 ;' in out  # the lexical form is kept, not rewritten as 1
    assert "ex:list ( ex:y ex:x ) ;" in out  # lists keep their order
    assert 'ex:node [ ex:p "one" ] , [ ex:p "two" ] .' in out
    assert format_turtle(out) == out


def test_literals_blank_nodes_and_lists_round_trip():
    graph = Graph()
    s = URIRef(EX + "s")
    shared, loop_a, loop_b = BNode(), BNode(), BNode()
    values = [  # as parsers that keep lexical forms give them (language tags in lower case)
        Literal('He said "no"\\ and\tleft'),
        Literal('line one\nline "two" ends with a quote"'),
        Literal("1.50", datatype=XSD.decimal, normalize=False),
        Literal("Ǆ\u0007", lang="en-gb"),
        Literal("1e3", datatype=XSD.double, normalize=False),
        Literal("0042", datatype=XSD.integer, normalize=False),
    ]
    for value in values:
        graph.add((s, RDFS.comment, value))
    graph.add((s, URIRef(EX + "a"), shared))
    graph.add((URIRef(EX + "t"), URIRef(EX + "a"), shared))
    graph.add((shared, RDFS.label, Literal("used twice")))
    graph.add((loop_a, URIRef(EX + "next"), loop_b))
    graph.add((loop_b, URIRef(EX + "next"), loop_a))
    text = canonical_turtle(graph, prefixes={"ex": EX})
    back = parse_exact(text)
    assert isomorphic(back, graph), text
    assert same_triples(back, graph)
    assert "_:b1" in text and "_:b3" in text  # shared node and the two of the cycle are labelled
    assert canonical_turtle(back, prefixes={"ex": EX}) == text
    assert '"""line one\nline "two" ends with a quote\\""""' in text
    assert "1e3 ," in text and "0042 ," in text
    assert (s, RDF.type, None) not in back
    # "x"^^xsd:string is the same RDF 1.1 term as "x", and written so.
    typed = Graph()
    typed.add((s, RDFS.label, Literal("x", datatype=XSD.string)))
    assert canonical_turtle(typed, prefixes={"ex": EX}).endswith('ex:s rdfs:label "x" .\n')


def test_fmt_command_checks_rewrites_and_refuses_unreadable_files(make_repo, monkeypatch):
    from click.testing import CliRunner

    repo = make_repo({"data/extra.ttl": MESSY, "data/broken.ttl": "<a> <b> .\n"})
    monkeypatch.delenv("SECKG_BASE", raising=False)
    runner = CliRunner(env={"SECKG_ROOT": str(repo)})
    broken_before = (repo / "data/broken.ttl").read_text()

    checked = runner.invoke(main, ["fmt", "--check", str(repo / "data/extra.ttl")])
    assert checked.exit_code == 1 and "not in canonical form: data/extra.ttl" in checked.output
    assert (repo / "data/extra.ttl").read_text() == MESSY  # --check writes nothing

    everything = runner.invoke(main, ["fmt"])
    assert everything.exit_code == 2
    assert "data/broken.ttl:1:" in everything.output
    assert (repo / "data/broken.ttl").read_text() == broken_before
    assert (repo / "data/extra.ttl").read_text() == format_turtle(MESSY)

    (repo / "data/broken.ttl").unlink()
    assert runner.invoke(main, ["fmt"]).exit_code == 0
    assert runner.invoke(main, ["fmt", "--check"]).exit_code == 0


def test_comments_come_back_from_git_after_protege_rewrote_a_file(make_repo, monkeypatch):
    """Protégé drops comments when it saves; `seckg fmt --comments-from HEAD` puts each back at its
    subject or predicate, and keeps the note of a value the curator removed above its subject."""
    import subprocess

    from click.testing import CliRunner

    repo = make_repo({"data/extra.ttl": MESSY})
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "PATH": "/usr/bin:/bin"}
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "seed"]):
        subprocess.run(["git", "-C", str(repo), *command], check=True, env=env)
    edited = parse_exact(MESSY)
    edited.remove((URIRef(EX + "b"), URIRef(EX + "date"), None))  # the curator drops the dated value
    edited.add((URIRef(EX + "c"), RDFS.comment, Literal("Added in Protégé.")))
    (repo / "data/extra.ttl").write_text(edited.serialize(format="turtle"), encoding="utf-8")
    monkeypatch.delenv("SECKG_BASE", raising=False)
    runner = CliRunner(env={"SECKG_ROOT": str(repo)})

    plain = runner.invoke(main, ["fmt", str(repo / "data/extra.ttl")])
    assert plain.exit_code == 0
    assert not comment_lines((repo / "data/extra.ttl").read_text())  # without --comments-from: none to keep
    restored = runner.invoke(main, ["fmt", "--comments-from", "HEAD", str(repo / "data/extra.ttl")])
    assert restored.exit_code == 0, restored.output
    text = (repo / "data/extra.ttl").read_text()
    assert Counter(comment_lines(text)) == Counter(comment_lines(MESSY))
    assert same_triples(parse_exact(text), edited)
    lines = text.splitlines()
    assert lines[lines.index("ex:b") - 3:lines.index("ex:b")] == [
        "# Why b exists.", "# Why 1999, not 2000.", "# and a trailing note"]
    assert lines.index("# --- First kind ---------------------------------------------------") < lines.index("ex:c")
    assert format_turtle(text) == text


def test_a_file_saved_by_the_owl_api_as_protege_saves_it_comes_back_close(tmp_path):
    """Protégé writes Turtle with the OWL API: its own order and prefixes, `###  IRI` comments and
    banners, no curator comment. fmt --comments-from drops the OWL API's comments, restores the
    curator's, and writes every subject whose triples Protégé left alone exactly as before."""
    from seckg.owl.owlxml import _run

    original = (ROOT / "ontology" / "seckg.ttl").read_text(encoding="utf-8")
    saved = tmp_path / "seckg.ttl"
    assert _run("turtle", str(ROOT / "ontology" / "seckg.ttl"), str(saved)).returncode == 0
    text = saved.read_text(encoding="utf-8")
    assert "###  https://w3id.org/seckg/ontology#State" in text and not comment_lines(text)

    formatted = format_turtle(text, previous=original)
    assert Counter(comment_lines(formatted)) == Counter(comment_lines(original))
    assert "###" not in formatted.replace("#" * 65, "")
    assert same_triples(parse_exact(formatted), parse_exact(text))  # what Protégé wrote, kept

    def blocks(turtle: str) -> dict[str, str]:
        """Each statement's lines (comments left out), by the subject as written."""
        found, current = {}, None
        for line in turtle.splitlines():
            if not line.strip() or line.lstrip().startswith("#") or line.startswith("@"):
                continue
            current = [line] if current is None else current + [line]
            if line.endswith(" ."):
                found[current[0].split(" ")[0]] = "\n".join(current)
                current = None
        return found

    before, after = blocks(format_turtle(original)), blocks(formatted)
    ours, theirs = parse_exact(original), parse_exact(text)
    unchanged = [s for s in set(ours.subjects()) if isinstance(s, URIRef)
                 and set(ours.predicate_objects(s)) == set(theirs.predicate_objects(s))
                 and not any(isinstance(o, BNode) for o in ours.objects(s))]
    assert len(unchanged) > 150

    def written(subject: URIRef) -> str:
        one = Graph()
        one.add((subject, RDFS.label, Literal("x")))
        return next(ln for ln in canonical_turtle(one).splitlines() if ln and not ln.startswith("@")).split(" ")[0]

    for subject in unchanged:
        assert after[written(subject)] == before[written(subject)], subject
