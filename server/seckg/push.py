"""`seckg load --to URL`: copy the validated graphs into a remote store, one named graph per file.

Each file's graph keeps the IRI the embedded store gives it (`loading.graph_iri`),
so a server in remote mode answers exactly as one over the files. The Graph
Store Protocol is the default: one `PUT URL?graph=IRI` per graph, which
replaces that graph and nothing else, so a push can be repeated and an
interrupted one is finished by running it again. Stores without the Graph
Store Protocol take SPARQL Update instead (`DROP SILENT GRAPH` then `INSERT
DATA`, in one request per graph). A failure stops the push and says which graph,
which URL and what the store answered.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pyoxigraph as ox

from seckg.loading import LoadedGraph, ParseProblem, graph_iri, parse_file, shape_files

NTRIPLES = "application/n-triples"


class PushFailed(RuntimeError):
    """A graph could not be written to the remote store."""


@dataclass(frozen=True)
class Pushed:
    graph: str
    triples: int
    status: int


def _ntriples(quads) -> tuple[bytes, int]:
    triples = [q.triple for q in quads]
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"", len(triples)


def _graphs(loaded: LoadedGraph, with_shapes: bool) -> Iterator[tuple[str, list[ox.Quad]]]:
    """Each graph to push with its quads: the store's (ontology, data), then the shapes if asked."""
    for graph in sorted(loaded.graphs):
        yield graph, list(loaded.store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
    if with_shapes:
        for path in shape_files(loaded.config):
            graph = graph_iri(loaded.config, path)
            quads = parse_file(loaded.config, path, graph)
            if isinstance(quads, ParseProblem):
                raise PushFailed(f"cannot read {quads}")
            yield graph, quads


def _with_graph(url: str, graph: str) -> str:
    return url + ("&" if urllib.parse.urlsplit(url).query else "?") + urllib.parse.urlencode({"graph": graph})


def _gsp_request(url: str, graph: str, body: bytes) -> urllib.request.Request:
    return urllib.request.Request(_with_graph(url, graph), data=body, method="PUT",
                                  headers={"Content-Type": NTRIPLES})


def _update_request(url: str, graph: str, body: bytes) -> urllib.request.Request:
    # N-Triples lines are valid triples in INSERT DATA; blank nodes stay local to this request.
    update = f"DROP SILENT GRAPH <{graph}> ;\nINSERT DATA {{ GRAPH <{graph}> {{\n".encode() + body + b"}}\n"
    return urllib.request.Request(url, data=update, method="POST",
                                  headers={"Content-Type": "application/sparql-update; charset=utf-8"})


def _send(request: urllib.request.Request, graph: str, timeout: float) -> int:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        with error:
            said = " ".join(error.read().decode("utf-8", "replace").split())[:300]
        raise PushFailed(f"{request.get_method()} {request.full_url} for graph <{graph}> answered "
                         f"{error.code} {error.reason}" + (f": {said}" if said else "")) from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise PushFailed(f"cannot reach {request.full_url} for graph <{graph}>: {reason}") from None


def graph_count(loaded: LoadedGraph, with_shapes: bool = False) -> int:
    return len(loaded.graphs) + (len(shape_files(loaded.config)) if with_shapes else 0)


def push(loaded: LoadedGraph, url: str, use_update: bool = False, timeout: float = 120.0,
         with_shapes: bool = False) -> Iterator[Pushed]:
    """Write every graph of `loaded` to the store at `url`; yields each graph once it is written.

    `url` is the store's Graph Store Protocol endpoint, or with `use_update`
    its SPARQL Update endpoint. The shapes files are pushed too (one graph
    each, `graph/shapes/NAME`) only `with_shapes`: the embedded store does
    not hold them, and in the union default graph they would change every
    count. Raises `PushFailed` at the first graph the store does not take.
    """
    build = _update_request if use_update else _gsp_request
    for graph, quads in _graphs(loaded, with_shapes):
        body, count = _ntriples(quads)
        yield Pushed(graph, count, _send(build(url, graph, body), graph, timeout))
