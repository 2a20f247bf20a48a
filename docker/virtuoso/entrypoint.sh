#!/bin/sh
# Start Virtuoso on $VIRTUOSO_DATABASE (default /database) with virtuoso.ini made from the
# template, run setup.sql once on a fresh database, then keep the server in the foreground.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
db="${VIRTUOSO_DATABASE:-/database}"
http="${VIRTUOSO_HTTP_PORT:-8890}"
isql="${VIRTUOSO_ISQL_PORT:-1111}"
buffers="${VIRTUOSO_BUFFERS:-170000}"       # 8 KiB pages: ~1.3 GB of the database in memory
password="${DBA_PASSWORD:-dba}"
mkdir -p "$db/loads"
sed -e "s|{d}|$db|g" -e "s|{loads}|$db/loads|g" -e "s|{listen}||g" -e "s|{isql}|$isql|g" \
    -e "s|{http}|$http|g" -e "s|{buffers}|$buffers|g" -e "s|{dirty}|$((buffers * 3 / 4))|g" \
    "$here/virtuoso.ini.template" > "$db/virtuoso.ini"
if [ ! -f "$db/.lineagekg-setup-done" ]; then
  (cd "$db" && virtuoso-t +configfile "$db/virtuoso.ini" +wait)
  until curl -fsS "http://127.0.0.1:$http/sparql?query=ASK%7B%7D" >/dev/null 2>&1; do sleep 1; done
  isql-vt "$isql" dba dba "$here/setup.sql"
  if [ "$password" != dba ]; then
    isql-vt "$isql" dba dba "exec=USER_SET_PASSWORD ('dba', '$password');"
  fi
  isql-vt "$isql" dba "$password" "exec=shutdown;" || true
  while [ -f "$db/virtuoso.lck" ]; do sleep 1; done
  touch "$db/.lineagekg-setup-done"
fi
cd "$db"
exec virtuoso-t +configfile "$db/virtuoso.ini" +foreground
