"""The in-memory shape of a membership spell, shared by readers, checks and the writer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ROLES = {
    "full": ("FullMember", "full member"),
    "associate": ("AssociateMember", "associate member"),
    "observer": ("Observer", "observer"),
    "partner": ("Partner", "partner"),
    "dialogue": ("DialoguePartner", "dialogue partner"),
}

CHANGES = {
    "withdrawal": "Withdrawal",
    "suspension": "Suspension",
    "dissolution": "Dissolution",
    "freeze": "Freeze",
}

_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def check_date(value: str, where: str) -> str:
    """A date as the curators write it: YYYY, YYYY-MM or YYYY-MM-DD (its precision)."""
    if not _DATE.match(value):
        raise ValueError(f"{where}: {value!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    return value


def year_of(value: str | None) -> int | None:
    return int(value[:4]) if value else None


def first_day(value: str) -> str:
    """Earliest day a date of any precision can mean, for ordering and overlap tests."""
    return value + "-01-01"[len(value) - 4:] if len(value) < 10 else value


def last_day(value: str) -> str:
    """Latest day a date of any precision can mean (month ends rounded up to the 31st)."""
    return value + "-12-31"[len(value) - 4:] if len(value) < 10 else value


@dataclass
class Spell:
    """One run of one state in one organization with one role."""

    org: str
    state: str
    role: str
    start: str | None
    end: str | None = None
    end_change: str | None = None
    sources: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    attested: list[str] = field(default_factory=list)
    right_censored: bool = False
    origin: str = "cow"  # cow | curated | atop | hand

    def overlaps(self, begin: str, end: str | None) -> bool:
        """Whether this spell and [begin, end] share a day, reading precision generously."""
        mine_end = last_day(self.end) if self.end else "9999-12-31"
        other_end = last_day(end) if end else "9999-12-31"
        mine_start = first_day(self.start) if self.start else "0000-01-01"
        return mine_start <= other_end and first_day(begin) <= mine_end

    def years(self) -> str:
        return f"{self.start[:4] if self.start else '?'}–{self.end[:4] if self.end else ''}"
