"""Named queries as REST: GET /api/<name>?param=… , the list at /api, OpenAPI 3 at /api/openapi.json.

A named query answers exactly like /sparql would (same negotiation, limits,
runner and errors), because it goes through the same `run_query`; parameters
are typed and bound as RDF terms by `NamedQuery.bind`, never spliced as text.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from seckg.named_queries import NamedQuery, ParamError
from seckg.sparql_guard import inspect_query
from seckg.web.protocol import GRAPH_OFFERS, RESULT_OFFERS
from seckg.web.sparql import ProtocolError, error_response, run_query

bp = Blueprint("api", __name__)

RESERVED = ("format", "timeout")  # request parameters that are not query parameters
_SCHEMAS = {
    "iri": {"type": "string", "format": "uri"},
    "date": {"type": "string", "format": "date"},
    "integer": {"type": "integer"},
    "string": {"type": "string"},
}


def _catalog() -> dict[str, NamedQuery]:
    return current_app.extensions["seckg.named_queries"]


def _offers(named: NamedQuery):
    return GRAPH_OFFERS if inspect_query(named.sparql).form in ("CONSTRUCT", "DESCRIBE") else RESULT_OFFERS


@bp.route("/api")
def listing() -> Response:
    return jsonify([
        {
            "name": named.name,
            "title": named.title,
            "description": named.description,
            "url": url_for("api.named_query", name=named.name, _external=True),
            "parameters": [{"name": p.name, "type": p.type, "example": p.example, "description": p.description}
                           for p in named.params],
            "result": list(named.result),
            "formats": [o.media for o in _offers(named)],
        }
        for named in _catalog().values()
    ])


@bp.route("/api/openapi.json")
def openapi() -> Response:
    """An OpenAPI 3.0 document with one GET operation per named query."""
    format_names = sorted({name for o in (*RESULT_OFFERS, *GRAPH_OFFERS) for name in o.names})
    common = [
        {"name": "format", "in": "query", "required": False, "description": "Answer format; overrides Accept",
         "schema": {"type": "string", "enum": format_names}},
        {"name": "timeout", "in": "query", "required": False,
         "description": "Seconds; lower than the server's timeout to give up sooner",
         "schema": {"type": "number", "minimum": 0, "exclusiveMinimum": True}},
    ]
    paths = {}
    for named in _catalog().values():
        params = [{"name": p.name, "in": "query", "required": True, "description": p.description,
                   "schema": _SCHEMAS[p.type], "example": p.example} for p in named.params]
        paths[f"/api/{named.name}"] = {"get": {
            "operationId": named.name.replace("-", "_"),
            "summary": named.title,
            "description": named.description,
            "parameters": params + common,
            "responses": {
                "200": {"description": "The answer" + (f" (variables: {', '.join(named.result)})"
                                                      if named.result else ""),
                        "content": {o.media: {} for o in _offers(named)}},
                "400": {"description": "A parameter is missing, unknown or malformed"},
                "406": {"description": "No acceptable format"},
                "422": {"description": "The answer is larger than the server sends, or holds a character "
                                       "the XML format asked for cannot carry"},
                "503": {"description": "Timed out, or the server is busy (see Retry-After)"},
            },
        }}
    paths.update(current_app.extensions.get("seckg.openapi_paths", {}))  # other blueprints' JSON APIs
    return jsonify({
        "openapi": "3.0.3",
        "info": {"title": "seckg named queries", "version": "1",
                 "description": "Competency questions over the seckg knowledge graph; each is also a "
                                "SPARQL file in queries/, answerable at /sparql."},
        "servers": [{"url": request.host_url.rstrip("/")}],
        "paths": paths,
    })


@bp.route("/api/<name>")
def named_query(name: str) -> Response:
    named = _catalog().get(name)
    if named is None:
        return error_response(404, f"no query named {name!r}; GET /api lists them")
    values = {key: request.args.getlist(key) for key in request.args if key not in RESERVED}
    repeated = sorted(key for key, given in values.items() if len(given) > 1)
    if repeated:
        return error_response(400, f"parameter(s) given more than once: {', '.join(repeated)}")
    try:
        sparql = named.bind({key: given[0] for key, given in values.items()})
    except ParamError as error:
        return error_response(400, str(error))
    try:
        return run_query(sparql)
    except ProtocolError as error:
        return error_response(error.status, str(error), error.headers)
