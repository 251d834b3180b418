"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers, written as sarif-om writes it.

NOTE: the log is plain dicts with sarif-om's schema property names, in sarif-om's order,
leaving out what its serialisation leaves out (``None`` and the spec's defaults, such as
``level: warning``; ``contents`` and ``newlineSequences`` are written, as sarif-om does).
Building and serialising an attrs object per result cost 4x the rest of the gate, and
importing sarif-om for the log's few other objects 27 ms of every SARIF run (bench/README.md,
issue 20); tests/reporters/test_sarif_om.py builds the same logs with sarif-om and compares
them, and the golden files prove the output byte-identical.

One run per tool, each with ``automationDetails.id`` ``gatekeeper/<tool>/`` so uploads of
different tools don't overwrite each other; every finding (not only failing ones) with
its verdict in ``properties.gatekeeper``; findings covered by a policy exception or
suppressed by the scanner carried as ``suppressions`` with the justification; the gate's
verdict in the invocation. Sample::

    {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "trivy", "rules": [
      {"id": "CVE-2019-1549", "shortDescription": {"text": "openssl: ..."},
       "properties": {"security-severity": "5.5", "tags": ["security", "vulnerability"]}}]}},
      "automationDetails": {"id": "gatekeeper/trivy/"},
      "invocations": [{"executionSuccessful": true,
                       "properties": {"gatekeeper": {"verdict": "failed", ...}}}],
      "results": [{"ruleId": "CVE-2019-1549", "ruleIndex": 0, "level": "note", ...,
                   "partialFingerprints": {"gatekeeper/v1": "..."},
                   "properties": {"gatekeeper": {"outcome": "pass", ...}}}]}]}

GitHub's upload limits (20 runs per file, 25,000 results per run, 10 MB gzipped) are kept:
beyond them the most severe results are kept, and each run's invocation says what was left
out in a ``toolExecutionNotifications`` entry and ``properties.gatekeeper.omitted``. The size
limit is the writer's to check (``gatekeeper.output``): the log declares it in ``gzip_limit``
and offers ever smaller ``versions``; ``format`` is the full log (within the run and result
limits).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import quote

from gatekeeper import __version__
from gatekeeper.model import Finding, Location, Severity, fingerprint
from gatekeeper.paths import relative
from gatekeeper.reporters.console import summary_line
from gatekeeper.reporters.escape import bounded
from gatekeeper.reporters.interface import StreamReporter
from gatekeeper.reporters.json_format import change_data
from gatekeeper.reporters.jsonstream import Streamed, pieces as json_pieces
from gatekeeper.verdict import Decision, Evaluated, Outcome, Verdict, sort_key

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "gatekeeper/v1"

# NOTE: https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning#file-size-limits
MAX_RUNS = 20
MAX_RESULTS_PER_RUN = 25_000
MAX_GZIP_BYTES = 10 * 1024 * 1024

# NOTE: GitHub maps security-severity to critical (>= 9.0), high (7.0-8.9), medium
# (4.0-6.9) and low (0.1-3.9); one representative score per normalised severity. Info
# has none: GitHub then shows the level (error / warning / note).
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
}
LEVEL = {
    Outcome.FAIL: "error",
    Outcome.APPROVE: "error",
    Outcome.WARN: "warning",
    Outcome.PASS: "note",
    Outcome.IGNORE: "note",
    Outcome.SUPPRESSED: "note",
}
# A megabyte-long message must not eat the 10 MB budget of everyone else.
_TITLE_LIMIT = 1_000
_TEXT_LIMIT = 8_000
# Result locations kept for reuse: about 3 MB.
_LOCATIONS_KEPT = 4096


# sarif-om's defaults written out (``ToolComponent.contents``, ``Run.newlineSequences``).
_CONTENTS = ("localizedData", "nonLocalizedData")
_NEWLINES = ("\r\n", "\n")


def _component(name: str, version: str | None, rules: Any = None) -> dict[str, Any]:
    """A ``toolComponent`` as sarif-om writes ``ToolComponent(name=, version=, rules=)``."""
    out: dict[str, Any] = {"name": name, "contents": list(_CONTENTS)}
    if rules is not None:
        out["rules"] = rules
    if version is not None:
        out["version"] = version
    return out


def _uri(path: str, root: str | None = None) -> str:
    # NOTE: SARIF URIs are RFC 3986; GitHub wants repository-relative paths, so make the
    # path relative and percent-encode what isn't allowed in a path. ":" is encoded too:
    # "alpine:3.19" would otherwise read as a URI scheme.
    return quote(relative(path, root), safe="/@!$&'()*+,;=-._~")


class SarifFormat(StreamReporter):
    """SARIF 2.1.0 log of every finding with its verdict, within GitHub's limits."""

    def __init__(
        self,
        root: str | None = None,
        max_runs: int = MAX_RUNS,
        max_results: int = MAX_RESULTS_PER_RUN,
        max_gzip_bytes: int = MAX_GZIP_BYTES,
    ) -> None:
        super().__init__(root=root)
        self.max_runs = max_runs
        self.max_results = max_results
        self.gzip_limit: int = max_gzip_bytes
        self._uris: dict[str, str] = {}
        """``artifactLocation`` URIs by location text: thousands of results share a few files."""
        self._locations: dict[Any, tuple[Location, dict[str, Any]]] = {}
        """Result locations by Location (kept in the value, so that its id stays its own)."""
        self._decided: dict[int, tuple[dict[str, Any], str, Decision]] = {}
        """The decision's part of a result, by decision (kept, so that its id stays its own)."""

    @property
    def max_gzip_bytes(self) -> int:
        """GitHub's limit on the gzipped log (``gzip_limit``), named as the other limits."""
        return self.gzip_limit

    def pieces(self, verdict: Verdict) -> Iterator[bytes]:
        """The full log, piece by piece (see ``reporters.jsonstream``)."""
        return iter(next(self.versions(verdict)))

    def versions(self, verdict: Verdict) -> Iterator[Iterable[bytes]]:
        """The full log, then logs with ever fewer results: each time the least severe
        quarter of the results left is dropped, until none is left."""
        by_tool: dict[str, list[Evaluated]] = {}
        for r in verdict.reports:
            by_tool.setdefault(r.tool, [])
        for e in verdict.results:
            by_tool.setdefault(e.finding.tool, []).append(e)
        total = {tool: len(items) for tool, items in by_tool.items()}
        # NOTE: more tools than runs allowed: keep the tools with the worst findings
        # (verdict.results is sorted by sort_key, so each tool's worst comes first).
        ranked = sorted(by_tool, key=lambda t: (sort_key(by_tool[t][0]) if by_tool[t] else (9,), t))
        omitted_tools = sorted(ranked[self.max_runs :])
        kept = {t: by_tool[t][: self.max_results] for t in ranked[: self.max_runs]}
        origins = _Origins(verdict)
        while True:
            yield json_pieces(self._log(verdict, kept, total, omitted_tools, origins))
            every = sorted((e for items in kept.values() for e in items), key=sort_key)
            if not every:
                return
            # Drop the least severe quarter of what is left: the writer measures again.
            keep = set(map(id, every[: len(every) * 3 // 4]))
            kept = {t: [e for e in items if id(e) in keep] for t, items in kept.items()}

    def _log(
        self, verdict: Verdict, kept: dict[str, list[Evaluated]], total: dict[str, int], omitted_tools: list[str], origins: _Origins
    ) -> Any:
        versions = {r.tool: r.tool_version for r in verdict.reports if r.tool_version}
        runs = [
            self._run(tool, items, total[tool], versions.get(tool), verdict, omitted_tools, origins)
            for tool, items in sorted(kept.items())
        ]
        # The skeleton (empty rules and results keep their places), then the rules and
        # results, streamed, put in.
        log = {"runs": [run for run, _, _ in runs], "version": "2.1.0", "$schema": SCHEMA_URI}
        for data, (_, rules, results) in zip(log["runs"], runs):
            data["tool"]["driver"]["rules"] = rules
            data["results"] = results
        return log

    def _run(
        self,
        tool: str,
        items: Sequence[Evaluated],
        total: int,
        version: str | None,
        verdict: Verdict,
        omitted_tools: list[str],
        origins: _Origins,
    ) -> tuple[Any, Streamed, Streamed]:
        index: dict[str, int] = {}
        worst: dict[str, Severity] = {}
        firsts: list[Finding] = []
        for e in items:
            rid = e.finding.rule_id
            severity = e.decision.severity
            if rid not in index:
                index[rid] = len(firsts)
                firsts.append(e.finding)
                worst[rid] = severity
            elif severity > worst[rid]:
                worst[rid] = severity
        rules = Streamed(firsts, lambda f: self._rule(f, worst[f.rule_id]))
        results = Streamed(
            items,
            lambda e: self._result(e, index[e.finding.rule_id], verdict, origins),
            # The only floats in a log: CVSS scores (``properties.gatekeeper.cvss``), EPSS scores.
            floats=lambda e: (e.finding.cvss_score,) if e.exploitation is None or e.exploitation.epss is None
            else (e.finding.cvss_score, e.exploitation.epss.score, e.exploitation.epss.percentile),
        )
        # NOTE: GitHub wants a rules array even when a tool found nothing (Multitool GH1018).
        run: dict[str, Any] = {
            "tool": {"driver": _component(tool, version, rules=[])},
            "automationDetails": {"id": f"gatekeeper/{tool}/"},
            "columnKind": "unicodeCodePoints",
            "conversion": {"tool": {"driver": _component("gatekeeper", __version__)}},
            "invocations": [self._invocation(verdict, total - len(items), total, omitted_tools)],
            "newlineSequences": list(_NEWLINES),
        }
        if verdict.change is not None:
            # The change a pull request's gate judged (check --diff): only then, so other logs stay as they were.
            run["properties"] = {"gatekeeper": {"change": change_data(verdict.change)}}
        run["results"] = []
        return run, rules, results

    def _invocation(self, verdict: Verdict, dropped: int, total: int, omitted_tools: list[str]) -> dict[str, Any]:
        gate: dict[str, Any] = {
            "verdict": verdict.status.value,
            "summary": summary_line(verdict),
            "policy": verdict.policy_name,
            "enforce": verdict.enforce,
        }
        if verdict.environment:
            gate["environment"] = verdict.environment
        approvals = verdict.count(Outcome.APPROVE)
        if approvals:
            gate["needsApproval"] = approvals
        if verdict.problems:
            gate["problems"] = [bounded(p, _TITLE_LIMIT) for p in verdict.problems[:100]]
        notes = []
        if dropped:
            gate.setdefault("omitted", {})["results"] = dropped
            notes.append(
                f"gatekeeper kept the {total - dropped} most severe of {total} results: GitHub code scanning "
                f"accepts at most {self.max_results} results per run and {self.max_gzip_bytes // 1048576 or 1} MB "
                "(gzipped) per file; the JSON or HTML report has all of them."
            )
        if omitted_tools:
            gate.setdefault("omitted", {})["tools"] = omitted_tools
            notes.append(
                f"gatekeeper left out the runs of {len(omitted_tools)} tools with the least severe findings "
                f"(GitHub code scanning accepts at most {self.max_runs} runs per file): {', '.join(omitted_tools)}"
            )
        invocation: dict[str, Any] = {"executionSuccessful": True, "properties": {"gatekeeper": gate}}
        if notes:  # ``level: warning`` is a notification's default: not written
            invocation["toolExecutionNotifications"] = [{"message": {"text": n}} for n in notes]
        return invocation

    def _rule(self, f: Finding, severity: Severity) -> dict[str, Any]:
        """A ``reportingDescriptor``, as sarif-om would write it."""
        description = f.message or f.title
        help_text = bounded(description, _TEXT_LIMIT)
        links = f.links
        if links:
            links = links[:10]
            if max(map(len, links)) > 500:
                links = tuple(bounded(link, 500) for link in links)
            help_text += "\n\n" + "\n".join(links)
        props: dict[str, Any] = {"tags": ["security", f.kind._value_]}
        if severity in SECURITY_SEVERITY:
            props["security-severity"] = SECURITY_SEVERITY[severity]
        rule: dict[str, Any] = {
            "id": f.rule_id,
            "fullDescription": {"text": bounded(description or f.rule_id, _TEXT_LIMIT)},
            "help": {"text": help_text or f.rule_id},
        }
        link = f.links[0] if f.links else ""
        if link.startswith(("http://", "https://")) and len(link) < 2000 and " " not in link:
            rule["helpUri"] = link
        rule["properties"] = props
        rule["shortDescription"] = {"text": bounded(f.title or f.rule_id, _TITLE_LIMIT)}
        return rule

    def _result(self, e: Evaluated, rule_index: int, verdict: Verdict, origins: _Origins) -> dict[str, Any]:
        """A ``result``, as sarif-om would write it (``level: warning`` is its default)."""
        f, d = e.finding, e.decision
        # NOTE: 50k findings share a few hundred decisions (policy.evaluate's memo): the
        # decision's part of each result is built once per decision, and copied.
        decided = self._decided.get(id(d))
        if decided is None:
            head = {
                "outcome": d.outcome.value,
                "reason": bounded(d.reason, _TITLE_LIMIT),
                "decidedBy": bounded(d.decided_by, _TITLE_LIMIT),
                "severity": d.severity.label,
            }
            decided = self._decided[id(d)] = (head, LEVEL[d.outcome], d)
        gate = decided[0].copy()
        gate["toolSeverity"] = f.tool_severity
        gate["kind"] = f.kind._value_  # NOTE: Enum.value is a slow descriptor
        gate["fix"] = f.fix._value_
        if e.also:
            gate["seenBy"] = list(e.seen_by)
        if e.known:
            gate["known"] = True
        if e.placed is not None:
            gate["change"] = {"placed": e.placed[0], "why": bounded(e.placed[1], _TITLE_LIMIT)}
        if f.identifiers:
            gate["identifiers"] = list(f.identifiers[:50])
        pkg = f.package
        if pkg is not None:
            gate["package"] = {"name": pkg.name, "version": pkg.version, "fixedVersions": list(pkg.fixed_versions[:20])}
        score = f.cvss_score
        if score is not None:
            gate["cvss"] = score
        x = e.exploitation
        if x is not None:  # only with --kev/--epss data that knows the finding
            if x.kev is not None:
                k = x.kev
                gate["kev"] = {"cveID": k.cve, "dateAdded": k.date_added.isoformat(), "dueDate": k.due_date.isoformat(),
                               "knownRansomwareCampaignUse": "Known" if k.ransomware else "Unknown"}
            if x.epss is not None:
                gate["epss"] = {"cve": x.epss.cve, "score": x.epss.score, "percentile": x.epss.percentile}
        text = f.title if not f.message or f.message == f.title else f"{f.title}\n\n{f.message}"
        result: dict[str, Any] = {"message": {"text": bounded(text or f.rule_id, _TEXT_LIMIT)}}
        level = decided[1]
        if level != "warning":
            result["level"] = level
        result["locations"] = [self._location(f, origins)]
        result["partialFingerprints"] = {FINGERPRINT_KEY: f.fingerprint or stable_fingerprint(f, self.root)}
        result["properties"] = {"gatekeeper": gate}
        if f.rule_id is not None:
            result["ruleId"] = f.rule_id
        result["ruleIndex"] = rule_index
        if d.outcome is Outcome.SUPPRESSED:
            result["suppressions"] = self._suppressions(e, verdict)
        return result

    def _suppressions(self, e: Evaluated, verdict: Verdict) -> list[dict[str, Any]]:
        f, d = e.finding, e.decision
        if d.decided_by.startswith("exception"):
            # A policy exception: decided outside the code, accepted by the security team.
            props = None
            for x in verdict.exceptions:
                if d.decided_by == f"exception {x.id}":
                    props = {"gatekeeper": {"exception": x.id, "owner": x.owner, "expires": x.expires.isoformat()}}
                    break
            # NOTE: SARIF 2.1.0's suppression "status" postdates sarif-om 1.0.4 (which has a
            # draft "state"), so this one is written as plain data.
            suppression: dict[str, Any] = {"kind": "external", "status": "accepted", "justification": bounded(d.reason, _TITLE_LIMIT)}
            if props:
                suppression["properties"] = props
            return [suppression]
        if d.vex is not None:
            # A VEX statement: the supplier or the team says the product is not affected (or fixed).
            v = d.vex
            vex = {"document": v.document, "statement": v.statement, "vulnerability": v.vulnerability, "status": v.status}
            if v.justification:
                vex["justification"] = v.justification
            return [{
                "kind": "external", "status": "accepted", "justification": bounded(d.reason, _TITLE_LIMIT),
                "properties": {"gatekeeper": {"vex": vex}},
            }]
        kind = "inSource" if f.suppression is not None and f.suppression.kind == "inSource" else "external"
        return [{"kind": kind, "justification": bounded(d.reason, _TITLE_LIMIT)}]

    def _location(self, f: Finding, origins: _Origins) -> dict[str, Any]:
        loc = f.location
        pkg = f.package
        # NOTE: adapters share Location objects, and findings of one package share its
        # location: one dict, written once per result (orjson writes shared values alike).
        key = (id(loc), pkg.name, pkg.version) if pkg is not None and not loc.resource else id(loc)
        location = self._locations.get(key)
        if location is not None and location[0] is loc:
            return location[1]
        uri = loc.path or loc.target or origins.of(f) or "unknown"
        resource = loc.resource
        if pkg is not None and not resource:
            resource = f"{pkg.name}@{pkg.version}" if pkg.version else pkg.name
        encoded = self._uris.get(uri)
        if encoded is None:
            encoded = self._uris[uri] = _uri(bounded(uri, 2000), self.root)
        physical: dict[str, Any] = {"artifactLocation": {"uri": encoded}}
        if loc.start_line:
            physical["region"] = {"endLine": max(loc.end_line or loc.start_line, loc.start_line), "startLine": loc.start_line}
        data: dict[str, Any] = {}
        if resource:
            data["logicalLocations"] = [{"fullyQualifiedName": bounded(resource, _TITLE_LIMIT)}]
        data["physicalLocation"] = physical
        if loc.path or loc.target:  # NOTE: else the uri is the finding's report: not shared
            if len(self._locations) >= _LOCATIONS_KEPT:
                self._locations.clear()  # NOTE: unique locations (SAST lines) would pile up
            self._locations[key] = (loc, data)
        return data


class _Origins:
    """The report each finding came from, for a finding with no file (built on first use).

    NOTE: GitHub rejects a result without a location (Sarif.Multitool GH1015); a finding
    with no file (pip-audit: a package) points at the report it came from.
    """

    def __init__(self, verdict: Verdict) -> None:
        self._verdict = verdict
        self._by_id: dict[int, str] | None = None

    def of(self, f: Finding) -> str | None:
        if self._by_id is None:
            self._by_id = {id(g): r.target or r.source for r in self._verdict.reports for g in r.findings}
        origin = self._by_id.get(id(f))
        return origin if origin and origin != "<stdin>" else None


def stable_fingerprint(f: Finding, root: str | None = None) -> str:
    """The adapter's fingerprint, or one from what identifies the finding across runs:
    never the scanned image's digest or the checkout's absolute path."""
    if f.fingerprint:
        return f.fingerprint
    loc = f.location
    pkg = f.package
    path = relative(loc.path, root) if loc.path else None
    return fingerprint(f.tool, f.rule_id, path, loc.resource, pkg and pkg.name, pkg and pkg.version, loc.start_line)
