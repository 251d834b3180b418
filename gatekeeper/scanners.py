"""Scanner definitions for ``gatekeeper scan``: which image, which arguments, which exit codes.

Each scanner is a frozen ``Scanner``. The defaults below are pinned to versions (images and the
arguments those versions understand); a YAML file given with ``--scanner-config`` changes any
field of a default or adds a scanner of its own::

    scanners:
      trivy-fs:
        network: none                     # e.g. with a vulnerability DB mirrored in the image
        args: [fs, --skip-db-update, --format, json, --output, "{report}", "{workspace}"]
      pip-audit:
        enabled: true
      my-trivy:                           # a new scanner needs at least format and args
        format: trivy
        image: registry.example.com/trivy:0.59.1
        entrypoint: [trivy]
        args: [config, --format, json, --output, "{report}", "{workspace}"]

Placeholders in ``args`` (replaced inside each argument):
``{workspace}`` the scanned folder, ``{report}`` the report file the scanner must write,
``{image}`` and ``{image_archive}`` the image to scan and its ``docker save`` tarball; an
argument that is exactly ``{files}`` becomes the files matched by ``files`` (each after
``file_flag`` when set). Parsing YAML is pure; reading the file is the CLI's one call here.

``skip_warnings`` are regular expressions over the scanner's stderr lines, each with a group
``path`` (and optionally ``reason``): a line that matches names a file the scanner skipped, a
coverage gap on its report (the policy's ``reports: {gaps: ...}`` decides what it does).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

TRIVY_VERSION = "0.59.1"
GITLEAKS_VERSION = "8.30.1"
HADOLINT_VERSION = "2.15.1"
CHECKOV_VERSION = "3.3.30"
PIP_AUDIT_VERSION = "2.10.1"

RUNNERS = ("container", "local")
TARGETS = ("workspace", "image")
REPORT_CHANNELS = ("file", "stdout")


class ScannerConfigError(Exception):
    """The scanner configuration is invalid; the message starts with the file name."""


@dataclass(frozen=True)
class Scanner:
    """One scanner run: where it comes from, how it is called, what its exit codes mean."""

    name: str
    """Name used on the command line, in progress lines and in errors (``trivy-fs``)."""
    format: str
    """The adapter that reads its report (``trivy``, ``gitleaks`` ...)."""
    args: tuple[str, ...]
    """Arguments after the program, with placeholders."""
    image: str | None = None
    """Container image, pinned to a version; ``None`` when it runs only as a local binary."""
    entrypoint: tuple[str, ...] = ()
    """The program inside the image (overrides the image's own entrypoint)."""
    binary: str | None = None
    """The local program for ``runner: local``; defaults to the first word of ``entrypoint``."""
    runner: str = "container"
    """``container`` (the default, sandboxed) or ``local`` (a program on PATH, not sandboxed)."""
    target: str = "workspace"
    """What it scans: the ``workspace`` folder or a container ``image`` (needs ``--image``)."""
    report: str = "file"
    """Where the report appears: the ``{report}`` file, or the program's ``stdout``."""
    ok_exit_codes: frozenset[int] = frozenset({0})
    """Exit codes meaning "the scan ran" (with or without findings); any other is a failure."""
    network: str = "none"
    """Docker network mode: ``none`` unless the scanner must download something."""
    files: tuple[str, ...] = ()
    """Glob patterns (relative to the workspace) for ``{files}``; no match skips the scanner."""
    file_flag: str | None = None
    """Option written before each matched file (``-r`` for pip-audit)."""
    timeout: float = 600.0
    """Seconds before the run is stopped and the gate fails."""
    memory: str = "2g"
    """Memory limit (Docker syntax: ``512m``, ``2g``)."""
    cpus: float = 2.0
    """CPU limit, in CPUs."""
    environment: Mapping[str, str] = field(default_factory=dict)
    """Extra environment variables for the scanner."""
    enabled: bool = True
    """Run by default; a disabled scanner runs only when named with ``--scanner``."""
    skip_warnings: tuple[str, ...] = ()
    """Regular expressions (group ``path``, optionally ``reason``) matching stderr lines that
    say a file was skipped: each becomes a coverage gap."""

    @property
    def program(self) -> str:
        """The local program name for the ``local`` runner."""
        return self.binary or (self.entrypoint[0] if self.entrypoint else self.name)

    def render(
        self,
        workspace: str,
        report: str,
        image: str | None = None,
        image_archive: str | None = None,
        files: tuple[str, ...] = (),
    ) -> list[str]:
        """The argument list with placeholders filled in (paths as the scanner will see them)."""
        values = {
            "{workspace}": workspace,
            "{report}": report,
            "{image}": image or "",
            "{image_archive}": image_archive or "",
        }
        argv: list[str] = []
        for arg in self.args:
            if arg == "{files}":
                for name in files:
                    argv.extend([self.file_flag, name] if self.file_flag else [name])
                continue
            for key, value in values.items():
                arg = arg.replace(key, value)
            argv.append(arg)
        return argv


_OK_OR_FINDINGS = frozenset({0, 1})

DEFAULT_SCANNERS: Mapping[str, Scanner] = {
    s.name: s
    for s in (
        # NOTE: trivy exits 0 with or without findings unless --exit-code is given, so any
        # non-zero code is an error. The vulnerability DB is downloaded at each run: network.
        Scanner(
            name="trivy-fs",
            format="trivy",
            image=f"aquasec/trivy:{TRIVY_VERSION}",
            entrypoint=("trivy",),
            args=("fs", "--scanners", "vuln,secret", "--format", "json", "--output", "{report}", "{workspace}"),
            network="bridge",
        ),
        # Misconfiguration checks are embedded in the binary: --skip-check-update keeps them
        # pinned to the trivy version and needs no network.
        Scanner(
            name="trivy-config",
            format="trivy",
            image=f"aquasec/trivy:{TRIVY_VERSION}",
            entrypoint=("trivy",),
            args=("config", "--skip-check-update", "--format", "json", "--output", "{report}", "{workspace}"),
        ),
        Scanner(
            name="trivy-image",
            format="trivy",
            image=f"aquasec/trivy:{TRIVY_VERSION}",
            entrypoint=("trivy",),
            target="image",
            args=("image", "--input", "{image_archive}", "--scanners", "vuln,secret",
                  "--format", "json", "--output", "{report}"),
            network="bridge",
        ),
        # NOTE: gitleaks exits 1 both for "leaks found" and for fatal errors; --exit-code 0
        # makes findings exit 0 so that 1 can only mean an error.
        Scanner(
            name="gitleaks",
            format="gitleaks",
            image=f"zricethezav/gitleaks:v{GITLEAKS_VERSION}",
            entrypoint=("gitleaks",),
            args=("dir", "--no-banner", "--no-color", "--log-level", "warn", "--exit-code", "0",
                  "--report-format", "json", "--report-path", "{report}", "{workspace}"),
            # NOTE: gitleaks 8.x logs a file it cannot open and goes on (exit 0):
            # "6:51PM WRN skipping file: permission denied path=settings.py".
            skip_warnings=(r"\bWRN skipping file: (?P<reason>.*?) path=(?P<path>.+)$",),
        ),
        # hadolint lints the files it is given; it exits 1 when a finding reaches its
        # failure threshold, and also when it cannot parse a file: the report check tells.
        Scanner(
            name="hadolint",
            format="hadolint",
            image=f"hadolint/hadolint:v{HADOLINT_VERSION}",
            entrypoint=("hadolint",),
            args=("--no-color", "--format", "json", "{files}"),
            report="stdout",
            ok_exit_codes=_OK_OR_FINDINGS,
            files=("**/Dockerfile", "**/Dockerfile.*", "**/*.Dockerfile", "**/Containerfile"),
        ),
        Scanner(
            name="checkov",
            format="checkov",
            image=f"bridgecrew/checkov:{CHECKOV_VERSION}",
            entrypoint=("checkov",),
            args=("--directory", "{workspace}", "--output", "json", "--skip-download", "--quiet"),
            report="stdout",
            ok_exit_codes=_OK_OR_FINDINGS,
            memory="4g",
        ),
        # No pinned upstream image exists for pip-audit, and it always needs a vulnerability
        # service (PyPI or OSV over the network): it runs as a local program, on demand, or in
        # a container once the configuration names an image (``runner: container``).
        Scanner(
            name="pip-audit",
            format="pip-audit",
            entrypoint=("pip-audit",),
            binary="pip-audit",
            runner="local",
            args=("--no-deps", "--disable-pip", "--format", "json", "--output", "{report}", "{files}"),
            ok_exit_codes=_OK_OR_FINDINGS,
            files=("**/requirements*.txt",),
            file_flag="--requirement",
            network="bridge",
            enabled=False,
        ),
    )
}

_FIELDS = {f.name for f in fields(Scanner)} - {"name"}


def _check(source: str, where: str, ok: bool, message: str) -> None:
    if not ok:
        raise ScannerConfigError(f"{source}: {where}: {message}")


def _coerce(source: str, name: str, key: str, value: Any) -> Any:
    """Check one field's YAML value and turn it into the dataclass's type."""
    where = f"scanners.{name}.{key}"

    def strings(v: Any) -> tuple[str, ...]:
        _check(source, where, isinstance(v, list) and all(isinstance(x, (str, int, float)) for x in v),
               "must be a list of strings")
        return tuple(str(x) for x in v)

    if key in ("args", "entrypoint", "files"):
        return strings(value)
    if key == "skip_warnings":
        patterns = strings(value)
        for pattern in patterns:
            try:
                groups = re.compile(pattern).groupindex
            except re.error as e:
                raise ScannerConfigError(f"{source}: {where}: {pattern!r} is not a regular expression ({e})") from None
            _check(source, where, "path" in groups, f"{pattern!r} needs a group named 'path'")
        return patterns
    if key == "ok_exit_codes":
        _check(source, where, isinstance(value, list) and bool(value)
               and all(isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= 255 for x in value),
               "must be a non-empty list of exit codes (0-255)")
        return frozenset(value)
    if key in ("timeout", "cpus"):
        _check(source, where, isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0,
               "must be a positive number")
        return float(value)
    if key == "enabled":
        _check(source, where, isinstance(value, bool), "must be true or false")
        return value
    if key == "environment":
        _check(source, where, isinstance(value, dict) and all(isinstance(k, str) for k in value),
               "must be a mapping of names to values")
        return {k: str(v) for k, v in value.items()}
    choices = {"runner": RUNNERS, "target": TARGETS, "report": REPORT_CHANNELS}.get(key)
    if choices:
        _check(source, where, value in choices, f"must be one of: {', '.join(choices)}")
        return value
    _check(source, where, isinstance(value, (str, int)) and not isinstance(value, bool) and str(value) != "",
           "must be a non-empty string")
    return str(value)


def parse_scanner_config(doc: Any, source: str) -> dict[str, Scanner]:
    """The defaults with a decoded configuration document applied over them."""
    from gatekeeper.adapters import FORMATS

    scanners = dict(DEFAULT_SCANNERS)
    if doc is None:
        return scanners
    _check(source, "$", isinstance(doc, dict), "must be a mapping with a 'scanners' key")
    unknown = sorted(set(doc) - {"scanners"})
    _check(source, "$", not unknown, f"unknown key(s): {', '.join(map(str, unknown))}")
    entries = doc.get("scanners") or {}
    _check(source, "scanners", isinstance(entries, dict), "must be a mapping of scanner names")
    for name, entry in entries.items():
        _check(source, f"scanners.{name}", isinstance(name, str) and name.replace("-", "").replace("_", "").isalnum(),
               "a scanner name uses letters, digits, - and _ only")
        _check(source, f"scanners.{name}", isinstance(entry, dict), "must be a mapping")
        bad = sorted(set(entry) - _FIELDS)
        _check(source, f"scanners.{name}", not bad,
               f"unknown key(s): {', '.join(map(str, bad))} (known: {', '.join(sorted(_FIELDS))})")
        changes = {key: _coerce(source, name, key, value) for key, value in entry.items()}
        if name in scanners:
            scanners[name] = replace(scanners[name], **changes)
        else:
            for key in ("format", "args"):
                _check(source, f"scanners.{name}", key in changes, f"a new scanner needs '{key}'")
            scanners[name] = Scanner(name=name, **changes)
        fmt = scanners[name].format
        _check(source, f"scanners.{name}.format", fmt in FORMATS, f"must be one of: {', '.join(FORMATS)}")
        needs = "{report}" if scanners[name].report == "file" else None
        _check(source, f"scanners.{name}.args", needs is None or any(needs in a for a in scanners[name].args),
               "must contain {report} (or set report: stdout)")
    return scanners


def load_scanner_config(path: str | None) -> dict[str, Scanner]:
    """The scanners: the defaults, with the YAML file at ``path`` applied when given."""
    if path is None:
        return dict(DEFAULT_SCANNERS)
    import yaml

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise ScannerConfigError(f"{path}: cannot read: {e.strerror or e}") from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ScannerConfigError(f"{path}: invalid YAML: {e}") from None
    return parse_scanner_config(doc, path)
