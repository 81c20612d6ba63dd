"""Named queries over HTTP: /api/<name>, /api and /api/openapi.json, and agreement with `seckg query`."""

from __future__ import annotations

import csv
import io
import json
import urllib.parse
from pathlib import Path

import pytest
from click.testing import CliRunner

from live_server import BACKENDS, oxigraph_server, request, serving_backend, write_repo
from seckg.cli import main
from seckg.config import Config
from seckg.loading import load
from seckg.named_queries import load_named_queries
from seckg.push import push
from seckg.remote import RemoteStore
from seckg.store import GraphStore
from seckg.web import create_app

CSTO = "https://w3id.org/seckg/id/org/CSTO"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module", params=BACKENDS)
def base(request, tmp_path_factory):
    root = write_repo(tmp_path_factory.mktemp("api-repo"))
    with serving_backend(request.param, root, "--workers", "2") as url:
        yield url


def get(url: str, params: dict | None = None, accept: str = "") -> tuple[int, dict, bytes]:
    query = "?" + urllib.parse.urlencode(params, doseq=True) if params else ""
    return request(url + query, headers={"Accept": accept} if accept else {})


def test_named_query_answers_with_negotiation(base):
    params = {"org": CSTO, "date": "2005-11-01"}
    status, headers, body = get(base + "/api/members-on-date", params)
    assert status == 200 and "Accept" in headers["Vary"].split(", ")
    bindings = json.loads(body)["results"]["bindings"]
    assert [b["memberLabel"]["value"] for b in bindings] == ["Armenia"]  # Kazakhstan joins in 2006
    status, headers, body = get(base + "/api/members-on-date", params, accept="text/csv")
    assert headers["Content-Type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(body.decode())))[1] == ["https://w3id.org/seckg/id/state/ARM", "Armenia"]
    status, headers, _ = get(base + "/api/members-on-date", {**params, "format": "tsv"}, accept="text/csv")
    assert headers["Content-Type"].startswith("text/tab-separated-values")
    assert get(base + "/api/members-on-date", params, accept="text/turtle")[0] == 406


def test_values_cannot_change_the_query(base):
    status, _, body = get(base + "/api/by-label", {"name": 'Armenia" } ?x ?y ?z { "'})
    assert status == 200
    assert json.loads(body)["results"]["bindings"] == []
    status, _, body = get(base + "/api/by-label", {"name": "Armenia"})
    assert [b["thing"]["value"] for b in json.loads(body)["results"]["bindings"]] == [
        "https://w3id.org/seckg/id/state/ARM"]


@pytest.mark.parametrize(
    "path, params, status, says",
    [
        ("/api/members-on-date", {"org": CSTO}, 400, b"missing parameter(s): date"),
        ("/api/members-on-date", {"org": CSTO, "date": "1 Nov 2005"}, 400, b"not a date"),
        ("/api/members-on-date", {"org": "not an iri", "date": "2005-11-01"}, 400, b"not an absolute IRI"),
        ("/api/members-on-date", {"org": CSTO, "date": "2005-11-01", "colour": "red"}, 400, b"unknown parameter"),
        ("/api/members-on-date", {"org": [CSTO, CSTO], "date": "2005-11-01"}, 400, b"more than once"),
        ("/api/no-such-query", {}, 404, b"no query named"),
    ],
)
def test_api_errors(base, path, params, status, says):
    got, headers, body = get(base + path, params)
    assert got == status
    assert headers["Content-Type"].startswith("text/plain")
    assert says in body


def test_listing_and_openapi(base):
    status, _, body = get(base + "/api")
    listing = {q["name"]: q for q in json.loads(body)}
    assert set(listing) == {"members-on-date", "by-label"}
    assert [p["name"] for p in listing["members-on-date"]["parameters"]] == ["org", "date"]
    assert listing["by-label"]["url"] == base + "/api/by-label"
    status, _, body = get(base + "/api/openapi.json")
    doc = json.loads(body)
    assert doc["openapi"].startswith("3.")
    operation = doc["paths"]["/api/members-on-date"]["get"]
    declared = {p["name"]: p for p in operation["parameters"]}
    assert declared["date"]["schema"] == {"type": "string", "format": "date"} and declared["date"]["required"]
    assert declared["org"]["schema"]["format"] == "uri"
    assert "application/sparql-results+json" in operation["responses"]["200"]["content"]
    for path, item in doc["paths"].items():  # every path and operation is well formed
        assert path.startswith("/api/") and set(item) == {"get"}
        assert set(item["get"]["responses"]) >= {"200", "400"}


def _without_string_datatype(doc: dict) -> list[dict]:
    """Bindings with the implicit xsd:string datatype dropped (writers may or may not spell it out)."""
    xsd_string = "http://www.w3.org/2001/XMLSchema#string"
    return [{k: {f: v for f, v in term.items() if not (f == "datatype" and v == xsd_string)}
             for k, term in binding.items()} for binding in doc["results"]["bindings"]]


@pytest.fixture(params=BACKENDS)
def real_store(request):
    """The real repository's graphs, embedded or pushed into `oxigraph serve` (remote mode)."""
    config = Config(root=REPO)
    loaded = load(config)
    if request.param == "embedded":
        yield GraphStore.from_loaded(loaded)
        return
    with oxigraph_server() as remote:
        assert len(list(push(loaded, remote + "/store"))) == len(loaded.graphs)
        yield RemoteStore(remote + "/query")


def test_every_named_query_answers_as_the_cli_does(real_store):
    """Over the real repository: /api/<name> with each query's example values equals `seckg query`."""
    config = Config(root=REPO)
    app = create_app(config, store=real_store)
    client = app.test_client()
    runner = CliRunner()
    catalog = load_named_queries(config.queries_dir)
    assert catalog
    try:
        for name, named in catalog.items():
            params = {p.name: p.example for p in named.params}
            response = client.get(f"/api/{name}", query_string=params)
            assert response.status_code == 200, (name, response.data)
            args = ["--root", str(REPO), "query", name, "--format", "json"]
            for key, value in params.items():
                args += ["-p", f"{key}={value}"]
            result = runner.invoke(main, args)
            assert result.exit_code == 0, result.output
            cli = json.loads(result.stdout)
            http = json.loads(response.data)
            assert http["head"]["vars"] == cli["head"]["vars"], name
            assert _without_string_datatype(http) == _without_string_datatype(cli), name
    finally:
        app.extensions["seckg.runner"].close()
