"""The terms the dataset is published under, stated once for VoID/DCAT, the dumps and the pages.

The facts, their arrangement and the project's own text (labels, descriptions, notes)
are CC BY 4.0, like the ontology. The sources keep their terms for what is theirs:
COW and ATOP ask to be cited, the CIA World Factbook is in the public domain, and from
SupraVerden (CC BY-SA 4.0) only Wikidata identifiers are taken, which are facts (and
CC0 in Wikidata). Words quoted from the seed article are The Jamestown Foundation's,
quoted with attribution under the quotation right, not licensed by seckg.
"""

from __future__ import annotations

LICENSE = "https://creativecommons.org/licenses/by/4.0/"
LICENSE_NAME = "CC BY 4.0"
ATTRIBUTION = "seckg, a knowledge graph of international security organizations"

RIGHTS = (
    f"The seckg data (its facts as compiled, their structure and the project's own labels, descriptions and notes) "
    f"is licensed under {LICENSE_NAME} ({LICENSE}): credit \"{ATTRIBUTION}\" and the sources each fact cites "
    "(dcterms:source). The sources keep their own terms for what is theirs: Correlates of War IGO v3 and State "
    "System Membership (cite COW as it asks), ATOP v4.01 (cite Leeds et al. 2002), the CIA World Factbook (public "
    "domain), SupraVerden (CC BY-SA 4.0; only Wikidata identifiers are taken from it, which are facts and CC0 in "
    "Wikidata). Quotations (sec:quote) and paraphrases from Eurasia Daily Monitor vol. 2 issue 213, © The Jamestown "
    "Foundation 2005, are quoted with attribution under the quotation right (Berne Convention art. 10(1); fair use "
    "in the United States) and are not licensed by seckg."
)


def link_header() -> str:
    """An RFC 8288 `Link` value naming the licence, for responses that carry the data."""
    return f'<{LICENSE}>; rel="license"'
