"""Code tables that the sources do not give us: COW, ATOP and Factbook codes to seckg IRIs.

COW state codes and abbreviations are not ISO, Factbook GEC codes are not ISO either, and
one COW code can stand for several states over time (365 the USSR and Russia, 345
Yugoslavia, Serbia and Montenegro and Serbia). Every mapping is written out here so that a
reader can check it against the state list in data/states/states.ttl.
"""

from __future__ import annotations

# COW IGO v3 `ioname` -> organization slug (the last part of id/org/<slug>). Only the
# organizations in scope of the graph; OAS and the Inter-American Defense Board are left out.
COW_ORGS = {
    "ANZUS": "ANZUS",
    "CAECC": "CACO",
    "CENTO": "CENTO",
    "CIS": "CIS",
    "CSTO": "CSTO",
    "EAEC": "EURASEC",
    "EAPC": "EAPC",
    "NATO": "NATO",
    "OSCE": "OSCE",
    "SCO": "SCO",
    "SEATO": "SEATO",
    "WEU": "WEU",
    "WPact": "WARSAW-PACT",
}

# COW IGO status -> role concept (codebook v3, section III.A); -9 (missing) is not a membership.
COW_ROLES = {1: "full", 2: "associate", 3: "observer"}

# ATOP alliance id -> organization slug, by phase where one treaty spans two organizations.
# 3130 phase 1 is the Brussels Treaty of 1948 (Western Union), outside the graph; 6020 is a
# bilateral-style SCO treaty, not a membership record.
ATOP_ORGS = {
    (3075, None): "TIAR",
    (3130, 2): "WEU",
    (3180, None): "NATO",
    (3215, None): "ANZUS",
    (3260, 1): "SEATO",
    (3275, None): "CENTO",
    (3285, None): "WARSAW-PACT",
    (3740, None): "OSCE",
    (4220, 1): "CST",
    (4220, 2): "CSTO",
    (4400, None): "CIS",
    (4810, 1): "shanghai-five",
    (4810, 2): "SCO",
}

# Factbook organization abbreviation -> organization slug (only those we check).
FACTBOOK_ORGS = {
    "ANZUS": "ANZUS",
    "CIS": "CIS",
    "CSTO": "CSTO",
    "EAEC": "EURASEC",
    "EAEU": "EAEU",
    "EAPC": "EAPC",
    "GUAM": "GUAM",
    "NATO": "NATO",
    "OSCE": "OSCE",
    "SCO": "SCO",
}

# Factbook qualifier (text in parentheses) -> role; anything else is reported as unmapped.
FACTBOOK_ROLES = {
    "": "full",
    "observer": "observer",
    "partner": "partner",
    "dialogue member": "dialogue",
    "dialogue partner": "dialogue",
}

# COW state code -> ISO 3166 alpha-3, for codes that mean one state throughout.
COW_TO_ISO = {
    2: "USA", 20: "CAN", 31: "BHS", 40: "CUB", 41: "HTI", 42: "DOM", 52: "TTO", 70: "MEX",
    90: "GTM", 91: "HND", 92: "SLV", 93: "NIC", 94: "CRI", 95: "PAN", 100: "COL", 101: "VEN",
    130: "ECU", 135: "PER", 140: "BRA", 145: "BOL", 150: "PRY", 155: "CHL", 160: "ARG",
    165: "URY", 200: "GBR", 205: "IRL", 210: "NLD", 211: "BEL", 212: "LUX", 220: "FRA",
    221: "MCO", 223: "LIE", 225: "CHE", 230: "ESP", 232: "AND", 235: "PRT",
    255: "DEU", 260: "DEU",  # one state, the Federal Republic, before and after 1990
    265: "DDR", 290: "POL", 305: "AUT", 310: "HUN", 315: "CSK", 316: "CZE", 317: "SVK",
    325: "ITA", 331: "SMR", 338: "MLT", 339: "ALB", 341: "MNE", 343: "MKD", 344: "HRV",
    346: "BIH", 349: "SVN", 350: "GRC", 352: "CYP", 355: "BGR", 359: "MDA", 360: "ROU",
    366: "EST", 367: "LVA", 368: "LTU", 369: "UKR", 370: "BLR", 371: "ARM", 372: "GEO",
    373: "AZE", 375: "FIN", 380: "SWE", 385: "NOR", 390: "DNK", 395: "ISL", 452: "GHA",
    630: "IRN", 640: "TUR", 645: "IRQ", 700: "AFG", 701: "TKM", 702: "TJK", 703: "KGZ",
    704: "UZB", 705: "KAZ", 710: "CHN", 712: "MNG", 750: "IND", 770: "PAK", 780: "LKA",
    790: "NPL", 800: "THA", 811: "KHM", 840: "PHL", 900: "AUS", 920: "NZL",
}


def cow_state(ccode: int, year: int, org: str) -> str:
    """ISO alpha-3 of the state a COW code stands for in a year (and organization).

    365 is the USSR to 1991 and Russia from 1992, except in the CIS, which Russia (not the
    USSR) founded in December 1991. 345 is Yugoslavia to 1991, Serbia and Montenegro
    (the FRY) from 1992 to 2005 and Serbia from 2006, as COW codes it.
    """
    if ccode == 365:
        return "RUS" if year >= 1992 or org == "CIS" else "SUN"
    if ccode == 345:
        if year <= 1991:
            return "YUG"
        return "SCG" if year <= 2005 else "SRB"
    try:
        return COW_TO_ISO[ccode]
    except KeyError:
        raise KeyError(f"COW state code {ccode} has no ISO mapping in seckg.importers.codes") from None


# Factbook GEC (ex-FIPS) code -> ISO alpha-3, for the countries listed in the organizations
# we check. GEC is not ISO: "rs" is Russia, "gm" Germany, "up" Ukraine.
GEC_TO_ISO = {
    "ac": "ATG", "ae": "ARE", "af": "AFG", "ag": "DZA", "aj": "AZE", "al": "ALB", "am": "ARM",
    "an": "AND", "ao": "AGO", "ar": "ARG", "as": "AUS", "au": "AUT", "ba": "BHR", "bb": "BRB",
    "be": "BEL", "bf": "BHS", "bg": "BGD", "bh": "BLZ", "bk": "BIH", "bl": "BOL", "bn": "BEN",
    "bo": "BLR", "br": "BRA", "bu": "BGR", "by": "BDI", "ca": "CAN", "cb": "KHM", "ce": "LKA",
    "ch": "CHN", "ci": "CHL", "co": "COL", "cs": "CRI", "cu": "CUB", "cy": "CYP", "da": "DNK",
    "do": "DMA", "dr": "DOM", "ec": "ECU", "eg": "EGY", "ei": "IRL", "ek": "GNQ",
    "en": "EST", "es": "SLV", "ez": "CZE", "fi": "FIN", "fr": "FRA", "gg": "GEO", "gh": "GHA",
    "gj": "GRD", "gm": "DEU", "gr": "GRC", "gt": "GTM", "gy": "GUY", "ha": "HTI", "ho": "HND",
    "hr": "HRV", "hu": "HUN", "ic": "ISL", "id": "IDN", "in": "IND", "ir": "IRN", "is": "ISR",
    "it": "ITA", "iz": "IRQ", "ja": "JPN", "jm": "JAM", "jo": "JOR", "kg": "KGZ", "ks": "KOR",
    "kz": "KAZ", "le": "LBN", "lg": "LVA", "lh": "LTU", "lo": "SVK", "ls": "LIE", "lu": "LUX",
    "md": "MDA", "mg": "MNG", "mj": "MNE", "mk": "MKD", "mn": "MCO", "mo": "MAR", "mt": "MLT",
    "mx": "MEX", "my": "MYS", "nh": "VUT", "ni": "NGA", "nl": "NLD", "no": "NOR", "ns": "SUR",
    "nu": "NIC", "nz": "NZL", "pa": "PRY", "pe": "PER", "pk": "PAK", "pl": "POL", "pm": "PAN",
    "po": "PRT", "qa": "QAT", "ri": "SRB", "ro": "ROU", "rp": "PHL", "rs": "RUS", "sa": "SAU",
    "sc": "KNA", "si": "SVN", "sm": "SMR", "sp": "ESP", "st": "LCA", "sw": "SWE", "sz": "CHE",
    "td": "TTO", "th": "THA", "ti": "TJK", "ts": "TUN", "tu": "TUR", "tx": "TKM", "uk": "GBR",
    "up": "UKR", "us": "USA", "uy": "URY", "uz": "UZB", "vc": "VCT", "ve": "VEN", "vm": "VNM",
    "vt": "VAT", "ym": "YEM",
}

# SupraVerden `yaml_key` -> organization slug, for the Wikidata items in
# data/raw/supraverden_security_org_wikidata_ids.csv (OAS and the Inter-American Defense Board
# are outside the graph).
SUPRAVERDEN_ORGS = {
    "Commonwealth of Independent States": "CIS",
    "Organization for Security and Co-operation in Europe": "OSCE",
    "North Atlantic Treaty Organisation": "NATO",
    "Collective Security Treaty Organization": "CSTO",
    "Shanghai Cooperation Organisation": "SCO",
    "GUAM Organization for Democracy and Economic Development": "GUAM",
    "Eurasian Economic Union": "EAEU",
}
