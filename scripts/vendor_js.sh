#!/usr/bin/env bash
# Vendor the explorer page's JavaScript libraries and Swagger UI (the API docs page): install web/package.json's exact versions from
# the npm registry (`npm ci` against web/package-lock.json, in a scratch folder so no node_modules
# is left in the tree), copy each library's built file and licence into
# src/lineagekg/api/static/vendor/<package>/, and write vendor/NOTICE.md (name, version, licence,
# npm URL, files). The page loads these files from /static/vendor: no CDN, no build step.
#
#   scripts/vendor_js.sh            re-vendor from web/package-lock.json
#   scripts/vendor_js.sh --update   refresh web/package-lock.json from web/package.json first
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
WEB="$ROOT/web"
VENDOR="$ROOT/src/lineagekg/api/static/vendor"

command -v npm >/dev/null 2>&1 || { echo "vendor_js.sh: npm is not installed (Node.js 18+ needed)" >&2; exit 1; }
if [ "${1:-}" = "--update" ]; then
  (cd "$WEB" && npm install --package-lock-only --ignore-scripts --no-audit --no-fund)
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$WEB/package.json" "$WEB/package-lock.json" "$work/"
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund)
NM="$work/node_modules"

# What is copied: npm package, the folder under vendor/, and the files (from the package root).
# The @dagrejs packages ship no file of their own here: cytoscape-dagre's dist build bundles
# @dagrejs/dagre 3.0.0, which bundles @dagrejs/graphlib 4.0.1, so only their licences are copied.
VENDORED=(
  "cytoscape|cytoscape|dist/cytoscape.min.js"
  "cytoscape-dagre|cytoscape-dagre|dist/cytoscape-dagre.min.js dist/cytoscape-dagre.min.js.map"
  "@dagrejs/dagre|dagrejs-dagre|"
  "@dagrejs/graphlib|dagrejs-graphlib|"
  "swagger-ui-dist|swagger-ui|swagger-ui-bundle.js swagger-ui.css NOTICE"
)
declare -A BUNDLED_IN=(
  ["@dagrejs/dagre"]="cytoscape-dagre/cytoscape-dagre.min.js"
  ["@dagrejs/graphlib"]="cytoscape-dagre/cytoscape-dagre.min.js, through @dagrejs/dagre"
)

field() {  # field PACKAGE_DIR NAME: a top-level string field of package.json
  node -e 'const p = require(process.argv[1] + "/package.json"); process.stdout.write(String(p[process.argv[2]] || ""))' "$1" "$2"
}

licence_file() {  # the licence text a package ships (LICENSE, LICENSE.md, LICENCE, license...)
  local f
  for f in "$1"/LICENSE "$1"/LICENSE.md "$1"/LICENSE.txt "$1"/LICENCE "$1"/license "$1"/license.md; do
    [ -f "$f" ] && { echo "$f"; return 0; }
  done
  return 1
}

rm -rf "$VENDOR"
mkdir -p "$VENDOR"
notice="$VENDOR/NOTICE.md"
{
  echo "# Vendored JavaScript libraries"
  echo
  echo "Installed from the npm registry by \`scripts/vendor_js.sh\` (\`npm ci\` on \`web/package-lock.json\`) and"
  echo "copied here unchanged, each with its licence. The explorer page and the API docs page (\`/api/v1/docs\`)"
  echo "load them from \`/static/vendor/\`."
  echo "Each folder below holds one package: its files and its \`LICENSE\`."
  echo
  echo "| Package | Version | Licence | npm | Folder | Files |"
  echo "| --- | --- | --- | --- | --- | --- |"
} >"$notice"

for entry in "${VENDORED[@]}"; do
  IFS='|' read -r pkg folder files <<<"$entry"
  src="$NM/$pkg"
  [ -d "$src" ] || { echo "vendor_js.sh: $pkg is not in web/package-lock.json" >&2; exit 1; }
  version="$(field "$src" version)"
  licence="$(field "$src" license)"
  case "$licence" in
    MIT|ISC|BSD-2-Clause|BSD-3-Clause|Apache-2.0|0BSD) ;;
    *) echo "vendor_js.sh: $pkg@$version has licence '$licence', which is not on the permissive list" >&2; exit 1 ;;
  esac
  lic="$(licence_file "$src")" || { echo "vendor_js.sh: $pkg@$version ships no LICENSE file" >&2; exit 1; }
  mkdir -p "$VENDOR/$folder"
  cp "$lic" "$VENDOR/$folder/LICENSE"
  listed="LICENSE"
  for f in $files; do
    cp "$src/$f" "$VENDOR/$folder/"
    listed="$listed, $(basename "$f")"
  done
  if [ -n "${BUNDLED_IN[$pkg]:-}" ]; then
    listed="$listed (code bundled in ${BUNDLED_IN[$pkg]})"
  fi
  echo "| $pkg | $version | $licence | https://www.npmjs.com/package/$pkg/v/$version | \`$folder/\` | $listed |" >>"$notice"
done

echo "vendored into $VENDOR:"
(cd "$VENDOR" && find . -type f | sort)
