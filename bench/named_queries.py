"""Time every named query on a large synthetic graph: `make bench-queries` (SCALE=1 is ~1.4M triples).

Shipped queries must stay fast where the data is crowded, not only on the seed: Oxigraph plans
some shapes of query (FILTER NOT EXISTS, a UNION or OPTIONAL that does not start from the
parameter) over the whole graph. This prints the time of each query with its example parameters
and with parameters that hit the crowded nodes, and exits 1 if any is over the budget.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from seckg.config import Config
from seckg.loading import load
from seckg.named_queries import load_named_queries
from seckg.store import GraphStore

ROOT = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/seckg/id/"
SEC = "https://w3id.org/seckg/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"


def synthetic_ntriples(scale: int):
    """Lines of a seckg-shaped graph of about 1.4 million triples per unit of `scale`, with a
    crowded organization HUB (every state a member, many relations and events), a state S1 in
    many organizations, a person P1 and an outlet N1, to find query plans that do not start from
    the parameter (a FILTER NOT EXISTS or a UNION evaluated over the whole graph, an OPTIONAL
    joined by hash instead of per row)."""
    import random

    rng = random.Random(7)
    sec, org_, time_ = f"<{SEC}", "<http://www.w3.org/ns/org#", "<http://www.w3.org/2006/time#"
    prov, dct = "<http://www.w3.org/ns/prov#", "<http://purl.org/dc/terms/"
    a, label = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>", "<http://www.w3.org/2000/01/rdf-schema#label>"

    def node(kind, i):
        return f"<{ID}{kind}/{i}>"

    def day():
        return f"{rng.randint(1950, 2020)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"

    def date(d, kind="date"):
        return f'"{d}"^^<{XSD}{kind}>'

    states = [node("state", f"S{i}") for i in range(300 * scale)]
    orgs = [node("org", f"O{i}") for i in range(3000 * scale)]
    hub = node("org", "HUB")
    bodies = []
    for i, s in enumerate(states):
        yield f'{s} {a} {sec}State> .\n{s} {label} "State {i}"@en .\n{s} {label} "Государство {i}"@ru .\n'
    for i, o in enumerate([*orgs, hub]):
        yield f'{o} {a} {sec}InternationalOrganization> .\n{o} {label} "Org {i}"@en .\n'
        for b in range(3):
            body = node("body", f"B{i}-{b}")
            bodies.append(body)
            yield f"{body} {a} {sec}Council> .\n{body} {org_}unitOf> {o} .\n"
    roles = [f"{sec}FullMember>", f"{sec}Observer>"]
    count = 0

    def membership(o, s):
        nonlocal count
        count += 1
        m, iv, b, e, c = (node("membership", f"M{count}"), f"_:i{count}", f"_:b{count}", f"_:e{count}",
                          node("event", f"C{count}"))
        start = day()
        kind = rng.choice(["date", "date", "gYear", "gYearMonth"])
        value = {"date": start, "gYear": start[:4], "gYearMonth": start[:7]}[kind]
        out = (f"{m} {a} {sec}OrganizationMembership> .\n{m} {org_}organization> {o} .\n"
               f"{m} {org_}member> {s} .\n{m} {org_}role> {rng.choice(roles)} .\n"
               f"{m} {org_}memberDuring> {iv} .\n{iv} {time_}hasBeginning> {b} .\n"
               f"{b} {time_}inXSD{ {'date': 'Date', 'gYear': 'gYear', 'gYearMonth': 'gYearMonth'}[kind]}> {date(value, kind)} .\n")
        if rng.random() < 0.5:
            end = f"{int(start[:4]) + rng.randint(1, 20)}{start[4:]}"
            out += (f"{iv} {time_}hasEnd> {e} .\n{e} {time_}inXSDDate> {date(end)} .\n"
                    f"{m} {sec}statusChange> {c} .\n{c} {a} {sec}MembershipChange> .\n"
                    f"{c} {sec}changeType> {sec}Withdrawal> .\n{c} {dct}date> {date(end)} .\n"
                    f"{c} {sec}concerns> {o} .\n")
        return out

    for o in orgs:
        for s in rng.sample(states, rng.randint(5, 30)):
            yield membership(o, s)
    for s in states:
        yield membership(hub, s)
    for o in rng.sample(orgs, 200):
        yield membership(o, states[1])
    people = [node("person", f"P{i}") for i in range(20000 * scale)]
    for i, p in enumerate(people):
        yield f'{p} {a} {sec}Person> .\n{p} {label} "Person {i}"@en .\n'
    for i in range(25000 * scale):
        post, holding = node("post", f"Q{i}"), node("post-holding", f"H{i}")
        unit = rng.choice([hub, *rng.sample(orgs, 1)]) if rng.random() < 0.5 else rng.choice(bodies)
        yield (f"{post} {a} {org_}Post> .\n{post} {org_}postIn> {unit} .\n"
               f"{holding} {a} {sec}PostHolding> .\n{holding} {org_}member> {rng.choice(people)} .\n"
               f"{holding} {sec}post> {post} .\n{holding} {sec}attestedOn> {date(day())} .\n")
    outlets = [node("outlet", f"N{i}") for i in range(300)]
    reports = [node("report", f"R{i}") for i in range(20000 * scale)]
    for r in reports:
        yield f"{r} {a} {sec}NewsReport> .\n{r} {dct}publisher> {rng.choice(outlets)} .\n{r} {dct}date> {date(day())} .\n"
    for i in range(60000 * scale):
        st = node("statement", f"T{i}")
        yield (f"{st} {a} {sec}Statement> .\n{st} {prov}wasAttributedTo> {rng.choice(people)} .\n"
               f"{st} {dct}date> {date(day())} .\n{st} {sec}paraphrase> \"said {i}\"@en .\n"
               f"{st} {prov}wasDerivedFrom> {rng.choice(reports)} .\n")
        if rng.random() < 0.5:
            yield f'{st} {sec}quote> "quoted {i}"@en .\n'
    kinds = [f"{sec}{k}>" for k in ("CooperationSought", "CooperationRefused", "MergerRuledOut")]
    for i in range(20000 * scale):
        r, first = node("relation", f"L{i}"), hub if i % 20 == 0 else rng.choice(orgs)
        yield (f"{r} {a} {sec}OrganizationRelation> .\n{r} {sec}subjectOrganization> {first} .\n"
               f"{r} {sec}objectOrganization> {rng.choice(orgs)} .\n{r} {sec}relationType> {rng.choice(kinds)} .\n"
               f"{r} {dct}date> {date(day())} .\n{r} {dct}source> {rng.choice(reports)} .\n")
    events = [f"{sec}{k}>" for k in ("CouncilSession", "Summit", "Registration", "Decision")]
    for i in range(30000 * scale):
        e = node("event", f"E{i}")
        link = (f"{sec}meetingOf> {rng.choice(bodies)}" if rng.random() < 0.5
                else f"{sec}concerns> {hub if i % 30 == 0 else rng.choice(orgs)}")
        yield f"{e} {a} {rng.choice(events)} .\n{e} {dct}date> {date(day())} .\n{e} {link} .\n"


SCALE_PARAMS = {"org": "org/HUB", "org1": "org/HUB", "org2": "org/O7", "state": "state/S1",
                "person": "person/P1", "outlet": "outlet/N1"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="units of about 1.4 million triples")
    parser.add_argument("--budget", type=float, default=2.0, help="seconds a query may take")
    args = parser.parse_args()

    loaded = load(Config(root=ROOT))
    started = time.perf_counter()
    lines = "".join(synthetic_ntriples(args.scale)).encode()
    loaded.store.load(lines, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(f"{ID}graph/synthetic"))
    print(f"{len(loaded.store)} quads, generated and loaded in {time.perf_counter() - started:.1f} s")
    graph = GraphStore.from_loaded(loaded)
    slow = []
    for name, named in sorted(load_named_queries(ROOT / "queries").items()):
        example = {p.name: p.example for p in named.params}
        crowded = {**example, **{k: ID + v for k, v in SCALE_PARAMS.items() if k in example}}
        for label, params in (("example", example), ("crowded", crowded)):
            started = time.perf_counter()
            rows = len(list(graph.query(named.bind(params))))
            seconds = time.perf_counter() - started
            print(f"{name:24} {label:8} {rows:6} rows {seconds * 1000:9.1f} ms")
            if seconds > args.budget:
                slow.append(f"{name} ({label}): {seconds:.1f} s")
    if slow:
        print(f"slower than {args.budget} s: " + "; ".join(slow), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
