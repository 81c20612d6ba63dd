"""A minimal read-only SPARQL endpoint at /sparql (GET, POST form, POST sparql-query).

Answers are negotiated on Accept among the result formats Oxigraph writes
itself. Updates and SERVICE are refused with 400, so the endpoint can neither
change the graph nor be used to make the server fetch other URLs.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, request

from seckg.sparql_guard import QueryRejected, looks_like_update
from seckg.web import current_store

bp = Blueprint("sparql", __name__)

# First entry of each list is the default when the client accepts anything.
RESULT_FORMATS = [
    ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    ("text/csv", ox.QueryResultsFormat.CSV),
    ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
]
GRAPH_FORMATS = [
    ("text/turtle", ox.RdfFormat.TURTLE),
    ("application/n-triples", ox.RdfFormat.N_TRIPLES),
]


def _error(message: str, status: int = 400) -> Response:
    response = Response(message.rstrip("\n") + "\n", status=status, mimetype="text/plain")
    response.headers["Vary"] = "Accept"
    return response


def _negotiate(offers):
    """The (media type, format) the client prefers, or the first offer when nothing matches."""
    chosen = request.accept_mimetypes.best_match([media for media, _ in offers])
    return next(((m, f) for m, f in offers if m == chosen), offers[0])


def _query_text() -> str | Response:
    """The query from ?query=, a form field, or an application/sparql-query body."""
    if request.method == "GET":
        if "update" in request.args:
            return _error("this endpoint is read-only: SPARQL updates are not accepted")
        return request.args.get("query", "")
    mimetype = request.mimetype
    if mimetype == "application/sparql-query":
        return request.get_data(as_text=True)
    if mimetype == "application/sparql-update" or "update" in request.form:
        return _error("this endpoint is read-only: SPARQL updates are not accepted")
    if mimetype in ("", "application/x-www-form-urlencoded", "multipart/form-data"):
        return request.form.get("query", "")
    return _error(
        f"unsupported content type {mimetype!r}: send a form with query=, or application/sparql-query",
        415,
    )


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    text = _query_text()
    if isinstance(text, Response):
        return text
    if not text.strip():
        return _error("no query: pass the SPARQL query as the 'query' parameter")
    try:
        answer = current_store().query(text)
        if isinstance(answer, ox.QueryTriples):
            media, fmt = _negotiate(GRAPH_FORMATS)
            body = ox.serialize(answer, format=fmt)
        else:
            media, fmt = _negotiate(RESULT_FORMATS)
            body = answer.serialize(format=fmt)
    except QueryRejected as error:
        return _error(str(error))
    except SyntaxError as error:
        if looks_like_update(text):
            return _error("this endpoint is read-only: SPARQL updates are not accepted")
        return _error(f"malformed query: {error}")
    except (OSError, RuntimeError) as error:  # evaluation failed, e.g. a type error in the engine
        return _error(f"query failed: {error}", 500)
    response = Response(body, mimetype=media)
    response.headers["Vary"] = "Accept"
    return response
