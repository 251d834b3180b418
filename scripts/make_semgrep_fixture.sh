#!/usr/bin/env bash
# Make fixtures/reports/semgrep*.json by running the REAL Semgrep, offline, with the local
# rules in fixtures/semgrep-rules.yaml (no registry, no metrics, no login).
#
#   semgrep.json         semgrep --json on fixtures/targets, in place (files git tracks):
#                        9 results (ERROR 3, CRITICAL 1, HIGH 1, MEDIUM 1, WARNING 1,
#                        LOW 1, INFO 1), errors [].
#   semgrep-errors.json  the same rules on a copy of the tracked target files plus one
#                        file that does not parse (app/broken.py, written by this script):
#                        a partial scan, whose `errors` the adapter turns into coverage gaps.
#
# Separate from scripts/make_fixtures.sh: Semgrep lives in its own venv (its pins clash
# with checkov's). Environment:
#   GATEKEEPER_SEMGREP_VENV  venv holding semgrep (default /tmp/semgrep-venv); created and
#                            filled with the pinned version if semgrep is missing.
#
# Nothing in Semgrep's output is edited; the script fails if an absolute path of this
# machine appears in a report. Since 1.x without a login, Semgrep prints "requires login"
# for `extra.lines` and `extra.fingerprint`, so no matched text (no planted secret) is in them.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${GATEKEEPER_SEMGREP_VENV:-/tmp/semgrep-venv}
PIN=semgrep==1.185.0
RULES=$ROOT/fixtures/semgrep-rules.yaml
DEST=$ROOT/fixtures/reports

if [[ ! -x $VENV/bin/semgrep ]]; then
  [[ -x $VENV/bin/python ]] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "$PIN"
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# run_semgrep DIR OUT: Semgrep from DIR on fixtures/targets; exit 0 (no --error) is expected.
run_semgrep() {
  (cd "$1" && "$VENV/bin/semgrep" scan --metrics off --disable-version-check --json \
     --config "$RULES" --output "$2" fixtures/targets) 2>"$TMP/semgrep.log" \
    || { cat "$TMP/semgrep.log" >&2; echo "error: semgrep failed in $1" >&2; exit 1; }
}

run_semgrep "$ROOT" "$TMP/semgrep.json"

mkdir -p "$TMP/copy"
(cd "$ROOT" && git ls-files -z fixtures/targets | xargs -0 cp --parents -t "$TMP/copy")
printf 'def broken(:\n    return )\n' > "$TMP/copy/fixtures/targets/app/broken.py"
run_semgrep "$TMP/copy" "$TMP/semgrep-errors.json"

for report in "$TMP/semgrep.json" "$TMP/semgrep-errors.json"; do
  if grep -q -e "$ROOT" -e "$TMP" "$report"; then
    echo "error: $report holds an absolute path" >&2
    exit 1
  fi
  # Each report must be read by gatekeeper before it replaces the committed one.
  "$ROOT/.venv/bin/python" -c 'import sys; from gatekeeper.sources import load_report; r = load_report(sys.argv[1], fmt="semgrep"); print(f"{sys.argv[1]}: {len(r.findings)} findings, {len(r.gaps)} gaps")' "$report"
done
cp "$TMP/semgrep.json" "$TMP/semgrep-errors.json" "$DEST/"
