"""Bug: an entity page turned any IRI object into a link, so `rdfs:seeAlso <javascript:…>` in a data
file became a clickable script on the page. Only http(s) IRIs are links now; others are shown as text."""

from __future__ import annotations

from conftest import PREFIXES
from seckg.config import Config
from seckg.web import create_app


def test_a_javascript_iri_is_shown_but_not_linked(make_repo):
    root = make_repo({"data/organizations/links.ttl": PREFIXES + """
<https://w3id.org/seckg/id/org/CSTO> rdfs:seeAlso <javascript:alert(1)> , <https://www.odkb-csto.org/> ,
    <data:text/html,hi> .
"""})
    page = create_app(Config(root=root)).test_client().get("/id/org/CSTO.html").get_data(as_text=True)
    assert 'href="javascript:' not in page and 'href="data:' not in page
    assert '<span title="javascript:alert(1)">' in page
    assert 'href="https://www.odkb-csto.org/"' in page
