"""pip-audit adapter: both shapes, gaps for skipped dependencies, strictness, corpus."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gatekeeper.adapters import ReportFormatError, detect
from gatekeeper.adapters.pip_audit import PipAuditAdapter
from gatekeeper.model import FixState, Gap, Kind, Severity
from tests.conftest import REPORTS, corpus_params, require_shared

SRC = "pa.json"


def vuln(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "PYSEC-2019-179",
        "fix_versions": ["1.0"],
        "aliases": ["CVE-2019-1010083", "GHSA-5wv5-4vpf-pj6m"],
        "description": "Flask before 1.0 is affected by unexpected memory usage.",
    }
    base.update(changes)
    return base


def dep(*vulns: dict[str, Any], name: str = "flask", version: str = "0.5") -> dict[str, Any]:
    return {"name": name, "version": version, "vulns": list(vulns)}


def skipped(name: str = "acme", reason: str = "Dependency not found on PyPI") -> dict[str, Any]:
    return {"name": name, "skip_reason": reason}


def new(*deps: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"dependencies": list(deps), **extra}


def parse(doc: Any, source: str = SRC):
    return PipAuditAdapter().parse(doc, source)


# --- (a) variants and edge cases ---------------------------------------------------------


def test_vulnerability_maps_to_a_high_finding():
    report = parse(new(dep(vuln())))
    assert report.tool == "pip-audit" and report.format == "pip-audit"
    assert report.tool_version is None and report.categories == frozenset({"dependencies"})
    assert report.warnings == () and report.gaps == ()
    (f,) = report.findings
    assert f.tool == "pip-audit" and f.kind is Kind.VULNERABILITY
    assert f.severity is Severity.HIGH and f.tool_severity is None
    assert f.rule_id == "PYSEC-2019-179"
    assert f.title == "PYSEC-2019-179 in flask 0.5"
    assert f.message == "Flask before 1.0 is affected by unexpected memory usage."
    assert f.identifiers == ("PYSEC-2019-179", "CVE-2019-1010083", "GHSA-5wv5-4vpf-pj6m")
    assert f.links == ("https://osv.dev/vulnerability/PYSEC-2019-179",)
    assert f.fix is FixState.AVAILABLE
    assert f.package is not None
    assert (f.package.name, f.package.version, f.package.fixed_versions) == ("flask", "0.5", ("1.0",))
    assert f.package.ecosystem == "pypi" and f.package.purl == "pkg:pypi/flask@0.5"
    assert f.raw == vuln()


def test_old_list_shape_gives_the_same_findings_as_the_new_object():
    deps = [dep(vuln(), vuln(id="PYSEC-2018-66", aliases=[])), dep(name="jinja2", version="3.0.2"), skipped()]
    old, current = parse(deps), parse(new(*deps, fixes=[]))
    assert old.findings == current.findings and old.gaps == current.gaps


def test_one_finding_per_dependency_and_vulnerability():
    report = parse(new(dep(vuln(), vuln(id="GHSA-xxxx-yyyy-zzzz")), dep(vuln(), name="flask2")))
    assert [(f.package.name, f.rule_id) for f in report.findings] == [
        ("flask", "PYSEC-2019-179"),
        ("flask", "GHSA-xxxx-yyyy-zzzz"),
        ("flask2", "PYSEC-2019-179"),
    ]


def test_no_fix_versions_means_no_fix():
    (f,) = parse(new(dep(vuln(fix_versions=[])))).findings
    assert f.fix is FixState.NONE and f.package.fixed_versions == ()


def test_aliases_and_description_are_optional():
    minimal = {"id": "GHSA-5wv5-4vpf-pj6m", "fix_versions": []}
    (f,) = parse([dep(minimal)]).findings
    assert f.identifiers == ("GHSA-5wv5-4vpf-pj6m",) and f.message == ""
    (g,) = parse([dep(vuln(aliases=None, description=None))]).findings
    assert g.identifiers == ("PYSEC-2019-179",)


def test_alias_repeating_the_id_is_deduplicated():
    (f,) = parse([dep(vuln(aliases=["PYSEC-2019-179", "CVE-1"]))]).findings
    assert f.identifiers == ("PYSEC-2019-179", "CVE-1")


def test_purl_uses_the_normalised_name():
    (f,) = parse([dep(vuln(), name="Zope_Interface.Extra", version="1.0")]).findings
    assert f.package.name == "Zope_Interface.Extra"
    assert f.package.purl == "pkg:pypi/zope-interface-extra@1.0"


def test_skipped_dependency_becomes_a_gap():
    report = parse(new(dep(), skipped("azure-devops", "Dependency not found on PyPI and could not be audited")))
    assert report.findings == ()
    assert report.gaps == (Gap(subject="azure-devops", reason="Dependency not found on PyPI and could not be audited"),)


def test_fixes_are_validated_and_accepted():
    fixes = [
        {"name": "flask", "old_version": "0.5", "new_version": "1.0"},
        {"name": "lxml", "version": "4.6.4", "skip_reason": "no fix available"},
    ]
    assert len(parse(new(dep(vuln()), fixes=fixes)).findings) == 1


@pytest.mark.parametrize("doc", [[], new(), new(fixes=[])], ids=["old-empty", "new-empty", "new-empty-fixes"])
def test_nothing_audited_is_accepted_with_a_warning(doc):
    report = parse(doc)
    assert report.findings == () and report.warnings == ("pip-audit audited no dependencies",)


@pytest.mark.parametrize("shape", [list, new], ids=["old", "new"])
def test_all_dependencies_skipped_is_an_error_not_a_clean_report(shape):
    deps = [skipped("a", "reason one"), skipped("b", "reason two"), skipped("c", "reason three")]
    doc = deps if shape is list else new(*deps)
    expected = (
        r"^pa\.json: pip-audit could not audit any of its 3 dependencies "
        r"\(reason one; reason two; and 1 more\); this is not a clean report$"
    )
    with pytest.raises(ReportFormatError, match=expected):
        parse(doc)


def test_fingerprint_identifies_vulnerability_package_and_version():
    a = parse(new(dep(vuln()))).findings[0]
    b = parse([dep(vuln(description="reworded", fix_versions=["1.0", "0.12.3"])), dep()], "other.json").findings[0]
    assert a.fingerprint == b.fingerprint and len(a.fingerprint) == 32
    # PEP 503: "Flask" and "flask" are one package.
    assert parse([dep(vuln(), name="Flask")]).findings[0].fingerprint == a.fingerprint
    for other in (dep(vuln(id="PYSEC-2018-66")), dep(vuln(), version="0.6"), dep(vuln(), name="quart")):
        assert parse([other]).findings[0].fingerprint != a.fingerprint


# --- sniff -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "doc",
    [new(), new(fixes=[]), new(dep()), [dep()], [skipped()]],
    ids=["new-empty", "new-fixes", "new", "old", "old-skipped-first"],
)
def test_sniff_accepts(doc):
    assert PipAuditAdapter.sniff(doc)


@pytest.mark.parametrize(
    "doc",
    [
        None,
        [],
        {"runs": []},
        {"dependencies": {}},
        {"dependencies": [], "results": []},
        [{"name": "flask", "version": "0.5"}],
        [{"RuleID": "r", "Secret": "s"}],
        [{"file": "Dockerfile", "line": 1, "column": 1, "level": "info", "code": "DL3008", "message": "m"}],
        {"SchemaVersion": 2, "Results": []},
        [{"Target": "img", "Vulnerabilities": []}],
    ],
    ids=["null", "empty", "sarif", "deps-not-list", "foreign-key", "no-vulns", "gitleaks", "hadolint",
         "trivy", "trivy-legacy"],
)  # fmt: skip
def test_sniff_rejects(doc):
    assert not PipAuditAdapter.sniff(doc)


# --- (b) bad documents -----------------------------------------------------------------------

BAD = [
    (None, r"^pa\.json: \$: expected a pip-audit report"),
    ("x", r"^pa\.json: \$: expected a pip-audit report"),
    ({"results": []}, r"^pa\.json: dependencies: missing$"),
    ({"dependencies": None}, r"^pa\.json: dependencies: expected a list, got null$"),
    ({"dependencies": {}}, r"^pa\.json: dependencies: expected a list, got an object$"),
    (new(1), r"^pa\.json: dependencies\[0\]: expected an object, got a number$"),
    ([1], r"^pa\.json: \$\[0\]: expected an object, got a number$"),
    ([{"version": "1", "vulns": []}], r"^pa\.json: \$\[0\]\.name: missing$"),
    (new({"name": "flask", "vulns": []}), r"^pa\.json: dependencies\[0\]\.version: missing$"),
    (new({"name": "flask", "version": "0.5"}), r"^pa\.json: dependencies\[0\]\.vulns: missing$"),
    (new(dep(), {"name": 3, "version": "1", "vulns": []}), r"dependencies\[1\]\.name: expected a string"),
    (new(dep(name="x", version=1.0)), r"dependencies\[0\]\.version: expected a string, got a number"),
    (new({"name": "x", "skip_reason": None}), r"dependencies\[0\]\.skip_reason: expected a string, got null"),
    (new({"name": "x", "version": "1", "vulns": {}}), r"dependencies\[0\]\.vulns: expected a list, got an object"),
    (new(dep("PYSEC-1")), r"dependencies\[0\]\.vulns\[0\]: expected an object, got a string"),
    (new(dep({"fix_versions": []})), r"dependencies\[0\]\.vulns\[0\]\.id: missing$"),
    (new(dep({"id": "PYSEC-1"})), r"dependencies\[0\]\.vulns\[0\]\.fix_versions: missing$"),
    (new(dep(vuln(fix_versions=None))), r"vulns\[0\]\.fix_versions: expected a list, got null"),
    (new(dep(vuln(fix_versions=[1.0]))), r"vulns\[0\]\.fix_versions\[0\]: expected a string, got a number"),
    (new(dep(vuln(aliases="CVE-1"))), r"vulns\[0\]\.aliases: expected a list, got a string"),
    (new(dep(vuln(aliases=[None]))), r"vulns\[0\]\.aliases\[0\]: expected a string, got null"),
    (new(dep(vuln(description=["x"]))), r"vulns\[0\]\.description: expected a string, got a list"),
    (new(dep(), fixes={}), r"^pa\.json: fixes: expected a list, got an object$"),
    (new(dep(), fixes=[{"name": "flask"}]), r"^pa\.json: fixes\[0\]\.old_version: missing$"),
    (new(dep(), fixes=[{"name": "f", "skip_reason": 1}]), r"fixes\[0\]\.skip_reason: expected a string"),
    ([{"RuleID": "r", "Secret": "s", "File": "f"}], r"\$\[0\]\.name: missing"),
    ([{"file": "Dockerfile", "line": 1, "level": "info", "code": "DL3008"}], r"\$\[0\]\.name: missing"),
    ({"version": "2.1.0", "runs": []}, r"^pa\.json: dependencies: missing$"),
    ({"SchemaVersion": 2, "Results": []}, r"^pa\.json: dependencies: missing$"),
]


@pytest.mark.parametrize(("doc", "message"), BAD)
def test_bad_documents_are_rejected(doc, message):
    with pytest.raises(ReportFormatError, match=message):
        parse(doc)


# --- (c) corpus conformance ------------------------------------------------------------------

# Per file: (findings, gaps, findings with a fix, warned as empty), derived from the file:
#   findings = jq '[(if type=="object" then .dependencies else . end)[] | .vulns // [] | length] | add // 0'
#   gaps     = jq '[(if type=="object" then .dependencies else . end)[] | select(has("skip_reason"))] | length'
#   fixed    = same walk, counting vulns whose fix_versions is non-empty
#   warned   = the dependency list is empty (jq '... | length == 0')
CORPUS_EXPECTED: dict[str, tuple[int, int, int, bool]] = {
    "defectdojo-empty.json": (0, 0, 0, True),
    "defectdojo-empty_new.json": (0, 0, 0, True),
    "defectdojo-many_vulns.json": (7, 1, 6, False),
    "defectdojo-many_vulns_new.json": (7, 1, 6, False),
    "defectdojo-zero_vulns.json": (0, 1, 0, False),
    "defectdojo-zero_vulns_new.json": (0, 1, 0, False),
    "pip-audit-readme-example-list-with-aliases.json": (2, 0, 2, False),
}


@pytest.mark.parametrize("path", corpus_params("pip-audit"))
def test_corpus(path: Path | None):
    if path is None:
        require_shared()
    assert path is not None
    assert path.name in CORPUS_EXPECTED, f"new corpus file {path.name}: add its expected counts"
    count, gaps, fixed, warned = CORPUS_EXPECTED[path.name]
    doc = json.loads(path.read_text(encoding="utf-8"))
    report = parse(doc, str(path))
    assert len(report.findings) == count
    assert all(f.severity is Severity.HIGH and f.kind is Kind.VULNERABILITY for f in report.findings)
    assert len(report.gaps) == gaps
    assert sum(f.fix is FixState.AVAILABLE for f in report.findings) == fixed
    assert report.warnings == (("pip-audit audited no dependencies",) if warned else ())
    if doc:
        assert detect(doc, str(path)) == "pip-audit"


def test_corpus_skip_reason_is_kept_word_for_word():
    require_shared()
    from tests.conftest import CORPUS

    doc = json.loads((CORPUS / "pip-audit" / "defectdojo-zero_vulns_new.json").read_text())
    assert parse(doc).gaps == (
        Gap("azure-devops", "Dependency not found on PyPI and could not be audited: azure-devops (0.17.0)"),
    )


def test_corpus_aliases_become_identifiers():
    require_shared()
    from tests.conftest import CORPUS

    doc = json.loads((CORPUS / "pip-audit" / "pip-audit-readme-example-list-with-aliases.json").read_text())
    assert [f.identifiers for f in parse(doc).findings] == [
        ("PYSEC-2019-179", "CVE-2019-1010083", "GHSA-5wv5-4vpf-pj6m"),
        ("PYSEC-2018-66", "CVE-2018-1000656", "GHSA-562c-5r94-xh97"),
    ]


# --- (d) real-scanner fixtures -----------------------------------------------------------------


def _fixture_params() -> list[object]:
    files = sorted(REPORTS.glob("*pip-audit*.json")) if REPORTS.is_dir() else []
    return [pytest.param(p, id=p.name) for p in files] or [pytest.param(None, id="no-fixtures-yet")]


@pytest.mark.parametrize("path", _fixture_params())
def test_fixture_reports(path: Path | None):
    assert path is not None, f"no pip-audit reports in {REPORTS} yet"
    doc = json.loads(path.read_text(encoding="utf-8"))
    report = parse(doc, str(path))
    # Counted from the file: one finding per vuln of every dependency, one gap per skip_reason.
    deps = doc["dependencies"] if isinstance(doc, dict) else doc
    assert len(report.findings) == sum(len(d.get("vulns", [])) for d in deps)
    assert [(g.subject, g.reason) for g in report.gaps] == [
        (d["name"], d["skip_reason"]) for d in deps if "skip_reason" in d
    ]
    assert detect(doc, str(path)) == "pip-audit"
