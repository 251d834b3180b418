"""The gate pipeline: one frozen request in, one verdict out.

Every command that ends in a verdict (``check``, ``scan``, ``approve``, ``replay``) builds a
``GateRequest`` and calls :func:`run_gate` (or its two halves, when it must do something
between them: ``scan`` runs the scanners after the policy is known to be valid)::

    request -> prepare (policy, baseline, approval record, VEX) -> load (reports) -> decide -> Verdict

Everything that makes the gate impossible to evaluate is a ``GateError`` (exit 2) whose
message names the file and the reason. The pipeline reads its inputs (through ``sources``,
``policy``, ``baseline`` and ``approval``) and never writes anything: outputs are the
caller's.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from gatekeeper.model import Report
from gatekeeper.verdict import Verdict

if TYPE_CHECKING:
    from gatekeeper.approval import ApprovalRecord
    from gatekeeper.baseline import Baseline
    from gatekeeper.change import Change
    from gatekeeper.policy import Policy
    from gatekeeper.risk import RiskData
    from gatekeeper.vex import VexSet


class GateError(Exception):
    """Something that makes the gate impossible to evaluate (exit 2)."""


# NOTE: the request and its prepared inputs are NamedTuples: immutable as a frozen
# dataclass is, but made in about 0.1 ms instead of 0.6 ms at start-up (a dataclass's
# generated methods), which every gate pays before reading a byte (bench/README.md).
class GateRequest(NamedTuple):
    """Everything a gate decides on, frozen. Room for the data sources later issues add."""

    reports: tuple[str, ...] = ()
    """Report files, directories (every report in them) and ``-`` (standard input)."""
    format: str | Mapping[str, str] | None = None
    """Read every report as this format instead of recognising it (``--format``), or a report
    path (normalised) -> its format, where ``""`` stands for every other report."""
    sonar: Any = None
    """A SonarQube project to read too (``sources.sonarqube.SonarSettings``), or ``None``."""
    policy_path: str | None = None
    """The policy file; ``None``: the built-in default."""
    environment: str | None = None
    """The policy environment (``--env``)."""
    baseline_path: str | None = None
    """Known findings (``--baseline``): only new ones fail."""
    approval_path: str | None = None
    """A signed approval record (``--approval``) applied to the verdict."""
    today: datetime.date | None = None
    """The evaluation day (exception expiry, the baseline ratchet); ``None``: today."""
    now: datetime.datetime | None = None
    """The time report ages are measured at; ``None``: now."""
    digest: bool = False
    """Keep the SHA-256 of each report's bytes (``Report.sha256``) for a decision record."""
    diff_path: str | None = None
    """A unified diff (``--diff``; ``-``: standard input): judge the change it makes."""
    diff_base: str | None = None
    """A git ref (``--diff-base``): judge the diff of ``HEAD`` against its merge base with it."""
    diff_filter: str = "added"
    """``--diff-filter``: which findings of a changed file are in the change (``added``, ``context``, ``file``)."""
    policy_pins: tuple[tuple[str, str], ...] = ()
    """Remote policy files (URL, SHA-256) whose bytes are known (a decision record's): read
    from the cache by that digest even when the ``extends`` has no pin of its own."""
    offline: bool = False
    """Never contact a server for a remote policy file: the cache or nothing (``replay``)."""
    approvers_path: str | None = None
    """Trusted approvers' public keys (``--approvers``: a PEM file or a directory): the approval
    record must be signed by one of them; ``None``: by the shared HMAC key."""
    kev_path: str | None = None
    """CISA's KEV catalog (``--kev``, ``$GATEKEEPER_KEV``); ``None``: the policy's ``data: {kev}``."""
    epss_path: str | None = None
    """FIRST's EPSS scores (``--epss``, ``$GATEKEEPER_EPSS``); ``None``: the policy's ``data: {epss}``."""
    vex_paths: tuple[str, ...] = ()
    """VEX documents (``--vex``, ``$GATEKEEPER_VEX``); empty: the policy's ``data: {vex}`` (a
    replay names the recorded ones: ``$GATEKEEPER_VEX`` is read by the CLI, never here)."""


class Prepared(NamedTuple):
    """What a request decides with, read and checked before any report is."""

    request: GateRequest
    policy: Policy
    baseline: Baseline | None = None
    approval: ApprovalRecord | None = None
    change: Change | None = None
    """The change judged (``--diff``, ``--diff-base``), read and parsed."""
    risk: RiskData | None = None
    """The KEV catalog and EPSS scores, when given (on the request or by the policy)."""
    vex: VexSet | None = None
    """The VEX documents read and indexed, when any is named."""


def prepare(request: GateRequest) -> Prepared:
    """Read the policy, the baseline and the approval record, or a ``GateError`` saying why not."""
    from gatekeeper.policy import PolicyError, resolve_policy

    remote = None
    if request.policy_pins or request.offline:
        from gatekeeper.sources.remote import FetchOptions

        remote = FetchOptions(dict(request.policy_pins), request.offline)
    try:
        policy = resolve_policy(request.policy_path, request.environment, remote)
    except PolicyError as e:
        raise GateError(str(e)) from None
    approval = None
    if request.approval_path:
        from gatekeeper.approval import ApprovalError, read_record

        try:
            approval = read_record(request.approval_path, os.environ, request.approvers_path)
        except ApprovalError as e:
            raise GateError(str(e)) from None
    baseline = load_baseline(request.baseline_path) if request.baseline_path else None
    change = load_change(request) if request.diff_path or request.diff_base else None
    risk = load_risk(request.kev_path or policy.kev_path, request.epss_path or policy.epss_path, policy)
    vex = None
    paths = request.vex_paths or policy.vex_paths
    if paths:  # NOTE: the VEX readers are imported only when a document is named
        from gatekeeper.vex import VexError, load_vex

        try:
            vex = load_vex(paths, policy.vex_authors, policy.vex_require_justification)
        except VexError as e:
            raise GateError(f"{e}; the gate was not evaluated") from None
    return Prepared(request, policy, baseline, approval, change, risk, vex)


def load(request: GateRequest) -> list[Report]:
    """Every report the request names, and its SonarQube project's, or a ``GateError``."""
    loaded = load_reports(request.reports, request.format, digest=request.digest) if request.reports else []
    if request.sonar is not None:
        from gatekeeper.adapters import AdapterError
        from gatekeeper.sources import SourceError
        from gatekeeper.sources.sonarqube import load_sonarqube

        try:
            loaded.extend(load_sonarqube(request.sonar))
        except (SourceError, AdapterError) as e:
            raise GateError(f"{e}; the gate was not evaluated") from None
    return loaded


def decide(prepared: Prepared, reports: Sequence[Report]) -> Verdict:
    """The verdict on ``reports``: evaluated, then the approval record applied."""
    from gatekeeper.policy import evaluate

    request = prepared.request
    verdict = evaluate(
        reports, prepared.policy, today=request.today or datetime.date.today(), baseline=prepared.baseline, now=request.now,
        change=prepared.change,
        risk=prepared.risk,
        vex=prepared.vex,
    )
    if prepared.approval is not None:
        from gatekeeper.approval import apply

        assert request.approval_path is not None
        verdict = apply(verdict, prepared.approval, request.approval_path)
    return verdict


def run_gate(request: GateRequest) -> Verdict:
    """The whole pipeline: the verdict on the request, or a ``GateError``."""
    prepared = prepare(request)
    return decide(prepared, load(request))


def load_reports(reports: Sequence[str], fmt: str | Mapping[str, str] | None, digest: bool = False) -> list[Report]:
    """Every report named (directories expanded), or a ``GateError`` listing each one that failed."""
    from gatekeeper.adapters import AdapterError
    from gatekeeper.sources import SourceError, expand_paths, load_report

    try:
        names = list(expand_paths(reports))
    except SourceError as e:
        raise GateError(str(e)) from None
    # NOTE: the largest file first, and only the last one read keeps its raw items in
    # memory (the others' are read again if ever wanted: model.RawRef). The peak is then
    # about the largest report decoded alone, plus the findings of the rest; and a single
    # report is not freed just before the process exits (0.04 s for 50k findings).
    order = sorted(range(len(names)), key=lambda i: -_size(names[i]))
    loaded: dict[int, Report] = {}
    errors: dict[int, str] = {}
    for n, i in enumerate(order):
        try:
            chosen = fmt if fmt is None or isinstance(fmt, str) else fmt.get(os.path.normpath(names[i]), fmt.get(""))
            loaded[i] = load_report(names[i], chosen, keep_raw=n == len(order) - 1, digest=digest)
        except (SourceError, AdapterError) as e:
            errors[i] = str(e)
    if errors:
        listed = "\n".join(errors[i] for i in sorted(errors))
        raise GateError(listed + f"\n{len(errors)} of {len(names)} reports could not be read; the gate was not evaluated")
    return [loaded[i] for i in range(len(names))]


def _size(name: str) -> int:
    try:
        return os.stat(name).st_size
    except OSError:  # standard input, or unreadable (reading it says why)
        return 0


def load_risk(kev_path: str | None, epss_path: str | None, policy: Policy) -> RiskData | None:
    """The KEV catalog and EPSS scores named (the request's, else the policy's ``data:``), or a
    ``GateError`` naming the file and the reason. A policy with an EPSS condition and no
    scores to apply it is an error too: it would otherwise pass what it cannot score."""
    if not epss_path and policy.uses_epss():
        raise GateError(
            f"{policy.name}: the policy decides by EPSS (fail_on_epss, ...) but no EPSS scores were given "
            "(--epss FILE, $GATEKEEPER_EPSS or data: {epss: FILE}; gatekeeper data fetch downloads them)"
        )
    if not kev_path and not epss_path:
        return None
    from gatekeeper.risk import RiskData, RiskDataError, parse_epss, parse_kev
    from gatekeeper.sources import SourceError
    from gatekeeper.sources.datafiles import read_data

    files: list[tuple[str, str, str]] = []
    kev = epss = None
    try:
        if kev_path:
            data, digest = read_data(kev_path, "KEV catalog")
            kev = parse_kev(data, kev_path)
            files.append(("kev", kev_path, digest))
        if epss_path:
            data, digest = read_data(epss_path, "EPSS scores")
            epss = parse_epss(data, epss_path)
            files.append(("epss", epss_path, digest))
    except (SourceError, RiskDataError) as e:
        raise GateError(f"{e}; the gate was not evaluated") from None
    return RiskData(kev, epss, tuple(files))


def load_baseline(path: str) -> Baseline:
    """The baseline at ``path`` (``--baseline``), or a ``GateError`` saying why not."""
    from gatekeeper.baseline import BaselineError, read_baseline

    try:
        return read_baseline(path)
    except BaselineError as e:
        raise GateError(str(e)) from None


def load_change(request: GateRequest) -> Change:
    """The change ``--diff``/``--diff-base`` names, read and parsed, or a ``GateError`` saying why not."""
    from gatekeeper.change import Change, ChangeError, Filter, parse_diff
    from gatekeeper.sources import SourceError
    from gatekeeper.sources.git import git_diff, read_diff

    if request.diff_path and request.diff_base:
        raise GateError("--diff and --diff-base name two changes: give one")
    try:
        if request.diff_base:
            text = git_diff(request.diff_base)
            against = f"{text.base_ref} (merge base {(text.merge_base or '')[:12]})"
        else:
            assert request.diff_path is not None
            text = read_diff(request.diff_path)
            against = f"diff {text.source}"
        diff = parse_diff(text.text, text.source)
    except (SourceError, ChangeError) as e:
        raise GateError(f"{e}; the gate was not evaluated") from None
    root = text.root or os.environ.get("GITHUB_WORKSPACE") or os.getcwd()
    return Change(diff, Filter(request.diff_filter), against, text.base_ref, text.merge_base, root, text.sha256)
