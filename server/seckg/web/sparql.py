"""The SPARQL 1.1 Protocol endpoint at /sparql (query side, read-only).

This module reads requests (GET, POST form, POST application/sparql-query),
checks them (one query, graphs of the dataset only, no outbound calls), and
hands the query to the app's `QueryRunner`, which answers in the format chosen
by `protocol.negotiate`. Every refusal is a plain-text 4xx/5xx naming the
problem; GET without a query answers the service description.
"""

from __future__ import annotations

from functools import lru_cache

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request, url_for

from seckg.executor import Busy, Guard, Job
from seckg.web import answer_cache, point_lookup, protocol
from seckg.web.protocol import GRAPH_OFFERS, RESULT_OFFERS, NotAcceptable
from seckg.web.service_description import describe

bp = Blueprint("sparql", __name__)

READ_ONLY = ("this endpoint is read-only: SPARQL updates are not accepted here; a server that accepts "
             "writes takes them at /update")


class ProtocolError(Exception):
    """A request the protocol says to refuse, with the status and the reason to tell the client."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    response = Response(message.rstrip("\n") + "\n", status=status, content_type="text/plain; charset=utf-8")
    response.headers["Vary"] = "Accept"
    response.headers.update(headers or {})
    return response


def _params(name: str) -> list[str]:
    """All values of `name`, from the URL and, for a form POST, from the body."""
    values = request.args.getlist(name)
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        values += request.form.getlist(name)
    return values


def _query_text() -> str | None:
    """The one query of the request, None when there is none (a GET of the service description)."""
    if request.args.getlist("update") or (request.mimetype == "application/x-www-form-urlencoded"
                                          and request.form.getlist("update")):
        raise ProtocolError(400, READ_ONLY)
    if request.method in ("GET", "HEAD"):
        queries = request.args.getlist("query")
    elif request.mimetype == "application/x-www-form-urlencoded":
        queries = _params("query")
    elif request.mimetype == "application/sparql-query":
        charset = request.mimetype_params.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise ProtocolError(415, f"the query must be sent as UTF-8, not {charset}")
        try:
            body = request.get_data(cache=False).decode("utf-8")
        except UnicodeDecodeError as error:
            raise ProtocolError(400, f"the query is not valid UTF-8: {error}") from None
        queries = [body, *request.args.getlist("query")]
    elif request.mimetype == "application/sparql-update":
        raise ProtocolError(400, READ_ONLY)
    elif not request.mimetype and not request.content_length:
        queries = []  # an empty POST: no query, whatever its type
    elif not request.mimetype:
        raise ProtocolError(415, "no Content-Type: POST a form (application/x-www-form-urlencoded) "
                                 "with query=, or the query itself as application/sparql-query")
    else:
        raise ProtocolError(415, f"unsupported Content-Type {request.mimetype!r}: POST a form "
                                 "(application/x-www-form-urlencoded) with query=, or application/sparql-query")
    if len(queries) > 1:
        raise ProtocolError(400, f"the query was given {len(queries)} times; send exactly one 'query'")
    if not queries:
        if request.method == "POST" or _params("default-graph-uri") or _params("named-graph-uri"):
            raise ProtocolError(400, "no query: pass the SPARQL query as the 'query' parameter")
        return None
    if not queries[0].strip():
        raise ProtocolError(400, "no query: the 'query' parameter is empty")
    return queries[0]


def _dataset() -> tuple[list[str] | None, list[str] | None]:
    """default-graph-uri / named-graph-uri, each checked against the graphs served.

    When either is given the dataset is exactly what the request names: the
    other part is empty, as with FROM and FROM NAMED in a query.
    """
    default, named = _params("default-graph-uri"), _params("named-graph-uri")
    settings = current_app.extensions["seckg.settings"]
    graphs = current_app.extensions["seckg.graphs"]
    for name, values in (("default-graph-uri", default), ("named-graph-uri", named)):
        for iri in values:
            if iri not in graphs and iri not in settings.allow_from:
                raise ProtocolError(400, f"{name} <{iri}> is not a graph of this dataset; the server does "
                                         "not fetch graphs from the web (GET /sparql lists its graphs)")
    if not default and not named:
        return None, None
    return default, named


def _timeout() -> float:
    """The server's timeout, or the lower one the request asks for with ?timeout=SECONDS."""
    limit = current_app.extensions["seckg.settings"].timeout
    asked = _params("timeout")
    if not asked:
        return limit
    try:
        value = float(asked[0])
    except ValueError:
        raise ProtocolError(400, f"timeout must be a number of seconds, got {asked[0]!r}") from None
    if not 0 < value < float("inf"):
        raise ProtocolError(400, f"timeout must be a positive number of seconds, got {asked[0]!r}")
    return min(value, limit)


def _negotiate_or_none(offers):
    return _negotiated(offers, request.headers.get("Accept"), _format_param())


@lru_cache(maxsize=256)
def _negotiated(offers, accept: str | None, format_name: str | None):
    """The offer for these headers, None if none fits; clients send the same few Accept headers."""
    try:
        return protocol.negotiate(offers, accept, format_name)
    except NotAcceptable:
        return None


def _format_param() -> str | None:
    values = _params("format")
    return values[0] if values else None


def run_query(text: str, default: list[str] | None = None, named: list[str] | None = None) -> Response:
    """Check, run and write one query with the app's runner; shared by /sparql and /api.

    The query is checked (sparql_guard: no SERVICE, no FROM outside the dataset, no update) in
    the query process, inside the timeout, so no text keeps a web thread longer than that.
    A cached answer (see answer_cache) is looked up first: only a query that passed the check
    was ever answered, so its answer is served, or 304 when the client has it.
    """
    settings = current_app.extensions["seckg.settings"]
    graphs = current_app.extensions["seckg.graphs"]
    results, graph = _negotiate_or_none(RESULT_OFFERS), _negotiate_or_none(GRAPH_OFFERS)
    job = Job(
        sparql=text,
        results_writer=results.writer if results else None,
        graph_writer=graph.writer if graph else None,
        default_graph=default,
        named_graphs=named,
        max_bytes=settings.max_response_bytes,
        base_iri=request.url_root + "sparql",  # the service's base IRI for relative IRIs (url_for, cheaper)
        allow_service=settings.allow_service,
        guard=Guard(dataset=tuple(graphs), allow_from=settings.allow_from),
    )
    cache = answer_cache.cache_of(current_app)
    key = answer_cache.key_for(current_app, job) if cache is not None and answer_cache.cacheable(job) else None
    if key is not None and answer_cache.client_has(request, key):
        return _answer_response(Response(status=304), key)
    answer = cache.get(key) if key is not None and not answer_cache.wants_fresh(request) else None
    if answer is None:
        answer = point_lookup.answer(job, current_app.extensions["seckg.store"])
        if answer is not None and key is not None:
            cache.put(key, answer)
    if answer is None:
        try:
            answer = current_app.extensions["seckg.runner"].run(job, _timeout())
        except Busy as error:
            raise ProtocolError(503, f"{error}; try again shortly", {"Retry-After": "1"}) from None
        if answer.meta.get("update"):
            raise ProtocolError(400, READ_ONLY)
        if key is not None and not answer.meta.get("services"):  # another endpoint's answer is not ours
            cache.put(key, answer)
    if answer.status == 406:
        offers = GRAPH_OFFERS if answer.kind == "graph" else RESULT_OFFERS
        asked = f"format={_format_param()!r}" if _format_param() else f"Accept: {request.headers.get('Accept')}"
        raise ProtocolError(406, str(NotAcceptable(offers, asked)))
    if answer.status != 200:
        raise ProtocolError(answer.status, answer.message)
    offer = graph if answer.kind == "graph" else results
    return _answer_response(Response(answer.body, content_type=offer.content_type), key)


def _answer_response(response: Response, etag: str | None) -> Response:
    response.headers["Vary"] = "Accept"
    if etag is not None:
        response.set_etag(etag, weak=True)
    return response


def service_description() -> Response:
    from seckg.web.resources import HTML

    # A browser that opens /sparql wants to ask something: send it to the query editor. HTML comes
    # last among the offers, so a client that accepts anything still gets the RDF description.
    offer = protocol.negotiate([*GRAPH_OFFERS, HTML], request.headers.get("Accept"), _format_param())
    if offer is HTML:
        return Response(status=303, headers={"Location": url_for("editor.editor"), "Vary": "Accept"})
    triples = describe(
        request.base_url,
        current_app.extensions["seckg.graphs"],
        current_app.extensions["seckg.default_triples"],
        current_app.extensions["seckg.settings"],
    )
    # The dataset's VoID/DCAT description (see web/void.py), next to the endpoint that serves it.
    void = request.base_url.rsplit("/", 1)[0] + "/.well-known/void"
    triples.append(ox.Triple(triples[0].subject, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso"),
                             ox.NamedNode(void)))
    response = Response(ox.serialize(triples, format=offer.rdf_format()), content_type=offer.content_type)
    response.headers["Vary"] = "Accept"
    return response


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    try:
        text = _query_text()
        if text is None:
            return service_description()
        default, named = _dataset()
        return run_query(text, default, named)
    except NotAcceptable as error:
        return error_response(406, str(error))
    except ProtocolError as error:
        return error_response(error.status, str(error), error.headers)
