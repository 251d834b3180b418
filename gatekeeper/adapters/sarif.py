"""SARIF 2.1.0 logs from any tool (CodeQL, Semgrep, Trivy, gitleaks, hadolint, Grype ...).

A tiny sample::

    {"version": "2.1.0", "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
     "runs": [{"tool": {"driver": {"name": "Trivy", "version": "0.50.0",
                                   "rules": [{"id": "CVE-2019-1549",
                                              "properties": {"security-severity": "5.3"}}]}},
               "results": [{"ruleId": "CVE-2019-1549", "ruleIndex": 0, "level": "warning",
                            "message": {"text": "Package: libssl1.1 ..."},
                            "locations": [{"physicalLocation": {
                                "artifactLocation": {"uri": "app/Dockerfile"},
                                "region": {"startLine": 1}}}]}]}]}

Mapping (a log may hold several runs from several tools; ``Report.tool`` is the first
run's tool, each finding carries its own run's tool):

- severity: ``security-severity`` (result properties, then rule properties; a 0-10 score
  as GitHub reads it) -> ``Severity.from_score``; else ``level`` (result, else the rule's
  ``defaultConfiguration.level``, else ``warning`` per SARIF 3.27.10):
  error -> HIGH, warning -> MEDIUM, note -> LOW, none -> INFO.
  ``tool_severity`` is the security-severity when used, else the level word.
  Secret findings with neither (gitleaks writes no level) -> HIGH, as for gitleaks JSON.
- kind: gitleaks -> SECRET, hadolint -> LINT, checkov -> MISCONFIGURATION; otherwise rule
  tags ``secret`` -> SECRET, ``misconfiguration`` -> MISCONFIGURATION, ``vulnerability``
  or a CVE/GHSA id in the rule id -> VULNERABILITY; else CODE_ISSUE.
- results of ``kind`` ``pass``/``notApplicable`` are not problems and are skipped;
  results with ``baselineState: "absent"`` are gone from the code and are skipped.
- suppressions count only when their ``status`` is absent or ``accepted``
  (``underReview`` and ``rejected`` suppressions do not hide a finding).
- snippets (``snippet`` anywhere in a result) and secret-bearing properties are
  redacted in ``raw``: gitleaks puts the secret itself there.
- a run whose invocation says ``executionSuccessful: false`` makes the whole log an
  error: the scanner said its own results are incomplete. Error-level
  ``toolExecutionNotifications`` of a successful run are coverage gaps.
- ``Report.generated_at``: the oldest ``endTimeUtc`` (else ``startTimeUtc``) of any run.
- the same scan as the tool's JSON (trivy, checkov, hadolint, gitleaks drivers): the
  fingerprint is composed as the tool's JSON adapter composes it, from the same fields;
  checkov's ``level`` (error for a failed check, warning for a skipped one) is not a rating:
  UNKNOWN, as its JSON's null severity; checkov's resource comes from the rule's
  ``help`` (``Resource: NAME``, written on a check's first result), a result of the same
  region, or the snippet; Trivy's ``startLine 1``/``endLine 1`` outside secrets is its
  "no line"; hadolint titles are the message, gitleaks titles name the file, as in their
  JSON. What a SARIF log lacks is listed in docs/reports.md.
- fail closed: a run without ``results`` (not computed, SARIF 3.14.23) is an error, a log
  with no runs a coverage gap; a ``ruleIndex`` that is another rule than the ``ruleId`` and a
  ``security-severity`` outside 0-10 (``NaN`` too) are errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from gatekeeper.adapters.hadolint import title as hadolint_title
from gatekeeper.adapters.interface import REDACTED, Adapter, Reader
from gatekeeper.model import (
    Finding,
    Gap,
    Kind,
    Location,
    Report,
    Severity,
    Suppression,
    dedupe,
    fingerprint,
)

_LEVELS = {"error": Severity.HIGH, "warning": Severity.MEDIUM, "note": Severity.LOW,
           "none": Severity.INFO}
_CANONICAL = {"trivy": "trivy", "gitleaks": "gitleaks", "hadolint": "hadolint",
              "checkov": "checkov"}
_TOOL_KIND = {"gitleaks": Kind.SECRET, "hadolint": Kind.LINT, "checkov": Kind.MISCONFIGURATION}
_TOOL_CATEGORIES = {"gitleaks": {"secrets"}, "hadolint": {"dockerfile"}, "checkov": {"iac"}}
_KIND_CATEGORY = {Kind.VULNERABILITY: "dependencies", Kind.SECRET: "secrets",
                  Kind.MISCONFIGURATION: "iac"}
_NOT_PROBLEMS = {"pass", "notApplicable"}
_SECRET_PROPERTIES = {"offender", "secret", "match"}
# SARIF property names that some writers emit in snake_case (not SARIF: fail closed).
_CAMEL_KEYS = frozenset(
    "ruleId ruleIndex physicalLocation artifactLocation uriBaseId startLine endLine "
    "startColumn endColumn semanticVersion shortDescription fullDescription "
    "defaultConfiguration executionSuccessful partialFingerprints logicalLocations "
    "fullyQualifiedName messageStrings helpUri baselineState toolExecutionNotifications "
    "originalUriBaseIds relatedLocations codeFlows informationUri contextRegion".split()
)
_CVE = re.compile(r"\b(CVE-\d{4}-\d{4,})\b", re.I)
_GHSA = re.compile(r"\b(GHSA(?:-[23456789cfghjmpqrvwx]{4}){3})\b", re.I)
_CWE = re.compile(r"\bcwe[-/](\d+)\b", re.I)
_ARG = re.compile(r"\{(\d+)\}")


class SarifAdapter(Adapter):
    """Reads SARIF 2.1.0 from any tool."""

    name = "sarif"

    def parse(self, doc: Any, source: str, build: Callable[..., Finding] | None = None) -> Report:
        r = Reader(source, build)
        r.obj(doc, "$")
        version = r.need(doc, "version", str)
        if version != "2.1.0":
            raise r.fail("version", f"SARIF {version!r} is not supported (expected 2.1.0)")
        runs = r.each(r.need(doc, "runs", list), "runs")
        findings: list[Finding] = []
        categories: set[str] = set()
        tools: list[tuple[str, str | None]] = []
        times: list[datetime] = []
        gaps: list[Gap] = []
        if not runs:
            # NOTE: no tool ran, or none said so: not a clean scan. gitleaks' own test data
            # (testdata/baseline/baseline.sarif) and DefectDojo's are such logs, so it is a
            # coverage gap the policy decides (reports.gaps), not a refusal; it covers nothing.
            r.warn("the log has no runs (runs: [])")
            gaps.append(Gap(subject=source, reason="the SARIF log has no runs: no tool reported any result"))
        for i, run in enumerate(runs):
            reader = _Run(r, run, f"runs[{i}]")
            run_findings, tool, version_ = reader.findings()
            times += reader.times
            gaps += reader.gaps
            tools.append((tool, version_))
            findings += run_findings
            categories |= _categories(tool, run_findings)
        tool, tool_version = tools[0] if tools else ("sarif", None)
        return Report(
            source=source,
            tool=tool,
            format=self.name,
            findings=tuple(findings),
            tool_version=tool_version,
            gaps=tuple(gaps),
            warnings=tuple(r.warnings),
            categories=frozenset(categories),
            # The oldest run dates the log: its age is the age of its stalest results.
            generated_at=min(times, default=None),
        )


def canonical_tool(name: str) -> str:
    """``Trivy`` -> ``trivy``; other driver names are lowercased."""
    low = name.strip().lower()
    return _CANONICAL.get(low, low)


def _categories(tool: str, findings: list[Finding]) -> set[str]:
    if tool in _TOOL_CATEGORIES:
        # checkov's secrets framework rides along in its SARIF: say so.
        return _TOOL_CATEGORIES[tool] | {_KIND_CATEGORY[f.kind] for f in findings
                                         if f.kind in _KIND_CATEGORY}
    found = {_KIND_CATEGORY.get(f.kind, "sast") for f in findings}
    return found or ({"dependencies"} if tool == "trivy" else {"sast"})


def _strict_keys(r: Reader, obj: dict[str, Any], where: str) -> None:
    for key in obj:
        camel = re.sub(r"_([a-z])", lambda m: m.group(1).upper(), key)
        if camel != key and camel in _CAMEL_KEYS:
            raise r.fail(f"{where}.{key}", f"snake_case key is not SARIF 2.1.0 (expected {camel!r})")


class _Run:
    """One run: its tool, rules, artifacts and results."""

    def __init__(self, r: Reader, run: dict[str, Any], where: str) -> None:
        self.r, self.run, self.where = r, run, where
        self.times: list[datetime] = []
        self.gaps: list[Gap] = []
        _strict_keys(r, run, where)
        tool = r.need(run, "tool", dict, where)
        self.driver = r.need(tool, "driver", dict, f"{where}.tool")
        _strict_keys(r, self.driver, f"{where}.tool.driver")
        self.tool = canonical_tool(r.need(self.driver, "name", str, f"{where}.tool.driver"))
        self.version = (r.opt(self.driver, "version", str, f"{where}.tool.driver")
                        or r.opt(self.driver, "semanticVersion", str, f"{where}.tool.driver"))
        self.components = [self.driver] + r.each(
            r.opt(tool, "extensions", list, f"{where}.tool", []), f"{where}.tool.extensions")
        self.rules = [self._rules(c, i) for i, c in enumerate(self.components)]
        self.by_id = {rule["id"]: rule for rules in reversed(self.rules) for rule in rules}
        self.artifacts = r.each(r.opt(run, "artifacts", list, where, []), f"{where}.artifacts")
        self.bases = r.opt(run, "originalUriBaseIds", dict, where, {})
        for name, entry in self.bases.items():
            at = f"{where}.originalUriBaseIds.{name}"
            r.opt(r.obj(entry, at), "uri", str, at)
            r.opt(entry, "uriBaseId", str, at)
        r.opt(self.driver, "globalMessageStrings", dict, f"{where}.tool.driver")
        self.logical = r.each(r.opt(run, "logicalLocations", list, where, []),
                              f"{where}.logicalLocations")
        self.checkov_resources: dict[int, str] = {}

    def _rules(self, component: dict[str, Any], i: int) -> list[dict[str, Any]]:
        at = f"{self.where}.tool.driver" if i == 0 else f"{self.where}.tool.extensions[{i - 1}]"
        rules = self.r.each(self.r.opt(component, "rules", list, at, []), f"{at}.rules")
        for j, rule in enumerate(rules):
            self._check_rule(rule, f"{at}.rules[{j}]")
        return rules  # type: ignore[no-any-return]

    def _check_rule(self, rule: dict[str, Any], at: str) -> None:
        """Type-check the rule members results are read through (fuzzing found each one)."""
        r = self.r
        r.need(rule, "id", str, at)
        props = r.opt(rule, "properties", dict, at, {})
        r.opt(props, "tags", list, f"{at}.properties")
        config = r.opt(rule, "defaultConfiguration", dict, at, {})
        r.opt(config, "level", str, f"{at}.defaultConfiguration")
        r.opt(rule, "messageStrings", dict, at)
        r.each(r.opt(rule, "relationships", list, at, []), f"{at}.relationships")

    def findings(self) -> tuple[list[Finding], str, str | None]:
        self._invocations()
        where = self.where
        if self.run.get("results") is None:
            # NOTE: SARIF 3.14.23: absent/null results mean "not computed", not "none found":
            # read as none, the run would pass and claim its tool's coverage.
            raise self.r.fail(f"{where}.results", f"missing: the run ({self.tool}) did not compute its "
                              "results (SARIF 2.1.0: absent results are not available, not none); refused")
        results = self.r.each(self.run["results"], f"{where}.results")
        if self.tool == "checkov":
            self.checkov_resources = _checkov_resources(self, results)
        out = [f for i, res in enumerate(results)
               if (f := _Result(self, res, f"{where}.results[{i}]").finding()) is not None]
        return out, self.tool, self.version

    def _invocations(self) -> None:
        at = f"{self.where}.invocations"
        for i, inv in enumerate(self.r.each(self.r.opt(self.run, "invocations", list, self.where, []), at)):
            _strict_keys(self.r, inv, f"{at}[{i}]")
            end = (self.r.time(inv, "endTimeUtc", f"{at}[{i}]")
                   or self.r.time(inv, "startTimeUtc", f"{at}[{i}]"))
            if end is not None:
                self.times.append(end)
            if self.r.need(inv, "executionSuccessful", bool, f"{at}[{i}]") is False:
                raise self.r.fail(f"{at}[{i}].executionSuccessful",
                                  f"the scanner ({self.tool}) reported that it failed, so its "
                                  "results are incomplete")
            notes = self.r.each(self.r.opt(inv, "toolExecutionNotifications", list, f"{at}[{i}]", []),
                                f"{at}[{i}].toolExecutionNotifications")
            # NOTE: the run succeeded but the tool says it could not do part of its work
            # (a file it could not parse ...): a coverage gap, decided by the policy.
            for note in notes:
                if note.get("level") == "error":
                    text = _text(note.get("message")).strip()
                    self.gaps.append(Gap(subject=f"{self.tool} run {self.where}",
                                         reason=text or "execution error (no message)"))

    def rule_for(self, res: dict[str, Any], where: str) -> dict[str, Any] | None:
        """The rule a result refers to: ``rule`` / ``ruleIndex`` first, then ``ruleId``."""
        ref = self.r.opt(res, "rule", dict, where) or {}
        comp = self.r.opt(ref, "toolComponent", dict, f"{where}.rule") or {}
        c_index = self.r.opt(comp, "index", int, f"{where}.rule.toolComponent")
        index = self.r.opt(ref, "index", int, f"{where}.rule")
        if index is None:
            index = self.r.opt(res, "ruleIndex", int, where)
        if index is not None and index >= 0:
            # NOTE: an index refers to the driver unless rule.toolComponent names an extension.
            rules = self._component_rules(c_index, where)
            if index >= len(rules):
                raise self.r.fail(f"{where}.ruleIndex", f"rule index {index} is out of range "
                                  f"({len(rules)} rules)")
            rule = rules[index]
            named = self.r.opt(res, "ruleId", str, where) or self.r.opt(ref, "id", str, f"{where}.rule")
            # NOTE: SARIF 3.27.6-7: when both are given they denote the same rule (a
            # hierarchical id "parent/child" may index its parent). Another rule's severity
            # would decide the result.
            if named is not None and named != rule["id"] and not named.startswith(rule["id"] + "/"):
                raise self.r.fail(where, f"ruleId {_shown(named)} but its rule index {index} is rule "
                                  f"{_shown(rule['id'])}: the result names two rules; refused")
            return rule
        rule_id = self.r.opt(res, "ruleId", str, where) or self.r.opt(ref, "id", str, f"{where}.rule")
        if rule_id is None:
            return None
        # NOTE: hierarchical ids ("parent/child", SARIF 3.27.5) fall back to the nearest
        # parent rule; CodeQL ids ("py/sql-injection") contain "/" themselves.
        while rule_id not in self.by_id and "/" in rule_id:
            rule_id = rule_id.rsplit("/", 1)[0]
        return self.by_id.get(rule_id)

    def _component_rules(self, c_index: int | None, where: str) -> list[dict[str, Any]]:
        i = 0 if c_index is None else c_index + 1
        if i >= len(self.components):
            raise self.r.fail(f"{where}.rule.toolComponent.index",
                              f"no tool extension {c_index}")
        return self.rules[i]

    def artifact_uri(self, index: int, where: str) -> tuple[str | None, str | None]:
        if not 0 <= index < len(self.artifacts):
            raise self.r.fail(f"{where}.index", f"artifact index {index} is out of range")
        at = f"{self.where}.artifacts[{index}]"
        loc = self.r.opt(self.artifacts[index], "location", dict, at, {})
        return (self.r.opt(loc, "uri", str, f"{at}.location"),
                self.r.opt(loc, "uriBaseId", str, f"{at}.location"))

    def resolve(self, uri: str, base: str | None) -> str:
        """A path from a URI: relative bases are prefixed; an absolute base stops there."""
        # NOTE: we keep a path relative to its absolute base (the checkout root on the
        # scanning machine): that is the repo-relative path, stable across CI runners.
        seen: set[str] = set()
        while base and base not in seen and not _absolute(uri):
            seen.add(base)
            entry = self.bases.get(base)
            if not isinstance(entry, dict) or not isinstance(entry.get("uri"), str):
                break
            prefix = entry["uri"].strip()
            if _absolute(prefix):
                break
            uri, base = prefix.rstrip("/") + "/" + uri if prefix else uri, entry.get("uriBaseId")
        return _path(uri)


_TF_RESOURCE = re.compile(r'^\s*resource\s+"([^"]+)"\s+"([^"]+)"')
_DOCKERFILE_RESOURCE = re.compile(r"^(/.+)\.[A-Z]*$")  # "/Dockerfile.ADD", "/Dockerfile."


def _checkov_resources(run: _Run, results: list[dict[str, Any]]) -> dict[int, str]:
    """Each checkov result's resource (``aws_s3_bucket.b``), which its JSON fingerprints.

    NOTE: checkov 3 writes one rule per check, on the check's first result, with
    ``help.text`` ending ``Resource: NAME``; later results of the same check name no
    resource. Those take it from a result of the same file and region whose resource is
    known, else from the snippet (a Terraform block's header, a Dockerfile instruction).
    A secret's resource is a hash of the secret value: not recoverable from the masked
    snippet, so that fingerprint differs from the JSON's (docs/reports.md).
    """
    found: dict[int, str] = {}
    by_region: dict[tuple[Any, ...], str] = {}
    seen: set[str] = set()
    rest: list[tuple[dict[str, Any], tuple[Any, ...], str]] = []
    # NOTE: this pass runs before the results are checked (the strict pass after it refuses
    # a malformed one): it reads only values of the expected types and skips the rest.
    for res in results:
        if not isinstance(res, dict):
            continue
        rule_id = res.get("ruleId")
        locations = res.get("locations")
        phys = _object(_object(locations[0] if isinstance(locations, list) and locations else None).get("physicalLocation"))
        region = _object(phys.get("region"))
        key = tuple(v if isinstance(v, (str, int)) else None for v in (
            _object(phys.get("artifactLocation")).get("uri"), region.get("startLine"), region.get("endLine")))
        snippet = _text(region.get("snippet"))
        if isinstance(rule_id, str) and rule_id not in seen:
            seen.add(rule_id)
            help_text = _text(_object(run.by_id.get(rule_id)).get("help"))
            named = re.search(r"^Resource: (.+)$", help_text, re.M)
            if named:
                found[id(res)] = by_region[key] = named.group(1).strip()
                continue
        rest.append((res, key, snippet))
    for res, key, snippet in rest:
        resource = by_region.get(key) or _checkov_snippet_resource(snippet, key[0], by_region)
        if resource:
            found[id(res)] = resource
    return found


def _object(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one (for a lenient pre-pass)."""
    return value if isinstance(value, dict) else {}


def _checkov_snippet_resource(snippet: str, uri: Any, by_region: dict[tuple[Any, ...], str]) -> str | None:
    first = snippet.strip().splitlines()[0] if snippet.strip() else ""
    block = _TF_RESOURCE.match(first)
    if block:
        return ".".join(block.groups())  # NOTE: checked on real pairs for root-module resources only
    # Dockerfile checks name "<file as checkov saw it>.<INSTRUCTION>": the file part from
    # another result of the same file, the instruction from the snippet.
    prefixes = {m.group(1) for (u, *_), name in by_region.items()
                if u == uri and (m := _DOCKERFILE_RESOURCE.match(name))}
    word = first.split(maxsplit=1)[0] if first else ""
    if len(prefixes) == 1 and word.isalpha() and word.isupper():
        return f"{prefixes.pop()}.{word}"
    return None


def _shown(text: str) -> str:
    """Report text in a message: escaped, at most 60 characters."""
    return repr(text[:60] + "..." if len(text) > 60 else text)


def _absolute(uri: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", uri)) or uri.startswith("/")


def _path(uri: str) -> str:
    if uri.lower().startswith("file://"):
        uri = "/" + uri[len("file://"):].lstrip("/")
        if re.match(r"^/[a-zA-Z]:/", uri):
            uri = uri[1:]  # file:///C:/x is the Windows path C:/x
    return unquote(uri)


def _text(message: Any) -> str:
    if isinstance(message, dict):
        for key in ("text", "markdown"):
            if isinstance(message.get(key), str) and message[key]:
                return str(message[key])
    return ""


def _unescape(text: str, tool: str) -> str:
    # NOTE: Trivy's SARIF writer HTML-escapes texts ("&#39;:latest&#39; tag used").
    if tool != "trivy":
        return text
    import html  # NOTE: here: every report's detection imports this module (1.4 ms of start-up)

    return html.unescape(text)


class _Result:
    """One result of a run, read into a finding (or skipped)."""

    def __init__(self, run: _Run, res: dict[str, Any], where: str) -> None:
        self.run, self.r, self.res, self.where = run, run.r, res, where
        _strict_keys(self.r, res, where)

    def finding(self) -> Finding | None:
        r, res, where = self.r, self.res, self.where
        kind_word = r.opt(res, "kind", str, where) or "fail"
        if kind_word in _NOT_PROBLEMS:
            return None
        if r.opt(res, "baselineState", str, where) == "absent":
            return None  # NOTE: "absent" = was in the baseline, gone from this scan.
        rule = self.run.rule_for(res, where)
        rule_id = (r.opt(res, "ruleId", str, where)
                   or r.opt(res.get("rule") or {}, "id", str, f"{where}.rule")
                   or (rule or {}).get("id"))
        if not rule_id:
            # NOTE: gitleaks 7 SARIF results carry no ruleId; the message names the rule.
            r.warn(f"{self.run.where}: results without a ruleId are read with an empty rule id")
            rule_id = ""
        props = r.opt(res, "properties", dict, where, {})
        rule_props = (rule or {}).get("properties") or {}
        kind = self._kind(rule_id, rule_props)
        severity, tool_severity = self._severity(kind_word, rule, props, rule_props, kind)
        message = _unescape(self._message(rule), self.run.tool)
        if kind is Kind.SECRET:
            message = _scrub(message)
        location = self._location()
        title = _unescape(self._title(rule, message, rule_id), self.run.tool)
        tool = self.run.tool
        if tool == "checkov":
            location = replace(location, resource=self.run.checkov_resources.get(id(self.res)))
            if "security-severity" not in props and "security-severity" not in rule_props:
                # NOTE: checkov writes level "error" for every failed check and "warning" for
                # every skipped one: a result state, not a rating (its JSON says null).
                severity, tool_severity = Severity.UNKNOWN, None
        elif tool == "trivy" and kind is not Kind.SECRET and location.start_line == location.end_line == 1:
            # NOTE: Trivy's SARIF writer puts startLine 1 where its JSON has no line (a
            # check of the whole file: no USER, no HEALTHCHECK); secrets always have one.
            location = replace(location, start_line=None, end_line=None)
        elif tool == "hadolint":
            title = hadolint_title(message)  # NOTE: hadolint's SARIF has no rules: the message
        elif tool == "gitleaks" and location.path:
            title = f"{title} secret in {location.path}"  # as gitleaks JSON's title
        return r.finding(
            tool=tool,
            kind=kind,
            rule_id=rule_id,
            title=title,
            message=message,
            severity=severity,
            tool_severity=tool_severity,
            tool_version=self.run.version,
            location=location,
            identifiers=_identifiers(rule_id, rule, props),
            links=dedupe([(rule or {}).get("helpUri")]),
            suppression=self._suppression(),
            fingerprint=self._fingerprint(rule_id, kind, location, message),
            raw=_redacted(res, secret=kind is Kind.SECRET),
        )

    def _fingerprint(self, rule_id: str, kind: Kind, location: Location, message: str) -> str:
        """The finding's identity: for trivy, checkov, hadolint and gitleaks, as the tool's JSON
        adapter composes it from the same fields, so a baseline made from one format applies
        to the other (docs/reports.md says which fields a SARIF log lacks)."""
        tool, line = self.run.tool, location.start_line
        if tool == "hadolint":
            return fingerprint(tool, rule_id, location.path, line)
        if tool == "checkov" and kind is Kind.SECRET:
            return fingerprint(tool, rule_id, location.path, None, None, None, line)
        if tool == "checkov" and kind is not Kind.VULNERABILITY:
            return fingerprint(tool, rule_id, location.path, location.resource, None, None)
        if tool == "gitleaks":
            bag = self.res.get("partialFingerprints")
            commit = bag.get("commitSha") if isinstance(bag, dict) else None
            own = f"{location.path}:{rule_id}:{'' if line is None else line}"
            return fingerprint(tool, f"{commit}:{own}" if isinstance(commit, str) and commit else own)
        if tool == "trivy" and kind in (Kind.MISCONFIGURATION, Kind.SECRET):
            # Trivy's JSON names the result's Target (relative to the scanned folder): the
            # message's "Artifact:" line and the URI under ROOTPATH. CauseMetadata.Resource is
            # not in the SARIF log.
            scope = "\x1f".join(["", "", self._trivy_target()])
            parts = (None, line) if kind is Kind.MISCONFIGURATION else (line,)
            return fingerprint(tool, kind.value, rule_id, scope, *parts)
        stable = self._fingerprints() or [line, location.resource, message]
        return fingerprint(tool, rule_id, location.path, *stable)

    def _trivy_target(self) -> str:
        text = _text(self.res.get("message"))
        found = re.search(r"^Artifact: (.*)$", text, re.M)
        if found:
            return found.group(1).strip()
        locations = self.res.get("locations") or [{}]
        art = ((locations[0] or {}).get("physicalLocation") or {}).get("artifactLocation") or {}
        uri = art.get("uri")
        return _path(uri) if isinstance(uri, str) else ""

    def _kind(self, rule_id: str, rule_props: dict[str, Any]) -> Kind:
        if self.run.tool == "checkov" and rule_id.startswith("CKV_SECRET_"):
            return Kind.SECRET
        if self.run.tool in _TOOL_KIND:
            return _TOOL_KIND[self.run.tool]
        tags = {str(t).lower() for t in rule_props.get("tags") or () if isinstance(t, str)}
        if "secret" in tags:
            return Kind.SECRET
        if "misconfiguration" in tags:
            return Kind.MISCONFIGURATION
        if "vulnerability" in tags or _CVE.search(rule_id) or _GHSA.search(rule_id):
            return Kind.VULNERABILITY
        return Kind.CODE_ISSUE

    def _severity(self, kind_word: str, rule: dict[str, Any] | None, props: dict[str, Any],
                  rule_props: dict[str, Any], kind: Kind) -> tuple[Severity, str | None]:
        r, where = self.r, self.where
        for bag, at in ((props, f"{where}.properties"), (rule_props, "rule.properties")):
            score = bag.get("security-severity")
            if score is not None:
                return self._score(score, f"{at}.security-severity"), str(score)
        level = r.opt(self.res, "level", str, where)
        if level is None:
            config = (rule or {}).get("defaultConfiguration") or {}
            level = config.get("level") if isinstance(config, dict) else None
        if level is None and kind is Kind.SECRET:
            # Product decision (as for gitleaks JSON): an unrated leaked secret is never
            # low; gitleaks SARIF results carry no level at all.
            return Severity.HIGH, None
        if level is None:
            # NOTE: SARIF 3.27.10: default "warning", but "none" for non-fail kinds.
            level = "warning" if kind_word == "fail" else "none"
        if level not in _LEVELS:
            raise r.fail(f"{where}.level", f"unknown level {level!r} (expected error, "
                         "warning, note or none)")
        return _LEVELS[level], level

    def _score(self, score: Any, where: str) -> Severity:
        if isinstance(score, (int, float)) and not isinstance(score, bool):
            return Severity.from_score(self.r.score(score, where))
        if isinstance(score, str):
            try:
                value = float(score)
            except ValueError:
                pass
            else:
                return Severity.from_score(self.r.score(value, where))
            try:
                # NOTE: Semgrep writes severity words ("MEDIUM") where GitHub wants a score.
                severity = Severity.parse(score)
                self.r.warn(f"{self.run.where}: security-severity given as a word, not a "
                            "0-10 score; read as a severity name")
                return severity
            except ValueError:
                pass
        raise self.r.fail(where, f"expected a 0-10 score, got {_shown(str(score))}")

    def _message(self, rule: dict[str, Any] | None) -> str:
        r, where = self.r, self.where
        message = r.opt(self.res, "message", dict, where)
        if message is None or not message:
            r.warn(f"{self.run.where}: results without a message are read with an empty message")
            return ""
        text = _text(message)
        if text:
            return text
        msg_id = r.opt(message, "id", str, f"{where}.message")
        strings = dict(self.run.driver.get("globalMessageStrings") or {})
        strings.update((rule or {}).get("messageStrings") or {})
        template = _text(strings.get(msg_id)) if msg_id else ""
        if not template:
            r.warn(f"{where}.message: message {msg_id!r} not found in the rule's messageStrings")
            return ""
        args = r.opt(message, "arguments", list, f"{where}.message", [])
        return _ARG.sub(lambda m: str(args[int(m.group(1))]) if int(m.group(1)) < len(args)
                        else m.group(0), template)

    @staticmethod
    def _title(rule: dict[str, Any] | None, message: str, rule_id: str) -> str:
        rule = rule or {}
        for text in (_text(rule.get("shortDescription")), rule.get("name"), message, rule_id):
            if isinstance(text, str) and text.strip():
                return text.strip().splitlines()[0]
        return "(untitled result)"

    def _location(self) -> Location:
        r, where = self.r, self.where
        locations = r.each(r.opt(self.res, "locations", list, where, []), f"{where}.locations")
        if not locations:
            return Location()
        at = f"{where}.locations[0]"
        first = locations[0]
        _strict_keys(r, first, at)
        phys = r.opt(first, "physicalLocation", dict, at) or {}
        path, start, end = self._physical(phys, f"{at}.physicalLocation")
        return Location(path=path, start_line=start, end_line=end,
                        resource=self._logical(first, at))

    def _physical(self, phys: dict[str, Any], at: str) -> tuple[str | None, int | None, int | None]:
        r = self.r
        _strict_keys(r, phys, at)
        art = r.opt(phys, "artifactLocation", dict, at) or {}
        _strict_keys(r, art, f"{at}.artifactLocation")
        uri = r.opt(art, "uri", str, f"{at}.artifactLocation")
        base = r.opt(art, "uriBaseId", str, f"{at}.artifactLocation")
        index = r.opt(art, "index", int, f"{at}.artifactLocation")
        if uri is None and index is not None:
            uri, base = self.run.artifact_uri(index, f"{at}.artifactLocation")
        region = r.opt(phys, "region", dict, at) or {}
        _strict_keys(r, region, f"{at}.region")
        start = r.opt(region, "startLine", int, f"{at}.region")
        end = r.opt(region, "endLine", int, f"{at}.region", start)
        path = self.run.resolve(uri, base) if isinstance(uri, str) else None
        return path, start, end

    def _logical(self, loc: dict[str, Any], at: str) -> str | None:
        logical = self.r.each(self.r.opt(loc, "logicalLocations", list, at, []),
                              f"{at}.logicalLocations")
        if not logical:
            return None
        item = logical[0]
        index = item.get("index")
        if isinstance(index, int) and 0 <= index < len(self.run.logical) and not (
                item.get("fullyQualifiedName") or item.get("name")):
            item = self.run.logical[index]
        name = item.get("fullyQualifiedName") or item.get("name")
        return name if isinstance(name, str) else None

    def _suppression(self) -> Suppression | None:
        r, where = self.r, self.where
        items = r.each(r.opt(self.res, "suppressions", list, where, []), f"{where}.suppressions")
        for i, item in enumerate(items):
            at = f"{where}.suppressions[{i}]"
            kind = r.need(item, "kind", str, at)
            status = r.opt(item, "status", str, at)
            # NOTE: only an accepted (or unqualified) suppression hides a finding;
            # "underReview" and "rejected" ones are proposals, not decisions.
            if status in (None, "accepted"):
                return Suppression(kind, justification=r.opt(item, "justification", str, at))
        return None

    def _fingerprints(self) -> list[str]:
        found: list[str] = []
        for key in ("partialFingerprints", "fingerprints"):
            bag = self.r.opt(self.res, key, dict, self.where) or {}
            for name in sorted(bag):
                value = bag[name]
                if isinstance(value, str):
                    found.append(f"{key}.{name}={value}")
                else:
                    # NOTE: Black Duck writes {"value": ...} objects where SARIF wants strings.
                    self.r.warn(f"{self.run.where}: {key}.{name} values are not strings; "
                                "ignored for identity")
        return found


def _identifiers(rule_id: str, rule: dict[str, Any] | None, props: dict[str, Any]) -> tuple[str, ...]:
    rule = rule or {}
    texts: list[str] = [rule_id]
    rule_props = rule.get("properties") or {}
    for bag in (rule_props, props):
        for key in ("tags", "cwe"):
            value = bag.get(key)
            texts += [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)]
    for rel in rule.get("relationships") or ():
        target = rel.get("target") if isinstance(rel, dict) else None
        if isinstance(target, dict) and isinstance(target.get("id"), str):
            texts.append(target["id"])
    ids: list[str] = []
    for text in texts:
        ids += [m.upper() for m in _CVE.findall(text)]
        ids += ["GHSA" + m[4:].lower() for m in _GHSA.findall(text)]
        ids += [f"CWE-{int(m)}" for m in _CWE.findall(text)]
    return dedupe(ids)


def _scrub(message: str) -> str:
    # NOTE: Trivy's secret messages carry a "Match:" line with the (partly masked) secret.
    return "\n".join(line for line in message.splitlines() if not line.lstrip().startswith("Match:"))


def _redacted(res: dict[str, Any], secret: bool) -> dict[str, Any]:
    """A copy of a result with every snippet and secret-bearing property replaced."""
    copy: dict[str, Any] = _scrubbed(res)
    if secret and isinstance(copy.get("message"), dict):
        copy["message"] = {k: _scrub(v) if isinstance(v, str) else v
                           for k, v in copy["message"].items()}
    return copy


def _scrubbed(value: Any, key: str = "") -> Any:
    if key == "snippet" or key.lower() in _SECRET_PROPERTIES:
        return REDACTED
    if isinstance(value, dict):
        return {k: _scrubbed(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(v) for v in value]
    return value
