"""Generate ``vocab.py``, the closed Python namespace of the ontology's terms.

Run ``python -m lineagekg.vocab_gen`` after editing ``ontology/lineage.ttl``;
``tests/test_ontology.py`` fails while the two disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rdflib import Graph, URIRef

from lineagekg.resources import ontology_graph, ontology_path

NAMESPACE = "https://w3id.org/lineagekg/ns#"


def ontology_terms(graph: Graph) -> list[str]:
    """Local names of every term the ontology declares in its own namespace (sorted)."""
    names = {str(s)[len(NAMESPACE):] for s in graph.subjects() if isinstance(s, URIRef)
             and str(s).startswith(NAMESPACE)}
    return sorted(n for n in names if n)


def render(terms: list[str]) -> str:
    """The text of ``vocab.py`` for these terms."""
    lines = [
        '"""The lineagekg ontology\'s terms as a closed rdflib namespace.',
        "",
        "Generated from ontology/lineage.ttl by `python -m lineagekg.vocab_gen`: do not edit.",
        "A misspelt term raises AttributeError at once (``_fail = True``).",
        '"""',
        "",
        "from rdflib import URIRef",
        "from rdflib.namespace import DefinedNamespace, Namespace",
        "",
        "",
        "class LK(DefinedNamespace):",
        '    """Terms of <https://w3id.org/lineagekg/ns#>."""',
        "",
        "    _fail = True",
        f'    _NS = Namespace("{NAMESPACE}")',
        "",
    ]
    lines += [f"    {term}: URIRef" for term in terms]
    return "\n".join(lines) + "\n"


def target_path() -> Path:
    return Path(__file__).with_name("vocab.py")


def main() -> int:
    text = render(ontology_terms(ontology_graph()))
    target_path().write_text(text, encoding="utf-8")
    print(f"wrote {target_path()} from {ontology_path()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
