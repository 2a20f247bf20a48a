"""Licences as IRIs: a licence named in a card, a DPI record or a lineage file becomes the SPDX
licence IRI when it is one (so catalogs can compare them), else the licence's own URL, else a
project IRI carrying the name as written.

>>> license_iri("cc-by-nc-4.0")
'http://spdx.org/licenses/CC-BY-NC-4.0'
>>> license_iri("MIT License")
'http://spdx.org/licenses/MIT'
>>> license_iri("OpenAI", url="https://openai.com/policies/terms-of-use")
'https://openai.com/policies/terms-of-use'
>>> license_iri("Custom")
'https://w3id.org/lineagekg/id/license/custom'
"""

from __future__ import annotations

import re

from lineagekg import iris

SPDX_BASE = "http://spdx.org/licenses/"

#: SPDX ids of the licences met in Hub cards and DPI records, by their lower-cased spellings
_SPDX = {
    "mit": "MIT", "mit license": "MIT",
    "apache-2.0": "Apache-2.0", "apache 2.0": "Apache-2.0", "apache license 2.0": "Apache-2.0",
    "cc0-1.0": "CC0-1.0", "cc0 1.0": "CC0-1.0", "cc0": "CC0-1.0",
    "cc-by-3.0": "CC-BY-3.0", "cc by 3.0": "CC-BY-3.0", "cc-by-4.0": "CC-BY-4.0", "cc by 4.0": "CC-BY-4.0",
    "cc-by-sa-3.0": "CC-BY-SA-3.0", "cc by-sa 3.0": "CC-BY-SA-3.0",
    "cc-by-sa-4.0": "CC-BY-SA-4.0", "cc by-sa 4.0": "CC-BY-SA-4.0",
    "cc-by-nc-3.0": "CC-BY-NC-3.0", "cc by-nc 3.0": "CC-BY-NC-3.0",
    "cc-by-nc-4.0": "CC-BY-NC-4.0", "cc by-nc 4.0": "CC-BY-NC-4.0",
    "cc-by-nc-sa-3.0": "CC-BY-NC-SA-3.0", "cc by-nc-sa 3.0": "CC-BY-NC-SA-3.0",
    "cc-by-nc-sa-4.0": "CC-BY-NC-SA-4.0", "cc by-nc-sa 4.0": "CC-BY-NC-SA-4.0",
    "cc-by-nc-nd-4.0": "CC-BY-NC-ND-4.0", "cc by-nc-nd 4.0": "CC-BY-NC-ND-4.0",
    "cc-by-nd-4.0": "CC-BY-ND-4.0",
    "gpl-3.0": "GPL-3.0-only", "gnu general public license v3.0": "GPL-3.0-only",
    "gpl-2.0": "GPL-2.0-only", "lgpl-3.0": "LGPL-3.0-only", "lgpl 3.0": "LGPL-3.0-only",
    "lgpl-lr": "LGPL-LR", "bsd-2-clause": "BSD-2-Clause", "bsd 2-clause license": "BSD-2-Clause",
    "bsd-3-clause": "BSD-3-Clause", "bsd 3-clause license": "BSD-3-Clause",
    "odc-by": "ODC-By-1.0", "odc by 1.0": "ODC-By-1.0", "odbl": "ODbL-1.0", "odbl-1.0": "ODbL-1.0",
    "cdla-sharing-1.0": "CDLA-Sharing-1.0", "cdla sharing 1.0": "CDLA-Sharing-1.0",
    "cdla-permissive-1.0": "CDLA-Permissive-1.0", "cdla-permissive-2.0": "CDLA-Permissive-2.0",
    "afl-3.0": "AFL-3.0", "academic free license v3.0": "AFL-3.0", "artistic-2.0": "Artistic-2.0",
    "unlicense": "Unlicense", "wtfpl": "WTFPL", "mpl-2.0": "MPL-2.0", "ecl-2.0": "ECL-2.0",
    "c-uda": "C-UDA-1.0", "ogl-uk-3.0": "OGL-UK-3.0", "ogl 3.0": "OGL-UK-3.0",
}

#: names that say nothing about a licence: no licence is recorded for them
UNKNOWN = {"", "unspecified", "unknown", "other", "various", "none", "n/a"}


def spdx_id(name: str) -> str | None:
    """The SPDX id of a licence name or Hub licence id, or None."""
    return _SPDX.get(re.sub(r"\s+", " ", name.strip().lower()))


def license_iri(name: str, *, url: str | None = None) -> str | None:
    """The IRI for a licence (None for names such as 'Unspecified' that name no licence)."""
    if name.strip().lower() in UNKNOWN and not url:
        return None
    known = spdx_id(name)
    if known:
        return SPDX_BASE + known
    if url and re.match(r"^https?://[^\s<>\"{}|\\^`]+$", url.strip()):
        return url.strip()
    return f"{iris.ID_BASE}license/{iris.slug(name)}"
