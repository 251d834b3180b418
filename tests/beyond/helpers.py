"""Helpers for the beyond-the-gate features: the real reports, a CLI runner, the scanner binaries."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from functools import cache
from pathlib import Path

import pytest

from gatekeeper.model import Report
from gatekeeper.sources import load_report
from tests.conftest import CORPUS, REPORTS, ROOT, require_shared

DATA = Path(__file__).parent / "data"
TRIVY_PIP = CORPUS / "trivy" / "trivy-golden-pip.json"
"""Trivy's own golden report for a requirements.txt with Werkzeug 0.11 (2 CVEs)."""
PIP_AUDIT_WERKZEUG = DATA / "pip-audit-werkzeug.json"
"""pip-audit 2.10.1 on the same pin (7 advisories, 2 of them the same CVEs): see data/README.md."""
SCANNERS_VENV = Path(os.environ.get(
    "GATEKEEPER_TEST_SCANNERS_VENV",
    "/opt/gatekeeper-scanners",
))


@cache
def report(path: str | Path) -> Report:
    path = Path(path)
    if not path.is_absolute():
        path = REPORTS / path
    if str(path).startswith(str(CORPUS)) and not path.is_file():
        require_shared()
    return load_report(str(path), None)


def reports(*paths: str | Path) -> list[Report]:
    return [report(p) for p in paths]


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def gk(*args: str | Path, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "NO_COLOR": "1", **(env or {})}
    full.pop("GITHUB_ACTIONS", None)
    full.pop("GATEKEEPER_ENV", None)
    return subprocess.run([sys.executable, "-m", "gatekeeper", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env={**full, "PYTHONPATH": str(ROOT)}, timeout=180)


def scanner(name: str) -> Path:
    """A scanner binary from the scanners' venv (.ci/setup.d/30-docker.sh installs it).

    Missing: skip locally, fail under CI (``GATEKEEPER_REQUIRE_SHARED=1``).
    """
    found = sorted(SCANNERS_VENV.glob(f"lib/python3*/site-packages/*/bin/{name}"))
    if found and os.access(found[0], os.X_OK):
        return found[0]
    message = f"{name} not found in {SCANNERS_VENV} (.ci/setup.d/30-docker.sh installs it)"
    if os.environ.get("GATEKEEPER_REQUIRE_SHARED"):
        pytest.fail(message)
    pytest.skip(message)
