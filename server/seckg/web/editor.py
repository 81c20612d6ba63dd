"""The query editor at /query: YASGUI, served from /assets/, asking this server's /sparql.

The page hands YASGUI its settings as a JSON data block (no inline script, so
the Content-Security-Policy needs no 'unsafe-inline'): the endpoint, the
project's prefixes, the base under which IRIs are this server's pages, and the
named queries of queries/ with their example parameters bound, as examples.
Without JavaScript the page is a plain form that GETs /sparql.
`/query?query=…` opens the editor with that query (and runs it), as the links of
YASGUI's share button do; `/query?example=NAME` opens a named query.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, render_template, request

from seckg.namespaces import display_prefixes
from seckg.web.resources import script_safe_json

bp = Blueprint("editor", __name__, template_folder="templates")

STARTER = """SELECT DISTINCT ?organization ?name ?founded WHERE {
  ?organization a/rdfs:subClassOf* sec:InternationalOrganization ;
                rdfs:label ?name .
  FILTER(lang(?name) = "en")
  OPTIONAL { ?organization sec:foundingDate ?founded }
}
ORDER BY ?founded"""


def prefix_block(prefixes: dict[str, str]) -> str:
    width = max(map(len, prefixes), default=0)
    return "".join(f"PREFIX {name + ':':<{width + 1}} <{ns}>\n" for name, ns in prefixes.items())


def examples() -> list[dict]:
    """Each named query as the editor offers it: title, description, and the query with its example values."""
    found = []
    for named in current_app.extensions["seckg.named_queries"].values():
        text = named.bind({p.name: p.example for p in named.params})
        found.append({"name": named.name, "title": named.title, "description": named.description,
                      "query": text, "href": f"{request.script_root}/query?" + urlencode({"example": named.name})})
    return found


@bp.route("/query")
def editor() -> Response:
    config = current_app.extensions["seckg.config"]
    prefixes = display_prefixes(config.base)
    default_query = prefix_block(prefixes) + "\n" + STARTER + "\n"
    catalogue = examples()
    chosen = next((ex for ex in catalogue if ex["name"] == request.args.get("example")), None)
    shown = request.args.get("query") or (chosen["query"] if chosen else default_query)
    settings = {
        "endpoint": f"{request.script_root}/sparql",
        "base": config.base,
        "root": f"{request.script_root}/",
        "prefixes": prefixes,
        "defaultQuery": default_query,
        "examples": catalogue,
    }
    html = render_template("editor.html", settings=script_safe_json(json.dumps(settings).encode()),
                           examples=settings["examples"], query_text=shown)
    return Response(html, content_type="text/html; charset=utf-8")
