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
    by_id: dict[str, list[tuple[Statement, Product]]] = field(default_factory=dict)
    _scopes: dict[int, _Scope] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, documents: Sequence[VexDocument], trusted: Iterable[Statement] | None = None) -> VexIndex:
        """The index of ``trusted`` statements (default: every statement of ``documents``)."""
        index = cls(tuple(documents))
        chosen = trusted if trusted is not None else (s for d in documents for s in d.statements)
        for s in chosen:
            for p in s.products:
                for ident in dict.fromkeys(i.upper() for i in s.ids):
                    index.by_id.setdefault(ident, []).append((s, p))
        return index

    def decide(self, finding: Finding, report: Report | None) -> Statement | None:
        """The latest statement about the finding's vulnerability whose product covers it."""
        if not self.by_id:
            return None
        ids = (finding.rule_id, *finding.identifiers) if finding.identifiers else (finding.rule_id,)
        candidates: list[tuple[Statement, Product]] = []
        for ident in ids:
            found = self.by_id.get(ident.upper())
            if found:
                candidates.extend(found)
        if not candidates:
            return None
        pkg = finding.package
        purl = package_purl(pkg.purl, pkg.name, pkg.version, pkg.ecosystem) if pkg is not None else None
        version = (pkg.version if pkg is not None else None) or (purl.version if purl else None)
        scope = self._scope(report)
        best: Statement | None = None
        for s, product in candidates:
            if best is not None and _later(best, s):
                continue
            if _covers(product, purl, version, scope):
                best = s
        return best

    def _scope(self, report: Report | None) -> _Scope:
        if report is None:
            return _Scope(None, None, frozenset())
        scope = self._scopes.get(id(report))
        if scope is None:
            # NOTE: the scope keeps its report, so the id stays that report's while cached.
            scope = self._scopes[id(report)] = _Scope(image_of(report.images) if report.images else None, report)
        return scope


def _later(a: Statement, b: Statement) -> bool:
    """Whether ``a`` was made after ``b`` (time, then the order read; undated ones first)."""
    ta, tb = a.timestamp, b.timestamp
    if ta is not None and tb is not None and ta != tb:
        return ta > tb
    if (ta is None) != (tb is None):
        return tb is None
    return a.order > b.order


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
