"""Small helpers for writing test input files."""

from __future__ import annotations

from pathlib import Path


def write_jsonl(path: Path, rows: list[object]) -> Path:
    import json

    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


#: the real documentation corpus beside the checkout (CI has it; a bare clone may not)
SHARED_CORPUS = (Path(__file__).resolve().parents[2] / "shared" / "lineage_corpus").resolve()


#: SPARQL texts that each segfaulted pyoxigraph 0.5.13's parser (measured; see lineagekg.sparql_text)
PARSER_HOSTILE = {
    "10,000 negations": "SELECT * WHERE { FILTER(" + "!" * 10_000 + "true) }",
    "6,000 nested parentheses": "SELECT * WHERE { FILTER(" + "(" * 6_000 + "true" + ")" * 6_000 + ") }",
    "10,000 nested braces": "SELECT * WHERE " + "{" * 10_000 + "}" * 10_000,
    "1,000 nested EXISTS": "ASK { FILTER(" + "EXISTS { FILTER(" * 1_000 + "true" + ")}" * 1_000 + ") }",
    "7,000 UNIONs": "SELECT * WHERE { " + " UNION ".join(["{}"] * 7_000) + " }",
    "3,000 BINDs": "SELECT * WHERE { " + " ".join(f"BIND(1 AS ?v{i})" for i in range(3_000)) + " }",
    "10,000 && operands": "ASK { FILTER(" + " && ".join(["true"] * 10_000) + ") }",
    "10,000 objects in one list": "ASK { ?a <http://x/p> " + ", ".join(["?b"] * 10_000) + " }",
}
