"""Writes against a live server on 127.0.0.1 (gunicorn, two workers), as an attacker or a careless
client would send them: a token in the URL, no token, a wrong one, and too many writes.

Each refusal must say what to do, change nothing, and be logged without the secret: the tests
read everything the server printed and look for the tokens in it. The rate limit must hold across
both workers (it is kept in the one writer process) and lift after the Retry-After it announced.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse

import pytest

from live_server import request, write_repo
from logged_server import logged_serving

ALICE = "alice-0123456789abcdef-secret"
BOB = "bob-fedcba9876543210-secret"
WRONG = "mallory-guess-0123456789-secret"
BASE = "https://w3id.org/seckg/"
ORGS = BASE + "graph/data/organizations/orgs"
COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"


def repo_with_tokens(tmp_path):
    root = write_repo(tmp_path / "repo")
    tokens = tmp_path / "tokens"
    tokens.write_text(f"alice:{ALICE}\nbob:{BOB}\n")
    return root, tokens


def insert(label: str) -> bytes:
    return f'INSERT DATA {{ GRAPH <{ORGS}> {{ <{BASE}id/org/CSTO> <{COMMENT}> "{label}" }} }}'.encode()


def post_update(base: str, body: bytes, token: str | None = None, query: str = "",
                content_type: str = "application/sparql-update"):
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return request(f"{base}/update{query}", body, headers)


def has_comment(base: str, label: str) -> bool:
    query = f'ASK {{ <{BASE}id/org/CSTO> <{COMMENT}> "{label}" }}'
    status, _, body = request(base + "/sparql?" + urllib.parse.urlencode({"query": query}))
    assert status == 200, body
    return json.loads(body)["boolean"]


def generation(base: str) -> int:
    return json.loads(request(base + "/store/status")[2])["generation"]


def test_tokens_outside_the_header_are_refused_and_no_secret_is_logged(tmp_path):
    root, tokens = repo_with_tokens(tmp_path)
    log = tmp_path / "server.log"
    graph = urllib.parse.quote(ORGS, safe="")
    with logged_serving(root, log, "--store", str(tmp_path / "store"), "--write-tokens", str(tokens),
                        "--workers", "2") as base:
        first = generation(base)
        in_url = [
            ("POST", f"/update?access_token={ALICE}", insert("url 1"), {"Content-Type": "application/sparql-update"}),
            ("POST", f"/update?token={ALICE}", insert("url 2"),
             {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {ALICE}"}),
            ("POST", "/update", urllib.parse.urlencode({"update": insert("url 3"), "access_token": ALICE}).encode(),
             {"Content-Type": "application/x-www-form-urlencoded"}),
            ("POST", f"/update?note={ALICE}", insert("url 4"),
             {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {ALICE}"}),
            ("PUT", f"/data?graph={graph}&access_token={ALICE}", b"<a:b> <a:c> <a:d> .",
             {"Content-Type": "application/n-triples"}),
            ("DELETE", f"/data?graph={graph}&api_key={ALICE}", None, {}),
            ("GET", f"/data?graph={graph}&token={ALICE}", None, {}),
            ("GET", f"/writes/log?access_token={ALICE}", None, {}),
        ]
        for method, path, body, headers in in_url:
            status, _, answer = request(base + path, body, headers, method=method)
            assert status == 400, (path, status, answer)
            assert b"Authorization: Bearer" in answer and b"URL" in answer, answer
            assert ALICE.encode() not in answer
        for authorization in (None, f"Bearer {WRONG}", f"Basic {ALICE}"):
            headers = {"Content-Type": "application/sparql-update"}
            if authorization:
                headers["Authorization"] = authorization
            status, response_headers, answer = request(base + "/update", insert("no token"), headers)
            assert status == 401 and response_headers["WWW-Authenticate"].startswith("Bearer"), answer
            assert ALICE.encode() not in answer and WRONG.encode() not in answer
        assert generation(base) == first
        assert not any(has_comment(base, label) for label in ("url 1", "url 2", "url 3", "url 4", "no token"))
        status, _, answer = post_update(base, insert("by the header"), ALICE)
        assert status == 200, answer
        assert has_comment(base, "by the header")
    text = log.read_text(errors="replace")
    assert ALICE not in text and WRONG not in text and BOB not in text
    refusals = [line for line in text.splitlines() if "[seckg writes]" in line and "refused" in line]
    assert len(refusals) == len(in_url) + 3, refusals
    assert sum("a credential in the URL" in line for line in refusals) == len(in_url)
    assert sum("write token of 'alice'" in line for line in refusals) >= 6  # every URL that held it
    assert any("no Authorization header" in line for line in refusals)
    assert any("a bearer token that is not in the token file" in line for line in refusals)
    assert any("not Bearer" in line for line in refusals)
    assert all("127.0.0.1" in line for line in refusals)
    assert any("by alice" in line for line in text.splitlines()), "the accepted write is logged by name"


def test_writes_over_the_rate_get_429_with_retry_after_on_every_worker(tmp_path):
    """--write-rate 3/30s: of 8 writes sent at once by one token, to two workers, exactly 3 are
    accepted; the others get 429 and change nothing; another token is not held back; after the
    announced Retry-After the first token writes again. Refused attempts are limited per address."""
    root, tokens = repo_with_tokens(tmp_path)
    with logged_serving(root, tmp_path / "server.log", "--store", str(tmp_path / "store"), "--write-tokens",
                        str(tokens), "--workers", "2", "--threads", "8", "--write-rate", "3/30s") as base:
        outcomes: dict[int, tuple] = {}

        def write(n: int) -> None:
            outcomes[n] = post_update(base, insert(f"burst {n}"), ALICE)

        threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        statuses = sorted(status for status, _, _ in outcomes.values())
        assert statuses == [200] * 3 + [429] * 5, outcomes
        waits = []
        for n, (status, headers, body) in outcomes.items():
            assert has_comment(base, f"burst {n}") == (status == 200)
            if status == 429:
                assert b"too many writes from alice" in body and b"try again in" in body, body
                waits.append(int(headers["Retry-After"]))
        assert all(1 <= wait <= 10 for wait in waits), waits  # one write comes back every 10 s

        status, _, body = post_update(base, insert("bob meanwhile"), BOB)
        assert status == 200, body

        refused = [post_update(base, insert("guess"), WRONG) for _ in range(4)]
        assert [status for status, _, _ in refused] == [401, 401, 401, 429]
        assert int(refused[-1][1]["Retry-After"]) >= 1

        status, headers, _ = post_update(base, insert("too soon"), ALICE)
        assert status == 429
        time.sleep(int(headers["Retry-After"]))
        status, _, body = post_update(base, insert("after waiting"), ALICE)
        assert status == 200, body
        assert has_comment(base, "after waiting") and not has_comment(base, "too soon")


@pytest.mark.parametrize("rate", ["sixty", "0/min", "5/0s", "3/fortnight"])
def test_a_bad_rate_is_refused_at_start(runner, rate, tmp_path):
    tokens = tmp_path / "tokens"
    tokens.write_text(f"alice:{ALICE}\n")
    result = runner.invoke(__import__("seckg.cli", fromlist=["main"]).main,
                           ["serve", "--store", str(tmp_path / "store"), "--write-tokens", str(tokens),
                            "--write-rate", rate])
    assert result.exit_code == 2 and "N/PERIOD" in result.output, result.output


def test_cors_preflight_lets_other_sites_write_with_a_bearer_token(client):
    """A page elsewhere may PUT/DELETE/POST to the write routes with Authorization (a token its script
    holds; browsers never add it by themselves), but never with credentials, and the read routes
    still allow no Authorization header or other methods."""
    def preflight(path: str, method: str, headers: str):
        return client.options(path, headers={"Origin": "https://editor.example", "Access-Control-Request-Method": method,
                                             "Access-Control-Request-Headers": headers})

    for path, method in (("/update", "POST"), ("/data", "PUT"), ("/data", "DELETE"), ("/writes/log", "GET")):
        response = preflight(path, method, "Authorization, Content-Type")
        assert response.status_code == 204, (path, response.data)
        assert method in response.headers["Access-Control-Allow-Methods"]
        assert "authorization" in response.headers["Access-Control-Allow-Headers"]
        assert "Access-Control-Allow-Credentials" not in response.headers
    assert preflight("/sparql", "POST", "Authorization").status_code == 403
    assert preflight("/sparql", "PUT", "Content-Type").status_code == 403
    assert preflight("/update", "PATCH", "Authorization").status_code == 403
    answer = client.get("/store/status", headers={"Origin": "https://editor.example"})
    assert "X-Seckg-Generation" in answer.headers["Access-Control-Expose-Headers"]
