"""Writes over HTTP: SPARQL 1.1 Update at /update and the Graph Store HTTP Protocol at /data.

    POST /update                     update=… (form) or the update as application/sparql-update;
                                     using-graph-uri / using-named-graph-uri as the protocol says
    GET|HEAD /data?graph=IRI         one named graph (a file), negotiated like a CONSTRUCT answer
    GET|HEAD /data?default           the default graph: the union every query sees
    PUT|POST|DELETE /data?graph=IRI  replace / add to / drop the graph of one data file
    PUT|POST|DELETE /data?default    the same on the server's default graph for writes, if it has one
    GET /store/status                generation, and the outcome of the last reload from the files
    GET /writes/log                  the write log as JSON Lines (token required)

Reading needs nothing; every write needs `Authorization: Bearer <token>` and is
refused with 401 otherwise, before the request is even read; a token in the URL
is refused with 400 (write_refusals.py). Each token may write at the rate the
writer allows (429 with Retry-After beyond it), and each address may be refused
for its token as often (write_limits.py). This module
only checks who is asking and how the request is framed; the writer process
(writer.py) decides what the write changes, validates it and makes it durable.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Blueprint, Flask, Response, current_app, request

from seckg.live_store import LiveView
from seckg.web.protocol import NotAcceptable
from seckg.web.sparql import ProtocolError, error_response, run_query
from seckg.web.write_refusals import HEADER_ADVICE, credentials_in_url, install_log, log_refusal
from seckg.write_auth import WriteTokens
from seckg.writer import WriterClient, WriterUnavailable

bp = Blueprint("writes", __name__)

_TEXT_READ_ONLY = ("this server does not accept writes; its operator can enable them with "
                   "`seckg serve --store DIR --write-tokens FILE`")


@dataclass(frozen=True)
class WriteAccess:
    """How this app writes: the tokens it accepts, the writer it forwards to, and its view of the store."""

    tokens: WriteTokens | None = None
    client: WriterClient | None = None
    view: LiveView | None = None

    @property
    def enabled(self) -> bool:
        return self.tokens is not None and self.client is not None


def _access() -> WriteAccess:
    return current_app.extensions["seckg.writes"]


def _refuse_credentials_in_url() -> None:
    """400 for a token (or anything named like one) in the query string or a form; on every
    route of this module, reads included, since the URL has already been logged somewhere."""
    why = credentials_in_url(request, _access().tokens)
    if why is not None:
        _refuse(400, f"a credential in the URL ({why})",
                f"a token must never be put in the URL (it is written to logs and browser history): "
                f"{HEADER_ADVICE}; nothing was changed")


def _refuse(status: int, why: str, message: str, headers: dict[str, str] | None = None) -> None:
    """Log a request refused for its credentials, count it against its address, and raise."""
    log_refusal(request, why)
    access = _access()
    wait = 0
    if access.client is not None:
        try:
            wait = access.client.call({"op": "refused", "address": request.remote_addr or "?"}).get("retry_after", 0)
        except WriterUnavailable:
            wait = 0
    if wait:
        raise ProtocolError(429, f"too many refused write attempts from {request.remote_addr}; "
                                 f"try again in {wait} s", {"Retry-After": str(wait)})
    raise ProtocolError(status, message, headers)


def _who() -> str:
    """The name of the client's token; raises a ProtocolError (403 writes off, 401 no valid token)."""
    access = _access()
    if not access.enabled:
        raise ProtocolError(403, _TEXT_READ_ONLY)
    _refuse_credentials_in_url()
    header = request.headers.get("Authorization")
    name = access.tokens.name_for(header)
    if name is None:
        presented = ("no Authorization header" if not header else
                     "an Authorization header that is not Bearer" if not header.strip().lower().startswith("bearer ")
                     else "a bearer token that is not in the token file")
        _refuse(401, presented, "a write needs a valid token: Authorization: Bearer <token>",
                {"WWW-Authenticate": 'Bearer realm="seckg"'})
    return name


def _forward(message: dict) -> Response:
    try:
        answer = _access().client.call(message)
    except WriterUnavailable as error:
        raise ProtocolError(503, f"{error}; nothing was changed", {"Retry-After": "5"}) from None
    status = answer["status"]
    if status == 429:
        return error_response(429, answer["message"], {"Retry-After": str(answer["retry_after"])})
    if status == 422:
        wants = request.accept_mimetypes.best_match(["application/json", "text/turtle"], "application/json")
        if wants == "text/turtle":
            response = Response(answer["report_turtle"], status=422, content_type="text/turtle; charset=utf-8")
        else:
            body = {"conforms": False, "message": answer["message"], "generation": answer["generation"],
                    "findings": answer["findings"]}
            response = Response(json.dumps(body, indent=1, ensure_ascii=False) + "\n", status=422,
                                content_type="application/json")
        response.headers["Vary"] = "Accept"
        return response
    if status >= 400:
        return error_response(status, answer["message"])
    body = {key: answer[key] for key in ("generation", "graphs", "warnings", "message", "timings") if key in answer}
    response = Response(json.dumps(body, indent=1, ensure_ascii=False) + "\n", status=status,
                        content_type="application/json")
    response.headers["X-Seckg-Generation"] = str(answer["generation"])
    return response


def _iris(name: str, values: list[str]) -> list[str]:
    for value in values:
        try:
            ox.NamedNode(value)
        except ValueError:
            raise ProtocolError(400, f"{name} {value!r} is not an absolute IRI") from None
    return values


@bp.route("/update", methods=["POST"])
def update() -> Response:
    try:
        who = _who()
        using, using_named = request.args.getlist("using-graph-uri"), request.args.getlist("using-named-graph-uri")
        if request.mimetype == "application/x-www-form-urlencoded":
            if request.form.getlist("query"):
                raise ProtocolError(400, "this is the update endpoint: send queries to /sparql")
            updates = request.form.getlist("update")
            using += request.form.getlist("using-graph-uri")
            using_named += request.form.getlist("using-named-graph-uri")
        elif request.mimetype == "application/sparql-update":
            charset = request.mimetype_params.get("charset", "utf-8").lower()
            if charset not in ("utf-8", "utf8"):
                raise ProtocolError(415, f"the update must be sent as UTF-8, not {charset}")
            try:
                updates = [request.get_data(cache=False).decode("utf-8")]
            except UnicodeDecodeError as error:
                raise ProtocolError(400, f"the update is not valid UTF-8: {error}") from None
        else:
            raise ProtocolError(415, "POST a form (application/x-www-form-urlencoded) with update=, "
                                     "or the update itself as application/sparql-update")
        if len(updates) != 1 or not updates[0].strip():
            raise ProtocolError(400, f"send exactly one non-empty 'update' (got {len(updates)})")
        return _forward({"op": "update", "update": updates[0], "who": who,
                         "using": _iris("using-graph-uri", using),
                         "using_named": _iris("using-named-graph-uri", using_named)})
    except ProtocolError as error:
        return error_response(error.status, str(error), error.headers)


def _target() -> str | None:
    """The graph named by ?graph=, or None for ?default; exactly one of them."""
    graphs = request.args.getlist("graph")
    default = "default" in request.args
    if len(graphs) + default != 1:
        raise ProtocolError(400, "name exactly one graph: ?graph=IRI, or ?default for the default graph")
    return _iris("graph", graphs)[0] if graphs else None


@bp.route("/data", methods=["GET", "PUT", "POST", "DELETE"])
def graph_store() -> Response:
    try:
        if _access().enabled:
            _refuse_credentials_in_url()
        graph = _target()
        if request.method in ("GET", "HEAD"):  # Flask sends HEAD here and drops the body
            if graph is None:
                return run_query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
            if graph not in current_app.extensions["seckg.graphs"]:
                raise ProtocolError(404, f"there is no graph <{graph}> (GET /sparql lists the graphs)")
            return run_query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }}")
        who = _who()
        body = request.get_data(cache=False) if request.method in ("PUT", "POST") else b""
        return _forward({"op": "graph", "method": request.method, "graph": graph, "body": body,
                         "media_type": request.mimetype, "who": who})
    except NotAcceptable as error:
        return error_response(406, str(error))
    except ProtocolError as error:
        return error_response(error.status, str(error), error.headers)


@bp.route("/store/status")
def status() -> Response:
    access = _access()
    body: dict = {"generation": current_app.extensions["seckg.generation"](), "writes": access.enabled}
    if access.view is not None:
        body.update(access.view.live.read_status())
    else:
        body["watch"] = False
    return Response(json.dumps(body, indent=1, ensure_ascii=False) + "\n", content_type="application/json")


@bp.route("/writes/log")
def write_log() -> Response:
    from seckg.write_log import export_records

    try:
        _who()
    except ProtocolError as error:
        return error_response(error.status, str(error), error.headers)
    live = _access().view.live
    changes = request.args.get("changes") in ("1", "true", "yes")
    lines = (json.dumps(r, ensure_ascii=False) + "\n" for r in export_records(live, changes))
    return Response(lines, content_type="application/x-ndjson; charset=utf-8")


def install(app: Flask, access: WriteAccess | None) -> None:
    """Register the blueprint and, with a writable store, keep the app in step with its generation."""
    access = access or WriteAccess()
    app.extensions["seckg.writes"] = access
    if access.enabled:
        install_log()
    view = access.view
    app.extensions["seckg.generation"] = view.generation if view is not None else (lambda: 0)
    app.register_blueprint(bp)
    if view is None:
        return
    state = {"seen": view.generation(), "dumps": view.generation()}
    rebuilding = threading.Lock()

    @app.before_request
    def follow_the_store() -> None:
        """Take up the generation the writer published last: graph list and counts now, the
        dumps and dataset statistics when a page that shows them is asked for."""
        current = view.current()
        generation = int(current["generation"])
        if generation != state["seen"]:
            app.extensions["seckg.graphs"] = current["graphs"]
            app.extensions["seckg.default_triples"] = current["union"]
            state["seen"] = generation
        if state["dumps"] != generation and (request.blueprint in ("dumps", "void")
                                             or request.endpoint == "resources.home"):
            from seckg.web.dumps import build_for_app

            with rebuilding:
                if state["dumps"] != generation:
                    app.extensions["seckg.dumps"] = build_for_app(app.extensions["seckg.runner"].open_store,
                                                                  app.extensions["seckg.config"])
                    state["dumps"] = generation
