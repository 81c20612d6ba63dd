"""Coverage figures of the graph for `seckg stats` and the README."""

from __future__ import annotations

COVERAGE_QUERY = """
PREFIX sec:  <https://w3id.org/seckg/ontology#>
PREFIX org:  <http://www.w3.org/ns/org#>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT
  (COUNT(DISTINCT ?organization) AS ?organizations)
  (COUNT(DISTINCT ?state) AS ?states)
  (COUNT(DISTINCT ?spell) AS ?spells)
  (COUNT(DISTINCT ?daySpell) AS ?daySpells)
  (COUNT(DISTINCT ?source) AS ?sources)
WHERE {
  { ?organization a/rdfs:subClassOf* sec:InternationalOrganization }
  UNION { ?state a sec:State }
  UNION { ?spell a sec:OrganizationMembership }
  UNION { ?daySpell a sec:OrganizationMembership ; org:memberDuring/time:hasBeginning/time:inXSDDate ?day }
  UNION { ?source a/rdfs:subClassOf* sec:Document }
}
"""

LABELS = (
    ("organizations", "international organizations"),
    ("states", "states"),
    ("spells", "membership spells"),
    ("daySpells", "spells beginning on a known day"),
    ("sources", "source documents and datasets"),
)


def coverage(store) -> dict[str, int]:
    """Counts of organizations, states, spells, day-precision spells and sources."""
    solution = next(iter(store.query(COVERAGE_QUERY)))
    return {key: int(solution[key].value) for key, _ in LABELS}


def coverage_lines(store) -> list[str]:
    figures = coverage(store)
    lines = [f"  {figures[key]:>8}  {label}" for key, label in LABELS]
    if figures["spells"]:
        lines.append(f"  {100 * figures['daySpells'] / figures['spells']:>7.0f}%  of spells with day precision")
    return lines
