"""CycloneDX VEX and VDR (spec 1.4 to 1.7): ``vulnerabilities[].analysis`` as statements.

The shape::

    {"bomFormat": "CycloneDX", "specVersion": "1.5", "serialNumber": "urn:uuid:...", "version": 1,
     "metadata": {"timestamp": "...", "supplier": {"name": "Acme"}, "authors": [{"name": "..."}]},
     "components": [{"bom-ref": "pkg:pypi/django@2.2.1", "purl": "pkg:pypi/django@2.2.1"}],
     "vulnerabilities": [{"id": "CVE-...", "references": [{"id": "GHSA-..."}],
                          "analysis": {"state": "not_affected", "justification": "code_not_reachable",
                                       "detail": "...", "lastUpdated": "..."},
                          "affects": [{"ref": "pkg:pypi/django@2.2.1",
                                       "versions": [{"version": "2.2.1", "status": "unaffected"}]}]}]}

States: ``not_affected`` and ``false_positive`` -> not_affected; ``resolved`` and
``resolved_with_pedigree`` -> fixed; ``exploitable`` -> affected; ``in_triage`` ->
under_investigation. A vulnerability without ``analysis.state`` is a finding (VDR), not a
statement.

``affects[].ref`` is resolved to the purl of the component with that ``bom-ref`` (in this
document, or, for a BOM-Link ``urn:cdx:SERIAL/VERSION#REF``, in another CycloneDX document
given with ``--vex``: ``load_vex``); a ref that is itself a purl names that package.
``affects[].versions`` narrow the product: for a suppressing state, to the versions listed
``unaffected``; for the others, to those listed ``affected`` (when there are any: entries of
the other status alone narrow nothing).
"""

from __future__ import annotations

from typing import Any

from gatekeeper.vex.fields import Fields
from gatekeeper.vex.interface import Product, Statement, VexDocument, VexStatus
from gatekeeper.vex.versions import RangeError, parse_range

STATES = {
    "not_affected": VexStatus.NOT_AFFECTED,
    "false_positive": VexStatus.NOT_AFFECTED,
    "resolved": VexStatus.FIXED,
    "resolved_with_pedigree": VexStatus.FIXED,
    "exploitable": VexStatus.AFFECTED,
    "in_triage": VexStatus.UNDER_INVESTIGATION,
}
JUSTIFICATIONS = frozenset({
    "code_not_present", "code_not_reachable", "requires_configuration", "requires_dependency",
    "requires_environment", "protected_by_compiler", "protected_at_runtime", "protected_at_perimeter",
    "protected_by_mitigating_control",
})
LINK = "urn:cdx:"


def is_cyclonedx(doc: Any) -> bool:
    return isinstance(doc, dict) and doc.get("bomFormat") == "CycloneDX"


def _components(f: Fields, items: Any, where: str, out: dict[str, str]) -> None:
    for i, c in enumerate(f.check(items, list, where)):
        at = f"{where}[{i}]"
        f.check(c, dict, at)
        ref, purl = f.text(c, "bom-ref", at), f.text(c, "purl", at)
        if ref:
            out[ref] = purl or ""
        if c.get("components") is not None:
            _components(f, c["components"], f"{at}.components", out)


def _author(f: Fields, meta: dict[str, Any]) -> str | None:
    for key in ("supplier", "manufacturer", "manufacture"):
        who = f.opt(meta, key, dict, "$.metadata", default={})
        name = f.text(who, "name", f"$.metadata.{key}")
        if name:
            return name
    authors = f.opt(meta, "authors", list, "$.metadata", default=[])
    names = [f.text(f.check(a, dict, "$.metadata.authors[]"), "name", "$.metadata.authors[]") for a in authors]
    return next((n for n in names if n), None)


def parse(doc: dict[str, Any], source: str) -> VexDocument:
    f = Fields(source)
    meta = f.opt(doc, "metadata", dict, "$", default={})
    when = f.time(meta, "timestamp", "$.metadata")
    author = _author(f, meta)
    refs: dict[str, str] = {}
    top = f.opt(meta, "component", dict, "$.metadata")
    if top is not None:
        _components(f, [top], "$.metadata.component", refs)
    if doc.get("components") is not None:
        _components(f, doc["components"], "$.components", refs)
    serial = f.text(doc, "serialNumber", "$")
    version = f.opt(doc, "version", int, "$")
    out = []
    for i, v in enumerate(f.opt(doc, "vulnerabilities", list, "$", default=[])):
        where = f"$.vulnerabilities[{i}]"
        f.check(v, dict, where)
        analysis = f.opt(v, "analysis", dict, where, default={})
        if analysis.get("state") is None:
            continue  # NOTE: no state (depscan writes "analysis": {}): a finding, not a statement
        out.append(_statement(f, v, where, refs, when, author))
    return VexDocument(
        source, "cyclonedx", tuple(out), author=author, ident=serial,
        components=tuple((r, p) for r, p in refs.items() if p), version=None if version is None else str(version),
    )


def _statement(f: Fields, v: dict[str, Any], where: str, refs: dict[str, str], when: Any, author: str | None) -> Statement:
    ident = f.text(v, "id", where)
    if ident is None:
        raise f.fail(f"{where}.id", "missing")
    aliases = []
    for j, r in enumerate(f.opt(v, "references", list, where, default=[])):
        alias = f.text(f.check(r, dict, f"{where}.references[{j}]"), "id", f"{where}.references[{j}]")
        if alias:
            aliases.append(alias)
    at = f"{where}.analysis"
    analysis = f.get(v, "analysis", dict, where)
    word = f.get(analysis, "state", str, at)
    if word not in STATES:
        raise f.fail(f"{at}.state", f"unknown analysis state {word[:40]!r} (expected one of: {', '.join(STATES)})")
    status = STATES[word]
    justification = f.text(analysis, "justification", at)
    if justification is not None and justification not in JUSTIFICATIONS:
        raise f.fail(f"{at}.justification", f"unknown justification {justification[:60]!r} (expected one of: {', '.join(sorted(JUSTIFICATIONS))})")
    wanted = "unaffected" if status.suppresses else "affected"
    products = []
    for j, a in enumerate(f.get(v, "affects", list, where)):
        place = f"{where}.affects[{j}]"
        f.check(a, dict, place)
        ref = f.text(a, "ref", place)
        if ref is None:
            raise f.fail(f"{place}.ref", "missing")
        versions = []
        for k, item in enumerate(f.opt(a, "versions", list, place, default=[])):
            spot = f"{place}.versions[{k}]"
            f.check(item, dict, spot)
            if (f.text(item, "status", spot) or "affected") != wanted:
                continue
            exact, span = f.text(item, "version", spot), f.text(item, "range", spot)
            if span:
                try:
                    parse_range(span)
                except RangeError as e:
                    raise f.fail(f"{spot}.range", str(e)) from None
            versions.extend(x for x in (exact, span) if x)
        # NOTE: versions of the other status describe where the vulnerability lies in general
        # (the spec's own example lists "affected" ranges under a not_affected analysis): they
        # narrow nothing; the ref alone names the component then.
        purl = refs.get(ref) or (ref if ref.startswith("pkg:") else "")
        products.append(Product((purl or ref,), label=ref, versions=tuple(versions)))
    if not products and not f.opt(v, "affects", list, where):
        raise f.fail(f"{where}.affects", "empty: the statement names no product")
    return Statement(
        source=f.source,
        ref=where[2:],
        vulnerability=ident,
        aliases=tuple(dict.fromkeys(a for a in aliases if a != ident)),
        products=tuple(products),
        status=status,
        justification=justification,
        impact=f.text(analysis, "detail", at),
        timestamp=f.time(analysis, "lastUpdated", at) or f.time(v, "updated", where) or f.time(analysis, "firstIssued", at)
        or f.time(v, "published", where) or when,
        author=author,
        state=word if word != status.value else None,
    )
