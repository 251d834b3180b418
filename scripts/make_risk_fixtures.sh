#!/usr/bin/env bash
# Regenerate the fixtures of exploitation-aware gating (fixtures/risk/):
#   pip-audit-kev.json  the REAL pip-audit, offline against scripts/osv_server.py (the PyPA
#                       advisory database), on fixtures/risk/target/requirements.txt: PYSEC
#                       findings whose aliases are CVEs in CISA's KEV catalog;
#   epss-*.csv(.gz)     EPSS files in FIRST's exact format (scripts/make_epss_fixture.py).
# Environment: as scripts/make_fixtures.sh (GATEKEEPER_SCANNERS_VENV, GATEKEEPER_ADVISORY_DB).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${GATEKEEPER_SCANNERS_VENV:-/opt/gatekeeper-scanners}
if [[ -z ${GATEKEEPER_ADVISORY_DB:-} ]]; then
  GATEKEEPER_ADVISORY_DB=${GATEKEEPER_SHARED:-$ROOT/../shared}/data/pypa-advisory-database/vulns
fi
# The OSV server needs PyYAML and packaging: the project's environment has both.
PY=${GATEKEEPER_PYTHON:-$ROOT/.venv/bin/python}
[[ -x $PY ]] || PY=python3
OUT=$ROOT/fixtures/risk
WORK=$(mktemp -d)
trap 'kill "${OSV_PID:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
cd "$ROOT"

"$PY" scripts/osv_server.py --db "$GATEKEEPER_ADVISORY_DB" --port 0 --port-file "$WORK/osv.port" 2> "$WORK/osv.log" &
OSV_PID=$!
for _ in $(seq 100); do [[ -s $WORK/osv.port ]] && break; sleep 0.1; done
[[ -s $WORK/osv.port ]] || { cat "$WORK/osv.log" >&2; exit 1; }
rc=0
env PYTHONHASHSEED=0 "$VENV/bin/pip-audit" --no-deps --disable-pip -s osv \
  --osv-url "http://127.0.0.1:$(cat "$WORK/osv.port")/v1/query" --cache-dir "$WORK/cache" -f json --desc --aliases \
  -r fixtures/risk/target/requirements.txt -o "$OUT/pip-audit-kev.json" || rc=$?
[[ $rc == 1 ]] || { echo "error: pip-audit exited $rc (expected 1: vulnerabilities found)" >&2; exit 1; }
"$PY" scripts/make_epss_fixture.py "$OUT"
