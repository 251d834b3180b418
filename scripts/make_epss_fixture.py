"""Write EPSS test files in FIRST's exact daily format (fixtures/risk/).

FIRST publishes ``epss_scores-YYYY-MM-DD.csv.gz`` (https://epss.empiricalsecurity.com/,
current file ``epss_scores-current.csv.gz``): a model line, a header, one row per CVE::

    #model_version:v2025.03.14,score_date:2025-08-25T12:55:00Z
    cve,epss,percentile
    CVE-1999-0001,0.01141,0.78142

No copy can be fetched where the tests run, so these files carry made-up scores (five
decimals, as FIRST writes them) for the CVEs of the fixtures and corpus reports the tests
gate, and filler rows so the file is not trivially small. Deterministic: same bytes every run.

Usage: python scripts/make_epss_fixture.py DIR
"""

from __future__ import annotations

import gzip
import random
import sys
from pathlib import Path

MODEL = "#model_version:v2025.03.14,score_date:2025-08-25T12:55:00Z"
SCORES = {
    # corpus/trivy/defectdojo-scheme_2_many_vulns.json
    "CVE-2020-15999": (0.94170, 0.99910),  # MEDIUM, in KEV
    "CVE-2018-11771": (0.61310, 0.98200),  # MEDIUM: fails at fail_on_epss 0.5
    "CVE-2018-1324": (0.00290, 0.51900),  # MEDIUM
    "CVE-2019-12900": (0.00410, 0.60500),  # CRITICAL: accepted below 0.01
    # CVE-2020-28196 (HIGH) is deliberately absent: unscored
    # fixtures/reports/pip-audit.json (PYSEC ids; the CVE is an alias)
    "CVE-2018-18074": (0.00620, 0.69800),
    "CVE-2019-11324": (0.00080, 0.33200),
    "CVE-2023-32681": (0.06350, 0.93100),
    # fixtures/risk/pip-audit-kev.json
    "CVE-2020-11651": (0.94370, 0.99950),
    "CVE-2020-11978": (0.94250, 0.99930),
    "CVE-2022-33891": (0.94240, 0.99920),
}


def rows() -> list[tuple[str, float, float]]:
    rng = random.Random(20250825)
    out = [(cve, s, p) for cve, (s, p) in SCORES.items()]
    for n in range(2000):
        cve = f"CVE-2024-{10000 + n}"
        s = round(rng.random() ** 6, 5)
        out.append((cve, s, round(min(1.0, s ** 0.2), 5)))
    out.sort(key=lambda r: (int(r[0].split("-")[1]), int(r[0].split("-")[2])))
    return out


def text() -> str:
    lines = [MODEL, "cve,epss,percentile", *(f"{c},{s:.5f},{p:.5f}" for c, s, p in rows())]
    return "\n".join(lines) + "\n"


def main(dest: str) -> None:
    d = Path(dest)
    body = text().encode()
    (d / "epss_scores-2025-08-25.csv").write_bytes(body)
    # mtime=0: the same bytes on every run
    (d / "epss_scores-2025-08-25.csv.gz").write_bytes(gzip.compress(body, mtime=0))


if __name__ == "__main__":
    main(sys.argv[1])
