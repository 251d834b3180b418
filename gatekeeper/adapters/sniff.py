"""What recognises each report format from its content, without importing its adapter.

``detect`` (``adapters/__init__.py``) asks every format of ``adapters/registry.py``, with
its test here, whether a document is one of its own, and refuses it unless exactly one says
yes; only then is the one adapter imported.

NOTE: the adapters' modules took 3 ms of a small gate's start-up when detection imported
all seven to call their ``sniff`` (bench/README.md). ``Adapter.sniff`` looks its format's
function up in the registry, and the adapters use the item tests below when they parse.
"""

from __future__ import annotations

from typing import Any


def trivy(doc: Any) -> bool:
    if isinstance(doc, dict):
        if "SchemaVersion" in doc:
            return "ArtifactName" in doc or "Results" in doc or "ClusterName" in doc
        if "ClusterName" in doc:
            return any(k in doc for k in ("Resources", "Vulnerabilities", "Misconfigurations"))
        results = doc.get("Results")
        return isinstance(results, list) and trivy_result(results[0] if results else None)
    if isinstance(doc, list) and doc:
        first = doc[0]
        return trivy_result(first) and ("Vulnerabilities" in first or "Type" in first)
    return False


def trivy_result(item: Any) -> bool:
    return isinstance(item, dict) and "Target" in item


def gitleaks(doc: Any) -> bool:
    first = first_object(doc)
    if first is None:
        return False
    return gitleaks_v8(first) or gitleaks_v7(first)


def first_object(doc: Any) -> dict[str, Any] | None:
    """The first item of a list, when it is an object."""
    if isinstance(doc, list) and doc and isinstance(doc[0], dict):
        return doc[0]
    return None


def gitleaks_v8(item: dict[str, Any]) -> bool:
    return "RuleID" in item and ("Secret" in item or "Match" in item)


def gitleaks_v7(item: dict[str, Any]) -> bool:
    return "offender" in item and "rule" in item


def checkov(doc: Any) -> bool:
    first = doc[0] if isinstance(doc, list) and doc else doc
    return checkov_framework(first) or (isinstance(doc, dict) and checkov_summary_only(doc))


def checkov_framework(doc: Any) -> bool:
    return (
        isinstance(doc, dict)
        and isinstance(doc.get("check_type"), str)
        and isinstance(doc.get("results"), dict)
        and isinstance(doc.get("summary"), dict)
    )


CHECKOV_SUMMARY_KEYS = frozenset(
    {"passed", "failed", "skipped", "parsing_errors", "parsingerrors",
     "resource_count", "resourcecount", "checkov_version"}
)


def checkov_summary_only(doc: Any) -> bool:
    return isinstance(doc, dict) and "checkov_version" in doc and set(doc) <= CHECKOV_SUMMARY_KEYS


def hadolint(doc: Any) -> bool:
    if not (isinstance(doc, list) and doc and isinstance(doc[0], dict)):
        return False
    return {"code", "level", "file", "line"} <= doc[0].keys()


def pip_audit(doc: Any) -> bool:
    if isinstance(doc, dict):
        # NOTE: the 2.x object has only these keys; requiring that keeps it apart from
        # other tools' objects that might one day carry a "dependencies" list.
        return isinstance(doc.get("dependencies"), list) and set(doc) <= {"dependencies", "fixes"}
    if isinstance(doc, list) and doc and isinstance(doc[0], dict):
        first = doc[0]
        return "name" in first and ("vulns" in first or "skip_reason" in first)
    return False


def sonarqube(doc: Any) -> bool:
    if isinstance(doc, list):
        return bool(doc) and isinstance(doc[0], dict) and sonar_item_shape(doc[0]) is not None
    if not isinstance(doc, dict):
        return False
    if isinstance(doc.get("projectStatus"), dict):
        return "status" in doc["projectStatus"]
    if isinstance(doc.get("hotspots"), list) and sonar_paging(doc):
        first = doc["hotspots"][0] if doc["hotspots"] else None
        return first is None or sonar_item_shape(first) == "hotspot"
    issues = doc.get("issues")
    if not isinstance(issues, list):
        return False
    first = issues[0] if issues else None
    if sonar_paging(doc):
        return first is None or sonar_item_shape(first) == "issue"
    return first is not None and sonar_generic_issue(first)


def sonar_paging(doc: dict[str, Any]) -> bool:
    # NOTE: SonarQube < 6.x printed only the top-level total/p/ps; later both.
    return isinstance(doc.get("paging"), dict) or ("total" in doc and "p" in doc)


def sonar_item_shape(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    if {"key", "rule", "component"} <= item.keys():
        return "issue"
    if {"key", "component", "vulnerabilityProbability", "securityCategory"} <= item.keys():
        return "hotspot"
    return None


def sonar_generic_issue(item: Any) -> bool:
    return isinstance(item, dict) and "ruleId" in item and isinstance(item.get("primaryLocation"), dict)


def sarif(doc: Any) -> bool:
    if not isinstance(doc, dict) or not isinstance(doc.get("runs"), list):
        return False
    return doc.get("version") == "2.1.0" or "sarif" in str(doc.get("$schema", "")).lower()


def grype(doc: Any) -> bool:
    if not isinstance(doc, dict) or not isinstance(doc.get("matches"), list):
        return False
    descriptor = doc.get("descriptor")
    if isinstance(descriptor, dict) and descriptor.get("name") == "grype":
        return True
    # NOTE: a report without its descriptor (trimmed by hand) is still one by its first match.
    matches = doc["matches"]
    return bool(matches) and grype_match(matches[0])


def grype_match(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("vulnerability"), dict) and isinstance(item.get("artifact"), dict)


def osv_scanner(doc: Any) -> bool:
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        return False
    results = doc["results"]
    if results:
        return osv_scanner_result(results[0])
    # NOTE: semgrep also prints {"results": [], "errors": [...]}; only OSV-Scanner has this key.
    return isinstance(doc.get("experimental_config"), dict)


def osv_scanner_result(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("source"), dict) and isinstance(item.get("packages"), list)


# NOTE: CliOutput's keys in semgrep-interfaces (semgrep_output_v1.atd), 0.9x to 1.18x.
SEMGREP_KEYS = frozenset(
    {"results", "errors", "paths", "version", "time", "explanations", "rules_by_engine",
     "engine_requested", "interfile_languages_used", "skipped_rules", "subprojects",
     "mcp_scan_results", "profiling_results"}
)  # fmt: skip


def semgrep(doc: Any) -> bool:
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list) or not isinstance(doc.get("errors"), list):
        return False
    results = doc["results"]
    if results:
        return semgrep_result(results[0])
    # NOTE: bandit prints {"errors": [], "results": [], "generated_at", "metrics"} when clean.
    paths = doc.get("paths")
    return set(doc) <= SEMGREP_KEYS or (isinstance(paths, dict) and "scanned" in paths)


def semgrep_result(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("check_id"), str) and isinstance(item.get("extra"), dict)


def npm_audit(doc: Any) -> bool:
    if not isinstance(doc, dict):
        return False
    if "auditReportVersion" in doc:
        return isinstance(doc.get("vulnerabilities"), dict)
    if isinstance(doc.get("advisories"), dict):
        return isinstance(doc.get("metadata"), dict) or isinstance(doc.get("actions"), list)
    return npm_error(doc)


def npm_error(doc: dict[str, Any]) -> bool:
    """npm's JSON error object: ``{"error": {"code": "ENOAUDIT", "summary": ..., "detail": ...}}``.

    NOTE: when the registry answers the audit request with an HTTP error, npm 11 prints the
    response (``message``, ``statusCode`` ...) with ``"error": {"summary": "", "detail": ""}``, no code.
    """
    error = doc.get("error")
    return isinstance(error, dict) and "summary" in error and ("code" in error or "detail" in error)


def cyclonedx(doc: Any) -> bool:
    return isinstance(doc, dict) and doc.get("bomFormat") == "CycloneDX"


def spdx(doc: Any) -> bool:
    """SPDX 2.x JSON, and SPDX 3 JSON-LD, which the adapter recognises in order to refuse it by name."""
    if not isinstance(doc, dict):
        return False
    version = doc.get("spdxVersion")
    if isinstance(version, str):
        return version.startswith("SPDX-")
    return "spdx.org" in str(doc.get("@context", ""))


def trufflehog(doc: Any) -> bool:
    """TruffleHog v3 JSON Lines (decoded to a list of objects; one object when it found one
    secret), and TruffleHog v2's and trufflehog3's shapes, which the adapter refuses by name."""
    first = doc if isinstance(doc, dict) else first_object(doc)
    if first is None:
        return False
    return trufflehog_v3(first) or trufflehog_v2(first) or trufflehog3(first)


def trufflehog_v3(item: dict[str, Any]) -> bool:
    return ("DetectorName" in item or "DetectorType" in item) and isinstance(item.get("SourceMetadata"), dict)


def trufflehog_v2(item: dict[str, Any]) -> bool:
    return "stringsFound" in item and "reason" in item


def trufflehog3(item: dict[str, Any]) -> bool:
    """trufflehog3 (feeltheajf/trufflehog3, another tool): ``{"rule": {"id", "message", "severity"}, "path", "secret", ...}``."""
    rule = item.get("rule")
    return isinstance(rule, dict) and "id" in rule and "secret" in item and "path" in item
