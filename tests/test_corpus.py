"""The whole external corpus through content detection, as `gatekeeper check DIR` sees it.

Each adapter's own tests check exact finding counts per corpus file; this suite checks
the other half of "fail closed": every file in ``../shared/corpus`` is either read by the
adapter of its folder's tool or refused with a message that names the file and the
reason. No file is silently read by the wrong adapter, and nothing crashes. A folder of a
tool gatekeeper does not read (grype, semgrep, CycloneDX ...) is refused file by file; the
``PROVENANCE*.md`` files say where the reports come from and are not reports.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gatekeeper.adapters import AdapterError
from gatekeeper.adapters.registry import FORMAT_NAMES
from gatekeeper.sources import SourceError, load_report
from tests.conftest import CORPUS, require_shared

# Folder -> the format its reports are in (SARIF files go to the SARIF adapter wherever they
# are): each format gatekeeper reads has the folder of its name. Any other folder holds a
# tool gatekeeper does not read, whose files must all be refused.
FOLDER_FORMAT = {name: name for name in FORMAT_NAMES}

# Files that must be refused, and why. Everything else must be read.
REFUSED = {
    # (Empty documents whose file name does not tell their tool are read here: their folder
    # names it, gitleaks/, pip-audit/, trivy/. Elsewhere they need --format: below.)
    # Fabricated by DefectDojo: a vulnerability without an id, which Trivy never prints.
    "trivy/defectdojo-legacy_trivy_mix.json": r"\[0\]\.Vulnerabilities\[0\]\.VulnerabilityID: missing",
    # snake_case keys: a reader would silently lose rules and locations.
    "sarif/codemodder-semgrep-snake_case-nonconformant.sarif": r"snake_case key is not SARIF 2.1.0",
    # The run says the tool failed: its results may be partial.
    "sarif/defectdojo-spotbugs.sarif": r"executionSuccessful: the scanner \(spotbugs\) reported that it failed",
    # Not reports: rule and project objects, a third-party exporter, archives.
    "sonarqube/defectdojo-api_sonarqube-hotspots-rule.json": r"not a report format",
    "sonarqube/defectdojo-api_sonarqube-hotspots-rule_wo_risk_description.json": r"not a report format",
    "sonarqube/defectdojo-api_sonarqube-product.json": r"not a report format",
    "sonarqube/defectdojo-api_sonarqube-rule.json": r"not a report format",
    "sonarqube/defectdojo-api_sonarqube-rule_md_desc_only.json": r"not a report format",
    "sonarqube/defectdojo-api_sonarqube-rule_multi_cwe_fabricated.json": r"not a report format",
    "sonarqube/defectdojo-api_sonarqube-rule_wo_html_desc.json": r"not a report format",
    "sonarqube/defectdojo-issue_10150.json": r"not a report format",
    "sonarqube/defectdojo-sonar-6-findings.json": r"not a report format",
    "sonarqube/defectdojo-sonar-no-finding.json": r"not a report format",
    "sonarqube/defectdojo-sonar-single-finding.json": r"not a report format",
    "sonarqube/defectdojo-sonar.json": r"not a report format",
    "sonarqube/defectdojo-empty_zip.zip": r"a ZIP archive, not a JSON report",
    "sonarqube/defectdojo-findings_over_api.zip": r"a ZIP archive, not a JSON report",
    # SonarQube's own scanner refuses it: an issue without severity.
    "sonarqube/sonarqube-generic-issue-import-missing_severity.json": r"issues\[1\]\.severity: missing",
    # TruffleHog v2 and trufflehog3 (another tool): gatekeeper reads TruffleHog v3 only.
    "trufflehog/defectdojo-trufflehog-v2_many_vulns.json": r"\$\[0\]: TruffleHog v2 output \(reason, stringsFound\)",
    "trufflehog/defectdojo-trufflehog3-many_vulns_current.json": r"\$\[0\]: trufflehog3 output \(rule, secret\), another tool",
    # grype's and OSV-Scanner's log lines redirected into the report: not JSON as a whole.
    # NOTE: the decoder's message; it does not yet say "grype output mixed with log lines".
    "grype/msn_weather_grype_stderr_mixed.json": r"invalid JSON at line 1 column 3: Expecting ',' delimiter",
    "osv-scanner/qa_tools_osv_stderr_prefixed_empty.json": r"invalid JSON at line 1 column 1: Expecting value",
    # OSV-Scanner printed nothing (no findings, in some modes): no report to read.
    "osv-scanner/dd_no_findings_zero_bytes.json": r"the report is empty \(0 bytes of JSON\)",
    # npm's error object: the audit did not run (the registry had no audit endpoint).
    "npm-audit/npm6_dd_error_ENOAUDIT.json": r"error: npm audit failed \(ENOAUDIT\): Your configured registry",
    # SPDX 3.0 JSON-LD, and SPDX JSON with the field names of before the 2.2 schema: not SPDX 2.2/2.3.
    "spdx/dd_NEGATIVE_spdx_3_0_jsonld.json": r"an SPDX 3 JSON-LD document",
    "spdx/guac_EDGE_legacy_field_names.json": r"legacy SPDX field names \(packageName",
}
# VEX documents are not reports: refused with the way to use them (tests/vex reads them).
VEX_FOLDERS = {"openvex": "OpenVEX", "csaf": "CSAF"}
VEX_NOT_DOCUMENTS = {"openvex/dd_openvex_NEGATIVE_json_array.json", "csaf/dd_csaf_NEGATIVE_version_1_2_FABRICATED.json"}

EMPTY_WITH_FORMAT = {
    "gitleaks/defectdojo-no_findings.json": "gitleaks",
    "pip-audit/defectdojo-empty.json": "pip-audit",
    "trivy/defectdojo-legacy_no_vuln.json": "trivy",
}


def all_corpus_files() -> list[object]:
    if not CORPUS.is_dir():
        return [pytest.param(None, id="corpus-missing")]
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and not is_provenance(p))
    return [pytest.param(p, id=p.relative_to(CORPUS).as_posix()) for p in files]


def is_provenance(path: Path) -> bool:
    """``PROVENANCE.md``, ``PROVENANCE-2.md`` ...: where each collection's files come from."""
    return path.name.startswith("PROVENANCE") and path.suffix == ".md"


def expected_format(path: Path) -> str | None:
    """The format a corpus file is in; ``None`` for a tool gatekeeper does not read."""
    if path.suffix == ".sarif":
        return "sarif"
    return FOLDER_FORMAT.get(path.parent.name)


@pytest.mark.parametrize("path", all_corpus_files())
def test_every_corpus_file_is_read_by_its_tool_or_refused_clearly(path: Path | None) -> None:
    if path is None:
        require_shared()
        return
    key = path.relative_to(CORPUS).as_posix()
    if key in REFUSED:
        with pytest.raises((AdapterError, SourceError), match=REFUSED[key]) as info:
            load_report(str(path))
        assert str(info.value).startswith(str(path) + ": ")
        return
    fmt = expected_format(path)
    kind = VEX_FOLDERS.get(path.parent.name)
    if kind is not None and key not in VEX_NOT_DOCUMENTS:
        with pytest.raises(AdapterError, match=rf"this is a VEX document \({kind}\), not a scanner report: pass it with --vex FILE"):
            load_report(str(path))
    if fmt is None:
        # Fail closed: a report of a tool gatekeeper does not read is never read as another's.
        with pytest.raises((AdapterError, SourceError)) as info:
            load_report(str(path))
        assert str(info.value).startswith(str(path) + ": ")
        return
    report = load_report(str(path))
    assert report.format == fmt
    assert report.source == str(path)


@pytest.mark.parametrize("key", sorted(EMPTY_WITH_FORMAT))
def test_ambiguous_empty_reports_are_read_with_format(key: str, tmp_path: Path) -> None:
    require_shared()
    report = load_report(str(CORPUS / key), fmt=EMPTY_WITH_FORMAT[key])
    assert report.findings == ()
    # Their folder names their tool; away from it, with a file name that does not, only
    # --format tells it: the empty document is refused.
    elsewhere = tmp_path / "report.json"
    elsewhere.write_bytes((CORPUS / key).read_bytes())
    with pytest.raises(AdapterError, match=r"empty (null|\[\]).*--format"):
        load_report(str(elsewhere))


def test_refusal_table_names_only_existing_files() -> None:
    require_shared()
    missing = [k for k in REFUSED if not (CORPUS / k).is_file()]
    assert not missing
