"""Selecting findings: the ``match:`` block shared by rules, severity overrides and exceptions.

Every key narrows the selection (AND); a list under one key is any of its values (OR).
Text comparisons ignore case, except paths. Rule ids and identifiers accept ``*`` globs;
paths accept ``*``, ``?``, ``[...]`` and ``**`` (any number of directories).
"""

from __future__ import annotations

import enum
import fnmatch
import re
from dataclasses import dataclass
from functools import lru_cache

from gatekeeper.model import Finding, FixState, Kind, Severity
from gatekeeper.policy.categories import CATEGORIES, PYPI_NAMES, categories_of, is_pypi, normalise_path
from gatekeeper.policy.errors import quoted

__all__ = ["CATEGORIES", "PYPI_NAMES", "Selector", "VersionMatch", "categories_of", "glob_regex", "is_pypi", "normalise_path"]

_OPERATORS = ("<", ">", "=", "!", "~")


@lru_cache(maxsize=1024)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """Compile a path glob: ``*`` and ``?`` stay within a directory, ``**`` crosses them."""
    pattern = normalise_path(pattern)
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 2 :]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1 : end]
            out += "[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", "\\\\") + "]"
            i = end + 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out + r"\Z", re.DOTALL)


def _text_match(patterns: tuple[str, ...], values: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(v.lower(), p) for p in patterns for v in values)


def _canonical_name(name: str, ecosystem: str | None) -> str:
    # PEP 503: PyYAML, pyyaml and py_yaml are one project.
    return re.sub(r"[-_.]+", "-", name).lower() if is_pypi(ecosystem) else name.lower()


@dataclass(frozen=True)
class VersionMatch:
    """A version condition: a PEP 440 specifier set (PyPI), or an exact / ``prefix.*`` version."""

    text: str

    @property
    def is_specifier(self) -> bool:
        return self.text.lstrip().startswith(_OPERATORS)

    def check(self) -> str | None:
        """Why the condition cannot be used, or ``None``."""
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        if self.is_specifier:
            try:
                SpecifierSet(self.text)
            except InvalidSpecifier:
                return f"{quoted(self.text)} is not a valid PEP 440 version specifier (e.g. '>=1.2,<2')"
        elif not self.text.strip() or " " in self.text.strip():
            return f"{quoted(self.text)} is not a version (write '1.2.3', '1.2.*' or a specifier such as '<2.0')"
        return None

    def matches(self, version: str | None, ecosystem: str | None) -> bool:
        if not version:
            return False
        text = self.text.strip()
        if is_pypi(ecosystem):
            from packaging.specifiers import InvalidSpecifier, SpecifierSet
            from packaging.version import InvalidVersion, Version

            try:
                spec = SpecifierSet(text if self.is_specifier else f"=={text}")
                # A pre-release is as vulnerable as the release it precedes: include them.
                return spec.contains(Version(version), prereleases=True)
            except (InvalidSpecifier, InvalidVersion):
                if self.is_specifier:
                    return False
        elif self.is_specifier:
            # NOTE: ordering is defined per ecosystem (dpkg, apk, semver ...): only PyPI is
            # compared; elsewhere a range selects nothing rather than guessing.
            return False
        if text.endswith("*"):
            return version.startswith(text[:-1])
        return version == text


@dataclass(frozen=True)
class Selector:
    """Which findings a rule, override or exception applies to."""

    tools: tuple[str, ...] = ()
    kinds: tuple[Kind, ...] = ()
    categories: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    """Rule id globs, lower-case."""
    identifiers: tuple[str, ...] = ()
    """CVE / GHSA / CWE ... globs, lower-case; matched against the rule id and every identifier."""
    packages: tuple[str, ...] = ()
    ecosystems: tuple[str, ...] = ()
    version: VersionMatch | None = None
    paths: tuple[str, ...] = ()
    severities: tuple[Severity, ...] = ()
    fix: tuple[FixState, ...] = ()
    statuses: tuple[str, ...] = ()
    """The tool's own status word, lower-case (Trivy ``fixed``/``affected``, TruffleHog ``verified``/``unverified``)."""

    def selects_everything(self) -> bool:
        """True when no key narrows the selection: each is absent, holds a pattern that matches
        any text (``*``, ``**``), or lists every value there is (all severities, all kinds).
        ``match: {rule: "*"}`` selects what ``match: {}`` does (issue 21, item 9)."""
        def any_text(patterns: tuple[str, ...]) -> bool:
            return not patterns or any(p and set(p) <= {"*"} for p in patterns)

        def any_path(patterns: tuple[str, ...]) -> bool:
            return not patterns or any(
                set(normalise_path(p)) <= {"*", "/"} and all(glob_regex(p).match(t) for t in ("a", "a/b/c"))
                for p in patterns
            )

        def every(values: tuple[object, ...], kind: type[enum.Enum]) -> bool:
            # The severity a selector sees is never UNKNOWN (the policy rates unrated findings).
            return not values or set(values) >= {v for v in kind if v is not Severity.UNKNOWN}

        return (
            not self.tools and not self.categories and not self.ecosystems and not self.statuses
            and any_text(self.rules) and any_text(self.identifiers) and any_text(self.packages)
            and (self.version is None or self.version.text.strip() in ("", "*"))
            and any_path(self.paths)
            and every(self.kinds, Kind) and every(self.severities, Severity) and every(self.fix, FixState)
        )

    def matches(self, finding: Finding, categories: frozenset[str], severity: Severity) -> bool:
        """True when every key selects the finding (``severity`` is the one the policy uses)."""
        f = finding
        if self.tools and f.tool.lower() not in self.tools:
            return False
        if self.kinds and f.kind not in self.kinds:
            return False
        if self.categories and not categories.intersection(self.categories):
            return False
        if self.rules and not _text_match(self.rules, (f.rule_id,)):
            return False
        if self.identifiers and not _text_match(self.identifiers, (f.rule_id, *f.identifiers)):
            return False
        if self.severities and severity not in self.severities:
            return False
        if self.fix and f.fix not in self.fix:
            return False
        if self.statuses and (f.status or "").lower() not in self.statuses:
            return False
        if self.paths:
            if not f.location.path:
                return False
            path = normalise_path(f.location.path)
            if not any(glob_regex(p).match(path) for p in self.paths):
                return False
        if self.packages or self.ecosystems or self.version:
            return self._package_matches(f)
        return True

    def _package_matches(self, f: Finding) -> bool:
        pkg = f.package
        if pkg is None:
            return False
        if self.ecosystems:
            eco = "pypi" if is_pypi(pkg.ecosystem) else (pkg.ecosystem or "").lower()
            if eco not in self.ecosystems:
                return False
        if self.packages:
            name = _canonical_name(pkg.name, pkg.ecosystem)
            if not any(fnmatch.fnmatchcase(name, _canonical_name(p, pkg.ecosystem)) for p in self.packages):
                return False
        return self.version is None or self.version.matches(pkg.version, pkg.ecosystem)
