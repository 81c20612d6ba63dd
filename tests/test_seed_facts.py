"""Every fact of the seed article can be retrieved with SPARQL, with its provenance.

One ASK query per fact, in the order the article states them
(shared/seed/edm-2005-v2-i213-csto.txt). Each is written as an analyst would ask it, against
the union of all named graphs, so a fact dropped or misdated in data/ fails here by name.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from seckg.config import Config
from seckg.loading import load
from seckg.store import GraphStore

ROOT = Path(__file__).resolve().parents[1]

PREFIXES = """
PREFIX sec: <https://w3id.org/seckg/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX id: <https://w3id.org/seckg/id/>
PREFIX src: <https://w3id.org/seckg/id/source/>
PREFIX report: <https://w3id.org/seckg/id/report/>
PREFIX sorg: <https://w3id.org/seckg/id/org/>
PREFIX state: <https://w3id.org/seckg/id/state/>
PREFIX person: <https://w3id.org/seckg/id/person/>
PREFIX place: <https://w3id.org/seckg/id/place/>
"""


def said(speaker: str, date: str, report: str | None, words: str) -> str:
    """A statement by `speaker` on `date`, cited from `report`, whose quote or paraphrase contains `words`."""
    derived = f"?s prov:wasDerivedFrom {report} ." if report else "?s prov:wasDerivedFrom src:edm-2005-v2-i213 ."
    return f"""
        ?s a sec:Statement ; prov:wasAttributedTo {speaker} ; dcterms:date "{date}"^^xsd:date ;
           dcterms:source src:edm-2005-v2-i213 .
        {derived}
        {{ ?s sec:quote ?text }} UNION {{ ?s sec:paraphrase ?text }}
        FILTER(CONTAINS(LCASE(STR(?text)), LCASE("{words}")))
    """


def relation(subject: str, obj: str, kind: str, date: str) -> str:
    return f"""
        ?r a sec:OrganizationRelation ; sec:subjectOrganization {subject} ; sec:objectOrganization {obj} ;
           sec:relationType sec:{kind} ; dcterms:date "{date}"^^xsd:date ; sec:evidence ?evidence ; dcterms:source ?src .
    """


FACTS = {
    # Source of everything below.
    "the article is EDM vol. 2 issue 213 by the Jamestown Foundation, November 2005": """
        src:edm-2005-v2-i213 a sec:Article ; sec:volume 2 ; sec:issue 213 ;
            dcterms:publisher ?p ; dcterms:date "2005-11"^^xsd:gYearMonth ;
            dcterms:isPartOf [ rdfs:label "Eurasia Daily Monitor"@en ] .
        ?p rdfs:label "The Jamestown Foundation"@en .""",
    # Paragraph 1-2.
    "the CSTO's six members in November 2005 are full members": """
        { SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE {
            ?ms org:organization sorg:CSTO ; org:member ?m ; org:role sec:FullMember ;
                dcterms:source src:edm-2005-v2-i213 .
            VALUES ?m { state:RUS state:BLR state:KAZ state:KGZ state:TJK state:ARM } } }
        FILTER(?n = 6)""",
    "the CSTO's purpose is the security and territorial integrity of its members": """
        sorg:CSTO sec:purpose ?p ; dcterms:source src:edm-2005-v2-i213 .
        FILTER(CONTAINS(STR(?p), "territorial integrity"))""",
    "members may give help, including military aid, under threat of aggression": """
        sorg:CSTO sec:assistanceProvision ?p . FILTER(CONTAINS(STR(?p), "military aid"))""",
    "CSTO states may buy Russian arms at Russian domestic prices": """
        ?t a sec:ArmsProcurementTerms ; sec:supplier state:RUS ; sec:beneficiaryOrganization sorg:CSTO ;
           sec:priceBasis ?basis ; dcterms:source src:edm-2005-v2-i213 .
        FILTER(CONTAINS(STR(?basis), "domestic"))""",
    # Paragraph 3.
    "on 18 September 2003 the heads of member states upgraded the Treaty into the CSTO": """
        ?e a sec:Decision , sec:Succession ; org:originalOrganization sorg:CST ;
           org:resultingOrganization sorg:CSTO ; dcterms:date "2003-09-18"^^xsd:date ;
           sec:decidedBy state:ARM ; dcterms:source src:edm-2005-v2-i213 .""",
    "the CSTO was registered at the UN on 26 December 2003": """
        ?e a sec:Registration ; sec:registered sorg:CSTO ; sec:registrar sorg:UN ;
           dcterms:date "2003-12-26"^^xsd:date ; dcterms:source src:edm-2005-v2-i213 .
        sorg:CSTO a sec:RegionalOrganization .""",
    # Paragraph 4: Bordyuzha on bases.
    "Bordyuzha is CSTO Secretary-General": """
        ?h a sec:PostHolding ; org:member person:nikolai-bordyuzha ; sec:post ?post .
        ?post org:postIn sorg:CSTO ; org:role sec:SecretaryGeneral .""",
    "Bordyuzha: no additional CSTO bases (Interfax, 11 Nov)": said(
        "person:nikolai-bordyuzha", "2005-11-11", "report:interfax-2005-11-11", "not on the agenda"),
    "Bordyuzha: the CSTO has no bases of its own, Russia has": said(
        "person:nikolai-bordyuzha", "2005-11-11", "report:interfax-2005-11-11", "it is Russia that has bases"),
    "Bordyuzha: Russia has no plans for bases in Central Asia": said(
        "person:nikolai-bordyuzha", "2005-11-11", "report:interfax-2005-11-11", "Central Asian region")
    + "?s sec:about place:central-asia .",
    # Paragraph 5: the Permanent Council.
    "the CSTO Permanent Council met in Moscow on 31 October under Khalevinsky": """
        ?e a sec:CouncilSession ; sec:meetingOf ?council ; prov:atLocation place:moscow ;
           dcterms:date "2005-10-31"^^xsd:date ; sec:chair person:igor-khalevinsky .
        ?council org:unitOf sorg:CSTO ; rdfs:label "CSTO Permanent Council"@en .""",
    "Khalevinsky represented the Russian Federation": """
        ?h org:member person:igor-khalevinsky ; sec:post ?post . ?post sec:represents state:RUS .""",
    "the session discussed the Afghanistan working group under the Council of Foreign Ministers": """
        ?e a sec:CouncilSession ; sec:topic ?wg ; dcterms:date "2005-10-31"^^xsd:date .
        ?wg a sec:WorkingGroup ; org:subOrganizationOf ?cfm ; sec:topic state:AFG .
        ?cfm rdfs:label "CSTO Council of Foreign Ministers"@en ; org:unitOf sorg:CSTO .""",
    "the session discussed the CSTO's military component": """
        ?e a sec:CouncilSession ; sec:topic sec:MilitaryComponent ; dcterms:date "2005-10-31"^^xsd:date .""",
    # Paragraph 6: Bordyuzha and Jekshenkulov.
    "Bordyuzha met Kyrgyz Foreign Minister Jekshenkulov in Moscow on 10 November": """
        ?e a sec:BilateralMeeting ; sec:participant person:nikolai-bordyuzha , person:alikbek-jekshenkulov ;
           prov:atLocation place:moscow ; dcterms:date "2005-11-10"^^xsd:date .
        ?h org:member person:alikbek-jekshenkulov ; sec:post ?post .
        ?post sec:postOfState state:KGZ ; org:role sec:ForeignMinister .""",
    "both reiterated full commitment to all CSTO agreements (CSTO press release)": """
        ?s prov:wasAttributedTo person:nikolai-bordyuzha , person:alikbek-jekshenkulov ;
           sec:quote ?q ; prov:wasDerivedFrom ?pr .
        ?pr a sec:PressRelease ; dcterms:publisher sorg:CSTO .
        FILTER(CONTAINS(STR(?q), "full commitment to all CSTO agreements"))""",
    # Paragraph 7: consultations and Karasin.
    "deputy ministers of CSTO states held consultations in Moscow in October": """
        ?e a sec:Consultation ; prov:atLocation place:moscow ; dcterms:date "2005-10"^^xsd:gYearMonth ;
           sec:participant state:KAZ ; sec:participantDescription ?d .
        FILTER(CONTAINS(STR(?d), "security council deputy heads"))""",
    "Karasin is Russian Deputy Foreign Minister": """
        ?h org:member person:grigory-karasin ; sec:post ?post .
        ?post sec:postOfState state:RUS ; org:role sec:DeputyForeignMinister .""",
    "Karasin: the CSTO seeks a collective security system against aggression, terrorism, crime": said(
        "person:grigory-karasin", "2005-11-07", "report:interfax-2005-11-07", "repelling outside aggression")
    + "?s sec:topic sec:Terrorism , sec:OrganizedCrime .",
    "Karasin: the CSTO hopes for cooperation with the UN, OSCE, SCO, CIS and NATO": "\n".join(
        relation("sorg:CSTO", f"sorg:{other}", "CooperationSought", "2005-11-07").replace("?r", f"?r{other}")
        .replace("?evidence", f"?e{other}").replace("?src", f"?src{other}")
        for other in ("UN", "OSCE", "SCO", "CIS", "NATO")),
    "Karasin ruled out a CSTO merger with EurAsEC": relation(
        "sorg:CSTO", "sorg:EURASEC", "MergerRuledOut", "2005-11-07")
    + "?r sec:evidence ?st . ?st prov:wasAttributedTo person:grigory-karasin ; sec:stance sec:Rejecting .",
    # Paragraph 8: Bordyuzha on NATO.
    "Bordyuzha: NATO in no rush to cooperate (RIA Novosti, 8 Nov)": said(
        "person:nikolai-bordyuzha", "2005-11-08", "report:ria-novosti-2005-11-08", "not in any rush"),
    "Bordyuzha: forces in the alliance prevent cooperation (RIA Novosti, 8 Nov)": said(
        "person:nikolai-bordyuzha", "2005-11-08", "report:ria-novosti-2005-11-08", "forces in the alliance")
    + "?s sec:stance sec:Critical ; sec:stanceToward sorg:NATO .",
    # Paragraph 9: Lavrov.
    "Lavrov, Russian Foreign Minister, on a CSTO-NATO dialogue (RIA Novosti, 21 Oct)": said(
        "person:sergei-lavrov", "2005-10-21", "report:ria-novosti-2005-10-21", "develop a dialogue")
    + """?h org:member person:sergei-lavrov ; sec:post ?post .
         ?post sec:postOfState state:RUS ; org:role sec:ForeignMinister .""",
    "Russia chaired the CSTO": """
        ?h org:member state:RUS ; sec:post ?post ; sec:attestedOn "2005-10-21"^^xsd:date .
        ?post org:postIn sorg:CSTO ; org:role sec:Chair .""",
    "Lavrov: contacts could fight terrorism, WMD proliferation and Afghan drug traffic": said(
        "person:sergei-lavrov", "2005-10-21", "report:ria-novosti-2005-10-21", "weapons of mass destruction")
    + "?s sec:topic sec:DrugTrafficking , sec:WMDProliferation ; sec:about state:AFG .",
    # Paragraph 10: Simmons in Yerevan.
    "a round table of the Center for Strategic Analysis in Yerevan on 29 October": """
        ?e a sec:RoundTable ; sec:organizer ?csa ; prov:atLocation place:yerevan ;
           dcterms:date "2005-10-29"^^xsd:date ; sec:participant person:robert-simmons .
        ?csa rdfs:label "Center for Strategic Analysis"@en .""",
    "Simmons is NATO Special Representative for the South Caucasus and Central Asia": """
        ?h org:member person:robert-simmons ; sec:post ?post .
        ?post org:postIn sorg:NATO ; org:role sec:SpecialRepresentative ;
              sec:areaOfResponsibility place:south-caucasus , place:central-asia .""",
    "Simmons dismissed Russia's proposal on NATO-CSTO cooperation": said(
        "person:robert-simmons", "2005-10-29", None, "unacceptable")
    + """?s sec:stance sec:Rejecting ; sec:stanceToward ?proposal .
         ?proposal a sec:Proposal ; sec:proposedBy state:RUS .""",
    "Simmons: NATO should direct cooperation to CSTO member states": said(
        "person:robert-simmons", "2005-10-29", None, "member states"),
    "NATO refused cooperation with the CSTO": relation("sorg:NATO", "sorg:CSTO", "CooperationRefused", "2005-10-29"),
    # Paragraph 11: the Secretariat's reply.
    "the CSTO Secretariat: same format as NATO, recognized by the UN (Kazinform, Regnum, 3 Nov)": said(
        "?secretariat", "2005-11-03", "report:kazinform-2005-11-03", "same format as the NATO")
    + """?s prov:wasDerivedFrom report:regnum-2005-11-03 ; sec:respondsTo ?simmons .
         ?simmons prov:wasAttributedTo person:robert-simmons .
         ?secretariat a sec:Secretariat ; org:unitOf sorg:CSTO .""",
    "the CSTO and NATO decide by consensus": """
        sorg:CSTO sec:decisionRule sec:Consensus . sorg:NATO sec:decisionRule sec:Consensus .
        ?s sec:paraphrase ?p ; prov:wasDerivedFrom report:regnum-2005-11-03 .
        FILTER(CONTAINS(STR(?p), "dominance of one member"))""",
    # Paragraph 12: Uzbekistan.
    "Bordyuzha: no efficient Central Asian security system without Uzbekistan (Kazinform, 11 Oct)": said(
        "person:nikolai-bordyuzha", "2005-10-11", "report:kazinform-2005-10-11", "without Uzbekistan"),
    # Paragraph 13: the Treaty.
    "the Collective Security Treaty was signed in Tashkent on 15 May 1992": """
        ?t a sec:Treaty ; sec:signedOn "1992-05-15"^^xsd:date ; sec:signedAt place:tashkent .
        sorg:CST sec:foundingTreaty ?t .
        ?e a sec:TreatySigning ; sec:treaty ?t ; dcterms:date "1992-05-15"^^xsd:date .""",
    "the Treaty was registered at the UN on 1 November 1995": """
        ?e a sec:Registration ; sec:registered ?t ; sec:registrar sorg:UN ; dcterms:date "1995-11-01"^^xsd:date .
        sorg:CST sec:foundingTreaty ?t .""",
    "Uzbekistan halted its CST membership in 1999": """
        ?m org:organization sorg:CST ; org:member state:UZB ; org:memberDuring/time:hasEnd/time:inXSDDate ?end ;
           sec:statusChange ?c ; dcterms:source src:edm-2005-v2-i213 .
        ?c sec:changeType sec:Withdrawal .
        FILTER(YEAR(?end) = 1999)""",
    "CACO merged into the Eurasian Economic Community": """
        ?e a sec:Merger ; org:originalOrganization sorg:CACO ; org:resultingOrganization sorg:EURASEC ;
           dcterms:source src:edm-2005-v2-i213 .
        sorg:EURASEC sec:abbreviation "EEC"@en .""",
    # Paragraphs 14-15: EurAsEC.
    "Bordyuzha: no need for a merger with the EEC (RIA Novosti, 11 Nov)": said(
        "person:nikolai-bordyuzha", "2005-11-11", "report:ria-novosti-2005-11-11", "need for the merger")
    + 'FILTER EXISTS { ?r sec:relationType sec:MergerRuledOut ; sec:evidence ?s }',
    "Rapota, EEC head: no need for EEC military structures (Interfax, 9 Nov)": said(
        "person:grigory-rapota", "2005-11-09", "report:interfax-2005-11-09", "no need to create military structures")
    + """?h org:member person:grigory-rapota ; sec:post ?post .
         ?post org:postIn sorg:EURASEC ; org:role sec:SecretaryGeneral .""",
    # The article's own assessments, attributed to its publisher.
    "EDM: NATO refuses to treat the CSTO as an equal partner": """
        ?s a sec:Statement ; prov:wasAttributedTo sorg:jamestown-foundation ; sec:paraphrase ?p ;
           prov:wasDerivedFrom src:edm-2005-v2-i213 ; sec:about sorg:NATO , sorg:CSTO .
        FILTER(CONTAINS(STR(?p), "equal partner"))""",
    "EDM: Uzbekistan drifts back towards Russian-dominated groupings": """
        ?s a sec:Statement ; prov:wasAttributedTo sorg:jamestown-foundation ; sec:paraphrase ?p ;
           sec:about state:UZB , sorg:CACO .
        FILTER(CONTAINS(STR(?p), "drifted back"))""",
    "EDM: Moscow initiated a broader dialogue with NATO and got a lukewarm response": """
        ?s a sec:Statement ; prov:wasAttributedTo sorg:jamestown-foundation ; sec:paraphrase ?p ;
           sec:about state:RUS , sorg:NATO .
        FILTER(CONTAINS(STR(?p), "lukewarm"))""",
}


@pytest.fixture(scope="module")
def graph() -> GraphStore:
    loaded = load(Config.from_env(root=ROOT))
    assert loaded.ok, loaded.problems
    return GraphStore.from_loaded(loaded)


@pytest.mark.parametrize("fact", list(FACTS))
def test_fact_of_the_seed_article_is_in_the_graph(graph, fact):
    assert graph.query(PREFIXES + "ASK {" + FACTS[fact] + "}"), fact


def test_a_fact_the_article_does_not_state_is_not_found(graph):
    """Guards the harness itself: a wrong date for a stated fact must not match."""
    wrong = FACTS["the CSTO was registered at the UN on 26 December 2003"].replace("2003-12-26", "2003-12-27")
    assert not graph.query(PREFIXES + "ASK {" + wrong + "}")


def test_every_news_report_the_article_cites_is_linked_to_a_statement(graph):
    answer = graph.query(PREFIXES + """
        SELECT ?report WHERE {
            ?report a sec:NewsReport .
            FILTER NOT EXISTS { ?s a sec:Statement ; prov:wasDerivedFrom ?report }
        }""")
    assert [row["report"].value for row in answer] == []
