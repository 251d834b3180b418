"""Which VEX statement decides a finding: an index by vulnerability id, then the products.

NOTE: statements are indexed by every id they name (the vulnerability and its aliases,
upper-cased), so a finding costs one dictionary look-up per id it carries (its rule id and
aliases), never a scan of the statements: 50,000 findings against the 2,000 statements of a
large Red Hat CSAF file cost a few milliseconds (bench/README.md).

For one finding, the statements about any of its ids whose product covers it are
candidates; the latest one (by its time, then by the order read) decides, as the OpenVEX
spec says: a later ``affected`` overrules an earlier ``not_affected``.

A product covers a finding when (``products.py``):
- it has no subcomponents, and one of its ids names the finding's package (purl) or the
  image the finding's report scanned;
- it has subcomponents, one of them names the finding's package, and the product names the
  report's image or a package the report lists (the component in that product only).
CycloneDX ``affects[].versions`` narrow a product to those versions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from gatekeeper.model import Finding, Report
from gatekeeper.vex.interface import Product, Statement, VexDocument
from gatekeeper.vex.products import (
    Image,
    Purl,
    image_of,
    package_purl,
    parse_purl,
    purl_names_image,
    reference_names_image,
)
from gatekeeper.vex.versions import version_in


@dataclass
class _Scope:
    """What one report says of where its findings are: its image, and the packages it lists."""

    image: Image | None
    report: Report | None = None
    packages: frozenset[Purl] | None = None
    """Computed when a statement with subcomponents first needs them."""


@dataclass
class VexIndex:
    """Every trusted statement of the documents, indexed by vulnerability id."""

    documents: tuple[VexDocument, ...]
    by_id: dict[str, list[tuple[Statement, Product, int]]] = field(default_factory=dict)
    """Upper-cased id -> (statement, one of its products, the statement's position among all read)."""
    keys: frozenset[str] = frozenset()
    """Every id of the index as written, upper-cased and lower-cased: a finding none of whose
    ids is here has no statement (checked in C, before any look-up)."""
    _scopes: dict[int, _Scope] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, documents: Sequence[VexDocument], trusted: Iterable[Statement] | None = None) -> VexIndex:
        """The index of ``trusted`` statements (default: every statement of ``documents``)."""
        index = cls(tuple(documents))
        chosen = trusted if trusted is not None else (s for d in documents for s in d.statements)
        keys: set[str] = set()
        for n, s in enumerate(chosen):
            keys.update(s.ids)
            for p in s.products:
                for ident in dict.fromkeys(i.upper() for i in s.ids):
                    index.by_id.setdefault(ident, []).append((s, p, n))
        index.keys = frozenset(keys | {k.upper() for k in keys} | {k.lower() for k in keys})
        return index

    def may_cover(self, finding: Finding) -> bool:
        """False when no statement is about any of the finding's ids (as a tool writes them)."""
        keys = self.keys
        return finding.rule_id in keys or not keys.isdisjoint(finding.identifiers)

    def decide(self, finding: Finding, report: Report | None) -> Statement | None:
        """The latest statement about the finding's vulnerability whose product covers it."""
        if not self.by_id:
            return None
        by_id = self.by_id
        # NOTE: ids are mostly upper-case already (CVE-...): looked up as they are first, and
        # upper-cased only when they are not (GHSA-xxxx ...). The hot path of a VEX gate.
        rule = finding.rule_id
        candidates = by_id.get(rule if rule.isupper() else rule.upper())
        for ident in finding.identifiers:
            if ident == rule:  # NOTE: scanners repeat the rule id among the identifiers
                continue
            found = by_id.get(ident if ident.isupper() else ident.upper())
            if found:
                candidates = found if not candidates else [*candidates, *found]
        if not candidates:
            return None
        pkg = finding.package
        purl = package_purl(pkg.purl, pkg.name, pkg.version, pkg.ecosystem) if pkg is not None else None
        version = (pkg.version if pkg is not None else None) or (purl.version if purl else None)
        scope = self._scope(report)
        best: tuple[Statement, Product, int] | None = None
        for entry in candidates:
            if best is not None and _later(best, entry):
                continue
            if _covers(entry[1], purl, version, scope):
                best = entry
        return best[0] if best is not None else None

    def _scope(self, report: Report | None) -> _Scope:
        if report is None:
            return _Scope(None, None, frozenset())
        scope = self._scopes.get(id(report))
        if scope is None:
            # NOTE: the scope keeps its report, so the id stays that report's while cached.
            scope = self._scopes[id(report)] = _Scope(image_of(report.images) if report.images else None, report)
        return scope


def _later(a: tuple[Statement, Product, int], b: tuple[Statement, Product, int]) -> bool:
    """Whether statement ``a`` was made after ``b`` (time, then the order read; undated ones first)."""
    ta, tb = a[0].timestamp, b[0].timestamp
    if ta is not None and tb is not None and ta != tb:
        return ta > tb
    if (ta is None) != (tb is None):
        return tb is None
    return a[2] > b[2]


def _names(ident: str, purl: Purl | None, image: Image | None) -> bool:
    """Whether a product id names the finding's package or its report's image."""
    theirs = parse_purl(ident)
    if theirs is not None:
        if purl is not None and theirs.covers(purl):
            return True
        return image is not None and purl_names_image(theirs, image)
    return image is not None and "://" not in ident and reference_names_image(ident, image)


def _covers(product: Product, purl: Purl | None, version: str | None, scope: _Scope) -> bool:
    if product.versions and not (version and any(version_in(version, v) for v in product.versions)):
        return False
    if not product.subcomponents:
        return any(_names(i, purl, scope.image) for i in product.ids)
    if purl is None or not any(_names(c, purl, None) for c in product.subcomponents):
        return False
    if any(_names(i, None, scope.image) for i in product.ids):
        return True
    packages = _packages(scope)
    return any((p := parse_purl(i)) is not None and any(p.covers(q) for q in packages) for i in product.ids)


def _packages(scope: _Scope) -> frozenset[Purl]:
    """The packages the report lists (each finding's), computed once per report."""
    if scope.packages is None:
        found = set()
        for f in scope.report.findings if scope.report is not None else ():
            pkg = f.package
            if pkg is not None:
                p = package_purl(pkg.purl, pkg.name, pkg.version, pkg.ecosystem)
                if p is not None:
                    found.add(p)
        scope.packages = frozenset(found)
    return scope.packages
