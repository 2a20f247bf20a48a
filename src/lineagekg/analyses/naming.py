"""How answers name things: the local name of an ``lk:`` term, the paper's relation family above
a relation, a year from a date."""

from __future__ import annotations

import functools
import re
from typing import Any, cast

from lineagekg import taxonomy
from lineagekg.analyses.models import Family
from lineagekg.vocab import LK

LK_NS = str(LK._NS)
_YEAR = re.compile(r"^-?\d{4}")


@functools.cache
def local_name(iri: str | None) -> str | None:
    """``lk:filteredFrom`` -> ``filteredFrom``; other IRIs unchanged."""
    return None if iri is None else iri.removeprefix(LK_NS)


def relation_family(relation: str | None) -> Family | None:
    """The paper's relation (one of five) above a relation's local name, or None.

    >>> relation_family("filteredFrom"), relation_family("fusedFrom"), relation_family("x")
    ('includedFrom', 'fusedFrom', None)
    """
    found = taxonomy.relations().get(relation) if relation else None
    return cast("Family", found.top) if found is not None else None


def year(value: Any) -> int | None:
    """The year a date (or a year) starts with.

    >>> year("2021-08-05"), year(2023), year(None)
    (2021, 2023, None)
    """
    match = _YEAR.match(str(value)) if value is not None else None
    return int(match.group()) if match else None
