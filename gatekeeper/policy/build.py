"""Schema-valid policy data -> a typed ``Layer``, with the checks a schema cannot express.

Semantic problems are collected beside the schema's, with the same ``file:line:col: $.path``
form: duplicate rule or exception ids, invalid version specifiers, impossible dates, an
exception without an owner or an empty selection, ``action`` mixed with thresholds.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from gatekeeper.model import FixState, Kind, Severity
from gatekeeper.policy.errors import Problems, quoted
from gatekeeper.policy.layers import Layer
from gatekeeper.policy.model import (
    Action,
    Budget,
    Licenses,
    PolicyException,
    Requirement,
    Rule,
    SeverityOverride,
    Thresholds,
)
from gatekeeper.policy.select import Selector, VersionMatch
from gatekeeper.policy.exploitation import EPSS_KEYS, KEV_KEYS, data_settings, exploitation_settings

CLOCK_SKEW = datetime.timedelta(days=1)
"""How far in the future an exception's ``created`` day may be (time zones, clock skew)."""
_THRESHOLD_KEYS = ("fail_on", "warn_on", "fail_on_cvss", "warn_on_cvss", "ignore_unfixed", "approve_on", *EPSS_KEYS)
Path = tuple[Any, ...]


def _many(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, list) else (value,)


def _lower(value: Any) -> tuple[str, ...]:
    return tuple(v.strip().lower() for v in _many(value))


def _severity(value: Any) -> Severity | None:
    return None if value is None else Severity.parse(value)


def selector(data: dict[str, Any] | None, path: Path, problems: Problems) -> Selector:
    """The ``match:`` block at ``path``."""
    data = data or {}
    version = None
    if "version" in data:
        version = VersionMatch(data["version"])
        why = version.check()
        if why:
            problems.add((*path, "version"), why)
    return Selector(
        tools=_lower(data.get("tool")),
        kinds=tuple(Kind(k) for k in _many(data.get("kind"))),
        categories=_lower(data.get("category")),
        rules=_lower(data.get("rule")),
        identifiers=_lower(data.get("identifier")),
        packages=tuple(p.strip() for p in _many(data.get("package"))),
        ecosystems=tuple("pypi" if e in ("pip", "poetry", "pipenv") else e for e in _lower(data.get("ecosystem"))),
        version=version,
        paths=tuple(_many(data.get("path"))),
        severities=tuple(Severity.parse(s) for s in _many(data.get("severity"))),
        fix=tuple(FixState(s) for s in _many(data.get("fix"))),
        statuses=_lower(data.get("status")),
    )


def _date(data: dict[str, Any], key: str, path: Path, problems: Problems) -> datetime.date | None:
    text = data.get(key)
    if not isinstance(text, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return None  # the schema reports its form
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        problems.add((*path, key), f"{text!r} is not a valid date (expected YYYY-MM-DD, a real calendar day)")
        return None


def _check_approve_on(data: dict[str, Any], path: Path, problems: Problems) -> None:
    """``approve_on`` at or above ``fail_on`` (in the same block) could never decide a finding."""
    try:
        approve_on, fail_on = Severity.parse(data["approve_on"]), Severity.parse(data["fail_on"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return  # absent here (inherited), or the schema reports it
    if approve_on >= fail_on:
        problems.add(
            (*path, "approve_on"),
            f"approve_on {approve_on.label} is not below fail_on {fail_on.label}: no finding would ever need approval",
        )


def _licenses(data: Any) -> Licenses | None:
    """``licenses:`` (ids are normalised when a licence finding is decided: ``policy/licenses.py``)."""
    if not isinstance(data, dict):
        return None

    def ids(key: str) -> tuple[str, ...] | None:
        return tuple(str(v).strip() for v in data[key]) if isinstance(data.get(key), list) else None

    return Licenses(allow=ids("allow"), deny=ids("deny"), unknown=data.get("unknown"))


def _rule(data: dict[str, Any], path: Path, problems: Problems) -> Rule:
    thresholds = {k: data[k] for k in _THRESHOLD_KEYS if k in data}
    _check_approve_on(data, path, problems)
    if "action" in data:
        for key in [*thresholds, *(k for k in ("budget", "licenses") if k in data)]:
            problems.add((*path, key), f"{key!r} cannot be combined with 'action' (action decides every selected finding)", key=True)
    if data.get("mode") == "warn" and "budget" in data:
        problems.add((*path, "budget"), "a rule in mode: warn only previews; roll a budget out with a generous max instead", key=True)
    budget = data.get("budget")
    return Rule(
        id=data["id"],
        match=selector(data.get("match"), (*path, "match"), problems),
        origin=problems.where(path),
        action=Action(data["action"]) if "action" in data else None,
        thresholds=Thresholds(
            fail_on=_severity(thresholds.get("fail_on")),
            warn_on=_severity(thresholds.get("warn_on")),
            fail_on_cvss=thresholds.get("fail_on_cvss"),
            warn_on_cvss=thresholds.get("warn_on_cvss"),
            ignore_unfixed=thresholds.get("ignore_unfixed"),
            approve_on=_severity(thresholds.get("approve_on")),
            **exploitation_settings(data, (*path,), problems),
        ),
        budget=Budget(Severity.parse(budget["severity"]), budget["max"]) if budget else None,
        warn_only=data.get("mode") == "warn",
        description=data.get("description", ""),
        enabled=data.get("enabled", True),
        licenses=_licenses(data.get("licenses")),
        whole_codebase=data.get("scope") == "codebase",
    )


def _exception(data: dict[str, Any], path: Path, problems: Problems) -> PolicyException:
    if not data.get("match"):
        problems.add((*path, "match"), "an exception must select something: an empty match would except every finding")
    if "owner" not in data and "approved_by" not in data:
        problems.add(path, "an exception needs an 'owner' or 'approved_by' (who answers for the accepted risk)")
    expires = _date(data, "expires", path, problems)
    created = _date(data, "created", path, problems)
    if expires and created and expires < created:
        problems.add((*path, "expires"), f"expires {expires} is before created {created}")
    # NOTE: a creation day in the future would dodge exception_policy.max_days
    # (created 9999-12-01, expires 9999-12-30); a day of clock skew is allowed.
    latest = datetime.date.today() + CLOCK_SKEW
    if created and created > latest:
        problems.add((*path, "created"), f"created {created} is in the future (after {latest}): an exception is created when it is granted")
    origin = problems.where(path)
    match = selector(data.get("match"), (*path, "match"), problems)
    if data.get("match") and match.selects_everything():
        problems.add(
            (*path, "match"),
            "an exception must select something: every key of this match is a wildcard (or lists every value), "
            "so it would except every finding as an empty match would",
        )
    return PolicyException(
        id=data.get("id") or origin,
        match=match,
        reason=data["reason"],
        owner=data.get("owner") or data.get("approved_by", ""),
        expires=expires or datetime.date.min,
        origin=origin,
        approved_by=data.get("approved_by", ""),
        created=created,
    )


def _unique(items: list[Any], path: Path, what: str, problems: Problems) -> None:
    first: dict[str, int] = {}
    for i, item in enumerate(items):
        ident = item.get("id") if isinstance(item, dict) else None
        if not isinstance(ident, str):
            continue
        if ident in first:
            where = problems.where((*path, first[ident]))
            problems.add((*path, i, "id"), f"duplicate {what} id {quoted(ident)} (first defined at {where})")
        else:
            first[ident] = i


def _each(items: Any, build: Any, path: Path, problems: Problems) -> tuple[Any, ...]:
    """Build each item; one the schema already rejected is skipped so the others are still checked."""
    out = []
    for i, item in enumerate(items if isinstance(items, list) else []):
        try:
            out.append(build(item, (*path, i), problems))
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    return tuple(out)


def _override(data: dict[str, Any], path: Path, problems: Problems) -> SeverityOverride:
    return SeverityOverride(
        match=selector(data["match"], (*path, "match"), problems),
        severity=Severity.parse(data["severity"]),
        origin=problems.where(path),
        reason=data.get("reason", ""),
    )


def _requirement(data: Any, path: Path, problems: Problems) -> Requirement:
    return Requirement(category=data) if isinstance(data, str) else Requirement(tool=data["tool"].strip().lower())


def parse_duration(text: str) -> datetime.timedelta:
    """``7d`` or ``12h`` (the schema allows only these forms)."""
    number, unit = int(text[:-1]), text[-1]
    return datetime.timedelta(days=number) if unit == "d" else datetime.timedelta(hours=number)


def _settings(data: dict[str, Any]) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for key in ("fail_on", "warn_on", "unknown_severity", "approve_on"):
        if key in data:
            settings[key] = Severity.parse(data[key])
    for key in ("ignore_unfixed", "fail_on_cvss", "warn_on_cvss"):
        if key in data:
            settings[key] = data[key]
    if "mode" in data:
        settings["enforce"] = data["mode"] == "enforce"
    if "secrets" in data:
        settings["secrets"] = Action(data["secrets"])
    if "licenses" in data:
        settings["licenses"] = _licenses(data["licenses"])
    checks = data.get("reports", {})
    if "max_age" in checks:
        settings["max_report_age"] = parse_duration(checks["max_age"])
    for key, setting in (("undated", "undated_reports"), ("duplicates", "duplicate_reports"), ("gaps", "coverage_gaps")):
        if key in checks:
            settings[setting] = Action(checks[key])
    change = data.get("change", {})
    for key, setting in (("secrets", "change_secrets"), ("unplaced", "change_unplaced")):
        if key in change:
            settings[setting] = change[key]
    xp = data.get("exception_policy", {})
    if "expiry_warning_days" in xp:
        settings["expiry_warning_days"] = xp["expiry_warning_days"]
    return settings


def _vex_settings(data: Any) -> dict[str, Any]:
    """``vex:``: which VEX documents are trusted (the documents are ``data: {vex}``, in ``exploitation.py``)."""
    settings: dict[str, Any] = {}
    trust = data.get("vex") if isinstance(data, dict) else None
    if isinstance(trust, dict):
        if isinstance(trust.get("authors"), list):
            settings["vex_authors"] = tuple(str(a) for a in trust["authors"])
        if isinstance(trust.get("require_justification"), bool):
            settings["vex_require_justification"] = trust["require_justification"]
    return settings


def layer(data: dict[str, Any], problems: Problems, path: Path = ()) -> Layer:
    """The typed layer for a policy mapping or environment overlay at ``path``.

    Runs on schema-invalid data too (skipping what the schema rejected), so a file's schema
    and semantic errors are all reported at once.
    """
    try:
        settings = _settings(data)
        max_days = {Severity.parse(k): v for k, v in data.get("exception_policy", {}).get("max_days", {}).items()}
    except (KeyError, TypeError, ValueError, AttributeError):
        settings, max_days = {}, {}
    if isinstance(data.get("baseline"), dict):
        known_until = _date(data["baseline"], "known_until", (*path, "baseline"), problems)
        if known_until:
            settings["baseline_known_until"] = known_until
    settings.update(_vex_settings(data))
    rules = data.get("rules")
    exceptions = data.get("exceptions")
    if isinstance(rules, list):
        _unique(rules, (*path, "rules"), "rule", problems)
    if isinstance(exceptions, list):
        _unique(exceptions, (*path, "exceptions"), "exception", problems)
    environments = data.get("environments") if not path else None
    if isinstance(data, dict):
        _check_approve_on(data, path, problems)
        settings.update(exploitation_settings(data, path, problems, top=True))
        settings.update(data_settings(data, path, problems))
    return Layer(
        source=problems.source,
        settings=settings,
        rules=_each(rules, _rule, (*path, "rules"), problems),
        overrides=_each(data.get("severity_overrides"), _override, (*path, "severity_overrides"), problems),
        exceptions=_each(exceptions, _exception, (*path, "exceptions"), problems),
        required=_each(data.get("required"), _requirement, (*path, "required"), problems),
        max_days=max_days,
        environments={
            name: layer(overlay, problems, ("environments", name))
            for name, overlay in (environments.items() if isinstance(environments, dict) else ())
            if isinstance(overlay, dict)
        },
    )
