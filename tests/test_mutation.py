"""Proof that the shapes catch the mistakes curators make, measured on the real data.

Several places for each kind of mistake are chosen by a seeded random generator in a copy of the
repository's ontology, shapes and data, mutated in the parsed Turtle (rdflib graphs, never text)
and written back; the copy is then validated once. A mutation counts as caught when a Violation
is reported on a node it mutated (for a blank focus such as an interval, on the resource owning
it). The places are chosen so that no mutation can change the results on another's nodes
(`plan`), which is what lets one run stand for one run per mutation. The unmutated repository
conforms (tests/test_shapes.py), so every violation found here comes from a mutation.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, RDF, RDFS
from rdflib.term import Node

from seckg.config import Config
from seckg.loading import data_files, load
from seckg.validation import affected_focus_nodes, owning_resource, validate

REPO = Path(__file__).resolve().parents[1]
SEC = Namespace("https://w3id.org/seckg/ontology#")
TIME = Namespace("http://www.w3.org/2006/time#")  # a plain Namespace: rdflib's TIME warns when pytest inspects it
PLACES_PER_KIND = 15
SEED = 20051107  # the date of the seed article's issue; any fixed number keeps runs repeatable
pytestmark = pytest.mark.slow(15)


@dataclass
class Mutation:
    """One planned mistake: the triples it takes out of and puts into one file."""

    kind: str
    where: str  # what was changed, for the failure message
    nodes: set[Node]  # the nodes a violation may be reported on for the mutation to count
    file: Path
    remove: list[tuple[Node, Node, Node]] = field(default_factory=list)
    add: list[tuple[Node, Node, Node]] = field(default_factory=list)


class Data:
    """The copied data files, parsed, with the lookups the mutations choose places from."""

    def __init__(self, config: Config):
        self.config = config
        self.files = {
            path: Graph().parse(path, format="turtle", publicID=config.base) for path in data_files(config)
        }
        self.ontology = Graph()
        for path in sorted(config.ontology_dir.glob("*.ttl")):
            self.ontology.parse(path, format="turtle", publicID=config.base)
        self.union = Graph()
        for graph in self.files.values():
            self.union += graph
        self.id_base = config.base + "id/"

    def instances(self, *classes: URIRef) -> list[URIRef]:
        """IRIs in the data typed with one of `classes` or a subclass the ontology declares."""
        wanted = set()
        for cls in classes:
            wanted |= set(self.ontology.transitive_subjects(RDFS.subClassOf, cls))
        return sorted({s for c in wanted for s in self.union.subjects(RDF.type, c) if isinstance(s, URIRef)})

    def file_of(self, node: URIRef) -> Path:
        """The file describing `node` (its type), where a curator would edit it."""
        return next(p for p, g in self.files.items() if (node, RDF.type, None) in g)

    def graph_of(self, node: URIRef) -> Graph:
        return self.files[self.file_of(node)]


Plans = Iterator[Mutation]


def _membership_ends(data: Data, membership: URIRef) -> list[tuple[Node, URIRef, Literal]] | None:
    """The (instant, property, literal) of the beginning and end of a membership's interval."""
    graph = data.graph_of(membership)
    interval = graph.value(membership, ORG.memberDuring)
    if interval is None:
        return None
    ends = []
    for side in (TIME.hasBeginning, TIME.hasEnd):
        instant = graph.value(interval, side)
        found = [(instant, p, o) for p, o in graph.predicate_objects(instant) if isinstance(o, Literal)] if instant else []
        if len(found) != 1:
            return None
        ends.append(found[0])
    return ends


def reverse_interval(data: Data, rng: random.Random) -> Plans:
    """A year typo: the begin and end years of a membership swapped, so it ends before it begins."""
    candidates = data.instances(SEC.OrganizationMembership)
    for m in rng.sample(candidates, k=len(candidates)):
        ends = _membership_ends(data, m)
        if not ends or str(ends[0][2])[:4] == str(ends[1][2])[:4]:
            continue
        (begin, end) = ends
        swapped = [(i, p, Literal(year + str(v)[4:], datatype=v.datatype))
                   for (i, p, v), year in ((begin, str(end[2])[:4]), (end, str(begin[2])[:4]))]
        yield Mutation("reversed interval", f"{m} {begin[2]}..{end[2]}", {m}, data.file_of(m), [begin, end], swapped)


def drop_label(data: Data, rng: random.Random) -> Plans:
    """The English rdfs:label of a state, organization, person or statement deleted."""
    candidates = data.instances(SEC.State, ORG.Organization, FOAF.Person, SEC.Person, SEC.Statement)
    for node in rng.sample(candidates, k=len(candidates)):
        graph = data.graph_of(node)
        labels = [(node, RDFS.label, o) for o in graph.objects(node, RDFS.label) if getattr(o, "language", None) == "en"]
        yield Mutation("dropped label", str(node), {node}, data.file_of(node), labels)


def drop_source(data: Data, rng: random.Random) -> Plans:
    """Every dcterms:source of a membership deleted."""
    candidates = data.instances(SEC.OrganizationMembership)
    for m in rng.sample(candidates, k=len(candidates)):
        sources = list(data.graph_of(m).triples((m, DCTERMS.source, None)))
        yield Mutation("membership without source", str(m), {m}, data.file_of(m), sources)


def person_as_state(data: Data, rng: random.Random) -> Plans:
    """A person put where the member state of an organization membership belongs."""
    people = data.instances(SEC.Person)
    candidates = data.instances(SEC.OrganizationMembership)
    for m in rng.sample(candidates, k=len(candidates)):
        person = rng.choice(people)
        members = list(data.graph_of(m).triples((m, ORG.member, None)))
        yield Mutation("person as state", f"{m} member {person}", {m}, data.file_of(m), members,
                       [(m, ORG.member, person)])


def _described(graph: Graph, source: Node, target: Node) -> list[tuple[Node, Node, Node]]:
    """`source`'s triples given to `target`, with fresh copies of the blank nodes it owns."""
    triples = []
    for p, o in graph.predicate_objects(source):
        if isinstance(o, BNode):
            fresh = BNode()
            triples += _described(graph, o, fresh)
            o = fresh
        triples.append((target, p, o))
    return triples


def duplicate_spell(data: Data, rng: random.Random) -> Plans:
    """A membership entered twice: the same spell copied under a new IRI in the same file."""
    candidates = [m for m in data.instances(SEC.OrganizationMembership) if (m, ORG.memberDuring, None) in data.union]
    for m in rng.sample(candidates, k=len(candidates)):
        copy = URIRef(str(m) + "-again")
        yield Mutation("duplicated spell", str(m), {m, copy}, data.file_of(m), [],
                       _described(data.graph_of(m), m, copy))


# Properties whose shapes check the value's class or that it is described (sh:class, sh:node).
LINKS_CHECKED = (ORG.organization, ORG.member, DCTERMS.source, PROV.wasAttributedTo, SEC.participant,
                 SEC.concerns, SEC.changeOf, SEC.post, DCTERMS.publisher, PROV.wasDerivedFrom)


def dangling_iri(data: Data, rng: random.Random) -> Plans:
    """An object IRI under the project's id/ space replaced by one that nothing describes."""
    links = sorted(
        (s, p, o)
        for p in LINKS_CHECKED
        for s, o in data.union.subject_objects(p)
        if isinstance(s, URIRef) and isinstance(o, URIRef) and str(o).startswith(data.id_base)
    )
    for s, p, o in rng.sample(links, k=len(links)):
        typo = URIRef(str(o)[:-1] + ("y" if str(o).endswith("x") else "x"))
        assert (typo, None, None) not in data.union
        yield Mutation("dangling IRI", f"{s} {p} {typo}", {s}, data.file_of(s), [(s, p, o)], [(s, p, typo)])


MISSPELLABLE = (str(ORG), str(SEC), str(PROV), str(DCTERMS), str(FOAF), str(RDFS))


def misspell_property(data: Data, rng: random.Random) -> Plans:
    """A property name mistyped (org:member → org:memberr, sec:quote → sec:quotee) on a resource."""
    candidates = sorted({s for s in data.union.subjects(RDF.type, None) if isinstance(s, URIRef)})
    for s in rng.sample(candidates, k=len(candidates)):
        graph = data.graph_of(s)
        props = sorted({p for p in graph.predicates(s, None) if p != RDF.type and str(p).startswith(MISSPELLABLE)})
        if not props:
            continue
        p = rng.choice(props)
        wrong = URIRef(str(p) + str(p)[-1])
        old = list(graph.triples((s, p, None)))
        yield Mutation("misspelt property", f"{s} {wrong}", {s}, data.file_of(s), old,
                       [(s, wrong, o) for _, _, o in old])


def _typo(iri: str) -> str:
    """The IRI with its last segment mistyped: "_" for the first "-", else the case changed."""
    head, _, last = iri.rpartition("/")
    if "-" in last:
        return f"{head}/{last.replace('-', '_', 1)}"
    return f"{head}/{last.capitalize() if last != last.capitalize() else last.lower()}"


def iri_typo(data: Data, rng: random.Random) -> Plans:
    """A resource described under a mistyped IRI (state:Arm, membership:CSTO_ARM), renamed
    wherever its own file names it; links from other files are left pointing at the old IRI."""
    candidates = sorted({s for s in data.union.subjects(RDF.type, None)
                         if isinstance(s, URIRef) and str(s).startswith(data.config.base)})
    for node in rng.sample(candidates, k=len(candidates)):
        wrong = URIRef(_typo(str(node)))
        graph = data.graph_of(node)
        old = [*graph.triples((node, None, None)), *graph.triples((None, None, node))]
        new = [(wrong if s == node else s, p, wrong if o == node else o) for s, p, o in old]
        yield Mutation("IRI typo", f"{node} -> {wrong}", {wrong, node}, data.file_of(node), old, new)


# The kinds within which labels are unique (shapes/labels.ttl), people left out: theirs is a warning.
LABEL_KINDS = (SEC.State, ORG.Organization, ORG.Post, ORG.Membership, SEC.Event, SEC.Document, SEC.Place,
               SEC.Statement, SEC.Proposal, SEC.OrganizationRelation, SEC.DataGraph)


def duplicate_label(data: Data, rng: random.Random) -> Plans:
    """A resource given the English label of another resource of its kind (a copy-paste slip)."""
    pairs = []
    for kind in LABEL_KINDS:
        instances = data.instances(kind)
        shuffled = rng.sample(instances, k=len(instances))
        pairs += list(zip(shuffled[::2], shuffled[1::2]))
    for node, other in rng.sample(pairs, k=len(pairs)):
        label = next((o for o in data.union.objects(other, RDFS.label) if getattr(o, "language", None) == "en"), None)
        graph = data.graph_of(node)
        old = [(node, RDFS.label, o) for o in graph.objects(node, RDFS.label) if getattr(o, "language", None) == "en"]
        if label is None or not old:
            continue
        yield Mutation("duplicated label", f"{node} labelled {label!r} like {other}", {node, other},
                       data.file_of(node), old, [(node, RDFS.label, label)])


# A duplicated label reaches every resource that links to either of the two (a state's label, all
# its memberships), so its places are chosen first, while most of the graph is still free.
KINDS: list[Callable[[Data, random.Random], Plans]] = [
    duplicate_label, reverse_interval, drop_label, drop_source, person_as_state, duplicate_spell, dangling_iri,
    misspell_property, iri_typo,
]


def _reach(data: Data, mutation: Mutation) -> set[Node]:
    """The nodes whose validation results the mutation can change (seckg.validation's own
    notion of what an edit affects), on the original graph plus the links the mutation adds."""
    added = Graph()
    for triple in mutation.add:
        added.add(triple)
    # The objects of changed links only gain or lose an incoming link, which no constraint reads
    # beyond the object itself (as IncrementalValidator.update assumes).
    linked = {o for _, _, o in [*mutation.add, *mutation.remove] if isinstance(o, URIRef)}
    affected = affected_focus_nodes(data.union, added, set(mutation.nodes))
    return {owning_resource(data.union, n) for n in affected} | linked


def plan(data: Data, rng: random.Random) -> list[Mutation]:
    """PLACES_PER_KIND mutations of each kind, chosen so that no mutation can change the results
    on another's nodes: then all can be validated in one run, and a violation on a mutation's
    node is that mutation's doing."""
    chosen: list[Mutation] = []
    reaches: list[set[Node]] = []
    for kind in KINDS:
        count = 0
        for mutation in kind(data, rng):
            if not (mutation.remove or mutation.add):
                continue
            reach = _reach(data, mutation)
            if any(reach & m.nodes or mutation.nodes & r for m, r in zip(chosen, reaches)):
                continue
            chosen.append(mutation)
            reaches.append(reach)
            count += 1
            if count == PLACES_PER_KIND:
                break
        assert count == PLACES_PER_KIND, f"{kind.__name__}: only {count} independent places found"
    return chosen


def test_the_shapes_catch_curator_mistakes(tmp_path):
    for folder in ("ontology", "shapes", "data"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    config = Config(root=tmp_path)
    data = Data(config)
    mutations = plan(data, random.Random(SEED))
    for m in mutations:
        graph = data.files[m.file]
        for triple in m.remove:
            graph.remove(triple)
        for triple in m.add:
            graph.add(triple)
    for path in {m.file for m in mutations}:
        data.files[path].serialize(path, format="turtle")

    flagged = {f.node for f in validate(load(config)).violations}

    shares: dict[str, list[int]] = {}
    missed = []
    for m in mutations:
        caught = bool({str(n) for n in m.nodes} & flagged)
        share = shares.setdefault(m.kind, [0, 0])
        share[0] += caught
        share[1] += 1
        if not caught:
            missed.append(f"{m.kind}: {m.where}")
    print()
    for kind, (caught, total) in shares.items():
        print(f"mutation test: {kind:28} {caught}/{total} caught ({caught / total:.0%})")
    caught_all = sum(c for c, _ in shares.values())
    print(f"mutation test: {'all kinds':28} {caught_all}/{len(mutations)} caught ({caught_all / len(mutations):.0%})")
    print("\n".join(f"mutation test: missed {m}" for m in missed))
    assert caught_all / len(mutations) >= 0.95, "missed:\n" + "\n".join(missed)
    for kind, (caught, total) in shares.items():
        assert caught / total >= 0.8, f"{kind}: only {caught}/{total} caught; missed:\n" + "\n".join(missed)

