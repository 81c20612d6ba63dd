"""The requests of each benchmark workload, the same SPARQL for every server.

- named: every query of `queries/` with parameters drawn from the synthetic graph (several
  organizations, states, people, outlets and dates, one of each set the crowded node);
- describe: DESCRIBE of an organization (a point lookup);
- dump: the whole dataset (the server's dump file, or a CONSTRUCT where it has none);
- mix: named queries and lookups interleaved, with about one dump in 200 requests: one request
  in seven is on a crowded node, one in 217 grows with the graph (the dump).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from seckg.named_queries import load_named_queries

from answers import Reference
from load import Request
from synthetic import CROWDED, ID

RESULTS_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
DATES = ("1975-06-01", "1990-01-01", "2005-11-01", "2015-03-15")
VARIANTS = 6  # parameter sets per named query
NO_CACHE = ("Cache-Control", "no-cache")  # asks a caching server to compute the answer afresh


@dataclass(frozen=True)
class Query:
    """One distinct benchmark question: its key, SPARQL text and the media type asked for."""

    key: str
    sparql: str
    accept: str


def _compact(sparql: str) -> str:
    """The query without comment lines and indentation, to keep GET URLs short."""
    lines = (line.strip() for line in sparql.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("#"))


def _entities(reference: Reference, cls: str, limit: int) -> list[str]:
    rows = reference.store.query(f"SELECT ?x WHERE {{ ?x a <{cls}> }} ORDER BY STR(?x)", use_default_graph_as_union=True)
    found = [row["x"].value for row in rows]
    step = max(1, len(found) // limit)
    return found[::step][:limit]


def named_queries(reference: Reference, queries_dir: Path) -> list[Query]:
    sec = "https://w3id.org/seckg/ontology#"
    pools = {
        "org": _entities(reference, sec + "RegionalOrganization", VARIANTS),
        "state": _entities(reference, sec + "State", VARIANTS),
        "person": _entities(reference, sec + "Person", VARIANTS),
        "outlet": _entities(reference, sec + "NewsOutlet", VARIANTS),
    }
    out = []
    for name, named in sorted(load_named_queries(queries_dir).items()):
        for variant in range(VARIANTS):
            values = {}
            for param in named.params:
                kind = param.name.rstrip("12")
                if param.type == "date":
                    values[param.name] = DATES[variant % len(DATES)]
                elif variant == 0 and param.name in CROWDED:
                    values[param.name] = ID + CROWDED[param.name]
                else:
                    pool = pools[kind]
                    values[param.name] = pool[(variant + (param.name == "org2")) % len(pool)]
            out.append(Query(f"{name}#{variant}", _compact(named.bind(values)), RESULTS_JSON))
    return out


def describes(reference: Reference, count: int = 20) -> list[Query]:
    sec = "https://w3id.org/seckg/ontology#"
    return [Query(f"describe#{i}", f"DESCRIBE <{iri}>", NTRIPLES)
            for i, iri in enumerate(_entities(reference, sec + "RegionalOrganization", count))]


DUMP_SPARQL = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


def fixed_size(key: str) -> bool:
    """Whether request `key` is of the ordinary part of a workload, whose answers have the same
    size at every size of graph: the other parameters name ordinary nodes, which keep their size
    as the graph grows (it grows by more of them), and DESCRIBE gives one node's own triples. Left
    out: the dump, which is the graph, and variant #0 of each named query, on the crowded nodes
    (synthetic.CROWDED), which are larger than any ordinary node and grow with the graph up to
    synthetic.CROWDED_AT_MOST, reached at about 1M triples."""
    return key != "dump" and not (key.endswith("#0") and not key.startswith("describe#"))


def http_request(query: Query, query_path: str, dump: tuple[str, str], extra=()) -> Request:
    """The GET request for `query` on a server; the dump goes to the server's dump route if it
    has one."""
    if query.key == "dump" and dump[0]:
        return Request("dump", dump[0], (("Accept", dump[1]), *extra))
    path = f"{query_path}?query={quote(query.sparql, safe='')}"
    return Request(query.key, path, (("Accept", query.accept), *extra))


def mix(named: list[Query], lookups: list[Query], dump: Query, rounds: int = 3) -> list[Query]:
    """Named queries and lookups interleaved (5 to 1), repeated `rounds` times, with one dump:
    about one request in 200 downloads the whole dataset."""
    one_round, j = [], 0
    for i, query in enumerate(named):
        one_round.append(query)
        if i % 5 == 4:
            one_round.append(lookups[j % len(lookups)])
            j += 1
    return [*one_round * rounds, dump]
