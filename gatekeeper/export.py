"""Policy exceptions out to the scanners, so a local scan agrees with the gate. Pure.

``gatekeeper policy export --format FORMAT POLICY [REPORT...]`` writes:

- ``trivyignore``: Trivy's ``.trivyignore.yaml`` (``vulnerabilities`` / ``misconfigurations``
  / ``secrets`` / ``licenses``, each entry ``id``, ``paths``, ``purls``, ``expired_at``,
  ``statement``; Trivy compares ids exactly and globs paths with doublestar);
- ``gitleaksignore``: a ``.gitleaksignore``, one gitleaks ``Fingerprint`` per line
  (``file:rule:line``, or ``commit:file:rule:line``), for each gitleaks finding of REPORTs
  that an exception covers: gitleaks can only ignore exact findings;
- ``openvex``: an OpenVEX 0.2.0 document, one ``not_affected`` statement per excepted
  vulnerability with the exception's reason as ``impact_statement`` and the packages as
  ``products`` (from the exception's ``package``/``version``, else from the REPORTs).

An exception is exported only when the scanner can express all of it: a selection by
severity, fix state, a version range or an id glob cannot be, and exporting it anyway would
make the local scan *more* lenient than the gate. Those are listed in ``Export.skipped``.
Expired exceptions are never exported. Each exported entry ends the day after the
exception's last day (Trivy's ``expired_at`` is the instant it stops applying).
"""

from __future__ import annotations

import datetime
import enum
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gatekeeper.model import Finding, Kind, Report
from gatekeeper.policy.evaluate import rate
from gatekeeper.policy.exceptions import ExceptionLedger
from gatekeeper.policy.model import Policy, PolicyException
from gatekeeper.policy.select import categories_of, is_pypi, normalise_path
from gatekeeper.verdict import ExceptionState

OPENVEX_CONTEXT = "https://openvex.dev/ns/v0.2.0"
_GLOB = re.compile(r"[*?\[]")
# NOTE: the policy stores ids lower-case; Trivy compares them exactly. Vulnerability and
# check ids are upper-case (CVE-2019-1, AVD-AWS-0077, DS001, KSV001), GHSA ids keep a
# lower-case body, secret and Rego rule names are lower-case (aws-access-key-id).
_UPPER_ID = re.compile(r"[a-z]+(-[a-z]+)?-[0-9][0-9a-z.-]*|[a-z]{2,4}[0-9]{3,}")
_VULN_ID = re.compile(r"(?i)(cve|ghsa|pysec|osv|gms|go|rustsec|snyk)-")
_SECTIONS = {
    Kind.VULNERABILITY: "vulnerabilities",
    Kind.MISCONFIGURATION: "misconfigurations",
    Kind.SECRET: "secrets",
    Kind.LICENSE: "licenses",
}
_CATEGORY_SECTIONS = {"secrets": "secrets", "iac": "misconfigurations", "dockerfile": "misconfigurations",
                      "dependencies": "vulnerabilities", "image": "vulnerabilities"}
_PURL_TYPES = {"npm": "npm", "golang": "golang", "gomod": "golang", "cargo": "cargo", "gem": "gem", "bundler": "gem",
               "composer": "composer", "nuget": "nuget", "maven": "maven", "pom": "maven", "alpine": "apk",
               "debian": "deb", "ubuntu": "deb"}


class ExportFormat(str, enum.Enum):
    """Every scanner format the exceptions can be written in."""

    TRIVYIGNORE = "trivyignore"
    GITLEAKSIGNORE = "gitleaksignore"
    OPENVEX = "openvex"


class ExportError(Exception):
    """Nothing valid can be written (e.g. an OpenVEX document needs a statement)."""


@dataclass(frozen=True)
class Export:
    """The file's text, and why each exception left out was left out."""

    text: str
    exported: tuple[str, ...] = ()
    """Ids of the exceptions written."""
    skipped: tuple[str, ...] = field(default=())
    """One line per exception not written, with the reason."""


def restore_case(ident: str, findings: Iterable[Finding] = ()) -> str:
    """The id as the scanner spells it: from a finding that carries it, else by its shape."""
    for f in findings:
        for own in (f.rule_id, *f.identifiers):
            if own.lower() == ident:
                return own
    if ident.startswith("ghsa-"):
        return "GHSA-" + ident[5:]
    return ident.upper() if _UPPER_ID.fullmatch(ident) else ident


def purl(name: str, ecosystem: str | None, version: str | None = None) -> str | None:
    """A package URL (``pkg:pypi/werkzeug@0.11``), or ``None`` for an unknown ecosystem."""
    if is_pypi(ecosystem):
        from packaging.utils import canonicalize_name

        kind, name = "pypi", canonicalize_name(name)
    else:
        kind = _PURL_TYPES.get((ecosystem or "").lower(), "")
        if not kind:
            return None
    return f"pkg:{kind}/{name}" + (f"@{version}" if version else "")


def _covered(policy: Policy, reports: Iterable[Report], today: datetime.date) -> dict[str, list[Finding]]:
    """Every finding of ``reports`` each exception covers (the first applicable one, as in the gate)."""
    ledger = ExceptionLedger(policy, today)
    out: dict[str, list[Finding]] = {}
    for r in reports:
        for f in r.findings:
            categories = categories_of(f, r)
            x = ledger.find(f, categories, rate(f, policy, categories)[0])
            if x is not None:
                out.setdefault(x.id, []).append(f)
    return out


def _inexpressible(x: PolicyException, *, ids: bool = True, paths: bool = True) -> str | None:
    """Why the scanner cannot express the exception's selection, or ``None``."""
    m = x.match
    if m.severities:
        return "it selects by severity"
    if m.fix:
        return "it selects by fix state"
    if m.version is not None and (m.version.is_specifier or m.version.text.strip().endswith("*")):
        return f"it selects a version range ({m.version.text})"
    if ids:
        if not (m.rules or m.identifiers):
            return "it names no rule or identifier"
        if any(_GLOB.search(i) for i in (*m.rules, *m.identifiers)):
            return "it selects ids by a glob"
    if not paths and m.paths:
        return "it selects by path"
    return None


def _comment(text: str) -> str:
    """Text for one comment line of an ignore file: a newline (or any control character) in a
    policy name, owner or reason must not start a line of its own, which the scanner would read."""
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in " ".join(text.split()))


def _live(policy: Policy, today: datetime.date) -> tuple[list[PolicyException], list[str]]:
    ledger = ExceptionLedger(policy, today)
    live, skipped = [], []
    for x in policy.exceptions:
        if ledger.state(x) is ExceptionState.EXPIRED:
            skipped.append(f"exception {x.id}: expired on {x.expires}")
        else:
            live.append(x)
    return live, skipped


def trivyignore(policy: Policy, reports: Iterable[Report] = (), today: datetime.date | None = None,
                relative_to: str | None = None) -> Export:
    """``.trivyignore.yaml``; ``relative_to`` is the folder Trivy scans (paths are relative to it)."""
    import yaml

    today = today or datetime.date.today()
    reports = tuple(reports)
    covered = _covered(policy, reports, today)
    live, skipped = _live(policy, today)
    sections: dict[str, list[dict[str, Any]]] = {s: [] for s in ("vulnerabilities", "misconfigurations", "secrets", "licenses")}
    exported = []
    prefix = normalise_path(relative_to or "").rstrip("/")
    for x in live:
        m = x.match
        why = _inexpressible(x)
        if why is None and m.tools and "trivy" not in m.tools:
            why = "it is not for trivy"
        paths: list[str] = []
        for p in m.paths:
            p = normalise_path(p)
            if prefix and p.startswith(prefix + "/"):
                p = p[len(prefix) + 1 :]
            elif prefix and not p.startswith("**"):
                why = why or f"its path {p} is outside {prefix}"
            paths.append(p)
        purls: list[str] = []
        for name in m.packages:
            made = [purl(name, e, m.version.text.strip() if m.version else None) for e in m.ecosystems]
            if not made or None in made:
                why = why or f"its package {name} has no ecosystem a package URL can name (add ecosystem:)"
            purls += [p for p in made if p]
        if why:
            skipped.append(f"exception {x.id}: not exported to trivy: {why}")
            continue
        trivy_findings = [f for f in covered.get(x.id, []) if f.tool == "trivy"]
        kinds = set(m.kinds) or {f.kind for f in trivy_findings}
        names = {_SECTIONS[k] for k in kinds if k in _SECTIONS} | {_CATEGORY_SECTIONS[c] for c in m.categories if c in _CATEGORY_SECTIONS}
        for ident in (*m.rules, *m.identifiers):
            own = restore_case(ident, trivy_findings)
            targets = names or ({"vulnerabilities"} if _VULN_ID.match(own) else {"misconfigurations", "secrets"})
            if purls:
                targets = {"vulnerabilities"}
            for section in sorted(targets):
                entry: dict[str, Any] = {"id": own}
                if paths:
                    entry["paths"] = list(paths)  # copies: no YAML anchors for a person to follow
                if purls and section == "vulnerabilities":
                    entry["purls"] = list(purls)
                entry["expired_at"] = x.expires + datetime.timedelta(days=1)  # a YAML date: Trivy reads a time
                entry["statement"] = f"{x.reason} (gatekeeper exception {x.id}, owner {x.owner}, until {x.expires})"
                sections[section].append(entry)
        exported.append(x.id)
    head = f"# Trivy ignore file exported from {_comment(policy.name)} by gatekeeper policy export; do not edit by hand.\n"
    body = yaml.safe_dump({k: v for k, v in sections.items() if v}, sort_keys=False, allow_unicode=True) if exported else "{}\n"
    return Export(head + body, tuple(exported), tuple(skipped))


def gitleaks_fingerprint(f: Finding) -> str | None:
    """gitleaks' own ``Fingerprint`` for a finding, as its ignore file wants it."""
    raw = f.raw or {}
    own = raw.get("Fingerprint") if isinstance(raw, Mapping) else None
    if isinstance(own, str) and own:
        return own
    if not (f.location.path and f.location.start_line):
        return None
    commit = raw.get("Commit") if isinstance(raw, Mapping) else None
    bare = f"{f.location.path}:{f.rule_id}:{f.location.start_line}"
    return f"{commit}:{bare}" if isinstance(commit, str) and commit else bare


def gitleaksignore(policy: Policy, reports: Iterable[Report], today: datetime.date | None = None) -> Export:
    """``.gitleaksignore``: the fingerprint of every gitleaks finding an exception covers."""
    today = today or datetime.date.today()
    covered = _covered(policy, reports, today)
    live, skipped = _live(policy, today)
    lines = [f"# gitleaks ignore file exported from {_comment(policy.name)} by gatekeeper policy export; do not edit by hand."]
    exported = []
    for x in live:
        found = sorted({fp for f in covered.get(x.id, []) if f.tool == "gitleaks" and (fp := gitleaks_fingerprint(f))})
        # NOTE: one fingerprint per line: a newline (or any control character) in one, from
        # the report, would add an ignore line of the report's choosing (issue 21, item 13).
        bad = [fp for fp in found if not fp.isprintable() or fp != fp.strip()]
        if bad:
            skipped.append(f"exception {_comment(x.id)}: not exported to gitleaks: {len(bad)} of its findings' fingerprints "
                           f"hold a control character or surrounding space ({_comment(bad[0])[:120]})")
            continue
        if not found:
            m = x.match
            if (m.tools and "gitleaks" not in m.tools) or (m.kinds and Kind.SECRET not in m.kinds) or m.packages:
                continue  # not about gitleaks' findings at all
            skipped.append(f"exception {x.id}: covers no gitleaks finding in the reports given")
            continue
        lines.append(f"# exception {_comment(x.id)} until {x.expires} (owner {_comment(x.owner)}): {_comment(x.reason)}")
        lines += found
        exported.append(x.id)
    return Export("\n".join(lines) + "\n", tuple(exported), tuple(skipped))


def openvex(policy: Policy, reports: Iterable[Report] = (), today: datetime.date | None = None,
            now: datetime.datetime | None = None) -> Export:
    """An OpenVEX 0.2.0 document: each excepted vulnerability ``not_affected`` in its packages."""
    today = today or datetime.date.today()
    now = now or datetime.datetime.now(datetime.timezone.utc)
    covered = _covered(policy, reports, today)
    live, skipped = _live(policy, today)
    statements = []
    exported = []
    for x in live:
        m = x.match
        if m.kinds and Kind.VULNERABILITY not in m.kinds:
            continue  # not about vulnerabilities: VEX has nothing to say
        why = _inexpressible(x, paths=False)
        found = [f for f in covered.get(x.id, []) if f.kind is Kind.VULNERABILITY and f.package is not None]
        version = m.version.text.strip() if m.version else None
        if m.packages:  # exactly what the exception selects (no version: every version)
            products = sorted({p for name in m.packages for e in m.ecosystems if (p := purl(name, e, version))})
        else:  # what it covers in the reports
            products = sorted({p for f in found if f.package and (p := f.package.purl or purl(f.package.name, f.package.ecosystem, f.package.version))})
        if why is None and not products:
            why = "it names no package (add package: and ecosystem:) and covers none in the reports given"
        if why:
            skipped.append(f"exception {x.id}: not exported to OpenVEX: {why}")
            continue
        for ident in (*m.identifiers, *m.rules):
            name = restore_case(ident, found)
            aliases = sorted({i for f in found if name in (f.rule_id, *f.identifiers) for i in (f.rule_id, *f.identifiers)
                              if i != name and not i.upper().startswith("CWE-")})
            vulnerability: dict[str, Any] = {"name": name}
            if aliases:
                vulnerability["aliases"] = aliases
            statements.append({
                "vulnerability": vulnerability,
                "products": [{"@id": p, "identifiers": {"purl": p}} for p in products],
                "status": "not_affected",
                "impact_statement": f"{x.reason} (gatekeeper exception {x.id}, owner {x.owner}, until {x.expires})",
                "status_notes": f"Accepted in {policy.name}; valid through {x.expires}.",
                "timestamp": _time(x.created, now),
            })
        exported.append(x.id)
    if not statements:
        raise ExportError(f"{policy.name}: no exception can be exported as OpenVEX (a document needs at least one statement)"
                          + "".join(f"\n  {s}" for s in skipped))
    body = json.dumps(statements, sort_keys=True).encode()
    doc = {
        "@context": OPENVEX_CONTEXT,
        "@id": f"urn:gatekeeper:openvex:{hashlib.sha256(body).hexdigest()[:32]}",
        "author": f"gatekeeper policy {policy.name}",
        "role": "security gate",
        "timestamp": _time(None, now),
        "version": 1,
        "tooling": "gatekeeper policy export --format openvex",
        "statements": statements,
    }
    return Export(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", tuple(exported), tuple(skipped))


def _time(day: datetime.date | None, now: datetime.datetime) -> str:
    moment = datetime.datetime.combine(day, datetime.time(), datetime.timezone.utc) if day else now
    return moment.astimezone(datetime.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def export(fmt: ExportFormat, policy: Policy, reports: Iterable[Report] = (), today: datetime.date | None = None,
           relative_to: str | None = None, now: datetime.datetime | None = None) -> Export:
    """The exceptions of ``policy`` in ``fmt``."""
    if fmt is ExportFormat.TRIVYIGNORE:
        return trivyignore(policy, reports, today, relative_to)
    if fmt is ExportFormat.GITLEAKSIGNORE:
        return gitleaksignore(policy, reports, today)
    return openvex(policy, reports, today, now)
