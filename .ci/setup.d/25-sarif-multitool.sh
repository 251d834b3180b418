# Microsoft's SARIF Multitool, to check SARIF output against GitHub's ingestion rules
# (tests/reporters/test_sarif.py::test_github_ingestion_rules_accept_the_output).
# Sourced by .ci/run (set -euo pipefail). Installed in a cache outside the repository;
# required: without it that test fails in CI.
_mt_dir="${XDG_CACHE_HOME:-$HOME/.cache}/gatekeeper-ci/sarif-multitool"
_mt_bin="$_mt_dir/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
if [ ! -x "$_mt_bin" ] && command -v npm >/dev/null 2>&1; then
  mkdir -p "$_mt_dir"
  timeout 300 npm install --silent --no-audit --no-fund --prefix "$_mt_dir" @microsoft/sarif-multitool@5 >/dev/null 2>&1 \
    || echo ".ci/setup.d/25-sarif-multitool.sh: npm install failed; the GitHub SARIF rules test will fail" >&2
fi
if [ -x "$_mt_bin" ]; then
  export GATEKEEPER_SARIF_MULTITOOL="$_mt_bin"
fi
unset _mt_dir _mt_bin
