"""Report categories of findings, and the path and package-name helpers selections share.

NOTE: split from ``select.py`` (which re-exports every name) so a gate with the built-in
policy categorises findings without creating the selector dataclasses at import.
"""

from __future__ import annotations

import posixpath
from functools import lru_cache
from typing import TYPE_CHECKING

from gatekeeper.model import Kind

if TYPE_CHECKING:
    from gatekeeper.model import Finding, Report

CATEGORIES = ("secrets", "dependencies", "image", "iac", "dockerfile", "sast")

# NOTE: Trivy names Python lock files by their tool; the adapter maps them to pypi,
# but a finding from another source may still carry the raw type.
PYPI_NAMES = frozenset({"pypi", "pip", "pipenv", "poetry", "uv", "python-pkg", "python"})


def is_pypi(ecosystem: str | None) -> bool:
    return (ecosystem or "").lower() in PYPI_NAMES


def normalise_path(path: str) -> str:
    """``./src/a.py`` and ``/src/a.py`` -> ``src/a.py``, so globs are written once."""
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path.lstrip("/")


@lru_cache(maxsize=4096)  # NOTE: per distinct path, not per finding (thousands share a file)
def _is_dockerfile(path: str | None) -> bool:
    name = posixpath.basename(normalise_path(path or "")).lower()
    return name.startswith(("dockerfile", "containerfile")) or name.endswith((".dockerfile", ".containerfile"))


# NOTE: shared, not built per finding (50k findings); frozensets cannot change.
_SECRETS = frozenset({"secrets"})
_DEPENDENCIES = frozenset({"dependencies"})
_IMAGE_DEPENDENCIES = frozenset({"dependencies", "image"})
_DOCKERFILE = frozenset({"dockerfile"})
_IAC = frozenset({"iac"})
_SAST = frozenset({"sast"})


def categories_of(finding: Finding, report: Report | None = None) -> frozenset[str]:
    """The report categories a finding belongs to, for ``category:`` selections and ``required:``.

    Secrets are ``secrets``; vulnerable packages ``dependencies`` (and ``image`` when the report
    scanned an image); misconfigurations ``iac`` (``dockerfile`` when in a Dockerfile); code
    issues, hotspots and non-Dockerfile lint ``sast``.
    """
    kind = finding.kind
    if kind is Kind.SECRET:
        return _SECRETS
    if kind is Kind.VULNERABILITY or kind is Kind.LICENSE:
        image = report is not None and "image" in report.categories
        return _IMAGE_DEPENDENCIES if image else _DEPENDENCIES
    dockerfile = finding.tool == "hadolint" or _is_dockerfile(finding.location.path)
    if kind is Kind.MISCONFIGURATION:
        return _DOCKERFILE if dockerfile else _IAC
    if kind is Kind.LINT and dockerfile:
        return _DOCKERFILE
    return _SAST
