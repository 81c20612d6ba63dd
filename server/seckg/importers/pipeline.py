"""Build membership spells from COW IGO v3, ATOP v4.01 and curated facts; check them.

Order of authority, from strongest: hand-written membership files in data/memberships/,
then data/curated/memberships.csv (each row cited), then the datasets. For any
(organization, state) pair that a curated source covers, the dataset spells are dropped and
compared with the curated ones; every difference is reported as a conflict. ATOP (signature
dates) and the Factbook (no dates, 2026) are used only as checks, except for the Rio Treaty,
which no other dataset covers and whose ATOP exits SOURCES.md confirms; a curated row for a
party replaces ATOP's, and their difference is reported like COW's.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib.namespace import RDF, RDFS

from seckg.importers import codes
from seckg.importers.model import ROLES, Spell, check_date, first_day, last_day, year_of

SEC = rdflib.Namespace("https://w3id.org/seckg/ontology#")
ORG = rdflib.Namespace("http://www.w3.org/ns/org#")
TIME = rdflib.Namespace("http://www.w3.org/2006/time#")
ID = "https://w3id.org/seckg/id/"
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
DATE_PROPS = (TIME.inXSDDate, TIME.inXSDgYearMonth, TIME.inXSDgYear)
# Sources that do not document an organization's founding day themselves.
DATASETS_AND_SEED = {"cow-igo-v3", "atop-v4-01", "supraverden", "edm-2005-v2-i213", "cia-factbook-2026"}

COW_LONG = "data/raw/cow_igo_v3_security_memberships_long.csv"
COW_ORGS_CSV = "data/raw/cow_igo_v3_security_orgs.csv"
ATOP_CSV = "data/raw/atop_v4_01_security_alliance_members.csv"
FACTBOOK_CSV = "data/raw/cia_factbook_security_org_participation.csv"
CURATED_CSV = "data/curated/memberships.csv"
FACTBOOK_ATTESTED = "2026-01"
ATOP_DATA_END = 2016


@dataclass
class Conflict:
    """A disagreement between sources, or between a source and the graph."""

    kind: str
    org: str
    state: str
    text: str

    def line(self) -> str:
        return f"[{self.kind}] {self.org} {self.state}: {self.text}"


@dataclass
class Build:
    spells: list[Spell]
    hand: list[Spell]
    conflicts: list[Conflict] = field(default_factory=list)
    state_labels: dict[str, str] = field(default_factory=dict)
    org_labels: dict[str, str] = field(default_factory=dict)


def _read_csv(root: Path, rel: str) -> list[dict[str, str]]:
    with open(root / rel, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _date_of(graph: rdflib.Graph, node) -> str | None:
    for prop in DATE_PROPS:
        value = graph.value(node, prop)
        if value is not None:
            return str(value)
    return None


def _slug(iri, kind: str) -> str:
    return str(iri)[len(ID) + len(kind) + 1:]


def _organizations(root: Path) -> tuple[dict[str, dict[str, str | None]], dict[str, str]]:
    """Founding/dissolution dates and short names of the organizations in organizations.ttl."""
    graph = rdflib.Graph().parse(root / "data/organizations/organizations.ttl")
    orgs, labels = {}, {}
    for org in set(graph.subjects(SEC.foundingDate, None)) | set(graph.subjects(SEC.abbreviation, None)):
        if not str(org).startswith(ID + "org/"):
            continue
        slug = _slug(org, "org")
        founded = graph.value(org, SEC.foundingDate)
        dissolved = graph.value(org, SEC.dissolutionDate)
        cited = sorted(_slug(src, "source") for src in graph.objects(org, DCT.source)
                       if _slug(src, "source") not in DATASETS_AND_SEED)
        orgs[slug] = {"founded": str(founded) if founded else None, "dissolved": str(dissolved) if dissolved else None,
                      "sources": cited}
        abbreviations = sorted(str(a) for a in graph.objects(org, SEC.abbreviation) if a.language == "en")
        english = sorted(str(label) for label in graph.objects(org, RDFS.label) if label.language == "en")
        labels[slug] = abbreviations[0] if abbreviations else english[0]
    labels["WARSAW-PACT"] = "the Warsaw Pact"
    labels["TIAR"] = "the Rio Treaty"
    labels["CSTO"] = "the CSTO"
    return orgs, labels


def _states(root: Path) -> dict[str, str]:
    graph = rdflib.Graph().parse(root / "data/states/states.ttl")
    return {
        _slug(state, "state"): str(label)
        for state in graph.subjects(RDF.type, SEC.State)
        for label in graph.objects(state, RDFS.label)
        if label.language == "en"
    }


def hand_spells(root: Path) -> list[Spell]:
    """Memberships written by hand in data/memberships/ and data/curated/ (Turtle)."""
    spells = []
    files = sorted((root / "data/memberships").glob("*.ttl")) + sorted((root / "data/curated").glob("*.ttl"))
    for path in files:
        graph = rdflib.Graph().parse(path)
        for membership in graph.subjects(RDF.type, SEC.OrganizationMembership):
            role_iri = graph.value(membership, ORG.role)
            role = next((key for key, (local, _) in ROLES.items() if role_iri == SEC[local]), "full")
            interval = graph.value(membership, ORG.memberDuring)
            begin = graph.value(interval, TIME.hasBeginning) if interval is not None else None
            end = graph.value(interval, TIME.hasEnd) if interval is not None else None
            spells.append(Spell(
                org=_slug(graph.value(membership, ORG.organization), "org"),
                state=_slug(graph.value(membership, ORG.member), "state"),
                role=role,
                start=_date_of(graph, begin) if begin is not None else None,
                end=_date_of(graph, end) if end is not None else None,
                origin="hand",
            ))
    return spells


def cow_spells(root: Path, orgs: dict) -> tuple[list[Spell], dict[str, int]]:
    """Runs of consecutive years with one status, per organization and (mapped) state."""
    years: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    last_year: dict[str, int] = {}
    for row in _read_csv(root, COW_LONG):
        org = codes.COW_ORGS.get(row["ioname"])
        if org is None:
            continue
        year = int(row["year"])
        last_year[org] = max(last_year.get(org, 0), year)
        status = int(row["status"])
        if status not in codes.COW_ROLES:
            continue
        state = codes.cow_state(int(row["ccode"]), year, org)
        years[(org, state, codes.COW_ROLES[status])].append(year)
    spells = []
    for (org, state, role), found in sorted(years.items()):
        found.sort()
        runs, run = [], [found[0]]
        for year in found[1:]:
            if year == run[-1] + 1:
                run.append(year)
            else:
                runs.append(run)
                run = [year]
        runs.append(run)
        for run in runs:
            spells.append(_cow_spell(org, state, role, run[0], run[-1], last_year[org], orgs.get(org, {})))
    return spells, last_year


def _cow_spell(org: str, state: str, role: str, first: int, last: int, data_end: int, org_info: dict) -> Spell:
    status = {v: k for k, v in codes.COW_ROLES.items()}[role]
    spell = Spell(org, state, role, str(first), str(last), sources=["cow-igo-v3"])
    spell.comments.append(f"Years with status {status} in COW IGO v3, {first}–{last}.")
    founded = org_info.get("founded")
    if founded and first < year_of(founded):
        spell.start = founded
        spell.sources.extend(org_info.get("sources", []))
        spell.comments.append(
            f"COW IGO v3 codes the organization from {first}, before its founding; the spell begins at the founding ({founded})."
        )
    if last == data_end:
        dissolved = org_info.get("dissolved")
        if dissolved and year_of(dissolved) >= last:
            spell.end, spell.end_change = dissolved, "dissolution"
            spell.sources.extend(src for src in org_info.get("sources", []) if src not in spell.sources)
            spell.comments.append(f"Open at the end of the COW data; ends with the organization on {dissolved}.")
        else:
            spell.end = None
            spell.right_censored = True
            spell.attested.append(str(last))
            spell.comments.append(
                f"Right-censored: COW IGO v3 ends in {last}, where this spell is still open; no end is recorded."
            )
    return spell


def curated_spells(root: Path) -> tuple[list[Spell], set[tuple[str, str]]]:
    """Cited curated rows; a row with role `none` records that a dataset's membership is false."""
    spells, covered = [], set()
    for number, row in enumerate(_read_csv(root, CURATED_CSV), start=2):
        where = f"{CURATED_CSV}:{number}"
        covered.add((row["org"], row["state"]))
        if row["role"] == "none":
            continue
        if row["role"] not in ROLES:
            raise ValueError(f"{where}: unknown role {row['role']!r}")
        if not row["sources"].strip():
            raise ValueError(f"{where}: a curated fact needs a source")
        spells.append(Spell(
            org=row["org"], state=row["state"], role=row["role"],
            start=check_date(row["start"], where),
            end=check_date(row["end"], where) if row["end"] else None,
            end_change=row["end_change"] or None,
            sources=row["sources"].split(),
            comments=[row["comment"]],
            origin="curated",
        ))
    return spells, covered


def _atop_org(atopid: int, phase: int) -> str | None:
    return codes.ATOP_ORGS.get((atopid, phase)) or codes.ATOP_ORGS.get((atopid, None))


def _atop_date(year: str, month: str, day: str) -> str:
    """An ATOP date at the precision given: a blank or zero day (or month) shortens it."""
    parts = [f"{int(year):04d}"]
    for part in (month, day):
        if not part.strip() or not int(part):
            break
        parts.append(f"{int(part):02d}")
    return "-".join(parts)


def _atop_rows(root: Path) -> list[dict]:
    rows = []
    for row in _read_csv(root, ATOP_CSV):
        org = _atop_org(int(row["atopid"]), int(row["phase"]))
        if org is None:
            continue
        entry = _atop_date(row["yrent"], row["moent"], row["dayent"])
        exit_ = _atop_date(row["yrexit"], row["moexit"], row["dayexit"]) if int(row["yrexit"]) else None
        state = codes.cow_state(int(row["member"]), int(row["yrent"]), org)
        rows.append({"org": org, "state": state, "entry": entry, "exit": exit_, "atopid": row["atopid"]})
    # A new ATOP phase (a change of the treaty) closes one row and opens the next on the same
    # day; for one organization that is one membership, so contiguous rows are joined.
    rows.sort(key=lambda r: (r["atopid"], r["org"], r["state"], r["entry"]))
    joined: list[dict] = []
    for row in rows:
        last = joined[-1] if joined else None
        if last and (last["atopid"], last["org"], last["state"]) == (row["atopid"], row["org"], row["state"]) \
                and last["exit"] == row["entry"]:
            last["exit"] = row["exit"]
        else:
            joined.append(dict(row))
    return joined


def rio_spells(atop: list[dict]) -> list[Spell]:
    """Parties to the Rio Treaty from ATOP 3075: year of signature, exit day as ATOP gives it."""
    spells = []
    for row in atop:
        if row["org"] != "TIAR":
            continue
        spell = Spell("TIAR", row["state"], "full", row["entry"][:4], row["exit"],
                      end_change="withdrawal" if row["exit"] else None,
                      sources=["atop-v4-01", "rio-treaty"], origin="atop")
        spell.comments.append(
            f"ATOP v4.01 (3075) entry {row['entry']}, the state's signature; the year is kept as the"
            " beginning at year precision, since ratification dates are not in our sources."
        )
        if row["exit"]:
            spell.comments.append(f"ATOP v4.01 exit {row['exit']}, the date the denunciation took effect (SOURCES.md).")
        else:
            spell.right_censored = True
            spell.attested.append(str(ATOP_DATA_END))
            spell.comments.append(f"Right-censored: ATOP v4.01 ends in {ATOP_DATA_END} with the state still a party.")
        spells.append(spell)
    return spells


def _compare(org: str, state: str, dataset: list[Spell], chosen: list[Spell], label: str,
             source_name: str = "COW IGO v3", exact: bool = False) -> list[Conflict]:
    """Report where the dataset's spells differ from the chosen ones (at year precision for COW,
    whose data are years; at the dataset's own precision when `exact`, as for ATOP's days)."""
    def shape(spells):
        if exact:
            return sorted((s.role, s.start, s.end) for s in spells)
        return sorted((s.role, year_of(s.start), year_of(s.end)) for s in spells)

    # An open dataset spell agrees with any later end (it is censored, not ended).
    def same(a, b):
        return a[0] == b[0] and a[1] == b[1] and (a[2] == b[2] or a[2] is None)

    ds, ch = shape(dataset), shape(chosen)
    if len(ds) == len(ch) and all(same(a, b) for a, b in zip(ds, ch)):
        return []

    def spans(spells, whole):
        ordered = sorted(spells, key=lambda s: s.start or "")
        return "; ".join(f"{s.role} {s.start}–{s.end or ''}" if whole else f"{s.role} {s.years()}"
                         for s in ordered) or "no membership"
    kind = "atop-vs-curated" if exact else "cow-vs-curated"
    return [Conflict(kind, org, state, f"{source_name} has {spans(dataset, exact)}; {label} has {spans(chosen, True)} (kept)")]


def build(root: Path) -> Build:
    orgs, org_labels = _organizations(root)
    states = _states(root)
    cow, _ = cow_spells(root, orgs)
    curated, covered = curated_spells(root)
    hand = hand_spells(root)
    atop = _atop_rows(root)
    conflicts: list[Conflict] = []

    hand_pairs = {(s.org, s.state) for s in hand}
    by_pair: dict[tuple[str, str], list[Spell]] = defaultdict(list)
    for spell in cow:
        by_pair[(spell.org, spell.state)].append(spell)
    kept: list[Spell] = []
    for pair, spells in sorted(by_pair.items()):
        if pair in hand_pairs:
            conflicts += _compare(*pair, spells, [s for s in hand if (s.org, s.state) == pair], "data/memberships/")
        elif pair in covered:
            conflicts += _compare(*pair, spells, [s for s in curated if (s.org, s.state) == pair], "data/curated/memberships.csv")
        else:
            kept.extend(spells)
    for spell in curated:
        if (spell.org, spell.state) in hand_pairs:
            raise ValueError(f"{spell.org} {spell.state} is both in data/memberships/ and {CURATED_CSV}")
        by_dataset = by_pair.get((spell.org, spell.state))
        if by_dataset:
            spell.comments.append("COW IGO v3: " + "; ".join(f"status {s.role} {s.years()}" for s in by_dataset) + ".")
    kept.extend(curated)
    for spell in rio_spells(atop):
        pair = (spell.org, spell.state)
        if pair in covered:
            for chosen in (s for s in curated if (s.org, s.state) == pair):
                chosen.comments.append(f"ATOP v4.01 (3075): {spell.start}–{spell.end or ''} (entry year; exit day).")
                # A row that corrects only the beginning keeps ATOP's open end, censored as ATOP's is.
                if spell.right_censored and chosen.end is None and "atop-v4-01" in chosen.sources:
                    chosen.right_censored = True
                    chosen.attested.extend(spell.attested)
                    chosen.comments.append(spell.comments[-1])
            conflicts += _compare(*pair, [spell], [s for s in curated if (s.org, s.state) == pair],
                                  CURATED_CSV, source_name="ATOP v4.01", exact=True)
        else:
            kept.append(spell)

    for spell in kept + hand:
        if spell.state not in states:
            raise ValueError(f"{spell.org} {spell.state}: no state:{spell.state} in data/states/states.ttl")
        if spell.org not in org_labels:
            raise ValueError(f"{spell.org}: no organization id/org/{spell.org} in organizations.ttl")

    conflicts += check_atop(atop, kept + hand)
    conflicts += check_factbook(root, kept + hand, orgs)
    conflicts += [Conflict("right-censored", s.org, s.state, f"{s.role} {s.years()} is open at the end of the data and no later source confirms it")
                  for s in kept if s.right_censored and FACTBOOK_ATTESTED not in s.attested]
    kept.sort(key=lambda s: (s.org, s.state, first_day(s.start or "0000"), s.role))
    conflicts.sort(key=lambda c: (c.kind, c.org, c.state, c.text))
    return Build(kept, hand, conflicts, states, org_labels)


def check_atop(atop: list[dict], spells: list[Spell]) -> list[Conflict]:
    """ATOP rows that no spell covers, exits that disagree, and entries (signatures) before the start."""
    found = []
    index = defaultdict(list)
    for spell in spells:
        index[(spell.org, spell.state)].append(spell)
    for row in atop:
        if row["org"] == "TIAR":
            continue
        mine = [s for s in index[(row["org"], row["state"])] if s.role == "full"]
        overlapping = [s for s in mine if s.overlaps(row["entry"], row["exit"])]
        if not overlapping:
            have = "; ".join(f"{s.start}–{s.end or ''}" for s in mine) or "no membership"
            found.append(Conflict("atop", row["org"], row["state"],
                                  f"ATOP {row['atopid']} has {row['entry']}–{row['exit'] or ''}; the graph has {have}"))
            continue
        spell = min(overlapping, key=lambda s: abs((year_of(s.start) or 0) - int(row["entry"][:4])))
        if row["exit"] and (spell.end is None or year_of(spell.end) != year_of(row["exit"])):
            found.append(Conflict("atop", row["org"], row["state"],
                                  f"ATOP {row['atopid']} exit {row['exit']}; the graph ends the membership at {spell.end or '(open)'}"))
        if spell.start and first_day(row["entry"]) < first_day(spell.start) and year_of(row["entry"]) != year_of(spell.start):
            found.append(Conflict("atop-signature", row["org"], row["state"],
                                  f"ATOP {row['atopid']} entry {row['entry']} (a signature) is before the graph's start {spell.start}"))
    return found


def check_factbook(root: Path, spells: list[Spell], orgs: dict) -> list[Conflict]:
    """Compare who the graph has as members in January 2026 with the Factbook's list.

    Open spells that the Factbook confirms are marked as attested in 2026-01 and cite it.
    """
    day = FACTBOOK_ATTESTED + "-15"
    current = defaultdict(set)
    open_spells = {}
    for spell in spells:
        if spell.start and first_day(spell.start) <= day and (spell.end is None or last_day(spell.end) >= day):
            current[spell.org].add((spell.state, spell.role))
            if spell.end is None:
                open_spells[(spell.org, spell.state, spell.role)] = spell
    listed = defaultdict(set)
    found = []
    for row in _read_csv(root, FACTBOOK_CSV):
        org = codes.FACTBOOK_ORGS.get(row["org"])
        if org is None:
            continue
        state = codes.GEC_TO_ISO.get(row["gec"])
        qualifier = row["qualifier"].strip()
        role = codes.FACTBOOK_ROLES.get(qualifier)
        if role is None and qualifier.startswith(("associate member", "participating member")):
            role = "associate"
        if state is None or role is None:
            found.append(Conflict("factbook-unmapped", org, row["gec"], f"cannot map {row['raw_item']!r}"))
            continue
        listed[org].add((state, role))
    for org in sorted(set(codes.FACTBOOK_ORGS.values())):
        dissolved = orgs.get(org, {}).get("dissolved")
        for state, role in sorted(listed[org] - current[org]):
            reason = f" ({org} ended {dissolved})" if dissolved else ""
            found.append(Conflict("factbook", org, state, f"the Factbook (2026) lists role {role}{reason}; the graph has no such membership in 2026"))
        for state, role in sorted(current[org] - listed[org]):
            found.append(Conflict("factbook", org, state, f"the graph has role {role} in 2026; the Factbook (2026) does not list it"))
        for state, role in sorted(current[org] & listed[org]):
            spell = open_spells.get((org, state, role))
            if spell is not None and spell.origin != "hand":
                spell.attested.append(FACTBOOK_ATTESTED)
                spell.sources.append("cia-factbook-2026")
                if spell.right_censored:
                    spell.comments.append("Continued: the CIA World Factbook lists it in January 2026.")
    return found
