"""OpenVEX documents (https://github.com/openvex/spec): 0.2.0, 0.0.1 and the pre-0.0.1 drafts.

The shape (0.2.0)::

    {"@context": "https://openvex.dev/ns/v0.2.0", "@id": "...", "author": "...",
     "timestamp": "2023-07-17T18:28:47-06:00", "version": 1,
     "statements": [{"vulnerability": {"name": "CVE-2023-3446", "aliases": ["GHSA-..."]},
                     "products": [{"@id": "pkg:oci/alpine@sha256%3A124c...",
                                   "identifiers": {"purl": "..."},
                                   "subcomponents": [{"@id": "pkg:apk/alpine/libssl3@3.0.8-r3"}]}],
                     "status": "not_affected", "justification": "vulnerable_code_not_present",
                     "impact_statement": "...", "timestamp": "..."}]}

NOTE: 0.0.1 (``@context`` ``https://openvex.dev/ns/v0.0.1`` or the unversioned
``https://openvex.dev/ns``) writes the vulnerability and the products as plain strings and may
list ``subcomponents`` on the statement (they apply to each product). A statement without a
``timestamp`` has its document's (spec: "inherited"). The spec requires a ``not_affected``
statement to carry a justification or an impact statement: one with neither is refused.
"""

from __future__ import annotations

from typing import Any

from gatekeeper.vex.fields import Fields
from gatekeeper.vex.interface import Product, Statement, VexDocument, VexStatus

CONTEXTS = frozenset({"https://openvex.dev/ns", "https://openvex.dev/ns/v0.0.1", "https://openvex.dev/ns/v0.2.0"})
JUSTIFICATIONS = frozenset({
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "inline_mitigations_already_exist",
})


def is_openvex(doc: Any) -> bool:
    context = doc.get("@context") if isinstance(doc, dict) else None
    return isinstance(context, str) and context.rstrip("/").startswith("https://openvex.dev/ns")


def parse(doc: dict[str, Any], source: str) -> VexDocument:
    f = Fields(source)
    context = str(doc.get("@context")).rstrip("/")
    if context not in CONTEXTS:
        raise f.fail("$.@context", f"OpenVEX {context[:60]!r} is not a version gatekeeper reads (0.0.1, 0.2.0)")
    author = f.text(doc, "author", "$")
    when = f.time(doc, "last_updated", "$") or f.time(doc, "timestamp", "$")
    statements = f.get(doc, "statements", list, "$")
    out = []
    for i, item in enumerate(statements):
        where = f"$.statements[{i}]"
        out.append(_statement(f, f.check(item, dict, where), where, author, when))
    return VexDocument(source, "openvex", tuple(out), author=author, ident=f.text(doc, "@id", "$"))


def _statement(f: Fields, s: dict[str, Any], where: str, author: str | None, when: Any) -> Statement:
    vuln = f.get(s, "vulnerability", (str, dict), where)
    aliases: tuple[str, ...] = ()
    if isinstance(vuln, dict):
        at = f"{where}.vulnerability"
        name = f.text(vuln, "name", at) or f.text(vuln, "@id", at)
        if name is None:
            raise f.fail(f"{at}.name", "missing")
        aliases = tuple(str(a).strip() for a in f.opt(vuln, "aliases", list, at, default=[]) if str(a).strip())
    else:
        name = vuln.strip()
        if not name:
            raise f.fail(f"{where}.vulnerability", "empty")
    word = f.get(s, "status", str, where)
    try:
        status = VexStatus(word)
    except ValueError:
        names = ", ".join(v.value for v in VexStatus)
        raise f.fail(f"{where}.status", f"unknown status {word[:40]!r} (expected one of: {names})") from None
    justification = f.text(s, "justification", where)
    if justification is not None and justification not in JUSTIFICATIONS:
        names = ", ".join(sorted(JUSTIFICATIONS))
        raise f.fail(f"{where}.justification", f"unknown justification {justification[:60]!r} (expected one of: {names})")
    impact = f.text(s, "impact_statement", where) or f.text(s, "status_notes", where)
    if status is VexStatus.NOT_AFFECTED and justification is None and impact is None:
        raise f.fail(where, "a not_affected statement needs a justification or an impact_statement (OpenVEX spec)")
    shared = tuple(_ids(f, c, f"{where}.subcomponents[{j}]") [0] for j, c in enumerate(f.opt(s, "subcomponents", list, where, default=[])))
    products = []
    for j, p in enumerate(f.get(s, "products", list, where)):
        at = f"{where}.products[{j}]"
        ids = _ids(f, p, at)
        subs = list(shared)
        if isinstance(p, dict):
            for k, c in enumerate(f.opt(p, "subcomponents", list, at, default=[])):
                subs.extend(_ids(f, c, f"{at}.subcomponents[{k}]"))
        products.append(Product(ids, tuple(dict.fromkeys(subs)), label=ids[0]))
    if not products:
        raise f.fail(f"{where}.products", "empty: a statement must name the products it is about")
    return Statement(
        source=f.source,
        ref=where[2:],
        vulnerability=name,
        aliases=aliases,
        products=tuple(products),
        status=status,
        justification=justification,
        impact=impact,
        timestamp=f.time(s, "last_updated", where) or f.time(s, "timestamp", where) or when,
        author=f.text(s, "author", where) or author,
    )


def _ids(f: Fields, item: Any, where: str) -> tuple[str, ...]:
    """A product's or subcomponent's identifiers: its ``@id`` and ``identifiers.purl``."""
    if isinstance(item, str):
        if not item.strip():
            raise f.fail(where, "empty product id")
        return (item.strip(),)
    f.check(item, dict, where)
    ids = [f.text(item, "@id", where)]
    identifiers = f.opt(item, "identifiers", dict, where, default={})
    ids.append(f.text(identifiers, "purl", f"{where}.identifiers"))
    found = tuple(dict.fromkeys(i for i in ids if i))
    if not found:
        # NOTE: a product named only by a CPE or by hashes is valid OpenVEX, but names nothing a
        # scanner reports a finding in: kept under its CPE, it covers no finding (as in CSAF).
        cpe = f.text(identifiers, "cpe23", f"{where}.identifiers") or f.text(identifiers, "cpe22", f"{where}.identifiers")
        if cpe is None and not item.get("hashes"):
            raise f.fail(where, "a product needs an @id, identifiers (purl, cpe23, cpe22) or hashes")
        return (cpe or "hashes",)
    return found
