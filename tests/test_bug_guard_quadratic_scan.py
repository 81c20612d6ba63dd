"""Bug: the query guard (which reads every query in the web worker, before the timeout applies) took
time quadratic in the query's length on some malformed texts: an unterminated string full of escaped
quotes, or a run like "a1a1a1…" or "?a.a.a.…", was rescanned from each of its characters. A 16 KB GET
took about 10 s and a 1 MiB POST would have held a worker thread for hours. The scan is linear now.

The bound is a hang bound, not a speed figure: 64 KB of such text is scanned in about 0.2 s on the
2-core machine now and took minutes before; the test allows 20 s.
"""

from __future__ import annotations

import threading

import pytest

from seckg.sparql_guard import QueryRejected, check_query, inspect_query

PATTERNS = {
    "escaped quotes in an open string": lambda n: '"' + '\\"' * n,
    "letters and digits": lambda n: "a1" * n,
    "variable followed by dotted names": lambda n: "?" + "a." * n,
    "escaped quotes in an open long string": lambda n: "'''" + "\\'" * n,
}


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_the_guard_does_not_hang_on_malformed_text(name):
    text = PATTERNS[name](32_000)

    def scan():
        try:
            check_query(text)
        except QueryRejected:
            pass

    scanner = threading.Thread(target=scan, daemon=True)
    scanner.start()
    scanner.join(timeout=20)
    assert not scanner.is_alive(), f"the guard spent over 20 s on 64 KB of {name}"


def test_keywords_inside_runs_and_after_open_strings_are_still_seen():
    assert inspect_query("SELECT * WHERE { ?s ?p ?o.FILTER(?o) }").form == "SELECT"
    with pytest.raises(QueryRejected):
        check_query('SELECT * WHERE { ?s ?p "open\n SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }')
    with pytest.raises(QueryRejected):
        check_query("SELECT * WHERE { ?o.SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }")
