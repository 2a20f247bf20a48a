"""When a dataset was released: partial dates (``2019``, ``2019-10``), the Hub creation and paper
dates of a dataset, and the date a paper link gives away (arXiv ``1910.xxxxx`` is 2019-10, ACL
``D18-1260`` is 2018)."""

from __future__ import annotations

import calendar
import re
import urllib.parse
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to the year, the month or the day.

    >>> str(PartialDate.parse("2019-10")), PartialDate.parse("2023-03-02T10:00:00Z")
    ('2019-10', PartialDate(year=2023, month=3, day=2))
    >>> PartialDate(2019, 10).last_day(), PartialDate(2020).first_day()
    (datetime.date(2019, 10, 31), datetime.date(2020, 1, 1))
    """

    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def parse(cls, text: object) -> PartialDate | None:
        """``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or an ISO date-time; None for anything else."""
        m = re.match(r"^\s*(\d{4})(?:-(\d\d)(?:-(\d\d))?)?(?:[T ][\d:.]+(?:Z|[+-][\d:]+)?)?\s*$", str(text))
        if not m:
            return None
        year, month, day = int(m.group(1)), m.group(2), m.group(3)
        if month is not None and not 1 <= int(month) <= 12:
            return None
        if day is not None and not 1 <= int(day) <= calendar.monthrange(year, int(month))[1]:
            return None
        return cls(year, int(month) if month else None, int(day) if day else None)

    def first_day(self) -> date:
        return date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> date:
        month = self.month or 12
        return date(self.year, month, self.day or calendar.monthrange(self.year, month)[1])

    def __str__(self) -> str:
        return "-".join([f"{self.year:04d}"] + [f"{p:02d}" for p in (self.month, self.day) if p is not None])


@dataclass(frozen=True)
class ReleaseDate:
    """When a dataset came out: on the Hub and in its paper (either may be unknown)."""

    hub: PartialDate | None = None
    paper: PartialDate | None = None

    @property
    def released(self) -> PartialDate | None:
        """The earlier of the Hub creation date and the paper date (the paper's rule)."""
        known = [d for d in (self.hub, self.paper) if d is not None]
        return min(known, key=lambda d: d.first_day()) if known else None

    def before(self, cutoff: date) -> bool:
        """True when the dataset was surely released before ``cutoff`` (its whole release
        period, a year or a month when that is all that is known, ends before it)."""
        released = self.released
        return released is not None and released.last_day() < cutoff

    def after(self, other: ReleaseDate) -> bool:
        """True when this dataset was surely released after ``other`` was (periods that overlap,
        or an unknown date, are not "after")."""
        mine, theirs = self.released, other.released
        return mine is not None and theirs is not None and mine.first_day() > theirs.last_day()


_ARXIV_NEW = re.compile(r"(?<![\d.])(\d{2})(\d{2})\.\d{4,5}(?:v\d+)?(?![\d])")
_ARXIV_OLD = re.compile(r"\b[a-z-]+(?:\.[A-Z]{2})?/(\d{2})(\d{2})\d{3}\b")
_ACL_NEW = re.compile(r"\b((?:19|20)\d\d)\.[a-z]+-[a-z0-9]+\.\d+", re.IGNORECASE)
_ACL_OLD = re.compile(r"\b[A-Z](\d\d)-\d{4}\b")


def _century(yy: int) -> int:
    return 1900 + yy if yy >= 50 else 2000 + yy


def paper_date_of(url: str) -> PartialDate | None:
    """The date an arXiv or ACL Anthology URL gives (its id), else None.

    >>> [str(paper_date_of(u)) for u in ("https://arxiv.org/abs/1910.10683",
    ...  "https://arxiv.org/pdf/2111.02840.pdf", "https://aclanthology.org/2020.acl-main.447/",
    ...  "https://www.aclweb.org/anthology/D18-1260", "https://arxiv.org/abs/cs/0101001")]
    ['2019-10', '2021-11', '2020', '2018', '2001-01']
    >>> paper_date_of("https://openreview.net/forum?id=XUeoOBid3x") is None
    True
    """
    parts = urllib.parse.urlsplit(url)
    host = parts.netloc.lower().removeprefix("www.")
    path = urllib.parse.unquote(parts.path)
    if host.endswith("arxiv.org"):
        m = _ARXIV_NEW.search(path)
        if m:
            month = int(m.group(2))
            return PartialDate(2000 + int(m.group(1)), month) if 1 <= month <= 12 else None
        m = _ARXIV_OLD.search(path)
        if m and 1 <= int(m.group(2)) <= 12:
            return PartialDate(_century(int(m.group(1))), int(m.group(2)))
        return None
    if host in ("aclanthology.org", "aclweb.org") or host.endswith(".aclweb.org"):
        m = _ACL_NEW.search(path)
        if m:
            return PartialDate(int(m.group(1)))
        m = _ACL_OLD.search(path)
        if m:
            return PartialDate(_century(int(m.group(1))))
    return None


def arxiv_tag_dates(values: object) -> list[PartialDate]:
    """Dates of ``arxiv:<id>`` tags (card YAML ``tags``, the Hub's tags)."""
    if not isinstance(values, (list, tuple)):
        return []
    out = []
    for value in values:
        m = re.fullmatch(r"\s*arxiv:\s*(\S+)\s*", str(value), re.IGNORECASE)
        if m:
            found = paper_date_of("https://arxiv.org/abs/" + m.group(1))
            if found is not None:
                out.append(found)
    return out
