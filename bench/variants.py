"""Inputs of ``gatekeeper check`` beyond the report, as benchmark variants of the plain check.

Each variant is the plain check of the same Trivy report plus one input filed beside issue 20
(KEV, EPSS and VEX: #16), with its target stated as a ratio to the plain check (a pull
request's diff, #18, is ``bench/run.py``'s own ``check --diff`` row, ``change_diff``) (``bench/run.py`` measures both in the same interleaved rounds). A variant
is measured only when ``gatekeeper check --help`` offers its option, so the benchmark runs on
a tree that has not got them all. Its input is made here, sized like the real thing:

- ``--kev``: CISA's catalog from the shared data (``$GATEKEEPER_SHARED/data/kev``), else the
  small one of the tests;
- ``--epss``: a gzip CSV of 280,000 scores, as many as FIRST's daily file, holding every CVE
  id of the report (so each vulnerability is scored) and made-up ids for the rest;
- ``--vex``: an OpenVEX document stating ``not_affected`` for every tenth vulnerability of the
  report (its CVE id and its package's purl).
"""

from __future__ import annotations

import gzip
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
EPSS_ROWS = 280_000


class Variant(NamedTuple):
    option: str
    """The ``check`` option, as ``check --help`` lists it."""
    target: float
    """The most the variant may take, as a multiple of the plain check's time."""
    make: Callable[[Path, Path], list[str]]
    """(report, folder for inputs) -> the arguments to add to the plain check."""
    what: str
    """The input, in a few words (the table's label)."""


def _shared() -> Path:
    return Path(os.environ.get("GATEKEEPER_SHARED", ROOT.parent / "shared"))


def _cves(report: Path) -> list[str]:
    ids = re.findall(rb'"VulnerabilityID":\s*"(CVE-[0-9]+-[0-9]+)"', report.read_bytes())
    return list(dict.fromkeys(i.decode() for i in ids))


def kev(report: Path, folder: Path) -> list[str]:
    catalog = _shared() / "data" / "kev" / "known_exploited_vulnerabilities.json"
    if not catalog.is_file():
        catalog = ROOT / "fixtures" / "risk" / "kev-small.json"
    return ["--kev", str(catalog)]


def epss(report: Path, folder: Path) -> list[str]:
    path = folder / f"epss-{report.stem}.csv.gz"
    if not path.exists():
        known = _cves(report)
        ids = known + [f"CVE-{1999 + n % 27}-{n + 1}" for n in range(max(0, EPSS_ROWS - len(known)))]
        ids = list(dict.fromkeys(ids))
        rows = "".join(f"{cve},{(n % 9973) / 9973:.5f},{(n % 10007) / 10007:.5f}\n" for n, cve in enumerate(ids))
        text = "#model_version:v2025.03.14,score_date:2025-08-25T00:00:00Z\ncve,epss,percentile\n" + rows
        path.write_bytes(gzip.compress(text.encode(), 6))
    return ["--epss", str(path)]


def vex(report: Path, folder: Path) -> list[str]:
    path = folder / f"vex-{report.stem}.json"
    if not path.exists():
        vulns = [v for r in json.loads(report.read_bytes()).get("Results") or [] for v in r.get("Vulnerabilities") or []]
        statements = [
            {"vulnerability": {"name": v["VulnerabilityID"]}, "products": [{"@id": v["PkgIdentifier"]["PURL"]}],
             "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}
            for v in vulns[::10] if (v.get("PkgIdentifier") or {}).get("PURL")
        ]
        document = {
            "@context": "https://openvex.dev/ns/v0.2.0",
            "@id": "https://example.com/vex/bench",
            "author": "bench",
            "timestamp": "2026-12-01T10:00:00Z",
            "version": 1,
            "statements": statements,
        }
        path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return ["--vex", str(path)]


VARIANTS = (
    Variant("--kev", 1.10, kev, "CISA's KEV catalog"),
    Variant("--epss", 1.15, epss, "280k EPSS scores (gzip)"),
    Variant("--vex", 1.10, vex, "OpenVEX, every 10th vulnerability"),
)


def offered(help_text: str) -> list[Variant]:
    """The variants whose option ``check --help`` lists."""
    return [v for v in VARIANTS if re.search(rf"(^|\s){re.escape(v.option)}[\s,=]", help_text)]
