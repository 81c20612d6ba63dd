"""A write revalidates the spells of the same member only in the same organization or post, the
only ones secsh:DuplicatedSpell compares, and still finds every duplicated spell a full
validation finds.

On the repository: Armenia has spells in a dozen organizations, two of them in the SCO (a
dialogue partnership to 31 August 2025, a partnership from 1 September 2025).
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from seckg.config import Config
from seckg.loading import load
from seckg.transactions import Trial, apply_change, update_change
from seckg.validation import validate

from conftest import REPOSITORY

ID = "https://w3id.org/seckg/id/"
PREFIXES = f"""PREFIX org: <http://www.w3.org/ns/org#> PREFIX time: <http://www.w3.org/2006/time#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> PREFIX sec: <https://w3id.org/seckg/ontology#>
PREFIX membership: <{ID}membership/>
"""

pytestmark = pytest.mark.slow(20)  # three loads and two full validations of the repository


def redated(membership: str, date: str, role: str | None = None) -> str:
    """A write that moves the beginning of `membership` to `date` (and gives it `role`)."""
    role_delete = f"membership:{membership} org:role ?role ." if role else ""
    role_insert = f"membership:{membership} org:role {role} ." if role else ""
    return PREFIXES + f"""
        DELETE {{ ?instant time:inXSDDate ?old . {role_delete} }}
        INSERT {{ ?instant time:inXSDDate "{date}"^^xsd:date . {role_insert} }}
        WHERE {{ membership:{membership} org:role ?role ; org:memberDuring/time:hasBeginning ?instant .
                 ?instant time:inXSDDate ?old }}"""


def memberships_of_armenia(store: ox.Store) -> dict[str, str]:
    """Armenia's memberships, with the organization (or post) of each."""
    rows = store.query(PREFIXES + f"""SELECT ?m ?o WHERE {{ ?m org:member <{ID}state/ARM> ;
                                       org:organization|sec:post ?o }}""", use_default_graph_as_union=True)
    return {row["m"].value: row["o"].value for row in rows}


def trial(text: str) -> tuple[Trial, ox.Store]:
    config = Config(root=REPOSITORY)
    loaded = load(config)
    return Trial(loaded, update_change(config, loaded.store, text)), loaded.store


def test_redating_a_spell_revalidates_no_spell_of_its_member_in_another_organization():
    checked, store = trial(redated("CSTO-ARM", "2003-09-19"))
    elsewhere = {URIRef(m) for m, o in memberships_of_armenia(store).items() if o != ID + "org/CSTO"}
    assert len(elsewhere) >= 5
    assert URIRef(ID + "membership/CSTO-ARM") in checked.focus_nodes
    assert not checked.focus_nodes & elsewhere
    assert checked.conforms
    checked.undo()


def test_a_spell_redated_into_another_of_the_same_organization_is_a_duplicate_on_both():
    """Only the partnership is written; the dialogue partnership it now overlaps is reported too,
    which needs it among the nodes revalidated, and the write finds what a full run finds."""
    text = redated("SCO-ARM-partner", "2020-01-01", role="sec:DialoguePartner")
    checked, store = trial(text)
    assert URIRef(ID + "membership/SCO-ARM-dialogue") in checked.focus_nodes
    duplicates = {(f.node, f.value) for f in checked.report.violations if f.message.startswith("Overlaps")}
    assert {node.rsplit("/", 1)[1] for node, _ in duplicates} == {"SCO-ARM-partner", "SCO-ARM-dialogue"}, duplicates
    assert not checked.conforms
    checked.undo()

    config = Config(root=REPOSITORY)
    full = load(config)
    apply_change(full.store, update_change(config, full.store, text))
    expected = validate(full).violations

    def key(f):
        return f.severity, f.node, f.via or "", f.path or "", f.component, f.shape or "", f.message

    assert sorted(map(key, checked.report.violations)) == sorted(map(key, expected))
