#!/usr/bin/env bash
# The demo: import the shipped real lineage graph (examples/lineage, see its NOTICE.md) into a
# fresh embedded Oxigraph store, then ask it the questions lineagekg exists for.
set -euo pipefail
cd "$(dirname "$0")/.."
LK=".venv/bin/lineagekg"
export LINEAGEKG_STORE="${LINEAGEKG_STORE:-.lineagekg/demo-store}"
export COLUMNS="${COLUMNS:-120}"
rm -rf "$LINEAGEKG_STORE"

step() { printf '\n\033[1m$ lineagekg %s\033[0m\n' "$*"; "$LK" "$@"; }

step import lineage-jsonl examples/lineage/nodes.jsonl examples/lineage/edges.jsonl
step stats
step ancestors HuggingFaceH4/ultrafeedback_binarized
step roots bigcode/humanevalpack
step contamination truthfulqa/truthful_qa
step path HuggingFaceH4/ultrafeedback_binarized truthfulqa/truthful_qa
step shared-roots openbmb/UltraFeedback HuggingFaceH4/ultrachat_200k
step redundancy
step structure
printf '\nThe store is in %s; try: .venv/bin/lineagekg query --list --store %s\n' "$LINEAGEKG_STORE" "$LINEAGEKG_STORE"
