# Headless Chromium for the HTML report test (tests/reporters/test_html.py).
# Sourced by .ci/run (set -euo pipefail), as root on Debian.
if [ ! -x /usr/bin/chromium ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
