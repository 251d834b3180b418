#!/usr/bin/env bash
# Make the npm audit fixtures by running the REAL npm (`npm audit --json`), offline-safe:
#
#   fixtures/reports/npm-audit-empty.json  a project with no dependencies: npm answers
#                                          without asking the registry (exit 0):
#                                          auditReportVersion 2, vulnerabilities {}.
#   fixtures/refused/npm-audit-enolock.json  no lockfile: npm's error object
#                                          {"error": {"code": "ENOLOCK", ...}} (exit 1).
#   fixtures/refused/npm-audit-http-405.json  one dependency (minimist 1.2.5) against a
#                                          registry that refuses the audit request: npm prints
#                                          the HTTP response and "error": {"summary": "", ...}
#                                          with no code (exit 1). Made where the registry
#                                          answered 405 (this machine's); elsewhere npm may
#                                          reach the real audit endpoint, and the script then
#                                          keeps the committed file and says so.
#
# gatekeeper must refuse both refused/ files (exit 2), never read them as a pass. npm 6 and
# npm 7+ reports with vulnerabilities come from ../shared/corpus/npm-audit (real outputs of
# other projects): this machine has no way to reach an advisory database.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# audit DIR OUT: npm audit --json in DIR; exit 0 or 1 (1: vulnerabilities or an error).
audit() {
  local rc=0
  (cd "$1" && npm audit --json --fetch-retries=0 --fetch-timeout=20000 >"$2" 2>"$TMP/npm.log") || rc=$?
  [[ $rc -le 1 ]] || { cat "$TMP/npm.log" >&2; echo "error: npm audit exited $rc in $1" >&2; exit 1; }
}

mkdir -p "$TMP/empty" "$TMP/nolock" "$TMP/one" "$ROOT/fixtures/refused"
for dir in empty nolock; do
  printf '{"name": "fixture-%s", "version": "1.0.0", "dependencies": {}}\n' "$dir" >"$TMP/$dir/package.json"
done
printf '{"name": "fixture-one", "version": "1.0.0", "dependencies": {"minimist": "1.2.5"}}\n' >"$TMP/one/package.json"
(cd "$TMP/empty" && npm install --package-lock-only --offline >/dev/null 2>&1)
(cd "$TMP/one" && npm install --package-lock-only >/dev/null 2>&1)

audit "$TMP/empty" "$TMP/npm-audit-empty.json"
audit "$TMP/nolock" "$TMP/npm-audit-enolock.json"
audit "$TMP/one" "$TMP/npm-audit-http-405.json"

grep -q '"auditReportVersion": 2' "$TMP/npm-audit-empty.json"
grep -q '"code": "ENOLOCK"' "$TMP/npm-audit-enolock.json"
cp "$TMP/npm-audit-empty.json" "$ROOT/fixtures/reports/"
cp "$TMP/npm-audit-enolock.json" "$ROOT/fixtures/refused/"
if grep -q '"statusCode": 405' "$TMP/npm-audit-http-405.json"; then
  cp "$TMP/npm-audit-http-405.json" "$ROOT/fixtures/refused/"
else
  echo "note: the registry answered the audit request; fixtures/refused/npm-audit-http-405.json kept as committed" >&2
fi
npm --version | sed 's/^/npm /'
