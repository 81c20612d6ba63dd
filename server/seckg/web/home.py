"""The home page at /: what the graph is, how much it holds, when it last changed, and the ways in."""

from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, Response, current_app, render_template, request

from seckg.importers.coverage import COVERAGE_QUERY
from seckg.web.resources import Unavailable, local_href, select
from seckg.web.sparql import error_response

bp = Blueprint("home", __name__, template_folder="templates")

STATEMENTS_QUERY = """SELECT (COUNT(DISTINCT ?statement) AS ?statements) WHERE {
  ?statement a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* <https://w3id.org/seckg/ontology#Statement>
}"""
FIGURES = (("organizations", "international organizations"), ("states", "states"),
           ("spells", "membership spells"), ("statements", "statements of officials"),
           ("sources", "source documents and datasets"))


def counts() -> dict[str, int]:
    """The figures of the home page, counted once per worker (the graph does not change while it runs)."""
    cached = current_app.extensions.get("seckg.home_counts")
    if cached is None:
        row = select(COVERAGE_QUERY)[0]
        cached = {key: int(row[key].value) for key in ("organizations", "states", "spells", "sources")}
        cached["statements"] = int(select(STATEMENTS_QUERY)[0]["statements"].value)
        current_app.extensions["seckg.home_counts"] = cached
    return cached


@bp.route("/")
def home() -> Response:
    dumps = current_app.extensions["seckg.dumps"]
    stats = dumps.stats()
    base = current_app.extensions["seckg.config"].base
    try:
        figures = counts()
    except Unavailable as error:
        return error_response(error.status, str(error), error.headers)
    modified = datetime.fromtimestamp(dumps.modified, timezone.utc)
    examples = [{"href": local_href(iri), "text": iri[len(base):]} for iri in stats["examples"]]
    html = render_template("index.html", base=base, examples=examples, triples=stats["triples"],
                           figures=[(figures[key], label) for key, label in FIGURES],
                           modified=modified.strftime("%Y-%m-%d %H:%M UTC"), modified_iso=modified.isoformat())
    response = Response(html, content_type="text/html; charset=utf-8")
    response.headers["Link"] = f'<{request.script_root}/.well-known/void>; rel="describedby"'
    return response
