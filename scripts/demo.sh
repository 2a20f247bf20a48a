#!/usr/bin/env bash
# The demo. Part 1: trace six datasets upstream from the documents the project ships
# (examples/corpus, see its NOTICE.md) into a fresh embedded Oxigraph store, print the report
# (lineage trees, roots, benchmark contamination with witness paths, redundancy), and review the
# two claims the tracer was unsure of. It traces with the rule backend (`--backend heuristic`),
# whose claims on these documents were checked by hand (the trained default, `offline`, does not
# yet reach that precision: docs/extraction.md). Part 2: import the shipped lineage graph
# (examples/lineage) into a second store and ask it who reaches GSM8K. Needs nothing outside this checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
LK=".venv/bin/lineagekg"
PY=".venv/bin/python"
STORE="${LINEAGEKG_STORE:-.lineagekg/demo-store}"
export COLUMNS="${COLUMNS:-120}"
rm -rf "$STORE" "$STORE-paper" "$STORE-croissant"

SEEDS=(HuggingFaceH4/ultrafeedback_binarized PRIME-RL/Eurus-2-RL-Data nvidia/OpenCodeReasoning
       nvidia/Nemotron-Post-Training-Dataset-v1 bigcode/xp3x-octopack sahil280114/codealpaca)

heading() { printf '\n\033[1;4m%s\033[0m\n' "$*"; }
step() { printf '\n\033[1m$ lineagekg'; printf ' %q' "$@"; printf '\033[0m\n'; "$LK" "$@"; }

heading "Part 1: trace ${#SEEDS[@]} datasets from the $(ls examples/corpus/docs examples/corpus/hf_legacy_cards | grep -c '\.md$') documents in examples/corpus"
export LINEAGEKG_STORE="$STORE"
printf '\n\033[1m$ lineagekg trace %s --corpus examples/corpus --depth 4 --backend heuristic\033[0m\n' "${SEEDS[*]}"
log="$(mktemp)"   # the per-dataset progress lines, shown only if the trace fails
"$LK" trace "${SEEDS[@]}" --corpus examples/corpus --depth 4 --backend heuristic 2>"$log" || { cat "$log" >&2; exit 1; }
rm -f "$log"

heading "The lineage tree of each seed"
step tree "${SEEDS[@]}"

heading "Roots: where the lineage stops, and why"
step roots HuggingFaceH4/ultrafeedback_binarized
step shared-roots PRIME-RL/Eurus-2-RL-Data nvidia/OpenCodeReasoning

heading "Contamination reach of two benchmarks, with witness paths"
step contamination codeparrot/apps
step contamination truthfulqa/truthful_qa
step tree codeparrot/apps --down

heading "Redundancy: datasets that take a source twice (directly and through another source)"
step redundancy

heading "Review: claims the tracer was unsure of"
step review
pending="$("$LK" review --format json)"
claim_of() {   # the short id of the pending claim about dataset $1
  "$PY" -c 'import json, sys
print(next(c["short_id"] for c in json.loads(sys.argv[2])["pending"] if c["target"] == sys.argv[1]))' "$1" "$pending"
}
# The OctoPack README points to its filter script for xP3x: the filteredFrom claim is right.
step review accept "$(claim_of bigcode/xp3x-octopack)" --by "demo reviewer" \
  --note "README: to recreate see dataset/xp3x/filter_xp3x.py"
# Code Alpaca reused Stanford Alpaca's generation *pipeline* and wrote its own code-only seed tasks:
# no Alpaca records are in it, so the seededFrom edge is rejected (and leaves the lineage).
step review reject "$(claim_of sahil280114/codealpaca)" --by "demo reviewer" \
  --note "Code Alpaca reused the Alpaca pipeline and wrote new seed tasks; no Alpaca data"
step tree sahil280114/codealpaca

heading "Part 2: the shipped lineage graph (examples/lineage, see its NOTICE.md)"
export LINEAGEKG_STORE="$STORE-paper"
step import lineage-jsonl examples/lineage/nodes.jsonl examples/lineage/edges.jsonl
step contamination openai/gsm8k
step tree HuggingFaceH4/ultrafeedback_binarized --depth 2

heading "Part 3: a Croissant 1.1 file with its lineage (validated by mlcroissant in the tests)"
step croissant meta-math/MetaMathQA -o "$STORE-croissant"
head -c 2000 "$STORE-croissant/meta-math-metamathqa.croissant.json" | sed -n '/"@type": "sc:Dataset"/,$p'
printf '\n...\n'

printf '\nThe traced store is in %s (the imported one in %s-paper); try:\n' "$STORE" "$STORE"
printf '  .venv/bin/lineagekg query --list --store %s\n' "$STORE"
