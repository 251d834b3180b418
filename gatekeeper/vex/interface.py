"""The VEX model every format is read into: documents of statements about products.

A statement says, for one vulnerability (its id and aliases) and some products, one of the
four OpenVEX statuses. CycloneDX's ``analysis.state`` and CSAF's ``product_status`` are
mapped onto them by their readers (``cyclonedx.py``, ``csaf.py``). Only ``not_affected`` and
``fixed`` suppress a finding; ``affected`` and ``under_investigation`` change nothing, but
they still count when the latest statement for a vulnerability and product is chosen.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass


class VexError(Exception):
    """A VEX document that cannot be read or understood (exit 2, naming the file)."""


class VexStatus(str, enum.Enum):
    """The four OpenVEX statuses (the other formats' words are mapped onto these)."""

    NOT_AFFECTED = "not_affected"
    AFFECTED = "affected"
    FIXED = "fixed"
    UNDER_INVESTIGATION = "under_investigation"

    @property
    def suppresses(self) -> bool:
        return self in (VexStatus.NOT_AFFECTED, VexStatus.FIXED)


@dataclass(frozen=True)
class Product:
    """What a statement is about: a package URL, an image, or an id the document defines."""

    ids: tuple[str, ...]
    """Identifiers of the product: package URLs (``pkg:...``), image references, or other
    IRIs (compared as written). Several when the format gives several (a CSAF product's
    ``purl`` and its name)."""
    subcomponents: tuple[str, ...] = ()
    """Package URLs of components inside the product (OpenVEX ``subcomponents``): then the
    statement is about those components, in that product only."""
    label: str = ""
    """How the document names it, for messages."""
    versions: tuple[str, ...] = ()
    """CycloneDX ``affects[].versions``: only these versions (each a version or a ``vers:``
    range) of the product; empty: every version its ids cover."""


@dataclass(frozen=True)
class Statement:
    """One VEX statement, as read."""

    source: str
    """The document's path."""
    ref: str
    """Where in the document: ``statements[3]``, ``vulnerabilities[0]`` ..."""
    vulnerability: str
    """The vulnerability's id (CVE, GHSA ...), as written."""
    aliases: tuple[str, ...]
    """Other ids of the same vulnerability the statement gives."""
    products: tuple[Product, ...]
    status: VexStatus
    justification: str | None = None
    """The machine-readable justification (``vulnerable_code_not_present`` ...)."""
    impact: str | None = None
    """The human statement: OpenVEX ``impact_statement``/``status_notes``, CycloneDX
    ``analysis.detail``, CSAF threat ``details``."""
    timestamp: datetime.datetime | None = None
    """When it was made (a statement without one has its document's); timezone-aware."""
    author: str | None = None
    """Who made it (the document's author, publisher or supplier)."""
    state: str | None = None
    """The format's own status word when it is not the OpenVEX one (``false_positive``,
    ``known_not_affected`` ...)."""

    @property
    def ids(self) -> tuple[str, ...]:
        return (self.vulnerability, *self.aliases)

    def why(self) -> str:
        """The justification and impact statement in words (``no justification given``)."""
        parts = [p for p in (self.justification, self.impact) if p]
        return ": ".join(parts) if parts else "no justification given"


@dataclass(frozen=True)
class VexDocument:
    """One VEX file, read."""

    source: str
    """Its path, as given."""
    format: str
    """``openvex``, ``cyclonedx`` or ``csaf``."""
    statements: tuple[Statement, ...]
    author: str | None = None
    """The document's author, publisher or supplier."""
    ident: str | None = None
    """Its own id (OpenVEX ``@id``, CycloneDX ``serialNumber``, CSAF ``tracking.id``)."""
    sha256: str = ""
    """SHA-256 of the bytes read (decision records)."""
    components: tuple[tuple[str, str], ...] = ()
    """CycloneDX: (bom-ref, purl) of its components, so another document's BOM-Links
    (``urn:cdx:SERIAL/VERSION#REF``) can be resolved against it."""
    version: str | None = None
    """CycloneDX BOM version (with ``ident``, what a BOM-Link names)."""
