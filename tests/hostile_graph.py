"""A tiny repository whose literals and IRIs are written to break pages and formats that do not escape.

Used by the escaping, fuzzing and load tests: the values are what a careless
curator or a malicious contributor could put in a file, and every one of them
must come back unchanged in every RDF and results format and inert on every page.
"""

from __future__ import annotations

from conftest import BASE_FILES, ONTOLOGY, PREFIXES, SHAPES

EVIL = "https://w3id.org/seckg/id/org/EVIL"
ODD_IRI = "https://w3id.org/seckg/id/org/q'uote&amp=1"
SCRIPT_LABEL = "<script>alert('label')</script> \"double\" 'single' & ]]> </title><!--"
TEMPLATE_LABEL = "{{ 7*7 }} ${7*7} {% if %} \x7f\x85 \ttab\nnewline\r\nreturn"
IMG_COMMENT = '<img src=x onerror=alert(2)> </script><script>alert(3)</script>'
JAVASCRIPT_IRI = "javascript:alert(4)"


def _turtle_string(text: str) -> str:
    """`text` as a Turtle string literal, every character outside printable ASCII escaped."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= ord(char) < 0x7F:
            out.append(char)
        else:
            out.append(f"\\u{ord(char):04X}")
    return '"' + "".join(out) + '"'


HOSTILE_DATA = PREFIXES + f"""
<{EVIL}> a sec:Alliance ;
    rdfs:label {_turtle_string(SCRIPT_LABEL)}@en ;
    rdfs:label {_turtle_string(TEMPLATE_LABEL)}@ru ;
    rdfs:comment {_turtle_string(IMG_COMMENT)} ;
    rdfs:seeAlso <{JAVASCRIPT_IRI}> ;
    org:hasSubOrganization <{ODD_IRI}> .

<{ODD_IRI}> a sec:Alliance ;
    rdfs:label {_turtle_string(IMG_COMMENT)}@en .
"""

HOSTILE_ONTOLOGY = ONTOLOGY + f"""
sec:Cabal a owl:Class ;
    rdfs:subClassOf org:FormalOrganization ;
    rdfs:label {_turtle_string(SCRIPT_LABEL)}@en ;
    rdfs:label {_turtle_string(TEMPLATE_LABEL)}@ru ;
    rdfs:comment {_turtle_string(IMG_COMMENT)}@en ;
    rdfs:seeAlso <{JAVASCRIPT_IRI}> .
"""

HOSTILE_SHAPES = SHAPES + f"""
shp:CabalShape a sh:NodeShape ;
    sh:targetClass sec:Cabal ;
    rdfs:label {_turtle_string(SCRIPT_LABEL)}@en ;
    sh:property [
        sh:path rdfs:label ;
        sh:minCount 1 ;
        sh:message {_turtle_string(IMG_COMMENT)} ;
    ] .
"""

HOSTILE_FILES = {
    **BASE_FILES,
    "ontology/seckg.ttl": HOSTILE_ONTOLOGY,
    "shapes/core.ttl": HOSTILE_SHAPES,
    "data/organizations/hostile.ttl": HOSTILE_DATA,
}
