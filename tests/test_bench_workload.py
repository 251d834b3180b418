"""The benchmark's real-shaped workload (bench/realistic.py) is what it says: real corpus entries
(Trivy's, and the other tools' of the six-tool mix) that gatekeeper reads, with the failure
share asked for and no two findings alike."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from gatekeeper.gate import GateRequest, run_gate
from gatekeeper.verdict import Outcome
from tests.conftest import ROOT, require_shared

sys.path.insert(0, str(ROOT / "bench"))
import realistic  # noqa: E402


@pytest.mark.parametrize("failing", [0.4, 1.0])
def test_real_entries_with_the_failure_share_asked_for(tmp_path: Path, failing: float) -> None:
    require_shared()
    path = realistic.generate(2000, failing, tmp_path / realistic.file_name(2000, failing))
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert all(len(r.get(k) or []) <= realistic.PER_RESULT for r in doc["Results"] for k in realistic.KINDS)
    verdict = run_gate(GateRequest(reports=(str(path),)))
    assert len(verdict.results) == 2000  # identifiers varied: no finding joins another
    share = verdict.count(Outcome.FAIL) / 2000
    assert abs(share - failing) < 0.05
    # Verbatim entries: a vulnerability keeps its real references and CVSS.
    vulns = [v for r in doc["Results"] for v in r.get("Vulnerabilities") or []]
    assert any(len(v.get("References") or []) >= 10 for v in vulns)
    assert any(len(v.get("CVSS") or {}) >= 2 for v in vulns)


@pytest.mark.parametrize(
    "tool", ["gitleaks", "checkov", "hadolint", "pip-audit", "sonarqube", "grype", "osv-scanner", "semgrep", "npm-audit", "trufflehog"]
)
def test_the_other_tools_real_entries_make_distinct_findings_with_the_share_the_corpus_allows(tmp_path: Path, tool: str) -> None:
    require_shared()
    assert tool in (*realistic.OTHER_TOOLS, *realistic.NEW_TOOLS)
    pools = realistic.tool_pools(tool, realistic.corpus_dir().parent)
    path = realistic.generate(600, 0.4, tmp_path / realistic.file_name(600, 0.4, tool), tool)
    verdict = run_gate(GateRequest(reports=(str(path),)))
    assert [r.tool for r in verdict.reports] == [tool]
    assert len(verdict.results) == 600  # what identifies a problem varied: no finding joins another
    share = verdict.count(Outcome.FAIL) / 600
    if pools.get(True) and pools.get(False):
        assert abs(share - 0.4) < 0.07
    else:  # the corpus has entries of one kind only (gitleaks: every leak fails; hadolint: none does)
        assert share == (1.0 if pools.get(True) else 0.0)


def test_each_variant_input_is_one_the_gate_reads(tmp_path: Path) -> None:
    # bench/variants.py makes the inputs of the further-input variants (KEV, EPSS, a diff,
    # VEX): each offered by this check must be read (exit 0 or 1, never 2 "cannot decide").
    import subprocess

    import variants  # noqa: E402

    require_shared()
    report = realistic.generate(300, 0.4, tmp_path / realistic.file_name(300, 0.4))
    check = [sys.executable, "-m", "gatekeeper", "check", "--no-color", "--no-annotations", str(report)]
    help_text = subprocess.run([*check[:4], "--help"], capture_output=True, text=True, cwd=ROOT).stdout
    offered = variants.offered(help_text)
    assert "--kev" in {v.option for v in offered}  # landed (issue 16)
    for v in offered:
        done = subprocess.run([*check, *v.make(report, tmp_path)], capture_output=True, text=True, cwd=ROOT)
        assert done.returncode in (0, 1), f"{v.option}: exit {done.returncode}\n{done.stderr[-2000:]}"
