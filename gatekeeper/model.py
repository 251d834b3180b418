"""The common findings model: what every adapter produces and the policy evaluates.

Every type is a frozen dataclass so findings can be shared, hashed into sets and
never change under a reporter's feet. The tool's own words (its severity, its ids,
its raw item) are kept beside the normalised ones so a reader can always see where
a decision came from.
"""

from __future__ import annotations

import datetime
import enum
import hashlib
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gatekeeper.speed import fast_init


class Severity(enum.IntEnum):
    """Normalised severity, ordered: ``CRITICAL > HIGH > MEDIUM > LOW > INFO``.

    ``UNKNOWN`` sorts lowest but is *not* "harmless": the policy decides how an
    unrated finding is treated (by default as high, so it fails closed).
    """

    UNKNOWN = 0
    INFO = 1
    LOW = 2
    MEDIUM = 3
    HIGH = 4
    CRITICAL = 5

    @property
    def label(self) -> str:
        return _SEVERITY_LABELS[self]  # NOTE: Enum.name is a slow descriptor; read per finding

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Parse a normalised severity name (``"high"``); raises ``ValueError``."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of: {names})") from None

    @classmethod
    def from_score(cls, score: float) -> Severity:
        """Map a CVSS-like 0-10 score as GitHub does for ``security-severity``."""
        if score >= 9.0:
            return cls.CRITICAL
        if score >= 7.0:
            return cls.HIGH
        if score >= 4.0:
            return cls.MEDIUM
        if score > 0.0:
            return cls.LOW
        return cls.INFO


_SEVERITY_LABELS = {s: s.name.lower() for s in Severity}


class Kind(str, enum.Enum):
    """What sort of problem a finding is."""

    VULNERABILITY = "vulnerability"
    MISCONFIGURATION = "misconfiguration"
    SECRET = "secret"
    LICENSE = "license"
    CODE_ISSUE = "code-issue"
    SECURITY_HOTSPOT = "security-hotspot"
    LINT = "lint"


class FixState(str, enum.Enum):
    """Whether a fix exists for the finding."""

    AVAILABLE = "available"
    """A fixed version or a remediation exists."""
    NONE = "none"
    """No fix exists yet (or the vendor will not fix)."""
    NOT_APPLICABLE = "not-applicable"
    """The idea does not apply (a secret, a lint rule, a misconfiguration)."""


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding is: a file region, or an artefact such as an image or a resource."""

    path: str | None = None
    """Repository-relative (or tool-given) file path."""
    start_line: int | None = None
    """First line, 1-based."""
    end_line: int | None = None
    """Last line, 1-based, inclusive."""
    target: str | None = None
    """The scanned artefact when it is not a file: image, SBOM, VM, cluster."""
    resource: str | None = None
    """A named resource inside the target: IaC resource, Kubernetes object, package."""
    layer: str | None = None
    """For a container image's package: the instruction that built the image layer it came
    in with (Trivy's ``Layer.CreatedBy``, ``/bin/sh -c apk add curl``), when the report says."""

    def display(self) -> str:
        """Human form: ``path:line``, ``target (resource)``, or ``-``."""
        parts: list[str] = []
        if self.path:
            text = self.path
            if self.start_line:
                text += f":{self.start_line}"
            parts.append(text)
        if self._target_adds():
            parts.append(str(self.target))
        if self.resource:
            parts.append(f"[{self.resource}]")
        return " ".join(parts) or "-"

    def _target_adds(self) -> bool:
        """Whether the target tells more than the path: not ``.`` (the folder scanned), not
        the path itself, not a folder the path lies under (``fixtures/targets/Dockerfile:9
        fixtures/targets`` says the folder twice)."""
        target = (self.target or "").rstrip("/")
        if not target or target == ".":
            return False
        path = self.path or ""
        return path != target and not path.startswith(target + "/")


@fast_init
@dataclass(frozen=True, slots=True, init=False)
class Package:
    """An affected software package."""

    name: str
    """Package name as the ecosystem spells it."""
    version: str | None = None
    """Installed version (a string: versions are compared per ecosystem, never as floats)."""
    fixed_versions: tuple[str, ...] = ()
    """Versions that fix the finding, as the tool lists them."""
    ecosystem: str | None = None
    """Ecosystem (``pypi``, ``npm``, ``alpine`` ...) where known."""
    purl: str | None = None
    """Package URL where the tool gives one."""


@dataclass(frozen=True)  # NOTE: few instances: no slots (0.2 ms of start-up each)
class Cvss:
    """A CVSS rating as given by the tool."""

    score: float | None
    """Base score 0-10."""
    vector: str | None = None
    """Vector string, e.g. ``CVSS:3.1/AV:N/...``."""
    version: str | None = None
    """``2``, ``3`` or ``4``."""
    source: str | None = None
    """Who rated it (``nvd``, ``ghsa``, a distribution ...)."""


@dataclass(frozen=True, slots=True)
class Suppression:
    """A suppression recorded by the scanner itself (not by our policy)."""

    kind: str
    """How it was suppressed: ``inSource``, ``external``, ``skipped`` ..."""
    justification: str | None = None
    """The reason given, when there is one."""


@fast_init
@dataclass(frozen=True, slots=True, init=False)
class Finding:
    """One problem reported by one tool, in the common model."""

    tool: str
    """Canonical tool name: ``trivy``, ``gitleaks``, ``checkov``, ``hadolint``,
    ``pip-audit``, ``sonarqube``, or the SARIF driver name."""
    kind: Kind
    """What sort of problem it is."""
    rule_id: str
    """The tool's rule or check id (a CVE id for vulnerability scanners)."""
    title: str
    """Short one-line title."""
    severity: Severity
    """Normalised severity."""
    message: str = ""
    """Longer description; may be empty."""
    tool_severity: str | None = None
    """The tool's own severity word or score, unchanged."""
    tool_version: str | None = None
    """Version of the tool that produced the report, where known."""
    location: Location = field(default_factory=Location)
    """Where the problem is."""
    package: Package | None = None
    """The affected package, for dependency findings."""
    fix: FixState = FixState.NOT_APPLICABLE
    """Whether a fix exists."""
    status: str | None = None
    """The tool's own fix status word where it has one (Trivy ``Status``)."""
    identifiers: tuple[str, ...] = ()
    """CVE, GHSA, CWE and other aliases, deduplicated, in the tool's order."""
    cvss: tuple[Cvss, ...] = ()
    """CVSS ratings given by the tool, most authoritative first."""
    links: tuple[str, ...] = ()
    """Reference URLs."""
    suppression: Suppression | None = None
    """Set when the tool itself suppressed or skipped this finding."""
    fingerprint: str = ""
    """Stable identity across repeated scans of the same code (see ``fingerprint``)."""
    raw: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)
    """The tool's original item, for reference (secret values redacted). For a report
    file, a ``RawRef`` that reads the file again when first used. Never print it."""

    @property
    def cvss_score(self) -> float | None:
        """The highest CVSS base score given, if any."""
        best: float | None = None
        for rating in self.cvss:
            score = rating.score
            if score is not None and (best is None or score > best):
                best = score
        return best


class RawRef(Mapping[str, Any]):
    """A finding's raw item that is not kept in memory: read again from its report on first use.

    NOTE: every finding holding its raw item kept each decoded report alive to the end of
    the gate (for six reports, twice the memory of the largest one decoded alone:
    bench/README.md). A report file's findings share one loader, which reads and adapts the
    file again the first time any of their items is wanted (``policy export`` wants
    gitleaks' fingerprints) and refuses if the file changed meanwhile.
    """

    __slots__ = ("_index", "_items")

    def __init__(self, items: Callable[[], Sequence[Mapping[str, Any] | None]], index: int) -> None:
        self._items = items
        self._index = index

    def _item(self) -> Mapping[str, Any]:
        return self._items()[self._index] or {}

    def __getitem__(self, key: str) -> Any:
        return self._item()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._item())

    def __len__(self) -> int:
        return len(self._item())

    def __repr__(self) -> str:
        return f"<raw item {self._index} of {self._items!r}, read again when used>"


def fingerprint(*parts: object) -> str:
    """A stable identity from the parts that identify a finding across scans.

    Adapters pass what identifies the problem (tool, rule, path, package, line ...),
    never what changes between runs (image digests, temporary paths, timestamps).
    """
    text = "\x1f".join(["" if p is None else p if type(p) is str else str(p) for p in parts])
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


_DIGEST = re.compile(r"@sha256:[0-9a-fA-F]+")


def strip_digest(text: str | None) -> str | None:
    """``repo/app@sha256:ab.. (alpine 3.18)`` -> ``repo/app (alpine 3.18)``: an image rebuilt
    under the same name is the same target, though its digest changes with every build."""
    return _DIGEST.sub("", text) if text else text


def dedupe(items: object) -> tuple[str, ...]:
    """Order-preserving de-duplication of non-empty strings."""
    if not items:
        return ()
    return tuple(dict.fromkeys([item for item in items if isinstance(item, str) and item]))  # type: ignore[attr-defined]


@dataclass(frozen=True)  # NOTE: few instances: no slots (0.2 ms of start-up each)
class Gap:
    """Something the scanner could not check (coverage gap), e.g. an unauditable dependency."""

    subject: str
    """What was not checked."""
    reason: str
    """Why, in the tool's words."""


@dataclass(frozen=True)
class Report:
    """One input report, adapted."""

    source: str
    """Where it came from: a file path, ``<stdin>``, or a URL."""
    tool: str
    """Canonical tool name (for SARIF: the driver name)."""
    format: str
    """The adapter that read it (``trivy``, ``sarif`` ...)."""
    findings: tuple[Finding, ...]
    """Every finding, including ones the tool suppressed."""
    tool_version: str | None = None
    """Version of the tool, where the report says."""
    target: str | None = None
    """What was scanned, where the report says (image name, directory ...)."""
    gaps: tuple[Gap, ...] = ()
    """What the tool could not check."""
    warnings: tuple[str, ...] = ()
    """Known deviations from the format that were accepted (named, never silent)."""
    categories: frozenset[str] = frozenset()
    """What this report covers: ``secrets``, ``dependencies``, ``image``, ``iac``,
    ``dockerfile``, ``sast``."""
    generated_at: datetime.datetime | None = None
    """When the scan ran (timezone-aware, UTC), where the report says: Trivy ``CreatedAt``,
    SARIF ``invocations[].endTimeUtc``. ``None`` for formats that carry no time."""
    sha256: str | None = None
    """SHA-256 (hex) of the bytes the report was read from, when asked for
    (``check --record``); ``None`` otherwise."""
    images: tuple[str, ...] = ()
    """For a container image scan: every reference the report gives the image (``repo:tag``,
    ``repo@sha256:...``, the image id), so VEX statements about the image can name it."""
