"""CSAF 2.0 VEX documents (OASIS CSAF 2.0, profile ``csaf_vex``): ``product_status`` as statements.

The shape::

    {"document": {"category": "csaf_vex", "csaf_version": "2.0",
                  "publisher": {"name": "Red Hat Product Security", "namespace": "https://..."},
                  "tracking": {"id": "...", "current_release_date": "2024-01-04T17:17:25+01:00"}},
     "product_tree": {"branches": [{"category": "vendor", "name": "...", "branches": [...,
                        {"product": {"product_id": "P1", "name": "...",
                                     "product_identification_helper": {"purl": "pkg:..."}}}]}],
                      "full_product_names": [...],
                      "relationships": [{"category": "default_component_of", "product_reference": "C1",
                                         "relates_to_product_reference": "P1",
                                         "full_product_name": {"product_id": "P1:C1", "name": "..."}}]},
     "vulnerabilities": [{"cve": "CVE-...", "ids": [{"system_name": "...", "text": "GHSA-..."}],
                          "product_status": {"known_not_affected": ["P1:C1"], "fixed": [...]},
                          "flags": [{"label": "vulnerable_code_not_present", "product_ids": ["P1:C1"]}],
                          "threats": [{"category": "impact", "details": "...", "product_ids": [...]}]}]}

Each product id of a ``product_status`` list is one statement. Statuses: ``known_not_affected``
-> not_affected (justification: the product's ``flags`` label; impact: its ``impact`` threat);
``fixed`` and ``first_fixed`` -> fixed; ``known_affected``, ``first_affected`` and
``last_affected`` -> affected; ``under_investigation``; ``recommended`` says nothing about
being affected and is skipped.

Products are named by ``product_identification_helper.purl`` (CSAF 2.1's ``purls`` too); a
product with neither (a CPE, a name) names nothing a scanner reports, so its statements cover
no finding. A relationship's product is its ``product_reference`` (the component) inside its
``relates_to_product_reference`` (as an OpenVEX subcomponent inside its product).
"""

from __future__ import annotations

from typing import Any

from gatekeeper.vex.fields import Fields
from gatekeeper.vex.interface import Product, Statement, VexDocument, VexStatus
from gatekeeper.vex.openvex import JUSTIFICATIONS

STATUSES = {
    "known_not_affected": VexStatus.NOT_AFFECTED,
    "fixed": VexStatus.FIXED,
    "first_fixed": VexStatus.FIXED,
    "known_affected": VexStatus.AFFECTED,
    "first_affected": VexStatus.AFFECTED,
    "last_affected": VexStatus.AFFECTED,
    "under_investigation": VexStatus.UNDER_INVESTIGATION,
    "recommended": None,
}


def is_csaf(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("document"), dict) and "csaf_version" in doc["document"]


def parse(doc: dict[str, Any], source: str) -> VexDocument:
    f = Fields(source)
    meta = f.get(doc, "document", dict, "$")
    version = f.get(meta, "csaf_version", str, "$.document")
    if version != "2.0":
        raise f.fail("$.document.csaf_version", f"CSAF {version[:20]!r} is not a version gatekeeper reads (2.0)")
    category = f.get(meta, "category", str, "$.document")
    if category != "csaf_vex":
        raise f.fail("$.document.category", f"{category[:40]!r} is not a VEX document (expected csaf_vex)")
    publisher = f.opt(meta, "publisher", dict, "$.document", default={})
    author = f.text(publisher, "name", "$.document.publisher")
    tracking = f.get(meta, "tracking", dict, "$.document")
    when = f.time(tracking, "current_release_date", "$.document.tracking")
    products = _products(f, f.opt(doc, "product_tree", dict, "$", default={}))
    groups = _groups(f, f.opt(doc, "product_tree", dict, "$", default={}))
    out = []
    for i, v in enumerate(f.opt(doc, "vulnerabilities", list, "$", default=[])):
        where = f"$.vulnerabilities[{i}]"
        out.extend(_statements(f, f.check(v, dict, where), where, products, groups, when, author))
    return VexDocument(source, "csaf", tuple(out), author=author, ident=f.text(tracking, "id", "$.document.tracking"))


def _purls(f: Fields, product: dict[str, Any], where: str) -> tuple[str, ...]:
    helper = f.opt(product, "product_identification_helper", dict, where, default={})
    at = f"{where}.product_identification_helper"
    found = [f.text(helper, "purl", at)]
    found.extend(str(p).strip() for p in f.opt(helper, "purls", list, at, default=[]))
    return tuple(dict.fromkeys(p for p in found if p))


def _products(f: Fields, tree: dict[str, Any]) -> dict[str, Product]:
    """Every product id of the tree -> the product it names."""
    named: dict[str, tuple[tuple[str, ...], str]] = {}

    def full(p: Any, where: str) -> None:
        f.check(p, dict, where)
        ident = f.text(p, "product_id", where)
        if ident is None:
            raise f.fail(f"{where}.product_id", "missing")
        named[ident] = (_purls(f, p, where), f.text(p, "name", where) or ident)

    def walk(branches: Any, where: str) -> None:
        for i, b in enumerate(f.check(branches, list, where)):
            at = f"{where}[{i}]"
            f.check(b, dict, at)
            if b.get("product") is not None:
                full(b["product"], f"{at}.product")
            if b.get("branches") is not None:
                walk(b["branches"], f"{at}.branches")

    if tree.get("branches") is not None:
        walk(tree["branches"], "$.product_tree.branches")
    for i, p in enumerate(f.opt(tree, "full_product_names", list, "$.product_tree", default=[])):
        full(p, f"$.product_tree.full_product_names[{i}]")
    out = {ident: Product(purls, label=name) for ident, (purls, name) in named.items()}
    for i, r in enumerate(f.opt(tree, "relationships", list, "$.product_tree", default=[])):
        at = f"$.product_tree.relationships[{i}]"
        f.check(r, dict, at)
        component = f.get(r, "product_reference", str, at)
        parent = f.get(r, "relates_to_product_reference", str, at)
        name = f.get(r, "full_product_name", dict, at)
        ident = f.text(name, "product_id", f"{at}.full_product_name")
        if ident is None:
            raise f.fail(f"{at}.full_product_name.product_id", "missing")
        inner = named.get(component, ((), component))[0]
        outer = named.get(parent, ((), parent))[0]
        label = f.text(name, "name", f"{at}.full_product_name") or ident
        out[ident] = Product(outer, inner, label=label) if inner else Product((), label=label)
    return out


def _groups(f: Fields, tree: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    out = {}
    for i, g in enumerate(f.opt(tree, "product_groups", list, "$.product_tree", default=[])):
        at = f"$.product_tree.product_groups[{i}]"
        f.check(g, dict, at)
        out[f.get(g, "group_id", str, at)] = tuple(str(p) for p in f.get(g, "product_ids", list, at))
    return out


def _by_product(f: Fields, items: list[Any], key: str, where: str, groups: dict[str, tuple[str, ...]]) -> tuple[dict[str, str], str | None]:
    """``flags`` labels or ``impact`` threat details by product id, and the one for every product."""
    out: dict[str, str] = {}
    every = None
    for i, item in enumerate(items):
        at = f"{where}[{i}]"
        f.check(item, dict, at)
        if key == "details" and f.text(item, "category", at) != "impact":
            continue
        value = f.text(item, key, at)
        if value is None:
            continue
        ids = [str(p) for p in f.opt(item, "product_ids", list, at, default=[])]
        for g in f.opt(item, "group_ids", list, at, default=[]):
            ids.extend(groups.get(str(g), ()))
        if not ids:
            every = value
        for p in ids:
            out.setdefault(p, value)
    return out, every


def _statements(
    f: Fields, v: dict[str, Any], where: str, products: dict[str, Product], groups: dict[str, tuple[str, ...]],
    when: Any, author: str | None,
) -> list[Statement]:
    ids = [f.text(v, "cve", where)]
    for j, item in enumerate(f.opt(v, "ids", list, where, default=[])):
        ids.append(f.text(f.check(item, dict, f"{where}.ids[{j}]"), "text", f"{where}.ids[{j}]"))
    names = list(dict.fromkeys(i for i in ids if i))
    if not names:
        raise f.fail(where, "a vulnerability needs a cve or ids")
    labels, label_all = _by_product(f, f.opt(v, "flags", list, where, default=[]), "label", f"{where}.flags", groups)
    for p, label in [*labels.items(), *([("", label_all)] if label_all else [])]:
        if label not in JUSTIFICATIONS:
            raise f.fail(f"{where}.flags", f"unknown flag label {label[:60]!r} (expected one of: {', '.join(sorted(JUSTIFICATIONS))})")
    impacts, impact_all = _by_product(f, f.opt(v, "threats", list, where, default=[]), "details", f"{where}.threats", groups)
    status_lists = f.opt(v, "product_status", dict, where, default={})
    out = []
    for key, listed in status_lists.items():
        at = f"{where}.product_status.{key}"
        if key not in STATUSES:
            raise f.fail(at, f"unknown product status {key[:40]!r} (expected one of: {', '.join(STATUSES)})")
        status = STATUSES[key]
        f.check(listed, list, at)
        if status is None:
            continue
        for j, ident in enumerate(listed):
            ident = f.check(ident, str, f"{at}[{j}]")
            if ident not in products:
                raise f.fail(f"{at}[{j}]", f"product {ident[:80]!r} is not in the product_tree")
            suppressing = status is VexStatus.NOT_AFFECTED
            out.append(Statement(
                source=f.source,
                ref=f"{at[2:]}[{j}]",
                vulnerability=names[0],
                aliases=tuple(names[1:]),
                products=(products[ident],),
                status=status,
                justification=(labels.get(ident) or label_all) if suppressing else None,
                impact=(impacts.get(ident) or impact_all) if suppressing else None,
                timestamp=when,
                author=author,
                state=key if key != status.value else None,
            ))
    return out
