"""VEX documents: statements that a vulnerability does or does not affect a product.

``--vex FILE`` (repeatable), ``$GATEKEEPER_VEX`` or the policy's ``data: {vex: [...]}`` name
the documents; :func:`load_vex` reads them all (the format recognised from the content:
``openvex.py``, ``cyclonedx.py``, ``csaf.py``), applies the policy's ``vex:`` settings (trusted
authors, required justification) and indexes the statements (``match.py``). Everything here is
pure but the one read of each file; a document the gate cannot fully understand is a
``VexError`` naming the file and the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from urllib.parse import unquote

from gatekeeper.vex import csaf, cyclonedx, openvex
from gatekeeper.vex.interface import Product, Statement, VexDocument, VexError, VexStatus
from gatekeeper.vex.match import VexIndex

__all__ = ["Product", "Statement", "VexDocument", "VexError", "VexIndex", "VexSet", "VexStatus", "load_vex", "read_vex"]

FORMATS = (("openvex", openvex.is_openvex, openvex.parse), ("cyclonedx", cyclonedx.is_cyclonedx, cyclonedx.parse),
           ("csaf", csaf.is_csaf, csaf.parse))
"""The VEX formats, each with the test that recognises it and its reader."""


def read_vex(path: str) -> VexDocument:
    """The VEX document at ``path``; raises ``VexError`` naming the file and the reason."""
    from gatekeeper.sources.datafiles import read_data
    from gatekeeper.sources.decode import SourceError, decode_json

    # NOTE: read as the other data files are (the size cap, an empty file, a directory).
    try:
        data, digest = read_data(path, "VEX document")
        doc = decode_json(data, path)
    except SourceError as e:
        raise VexError(str(e)) from None
    for name, recognise, parse in FORMATS:
        if recognise(doc):
            try:
                return replace(parse(doc, path), sha256=digest)
            except RecursionError:
                raise VexError(f"{path}: nested too deeply") from None
    shape = "a JSON list" if isinstance(doc, list) else "a JSON object" if isinstance(doc, dict) else "a JSON value"
    raise VexError(
        f"{path}: not a VEX document gatekeeper reads ({shape} that is neither OpenVEX (@context openvex.dev/ns), "
        "CycloneDX (bomFormat) nor CSAF 2.0 (document.csaf_version))"
    )


@dataclass(frozen=True)
class VexSet:
    """The VEX documents of a gate, their index and what a reader must know of them."""

    documents: tuple[VexDocument, ...]
    index: VexIndex
    notices: tuple[str, ...] = ()
    untrusted: int = 0
    """Statements left out: their author is not among the policy's ``vex.authors``."""

    @property
    def files(self) -> tuple[tuple[str, str, str], ...]:
        """``(kind, path, sha256)`` of each document, for ``Verdict.data_files``."""
        return tuple(("vex", d.source, d.sha256) for d in self.documents)


def _author_listed(author: str | None, authors: Sequence[str]) -> bool:
    """The author as written, or its name without ``<email>``, case-insensitively."""
    if not author:
        return False
    names = {author.strip().casefold(), author.split("<", 1)[0].strip().casefold()}
    return any(a.strip().casefold() in names for a in authors)


def load_vex(paths: Sequence[str], authors: Sequence[str] | None = None, require_justification: bool = False) -> VexSet:
    """Read, check and index the documents at ``paths`` (in order: a later statement about the
    same vulnerability and product wins a tie of times)."""
    documents = [read_vex(p) for p in dict.fromkeys(paths)]
    if require_justification:
        for d in documents:
            for s in d.statements:
                if s.status is VexStatus.NOT_AFFECTED and not s.justification:
                    raise VexError(
                        f"{d.source}: {s.ref}: not_affected for {s.vulnerability} without a justification, "
                        "which the policy requires (vex: require_justification)"
                    )
    out, notices = _resolve_links(documents)
    trusted: list[Statement] = []
    left_out = 0
    for d in out:
        if not d.statements:
            why = "a BOM: its components resolve other documents' BOM-Links" if d.components else "it suppresses nothing"
            notices.append(f"VEX {d.source}: no statements ({why})")
        if authors is not None and not _author_listed(d.author, authors):
            left_out += len(d.statements)
            who = repr(d.author[:80]) if d.author else "no author"
            notices.append(f"VEX {d.source}: author {who} is not in the policy's vex.authors: its {len(d.statements)} statements were not applied")
            continue
        trusted.extend(d.statements)
    return VexSet(tuple(out), VexIndex.build(out, trusted), tuple(notices), left_out)


def _resolve_links(documents: list[VexDocument]) -> tuple[list[VexDocument], list[str]]:
    """CycloneDX BOM-Links (``urn:cdx:SERIAL/VERSION#REF``) -> the purl of the component they
    name, in a CycloneDX document given beside (or the REF itself when it is a purl)."""
    boms: dict[tuple[str, str | None], dict[str, str]] = {}
    for d in documents:
        if d.format == "cyclonedx" and d.ident:
            serial = d.ident.removeprefix("urn:uuid:").lower()
            boms[(serial, d.version)] = boms[(serial, None)] = dict(d.components)
    notices: list[str] = []
    unresolved: dict[str, None] = {}

    def resolve(ident: str) -> str:
        if not ident.startswith(cyclonedx.LINK):
            return ident
        body, _, ref = ident[len(cyclonedx.LINK):].partition("#")
        serial, _, version = body.partition("/")
        ref = unquote(ref)
        components = boms.get((serial.lower(), version or None)) or {}
        if ref in components:
            return components[ref]
        if ref.startswith("pkg:"):  # NOTE: a bom-ref that is a purl names that package even without its BOM
            return ref
        unresolved[ident] = None
        return ident

    out = []
    for d in documents:
        if d.format != "cyclonedx" or not any(i.startswith(cyclonedx.LINK) for s in d.statements for p in s.products for i in p.ids):
            out.append(d)
            continue
        statements = tuple(
            replace(s, products=tuple(replace(p, ids=tuple(resolve(i) for i in p.ids)) for p in s.products)) for s in d.statements
        )
        out.append(replace(d, statements=statements))
        if unresolved:
            shown = ", ".join(list(unresolved)[:3]) + (" ..." if len(unresolved) > 3 else "")
            notices.append(
                f"VEX {d.source}: {len(unresolved)} BOM-Links name a BOM not given with --vex ({shown}): "
                "their statements cover no finding"
            )
            unresolved.clear()
    return out, notices
