"""Deterministic synthetic seckg graphs of a chosen size, in the project's ontology and valid
against its shapes, for the benchmarks (`bench/named_queries.py`, `bench/endpoints.py`).

The graph is shaped like the real one (organizations with bodies and posts, states, membership
spells with intervals and status changes, people holding posts, news outlets and reports,
statements, events, relations between organizations, every node with its source and English and
Russian labels) and has crowded nodes that make query plans show themselves: organization HUB
(many members, posts, relations and events), state XAB (a member of many organizations), person
p1 (many statements and posts) and outlet n1 (many reports).

The graph grows the way a real one does: by more organizations, states, people, reports and
events, each of the same size. An ordinary organization has 5 to 30 member states, relations with
about seven others and a few posts whatever the size; a state is in about 90 organizations. The
crowded nodes grow with the graph only up to the size of the most crowded real ones (`CROWDED_AT_MOST`:
200 member states, as the UN's 193; a state in 300 organizations; ...), which they reach at about
1M triples, so past that every named query's answer keeps its size and only the dump grows. IRIs follow the
design's patterns (shapes/iris.ttl): states take ISO 3166's user-assigned codes (X.., then Q..)
so that they never meet a real state when loaded next to the real data. The same seed and size
always give the same bytes, so every server in a run, and every run, reads the same files.

    python bench/synthetic.py --triples 100000 --out /tmp/seckg-100k   # a servable root
"""

from __future__ import annotations

import argparse
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/seckg/"
ID = BASE + "id/"
SEC = BASE + "ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"

_A = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
_ORG, _TIME = "http://www.w3.org/ns/org#", "http://www.w3.org/2006/time#"
_PROV, _DCT = "http://www.w3.org/ns/prov#", "http://purl.org/dc/terms/"
_FOAF = "http://xmlns.com/foaf/0.1/"

# Parameters that reach the crowded nodes, for the named queries' parameters of the same name.
CROWDED = {"org": "org/HUB", "org1": "org/HUB", "org2": "org/O7", "state": "state/XAB",
           "person": "person/p1", "outlet": "outlet/n1"}

# How far each crowded node grows: it takes its share of the graph (HUB: every state; XAB: every
# organization; p1: a statement in 20 and a post holding in 50; n1: a report in 10; HUB: a relation
# in 20 and an event in 60) until it reaches this size, which it does by about 1M triples.
CROWDED_AT_MOST = {"hub_members": 200, "xab_memberships": 300, "p1_statements": 1000, "p1_holdings": 100,
                   "n1_reports": 500, "hub_relations": 300, "hub_events": 150}

# First letters of the synthetic state codes: ISO 3166-1 leaves X.. and Q.. to its users; past
# 2 × 676 states (graphs of about 5M triples and more, never loaded with the real data) any letter.
_STATE_INITIALS = "XQ" + "ABCDEFGHIJKLMNOPRSTUVWYZ"


def state_code(i: int) -> str:
    """The alpha-3 code, and IRI name, of synthetic state `i`."""
    return _STATE_INITIALS[i // 676] + chr(65 + i // 26 % 26) + chr(65 + i % 26)

# Triples the generator writes per unit of scale, measured once (see `units_for`); the files
# come within a few per cent of the size asked for.
_TRIPLES_PER_UNIT = 217_000


def _namespace(iri: str):
    """A function from local name to the N-Triples form of the IRI in namespace `iri`."""
    return lambda local: f"<{iri}{local}>"


sec, org, time_, prov, dct = (_namespace(n) for n in (SEC, _ORG, _TIME, _PROV, _DCT))


def node(kind: str, name: str) -> str:
    return f"<{ID}{kind}/{name}>"


def typed(value: str, datatype: str = "date") -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


def text(value: str, lang: str = "en") -> str:
    return f'"{value}"@{lang}'


SOURCE = node("source", "synthetic-dataset")
_PRECISION = {"date": "inXSDDate", "gYear": "inXSDgYear", "gYearMonth": "inXSDgYearMonth"}


@dataclass(frozen=True)
class Area:
    """One data file (named graph) of the synthetic graph."""

    name: str
    title: str


AREAS = (
    Area("sources", "Synthetic sources, outlets and reports"),
    Area("states", "Synthetic states"),
    Area("organizations", "Synthetic organizations, bodies and posts"),
    Area("memberships", "Synthetic membership spells"),
    Area("people", "Synthetic people and post holdings"),
    Area("statements", "Synthetic statements"),
    Area("events", "Synthetic events and relations between organizations"),
)


def units_for(triples: int) -> float:
    """The scale that gives about `triples` triples."""
    return max(triples / _TRIPLES_PER_UNIT, 0.01)


class _Writer:
    """Emits the triples of each area, drawing every choice from one seeded generator."""

    def __init__(self, units: float, seed: int):
        self.rng = random.Random(seed)
        self.units = units

    def count(self, per_unit: int, least: int = 1) -> int:
        return max(least, round(per_unit * self.units))

    def day(self, first: int = 1950, last: int = 2020) -> str:
        rng = self.rng
        return f"{rng.randint(first, last)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"

    def header(self, area: Area) -> str:
        graph = f"<{BASE}graph/data/synthetic/{area.name}>"
        return (f"{graph} {_A} {sec('DataGraph')} .\n{graph} {_LABEL} {text(area.title)} .\n"
                f"{graph} {dct('description')} {text(area.title + ', generated for benchmarks.')} .\n"
                f"{graph} {prov('wasDerivedFrom')} {SOURCE} .\n")

    def described(self, subject: str, cls: str, en: str, ru: str | None = None) -> str:
        out = f"{subject} {_A} {cls} .\n{subject} {_LABEL} {text(en)} .\n{subject} {dct('source')} {SOURCE} .\n"
        if ru:
            out += f"{subject} {_LABEL} {text(ru, 'ru')} .\n"
        return out

    # --- the areas, in AREAS order ---------------------------------------------------------

    def sources(self) -> Iterator[str]:
        yield (f"{SOURCE} {_A} {sec('Dataset')} .\n{SOURCE} {_LABEL} {text('Synthetic benchmark dataset')} .\n"
               f"{SOURCE} {dct('date')} {typed('2026', 'gYear')} .\n")
        self.outlets = [node("outlet", f"n{i}") for i in range(self.count(30, 5))]
        for i, outlet in enumerate(self.outlets):
            yield self.described(outlet, sec("NewsOutlet"), f"Outlet {i}", f"Агентство {i}")
        self.reports = []
        for i in range(self.count(2000, 20)):
            report, published = node("report", f"R{i}"), self.day(2001)
            self.reports.append((report, published))
            # Outlet n1 publishes one report in ten, up to its limit: the crowded outlet.
            crowded = i % 10 == 0 and i // 10 < CROWDED_AT_MOST["n1_reports"]
            outlet = self.outlets[1] if crowded else self.rng.choice(self.outlets)
            yield (self.described(report, sec("NewsReport"), f"Report {i}")
                   + f"{report} {dct('publisher')} {outlet} .\n{report} {dct('date')} {typed(published)} .\n")

    def states(self) -> Iterator[str]:
        self.states_ = [node("state", state_code(i)) for i in range(self.count(60, 20))]
        for i, state in enumerate(self.states_):
            code = state_code(i)
            yield (self.described(state, sec("State"), f"State {i}", f"Государство {i}")
                   + f'{state} {sec("iso3166Alpha3")} "{code}" .\n')

    def organizations(self) -> Iterator[str]:
        self.orgs = [node("org", f"O{i}") for i in range(self.count(300, 10))]
        self.hub = node("org", "HUB")
        self.bodies: list[tuple[str, str]] = []
        self.posts: list[str] = []
        for i, o in enumerate([*self.orgs, self.hub]):
            name = "Hub" if o == self.hub else str(i)
            key = name.upper()  # IRI names are all capitals or all lower case
            yield (self.described(o, sec("RegionalOrganization"), f"Organization {name}", f"Организация {name}")
                   + f"{o} {sec('foundingDate')} {typed('1945-10-24')} .\n")
            for b in range(3 if o != self.hub else 30):
                body = node("body", f"B{key}-{b}")
                self.bodies.append((body, o))
                yield (self.described(body, sec("Council"), f"Council {b} of organization {name}")
                       + f"{body} {org('unitOf')} {o} .\n")
            for p in range(2 if o != self.hub else 100):
                unit = o if p % 2 == 0 else self.bodies[-1 - (p // 2) % 3][0]
                post = node("post", f"Q{key}-{p}")
                self.posts.append(post)
                yield (self.described(post, org("Post"), f"Post {p} of organization {name}")
                       + f"{post} {org('postIn')} {unit} .\n{post} {org('role')} {sec('SecretaryGeneral')} .\n")

    def memberships(self) -> Iterator[str]:
        self.spells = 0
        roles = [sec("FullMember"), sec("Observer")]
        pairs = [(o, s) for o in self.orgs for s in self.rng.sample(self.states_, min(len(self.states_),
                                                                                     self.rng.randint(5, 30)))]
        pairs += [(self.hub, s) for s in self.states_[:CROWDED_AT_MOST["hub_members"]]]
        taken = set(pairs)
        pairs += [(o, self.states_[1]) for o in self.orgs[:CROWDED_AT_MOST["xab_memberships"]]
                  if (o, self.states_[1]) not in taken]
        for o, s in pairs:
            self.spells += 1
            n = self.spells
            m, iv, b, e = node("membership", f"M{n}"), f"_:i{n}", f"_:b{n}", f"_:e{n}"
            start = self.day(1950, 2000)
            kind = self.rng.choice(["date", "date", "gYear", "gYearMonth"])
            begins = {"date": start, "gYear": start[:4], "gYearMonth": start[:7]}[kind]
            yield (self.described(m, sec("OrganizationMembership"), f"Membership {n}")
                   + f"{m} {org('organization')} {o} .\n{m} {org('member')} {s} .\n"
                   f"{m} {org('role')} {self.rng.choice(roles)} .\n{m} {org('memberDuring')} {iv} .\n"
                   f"{iv} {_A} {time_('Interval')} .\n{iv} {time_('hasBeginning')} {b} .\n"
                   f"{b} {_A} {time_('Instant')} .\n{b} {time_(_PRECISION[kind])} {typed(begins, kind)} .\n")
            if self.rng.random() < 0.5:
                end = f"{int(start[:4]) + self.rng.randint(1, 20)}{start[4:]}"
                change = node("event", f"{end}-c{n}")  # an event's IRI starts with its date
                yield (f"{iv} {time_('hasEnd')} {e} .\n{e} {_A} {time_('Instant')} .\n"
                       f"{e} {time_('inXSDDate')} {typed(end)} .\n{m} {sec('statusChange')} {change} .\n"
                       + self.described(change, sec("MembershipChange"), f"Withdrawal {n}")
                       + f"{change} {sec('changeOf')} {m} .\n{change} {sec('changeType')} {sec('Withdrawal')} .\n"
                       f"{change} {sec('participant')} {s} .\n{change} {sec('concerns')} {o} .\n"
                       f"{change} {dct('date')} {typed(end)} .\n")

    def people(self) -> Iterator[str]:
        self.people_ = [node("person", f"p{i}") for i in range(self.count(2000, 20))]
        for i, p in enumerate(self.people_):
            yield (self.described(p, sec("Person"), f"Person {i}", f"Персона {i}")
                   + f'{p} <{_FOAF}givenName> {text("Given")} .\n{p} <{_FOAF}familyName> {text(f"Family{i}")} .\n')
        for i in range(self.count(2500, 20)):
            holding, post = node("post-holding", f"H{i}"), self.rng.choice(self.posts)
            crowded = i % 50 == 0 and i // 50 < CROWDED_AT_MOST["p1_holdings"]
            person = self.people_[1] if crowded else self.rng.choice(self.people_)
            yield (self.described(holding, sec("PostHolding"), f"Post holding {i}")
                   + f"{holding} {org('member')} {person} .\n{holding} {sec('post')} {post} .\n"
                   f"{holding} {org('role')} {sec('SecretaryGeneral')} .\n{holding} {sec('attestedOn')} {typed(self.day(1990, 2000))} .\n")

    def statements(self) -> Iterator[str]:
        for i in range(self.count(6000, 50)):
            st = node("statement", f"T{i}")
            crowded = i % 20 == 0 and i // 20 < CROWDED_AT_MOST["p1_statements"]
            speaker = self.people_[1] if crowded else self.rng.choice(self.people_)
            said = "quote" if self.rng.random() < 0.5 else "paraphrase"
            report, published = self.rng.choice(self.reports)  # said on the day it was reported
            yield (self.described(st, sec("Statement"), f"Statement {i}")
                   + f"{st} {prov('wasAttributedTo')} {speaker} .\n{st} {dct('date')} {typed(published)} .\n"
                   f"{st} {sec(said)} {text(f'said {i}')} .\n"
                   f"{st} {prov('wasDerivedFrom')} {report} .\n{st} {sec('topic')} {sec('InstitutionalCooperation')} .\n"
                   f"{st} {sec('about')} {self.rng.choice(self.orgs)} .\n")

    def events(self) -> Iterator[str]:
        kinds = [sec(k) for k in ("CooperationSought", "CooperationRefused", "MergerRuledOut")]
        for i in range(self.count(2000, 20)):
            r = node("relation", f"L{i}")
            crowded = i % 20 == 0 and i // 20 < CROWDED_AT_MOST["hub_relations"]
            first = self.hub if crowded else self.rng.choice(self.orgs)
            other = first
            while other == first:  # any other organization: none gathers relations as the graph grows
                other = self.rng.choice(self.orgs)
            yield (self.described(r, sec("OrganizationRelation"), f"Relation {i}")
                   + f"{r} {sec('subjectOrganization')} {first} .\n{r} {sec('objectOrganization')} {other} .\n"
                   f"{r} {sec('relationType')} {self.rng.choice(kinds)} .\n{r} {dct('date')} {typed(self.day())} .\n")
        meetings = [sec(k) for k in ("CouncilSession", "Summit")]
        hub_events = 0
        for i in range(self.count(3000, 30)):
            day = self.day()
            e = node("event", f"{day}-e{i}")
            if self.rng.random() < 0.5:
                body, owner = self.rng.choice(self.bodies)
                link = f"{e} {sec('meetingOf')} {body} .\n{e} {sec('concerns')} {owner} .\n"
            else:
                crowded = i % 30 == 0 and hub_events < CROWDED_AT_MOST["hub_events"]
                hub_events += crowded
                link = f"{e} {sec('concerns')} {self.hub if crowded else self.rng.choice(self.orgs)} .\n"
            yield (self.described(e, self.rng.choice(meetings), f"Event {i}")
                   + f"{e} {dct('date')} {typed(day)} .\n" + link)


def area_texts(triples: int, seed: int = 7) -> Iterator[tuple[Area, str]]:
    """Each area's file text (N-Triples lines, which are Turtle), in dependency order."""
    writer = _Writer(units_for(triples), seed)
    for area in AREAS:
        yield area, writer.header(area) + "".join(getattr(writer, area.name)())


def write_root(out: Path, triples: int, seed: int = 7) -> list[Path]:
    """A servable repository root at `out`: the project's ontology, shapes and queries and a
    synthetic `data/`. Returns the data files written."""
    out = Path(out)
    for folder in ("ontology", "shapes", "queries"):
        shutil.rmtree(out / folder, ignore_errors=True)
        shutil.copytree(REPO / folder, out / folder)
    data = out / "data" / "synthetic"
    shutil.rmtree(out / "data", ignore_errors=True)
    data.mkdir(parents=True)
    written = []
    for area, body in area_texts(triples, seed):
        path = data / f"{area.name}.ttl"
        path.write_text(body, encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    files = write_root(args.out, args.triples, args.seed)
    lines = sum(p.read_text(encoding="utf-8").count("\n") for p in files)
    print(f"{lines} triples in {len(files)} files under {args.out}")


if __name__ == "__main__":
    main()
