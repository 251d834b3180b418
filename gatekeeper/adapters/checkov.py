"""Checkov ``-o json`` reports (IaC, Dockerfile, secrets and SCA frameworks).

One framework prints one object; several frameworks print a list of them::

    {"check_type": "terraform",
     "results": {"passed_checks": [], "skipped_checks": [], "parsing_errors": [],
                 "failed_checks": [{"check_id": "CKV_AWS_20", "check_name": "S3 ...",
                                    "check_result": {"result": "FAILED"},
                                    "file_path": "/main.tf", "repo_file_path": "/main.tf",
                                    "file_line_range": [1, 9], "resource": "aws_s3_bucket.b",
                                    "guideline": "https://...", "severity": null}]},
     "summary": {"passed": 0, "failed": 1, "skipped": 0, "parsing_errors": 0,
                 "resource_count": 1, "checkov_version": "2.2.34"}}

When nothing matched, checkov prints only a summary
(``{"passed": 0, "failed": 0, ..., "checkov_version": "2.1.269"}``): read as no findings
and one coverage gap (nothing was scanned), never as a clean scan.

Mapping:
- failed checks are findings; skipped checks are findings too, with
  ``Suppression("skipped", suppress_comment)``; passed checks are not findings.
- severity: ``severity`` CRITICAL/HIGH/MEDIUM/LOW/INFO maps 1:1; null/absent (checkov
  only fills it with a platform API key) -> ``UNKNOWN`` (the policy treats it as high).
- kind: ``MISCONFIGURATION``; ``SECRET`` for the secrets framework (``CKV_SECRET_*``,
  its ``code_block`` is redacted in ``raw``); ``VULNERABILITY`` for SCA items that
  carry ``vulnerability_details``.
- ``parsing_errors`` (files checkov could not parse) become coverage gaps, as do those the
  summary counts (``summary.parsing_errors``) but no list names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gatekeeper.adapters import sniff
from gatekeeper.adapters.interface import Adapter, Reader, describe, redacted
from gatekeeper.model import (
    FixState,
    Finding,
    Gap,
    Kind,
    Location,
    Package,
    Report,
    Severity,
    Suppression,
    dedupe,
    fingerprint,
)

TOOL = "checkov"

_CATEGORIES = {
    "secrets": {"secrets"},
    "sca_package": {"dependencies"},
    "sca_image": {"dependencies", "image"},
    "dockerfile": {"iac", "dockerfile"},
}


class CheckovAdapter(Adapter):
    """Reads checkov JSON: one framework object, a list of them, or a bare summary."""

    name = "checkov"

    def parse(self, doc: Any, source: str, build: Callable[..., Finding] | None = None) -> Report:
        r = Reader(source, build)
        if isinstance(doc, dict):
            items, wheres = [doc], [""]
        elif isinstance(doc, list) and doc:
            items = r.each(doc, "$")
            wheres = [f"[{i}]" for i in range(len(items))]
        else:
            # NOTE: checkov never prints [] or null; with nothing to scan it prints a summary.
            shown = "an empty list" if doc == [] else None
            raise r.fail("", f"not a checkov report: expected an object or a list of objects, "
                             f"got {shown or describe(doc)}")
        findings: list[Finding] = []
        gaps: list[Gap] = []
        categories: set[str] = set()
        version: str | None = None
        for item, where in zip(items, wheres, strict=True):
            if sniff.checkov_summary_only(item) and "check_type" not in item:
                version = version or _summary_only(r, item, where)
                categories.add("iac")
                _unlisted_parsing_errors(r, item, where, "checkov", 0, gaps)
                if not item.get("passed"):
                    # Fail closed: a scan of nothing is not a clean scan (wrong directory,
                    # wrong --framework); the policy decides what a coverage gap does.
                    gaps.append(Gap(subject="checkov", reason="checkov found nothing to scan: "
                                    "its report is a bare summary with no checks run"))
                continue
            check_type = r.need(item, "check_type", str, where)
            summary = r.need(item, "summary", dict, where)
            item_version = r.opt(summary, "checkov_version", str, _join(where, "summary"))
            version = version or item_version
            categories |= _CATEGORIES.get(check_type, {"iac"})
            findings += _framework(r, item, where, check_type, item_version, gaps)
        return Report(
            source=source,
            tool=TOOL,
            format=self.name,
            findings=tuple(findings),
            tool_version=version,
            gaps=tuple(gaps),
            warnings=tuple(r.warnings),
            categories=frozenset(categories),
        )


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _summary_only(r: Reader, item: dict[str, Any], where: str) -> str | None:
    """A bare summary: legitimate only when it reports nothing failed or skipped."""
    for key in ("passed", "failed", "skipped"):
        r.opt(item, key, int, where)
    for key in ("failed", "skipped"):
        if item.get(key):
            # Fail closed: the counts say there are findings we cannot see.
            raise r.fail(_join(where, key), f"the summary reports {item[key]} {key} checks "
                         "but the report has no results to read them from")
    return r.opt(item, "checkov_version", str, where)  # type: ignore[no-any-return]


def _framework(
    r: Reader, item: dict[str, Any], where: str, check_type: str, version: str | None,
    gaps: list[Gap],
) -> list[Finding]:
    results_at = _join(where, "results")
    results = r.need(item, "results", dict, where)
    summary = r.need(item, "summary", dict, where)
    failed = r.each(r.need(results, "failed_checks", list, results_at), f"{results_at}.failed_checks")
    # NOTE: `--quiet` drops passed_checks (and skipped_checks) from the results object.
    skipped = r.each(r.opt(results, "skipped_checks", list, results_at, []),
                     f"{results_at}.skipped_checks")
    errors = r.each(r.opt(results, "parsing_errors", list, results_at, []),
                    f"{results_at}.parsing_errors", str)
    gaps += [Gap(subject=path, reason=f"checkov ({check_type}) could not parse the file")
             for path in errors]
    _unlisted_parsing_errors(r, summary, _join(where, "summary"), f"checkov ({check_type})", len(errors), gaps)
    _check_counts(r, summary, _join(where, "summary"), len(failed))
    out = [_finding(r, c, f"{results_at}.failed_checks[{i}]", check_type, version)
           for i, c in enumerate(failed)]
    out += [_finding(r, c, f"{results_at}.skipped_checks[{i}]", check_type, version, skipped=True)
            for i, c in enumerate(skipped)]
    return out


def _unlisted_parsing_errors(r: Reader, summary: dict[str, Any], where: str, subject: str, listed: int,
                             gaps: list[Gap]) -> None:
    """A coverage gap for the files the summary counts as not parsed but no list names.

    NOTE: a summary with ``parsing_errors: 5`` and nothing else was a plain pass: the
    files checkov could not parse were never checked, whatever the results say.
    """
    count = r.opt(summary, "parsing_errors", int, where, 0)
    if count > listed:
        gaps.append(Gap(subject=subject, reason=f"checkov could not parse {count} files (summary.parsing_errors)"
                        + (f", of which {count - listed} are not listed" if listed else "")))


def _check_counts(r: Reader, summary: dict[str, Any], where: str, listed: int) -> None:
    stated = r.need(summary, "failed", int, where)
    if stated == listed:
        return
    if listed == 0:
        raise r.fail(f"{where}.failed", f"the summary reports {stated} failed checks but "
                     "failed_checks is empty")
    # NOTE: DefectDojo's sample has summary.failed=2 with three failed checks; we report
    # every listed check and say so rather than trusting either number silently.
    r.warn(f"{where}.failed says {stated} but failed_checks lists {listed}; all listed "
           "checks are reported")


def _finding(
    r: Reader, c: dict[str, Any], where: str, check_type: str, version: str | None,
    skipped: bool = False,
) -> Finding:
    check_id = r.need(c, "check_id", str, where)
    name = r.need(c, "check_name", str, where)
    result = r.need(c, "check_result", dict, where)
    r.need(result, "result", str, f"{where}.check_result")
    path = r.opt(c, "repo_file_path", str, where) or r.need(c, "file_path", str, where)
    path = path.lstrip("/")  # NOTE: checkov prefixes repo-relative paths with "/".
    start, end = _lines(r, c, where)
    resource = r.opt(c, "resource", str, where)
    guideline = r.opt(c, "guideline", str, where)
    word = r.opt(c, "severity", str, where)
    secret = check_type == "secrets" or check_id.startswith("CKV_SECRET_")
    details = r.opt(c, "vulnerability_details", dict, where)
    package, fix, ids = _package(r, details, f"{where}.vulnerability_details")
    kind = Kind.SECRET if secret else Kind.VULNERABILITY if details else Kind.MISCONFIGURATION
    suppression = None
    if skipped:
        comment = r.opt(result, "suppress_comment", str, f"{where}.check_result")
        suppression = Suppression("skipped", justification=comment)
    return r.finding(
        tool=TOOL,
        kind=kind,
        rule_id=check_id,
        title=name.splitlines()[0] if name else check_id,
        message=r.opt(c, "description", str, where) or name,
        severity=_severity(r, word, f"{where}.severity"),
        tool_severity=word,
        tool_version=version,
        location=Location(path=path or None, start_line=start, end_line=end, resource=resource),
        package=package,
        fix=fix,
        identifiers=dedupe([*ids, r.opt(c, "bc_check_id", str, where)]),
        links=dedupe([guideline]),
        suppression=suppression,
        # NOTE: a secret's resource is checkov's hash of the secret value, which its SARIF
        # masks: a secret is identified by check, file and line, so a baseline made from
        # either format applies to the other (tests/adapters/test_json_sarif_pairs.py).
        fingerprint=fingerprint(TOOL, check_id, path, None, None, None, start) if secret else
        fingerprint(TOOL, check_id, path, resource, package and package.name, package and package.version),
        raw=_redacted(c) if secret else c,
    )


def _lines(r: Reader, c: dict[str, Any], where: str) -> tuple[int | None, int | None]:
    span = r.opt(c, "file_line_range", list, where)
    if span is None:
        return None, None
    r.each(span, f"{where}.file_line_range", int)
    if len(span) != 2:
        raise r.fail(f"{where}.file_line_range", f"expected [start, end], got {len(span)} items")
    # NOTE: whole-file checks (Dockerfile) report [0, 0]; lines are 1-based, so 0 is "none".
    return span[0] or None, span[1] or None


def _severity(r: Reader, word: str | None, where: str) -> Severity:
    if word is None:
        return Severity.UNKNOWN
    try:
        return Severity.parse(word)
    except ValueError:
        raise r.fail(where, f"unknown severity {word!r}") from None


def _package(
    r: Reader, details: dict[str, Any] | None, where: str
) -> tuple[Package | None, FixState, list[str]]:
    """SCA items: the vulnerable package and its fix, from ``vulnerability_details``."""
    if not details:
        return None, FixState.NOT_APPLICABLE, []
    name = r.need(details, "package_name", str, where)
    fixed = r.opt(details, "fixed_versions", list, where) or []
    lowest = r.opt(details, "lowest_fixed_version", str, where)
    versions = dedupe([*(str(v) for v in fixed), lowest])
    package = Package(name=name, version=r.opt(details, "package_version", str, where),
                      fixed_versions=versions)
    fix = FixState.AVAILABLE if versions else FixState.NONE
    return package, fix, [r.opt(details, "id", str, where)]


def _redacted(c: dict[str, Any]) -> dict[str, Any]:
    # Checkov masks most of a secret in code_block, but not all of it: never keep it. A
    # null stays null (nothing was shown), so the shared ``redacted`` is not used.
    return redacted(c, [k for k in ("code_block", "fixed_definition") if c.get(k) is not None])
