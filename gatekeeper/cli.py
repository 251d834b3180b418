"""The command line: parse options, build objects, run, exit with one code.

Exit codes (never a count: they wrap at 256):
  0  the gate passed (possibly with warnings)
  1  the policy was violated
  2  the gate could not be evaluated: bad usage, or a report or policy that is missing,
     unreadable, malformed or unrecognised, or an approval record that cannot be trusted
  3  the gate needs a person's approval (docs/approval.md)
"""

from __future__ import annotations

import datetime
import os
import sys
from typing import Any, NamedTuple

import click

from gatekeeper import __version__
from gatekeeper.gate import GateError, GateRequest, run_gate
from gatekeeper.cli_options import attest_options, check_formats_named, format_option, output_options
from gatekeeper.reporters import FILE_OUTPUTS

EXIT_PASSED = 0
EXIT_VIOLATED = 1
EXIT_ERROR = 2
EXIT_NEEDS_APPROVAL = 3
DIFF_FILTERS = ("added", "context", "file")
"""``--diff-filter``'s choices: ``gatekeeper.change.Filter``'s values (a test holds them equal;
written here so a gate without a diff does not import the change's modules)."""

__all__ = ["EXIT_ERROR", "EXIT_NEEDS_APPROVAL", "EXIT_PASSED", "EXIT_VIOLATED", "GateError", "cli", "main"]


class _LazyGroup(click.Group):
    """A command group some of whose commands live in another module, imported when one of
    them is run or listed (``--help``): a gate does not build commands it does not run."""

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}
        """Command name -> ``module:attribute``."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy and name not in self.commands:
            module, _, attr = self.lazy[name].partition(":")
            self.add_command(getattr(__import__(module, fromlist=[attr]), attr), name)
        return super().get_command(ctx, name)


@click.group(
    cls=_LazyGroup,
    lazy={"baseline": "gatekeeper.cli_beyond:baseline", "images": "gatekeeper.cli_beyond:images",
          "replay": "gatekeeper.cli_beyond:replay", "verify": "gatekeeper.cli_attest:verify",
          "data": "gatekeeper.cli_data:data"},
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="gatekeeper")
def cli() -> None:
    """gatekeeper: a security gate over scanner reports."""


class Seconds(click.FloatRange):
    """A number of seconds that ends: ``inf``, ``nan`` and more than a week are refused (a
    timeout that never ends, or one the operating system cannot hold, is no timeout)."""

    name = "number"
    LONGEST = 7 * 24 * 3600.0

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        import math

        seconds = super().convert(value, param, ctx)
        if not math.isfinite(seconds) or seconds > self.LONGEST:
            self.fail(f"{value!r} is not a number of seconds up to {self.LONGEST:g} (a week)", param, ctx)
        return seconds


class Outputs(NamedTuple):
    """Where a verdict goes, frozen; shared by every command that ends in one (``check``, ``scan``).

    NOTE: a NamedTuple, not a frozen dataclass: 0.5 ms less of every start-up."""

    files: tuple[tuple[str, str], ...] = ()
    """(output name, path) for each report file asked for (``-``: standard output)."""
    colour: bool | None = None
    """Colour on the console; ``None``: on a terminal, unless ``NO_COLOR``."""
    max_listed: int = 50
    """Failing findings listed on the console."""
    annotations: bool | None = None
    """GitHub workflow annotations on stdout; ``None``: when ``GITHUB_ACTIONS=true``."""
    explain: bool = False
    """Also print, finding by finding, what decided it (``--explain``)."""
    github: bool | None = None
    """Step summary and step outputs for GitHub Actions; ``None``: when ``GITHUB_ACTIONS=true``."""
    record: tuple[str, Any] | None = None
    """``(path, record.RecordInputs)`` for a decision record (``--record``)."""
    attest: tuple[str, Any] | None = None
    """``(path, attestation.AttestInputs)`` for a signed attestation (``--attest``)."""
    pr_comment: tuple[str | None, float] | None = None
    """``(comment id or None: the policy's name, timeout)`` to post the summary on the pull
    request (``--pr-comment``)."""

    def path(self, name: str) -> str | None:
        return dict(self.files).get(name)

    def to_stdout(self) -> bool:
        """True when a machine-readable output goes to stdout (then people read stderr)."""
        return any(path == "-" for _, path in self.files) or (self.attest is not None and self.attest[0] == "-")


def pr_comment_from(options: dict[str, Any]) -> tuple[str | None, float] | None:
    """``Outputs.pr_comment`` from ``--pr-comment``, ``--pr-comment-id`` and
    ``--pr-comment-timeout`` (taken out of ``options``)."""
    wanted = options.pop("pr_comment", False)
    name, timeout = options.pop("pr_comment_id", None), options.pop("pr_comment_timeout", 10.0)
    if name is not None and not wanted:
        raise click.UsageError("--pr-comment-id is given without --pr-comment")
    return (name, timeout) if wanted else None


def outputs_from(options: dict[str, Any], **settings: Any) -> Outputs:
    """The ``Outputs`` of a command's output options (taken out of ``options``)."""
    files = tuple((spec.name, path) for spec in FILE_OUTPUTS if (path := options.pop(f"{spec.name}_path", None)))
    attest = settings.get("attest")
    if sum(1 for _, path in files if path == "-") + (attest is not None and attest[0] == "-") > 1:
        raise click.UsageError("only one output can go to standard output (-)")
    return Outputs(files=files, **settings)


@cli.command(short_help="Gate scanner reports: files, directories, stdin.")
@click.argument("reports", nargs=-1, metavar="REPORT...")
@format_option()
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False), help="Policy file (YAML).")
@output_options
@click.option("--color/--no-color", "colour", default=None, help="Force colour on or off (default: on a terminal, unless NO_COLOR).")
@click.option("--max-listed", default=50, show_default=True, type=click.IntRange(min=0), help="Failing findings listed on the console.")
@click.option(
    "--annotations/--no-annotations",
    default=None,
    help="Print GitHub workflow annotations (::error ...) to stdout (default: on when GITHUB_ACTIONS=true).",
)
@click.option(
    "--github-outputs/--no-github-outputs",
    default=None,
    help="Append the Markdown summary to $GITHUB_STEP_SUMMARY and the result, counts and report paths to $GITHUB_OUTPUT (default: on when GITHUB_ACTIONS=true).",
)
@click.option("--env", "env", envvar="GATEKEEPER_ENV", metavar="NAME", help="Apply the policy's overlay for this environment (default: $GATEKEEPER_ENV).")
@click.option("--explain", is_flag=True, help="Show, finding by finding, the rule, exception or setting that decided it.")
@click.option(
    "--approval",
    "approval_path",
    metavar="FILE",
    help="A signed approval record (gatekeeper approve) for the findings that need approval; checked with --approvers, else $GATEKEEPER_APPROVAL_KEY.",
)
@click.option(
    "--approvers", "approvers_path", envvar="GATEKEEPER_APPROVERS", metavar="KEYS",
    help="Trusted approvers' public keys (a PEM file or a directory of them; default: $GATEKEEPER_APPROVERS): --approval must be signed by one.",
)
@click.option("--baseline", "baseline_path", metavar="FILE", help="Known findings (gatekeeper baseline create): fail only on new ones.")
@click.option("--record", "record_path", metavar="FILE", help="Write a decision record (inputs' digests, every decision) for gatekeeper replay.")
@click.option("--diff", "diff_path", metavar="FILE", help="Judge the change this unified diff makes (- reads stdin): findings outside it are reported but do not fail.")
@click.option("--diff-base", metavar="REF", help="Judge the change of HEAD against its merge base with REF (git diff; fetch the history: fetch-depth: 0).")
@click.option(
    "--diff-filter", type=click.Choice(DIFF_FILTERS), default="added", show_default=True,
    help="In the change: findings on added lines, within the diff's hunks (context), or anywhere in a changed file.",
)
@click.option("--pr-comment", is_flag=True, help="Post the Markdown summary as a comment on the pull request (GitHub) or merge request (GitLab), updating the gate's earlier comment (docs/pull-requests.md).")
@click.option("--pr-comment-id", metavar="NAME", help="Tell this gate's comment apart from other gates' on the same pull request (default: the policy's name and environment).")
@click.option("--pr-comment-timeout", default=10.0, show_default=True, type=Seconds(min=0, min_open=True), metavar="SECONDS", help="Timeout of each request posting the comment.")
@click.option(
    "--kev", "kev_path", envvar="GATEKEEPER_KEV", metavar="FILE",
    help="CISA's KEV catalog (JSON): a listed vulnerability fails whatever its severity (default: $GATEKEEPER_KEV, else the policy's data: kev).",
)
@click.option(
    "--epss", "epss_path", envvar="GATEKEEPER_EPSS", metavar="FILE",
    help="FIRST's EPSS scores (CSV, plain or gzip) for the policy's EPSS conditions (default: $GATEKEEPER_EPSS, else the policy's data: epss).",
)
@click.option(
    "--vex", "vex_paths", multiple=True, metavar="FILE",
    # $GATEKEEPER_VEX holds several paths, separated as PATH is (os.pathsep), not by spaces as click would.
    callback=lambda ctx, param, values: tuple(values) or tuple(p for p in os.environ.get("GATEKEEPER_VEX", "").split(os.pathsep) if p.strip()),
    help="A VEX document (OpenVEX, CycloneDX, CSAF 2.0): its not_affected and fixed statements suppress the findings "
         "they cover (repeatable; default: $GATEKEEPER_VEX, then the policy's data: vex).",
)
@click.option("--sonar-url", metavar="URL", help="Also gate a project read from this SonarQube/SonarCloud server (token: $SONAR_TOKEN).")
@click.option("--sonar-project", metavar="KEY", help="SonarQube project key (with --sonar-url).")
@click.option("--sonar-branch", metavar="NAME", help="Read this branch's analysis instead of the main branch's.")
@click.option("--sonar-pull-request", metavar="ID", help="Read this pull request's analysis.")
@click.option("--sonar-organization", metavar="KEY", help="Organization key (SonarCloud).")
@click.option("--sonar-wait/--sonar-no-wait", default=None, help="Wait for the analysis task to finish first (default: when --sonar-task-id is given).")
@click.option("--sonar-task-id", metavar="ID", help="Analysis task to wait for (default: ceTaskId of .scannerwork/report-task.txt).")
@click.option("--sonar-wait-timeout", default=300.0, show_default=True, type=Seconds(min=0), metavar="SECONDS", help="Longest wait for the analysis task.")
@click.option("--sonar-timeout", default=30.0, show_default=True, type=Seconds(min=0, min_open=True), metavar="SECONDS", help="Timeout of each SonarQube request.")
@click.option("--sonar-ca-bundle", type=click.Path(dir_okay=False), metavar="FILE", help="PEM file of CA certificates to trust for the SonarQube server.")
@attest_options
def check(
    reports: tuple[str, ...],
    fmt: str | dict[str, str] | None,
    policy_path: str | None,
    colour: bool | None,
    max_listed: int,
    annotations: bool | None,
    github_outputs: bool | None,
    env: str | None,
    explain: bool,
    approval_path: str | None,
    approvers_path: str | None,
    baseline_path: str | None,
    record_path: str | None,
    attest_path: str | None,
    signing_key: str | None,
    resource: str | None,
    diff_path: str | None,
    diff_base: str | None,
    diff_filter: str,
    kev_path: str | None,
    epss_path: str | None,
    vex_paths: tuple[str, ...] = (),
    **options: Any,
) -> Finished:
    """Gate REPORT files (a directory stands for every report in it; - reads stdin).

    Exit codes: 0 passed, 1 policy violated, 2 the gate could not be evaluated,
    3 needs a person's approval.
    """
    sonar = {name: options.pop(name) for name in list(options) if name.startswith("sonar_")}
    sonar_settings = None
    # NOTE: the SonarQube client (1.5 ms of a small gate's start-up) is imported only when a
    # --sonar-* option names something; the two timeouts always have values.
    if any(value for name, value in sonar.items() if name not in ("sonar_wait_timeout", "sonar_timeout")):
        from gatekeeper.sources.sonarqube import settings_from_options

        try:
            sonar_settings = settings_from_options(sonar, os.environ)
        except ValueError as e:
            raise click.UsageError(str(e)) from None
    if not reports and not sonar_settings:
        raise click.UsageError("no report given (pass report files, a directory, - for standard input, or --sonar-url)")
    if list(reports).count("-") + (diff_path == "-") > 1:
        what = "a report and the diff (--diff -)" if diff_path == "-" else "two reports"
        raise click.UsageError(f"standard input (-) can be read only once, not for {what}: write one of them to a file")
    if diff_path and diff_base:
        raise click.UsageError("--diff and --diff-base name two changes: give one")
    if not (diff_path or diff_base) and click.get_current_context().get_parameter_source("diff_filter") is click.core.ParameterSource.COMMANDLINE:
        raise click.UsageError("--diff-filter needs the change to filter: give --diff FILE or --diff-base REF")
    check_formats_named(fmt, reports)
    record = None
    if record_path:
        from gatekeeper.record import RecordInputs

        record = (record_path, RecordInputs(policy_path, env, fmt, baseline_path, approval_path, approvers_path=approvers_path))
    attest = _attest_inputs(attest_path, signing_key, resource, baseline_path, approval_path, approvers_path)
    outputs = outputs_from(
        options, colour=colour, max_listed=max_listed, annotations=annotations, explain=explain, github=github_outputs,
        record=record, attest=attest, pr_comment=pr_comment_from(options),
    )
    request = GateRequest(
        reports=reports, format=fmt, sonar=sonar_settings, policy_path=policy_path, environment=env,
        baseline_path=baseline_path, approval_path=approval_path, approvers_path=approvers_path, diff_path=diff_path,
        diff_base=diff_base, diff_filter=diff_filter,
        vex_paths=vex_paths,
        # NOTE: a decision record holds each report's digest, taken from the bytes the gate
        # read, and the day it was decided on.
        today=record[1].today if record else None, digest=record is not None or attest is not None,
        kev_path=kev_path or None, epss_path=epss_path or None,
    )
    return deliver(run_gate(request), outputs)


class Finished(NamedTuple):
    """What a gate command returns: its exit code, and the verdict.

    NOTE: the verdict goes back to ``main`` and lives until the process ends, which then
    leaves without freeing it (``_exit_now``): dropped when the command returned, its
    50,000 findings were freed one by one first (0.12 s of a 1.2 s gate, bench/README.md).
    """

    code: int
    verdict: Any


def deliver(verdict: Any, outputs: Outputs) -> Finished:
    """Print the summary, write every output; the exit code for the verdict."""
    from gatekeeper import output
    from gatekeeper.reporters.console import ConsoleFormat

    stream = sys.stderr if outputs.to_stdout() else sys.stdout
    if outputs.explain:
        from gatekeeper.reporters.explain import ExplainFormat

        stream.write(ExplainFormat().format(verdict) + "\n")
    text = ConsoleFormat(colour=output.use_colour(stream, outputs.colour), limit=outputs.max_listed).format(verdict)
    stream.write(text)
    stream.flush()
    write_reports(verdict, outputs)
    if outputs.pr_comment is not None:
        post_pr_comment(verdict, *outputs.pr_comment)
    return Finished(exit_code(verdict.status), verdict)


def post_pr_comment(verdict: Any, name: str | None, timeout: float) -> None:
    """The Markdown summary as the gate's comment on the pull request; a failure is a
    warning on stderr and never changes the exit code (docs/pull-requests.md)."""
    from gatekeeper import output
    from gatekeeper.reporters.escape import message_lines
    from gatekeeper.reporters.markdown import MarkdownFormat

    from gatekeeper import pr_comment

    token = ""
    try:
        target = pr_comment.target_from_env(os.environ)
        token = target.token
        root = os.environ.get("GITHUB_WORKSPACE") or os.environ.get("CI_PROJECT_DIR") or os.getcwd()
        markdown = MarkdownFormat(root=root).format(verdict)
        done = pr_comment.publish(markdown, name or pr_comment.comment_id(verdict.policy_name, verdict.environment),
                                  target, timeout=timeout)
        output.err(message_lines(f"gatekeeper: {done}"))
    except Exception as e:  # noqa: BLE001 - a comment never decides the gate
        reason = str(e) if isinstance(e, pr_comment.CommentError) else f"internal error: {type(e).__name__}"
        if token:
            reason = reason.replace(token, "***")
        output.err(message_lines(f"gatekeeper: warning: no pull-request comment posted: {reason}; the verdict stands"))


def write_reports(verdict: Any, outputs: Outputs) -> None:
    """Annotations, then every output of the run together: all of them, or none (exit 2)."""
    from gatekeeper import output

    # Paths in reports are made relative to the checkout (GitHub wants repository paths).
    root = os.environ.get("GITHUB_WORKSPACE") or os.getcwd()
    annotate = outputs.annotations if outputs.annotations is not None else os.environ.get("GITHUB_ACTIONS") == "true"
    if annotate:
        from gatekeeper.reporters.annotations import AnnotationsFormat

        # The runner reads workflow commands on stderr too; stdout may carry a report.
        stream = sys.stderr if outputs.to_stdout() else sys.stdout
        stream.write(AnnotationsFormat(root=root).format(verdict))
        stream.flush()
    files: list[Any] = []
    kinds = [name.upper() for name, _ in outputs.files]
    if outputs.files:
        # NOTE: imported only for a report to write: a console-only gate loads no other reporter.
        from gatekeeper.reporters import reporter_for

        files = [output.report(path, reporter_for(name, root=root), verdict) for name, path in outputs.files]
    if outputs.record is not None:
        from gatekeeper.record import record_document

        files.append(output.document(outputs.record[0], record_document(verdict, outputs.record[1])))
        kinds.append("decision record")
    if outputs.attest is not None:
        from gatekeeper.attestation import envelope_text

        files.append(output.document(outputs.attest[0], envelope_text(verdict, outputs.attest[1])))
        kinds.append("signed attestation")
    github = outputs.github if outputs.github is not None else os.environ.get("GITHUB_ACTIONS") == "true"
    appends = write_github(verdict, outputs) if github else []
    if not files and not appends:
        return
    try:
        output.write_outputs(files, appends)
    except KeyboardInterrupt:  # or SIGTERM (output.write_outputs): every temporary file is gone
        raise GateError("interrupted while writing the outputs: none was written; the gate was not evaluated") from None
    for o, kind in zip(files, kinds):
        say_written(o.path, kind)


def say_written(path: str, kind: str) -> None:
    """``wrote PATH (KIND, SIZE)`` on stderr, for a file written (not standard output): the
    console summary on stdout stays the verdict alone."""
    from gatekeeper import output
    from gatekeeper.reporters.escape import terminal

    if path == "-":
        return
    try:
        size = os.stat(path).st_size
    except OSError:  # gone already: say nothing of its size
        output.err(f"wrote {terminal(path, 300)} ({kind})")
        return
    shown = f"{size} B" if size < 1000 else f"{size / 1000:.1f} kB" if size < 1_000_000 else f"{size / 1_000_000:.1f} MB"
    output.err(f"wrote {terminal(path, 300)} ({kind}, {shown})")


def write_github(verdict: Any, outputs: Outputs) -> list[Any]:
    """What to append to ``$GITHUB_STEP_SUMMARY`` (the summary) and ``$GITHUB_OUTPUT`` (the
    step outputs): ``output.Append``s, written with the run's other outputs.

    Appended, never replaced: the runner gives one file per step and earlier commands of
    the step may have written to it. An unset or empty variable skips that file.
    """
    from gatekeeper import github
    from gatekeeper.output import Append
    from gatekeeper.reporters.markdown import MarkdownFormat

    appends: list[Any] = []
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    markdown = outputs.path("markdown")
    # `--markdown "$GITHUB_STEP_SUMMARY"` has written it already: do not show it twice.
    if summary and not (markdown and os.path.abspath(markdown) == os.path.abspath(summary)):
        appends.append(Append(summary, github.step_summary(MarkdownFormat().format(verdict))))
    if os.environ.get("GITHUB_OUTPUT"):
        paths = {spec.name: outputs.path(spec.name) for spec in FILE_OUTPUTS}
        appends.append(Append(os.environ["GITHUB_OUTPUT"], github.output_lines(github.step_outputs(verdict, paths))))
    return appends


def exit_code(status: Any) -> int:
    """The process exit code for a verdict status."""
    from gatekeeper.verdict import Status

    return {
        Status.PASSED: EXIT_PASSED,
        Status.WARNED: EXIT_PASSED,
        Status.FAILED: EXIT_VIOLATED,
        Status.NEEDS_APPROVAL: EXIT_NEEDS_APPROVAL,
    }[status]


@cli.command(short_help="Run the scanners in containers, then gate their reports.")
@click.argument("path", default=".", metavar="[PATH]", type=click.Path(exists=True, file_okay=False))
@click.option("--image", "image_ref", metavar="REF", help="Also scan this container image (it must be in the Docker engine).")
@click.option("--scanner", "names", multiple=True, metavar="NAME", help="Run only this scanner (repeatable); default: every enabled one.")
@click.option("--scanner-config", "config_path", type=click.Path(dir_okay=False), help="YAML file that changes or adds scanners.")
@click.option("--local", "local_names", multiple=True, metavar="NAME", help="Run this scanner as a local program instead of a container (repeatable; 'all').")
@click.option("--timeout", type=Seconds(min=0, min_open=True), help="Seconds allowed per scanner (overrides the configuration).")
@click.option("--engine-timeout", type=Seconds(min=0, min_open=True), metavar="SECONDS", help="Seconds the Docker engine may take to answer one request (default: 30).")
@click.option("--pull", type=click.Choice(["missing", "never"]), default="missing", show_default=True, help="Pull a scanner image the engine does not have.")
@click.option("--user", metavar="UID:GID", help="Container user (default: yours; 65532 when run as root).")
@click.option("--reports-dir", metavar="DIR", help="Also keep each scanner's raw report as DIR/NAME.json.")
def scan(
    path: str,
    image_ref: str | None,
    names: tuple[str, ...],
    config_path: str | None,
    local_names: tuple[str, ...],
    timeout: float | None,
    engine_timeout: float | None,
    pull: str,
    user: str | None,
    reports_dir: str | None,
    policy_path: str | None,
    env: str | None,
    colour: bool | None,
    max_listed: int,
    annotations: bool | None,
    explain: bool,
    baseline_path: str | None,
    approval_path: str | None,
    approvers_path: str | None,
    attest_path: str | None,
    signing_key: str | None,
    resource: str | None,
    **options: Any,
) -> Finished:
    """Run the scanners on PATH (default: .) in containers, then gate their reports as check does.

    A scanner that fails (missing image, error exit, crash, timeout, no report) fails the gate
    closed. Exit codes: 0 passed, 1 policy violated, 2 the gate could not be evaluated,
    3 needs a person's approval.
    """
    from dataclasses import replace

    from gatekeeper import output
    from gatekeeper.gate import decide, prepare
    from gatekeeper.scanners import ScannerConfigError, load_scanner_config
    from gatekeeper.sources.docker_runner import Progress, ScanSettings, collect

    # An image scanned by digest is what the attestation is about, unless --resource says otherwise.
    pinned_image = image_ref if image_ref and "@sha256:" in image_ref else None
    attest = _attest_inputs(attest_path, signing_key, resource or pinned_image, baseline_path, approval_path, approvers_path)
    outputs = outputs_from(options, colour=colour, max_listed=max_listed, annotations=annotations, explain=explain,
                           pr_comment=pr_comment_from(options), attest=attest)
    try:
        available = load_scanner_config(config_path)
    except ScannerConfigError as e:
        raise GateError(str(e)) from None
    # The policy, baseline and approval are read before any scanner runs: a bad one fails fast.
    prepared = prepare(GateRequest(
        policy_path=policy_path, environment=env, baseline_path=baseline_path, approval_path=approval_path,
        approvers_path=approvers_path,
        vex_paths=options.pop("vex_paths", ()),
        diff_path=options.pop("diff_path", None), diff_base=options.pop("diff_base", None),
        diff_filter=options.pop("diff_filter", "added"),
        kev_path=options.pop("kev_path", None) or None, epss_path=options.pop("epss_path", None) or None,
    ))
    for name in (*names, *(n for n in local_names if n != "all")):
        if name not in available:
            raise click.BadParameter(f"unknown scanner {name!r} (known: {', '.join(available)})") from None
    if names:
        chosen = [available[n] for n in dict.fromkeys(names)]
    else:
        chosen = [s for s in available.values() if s.enabled and (s.target == "workspace" or image_ref)]
    for s in chosen:
        if s.target == "image" and not image_ref:
            raise click.UsageError(f"scanner {s.name} scans a container image: give --image REF")
    if image_ref and not any(s.target == "image" for s in chosen):
        raise click.UsageError("--image was given but no chosen scanner scans images")
    if not chosen:
        raise click.UsageError("no scanner to run (every scanner is disabled; name one with --scanner)")
    chosen = [replace(s, runner="local") if "all" in local_names or s.name in local_names else s for s in chosen]

    settings = ScanSettings(timeout=timeout, pull=pull, user=user, engine_timeout=engine_timeout)
    try:
        outcomes, errors = collect(chosen, path, image_ref, settings, Progress(sys.stderr))
    except KeyboardInterrupt:
        # NOTE: raised here, not left to click, whose standalone mode turns it into exit 1.
        raise GateError("interrupted: the scan was stopped and its container removed; the gate was not evaluated") from None
    if reports_dir:
        for outcome in outcomes:
            output.write_file(f"{reports_dir}/{outcome.scanner.name}.json", outcome.raw.decode("utf-8", "replace"))
            say_written(f"{reports_dir}/{outcome.scanner.name}.json", f"{outcome.scanner.name}'s report")
    if errors:
        raise GateError("\n".join(errors) + f"\n{len(errors)} of {len(chosen)} scanners failed; the gate was not evaluated")
    if not outcomes:
        raise GateError("no scanner produced a report (every one was skipped); the gate was not evaluated")
    reports = [o.report for o in outcomes]
    if attest is not None:
        import hashlib

        # NOTE: the digest of the bytes the scanner wrote (and --reports-dir keeps), as check
        # takes it of a report file.
        reports = [replace(o.report, sha256=hashlib.sha256(o.raw).hexdigest()) for o in outcomes]
    return deliver(decide(prepared, reports), outputs)


# `scan` ends in the same gate as `check`: it takes check's policy, output, baseline and
# approval options as they are. Not --record: its reports are not files a replay could
# read again (keep them with --reports-dir and gate them with check --record).
_GATE_OPTIONS = ("policy_path", "env", *(f"{spec.name}_path" for spec in FILE_OUTPUTS), "colour", "max_listed",
                 "annotations", "explain", "baseline_path", "approval_path", "approvers_path", "pr_comment",
                 "pr_comment_id", "pr_comment_timeout", "attest_path", "signing_key", "resource", "vex_paths",
                 "diff_path", "diff_base", "diff_filter",
                 "kev_path", "epss_path")
scan.params.extend(p for name in _GATE_OPTIONS for p in check.params if p.name == name)


@cli.command(short_help="Sign a person's approval of the findings that need it.")
@click.argument("reports", nargs=-1, required=True, metavar="REPORT...")
@click.option("--approver", required=True, envvar="GATEKEEPER_APPROVER", metavar="NAME", help="Who approves (default: $GATEKEEPER_APPROVER).")
@click.option("--reason", required=True, metavar="TEXT", help="Why the findings may ship (a ticket, a change number).")
@click.option("-o", "--output", "output_path", required=True, metavar="FILE", help="Where to write the signed approval record (- for stdout).")
@click.option(
    "--signing-key", "signing_key", metavar="KEY",
    help="Sign with the approver's own PEM private key (Ed25519 or ECDSA P-256; passphrase: $GATEKEEPER_SIGNING_KEY_PASSWORD) instead of $GATEKEEPER_APPROVAL_KEY.",
)
def approve(
    reports: tuple[str, ...],
    approver: str,
    reason: str,
    output_path: str,
    signing_key: str | None,
    fmt: str | dict[str, str] | None,
    policy_path: str | None,
    env: str | None,
    baseline_path: str | None,
    vex_paths: tuple[str, ...] = (),
    diff_path: str | None = None,
    diff_base: str | None = None,
    diff_filter: str = "added",
    kev_path: str | None = None,
    epss_path: str | None = None,
) -> int:
    """Record a person's approval of the findings in REPORTs that need it (docs/approval.md).

    Evaluates like check (with the gate's --baseline, if it has one), then writes a record
    of exactly the findings that need approval, signed with the approver's --signing-key (check
    it with check --approvers) or with $GATEKEEPER_APPROVAL_KEY; pass it to check --approval.
    Exit codes: 0 written, 1 the gate fails whatever is approved,
    2 nothing to approve or the gate could not be evaluated.
    """
    from gatekeeper import approval, output
    from gatekeeper.reporters.console import ConsoleFormat
    from gatekeeper.reporters.escape import terminal
    from gatekeeper.verdict import Status

    key: Any
    try:
        if signing_key:
            from gatekeeper.signing import SigningError, read_private_key

            try:
                key = read_private_key(signing_key, os.environ)
            except SigningError as e:
                raise GateError(str(e)) from None
        else:
            key = approval.key_from_env(os.environ)
    except approval.ApprovalError as e:
        raise GateError(str(e)) from None
    check_formats_named(fmt, reports)
    if list(reports).count("-") + (diff_path == "-") > 1:
        raise click.UsageError("standard input (-) can be read only once: write the report or the diff to a file")
    # NOTE: approve judges what check will judge: with the gate's --diff, the findings outside
    # the change need no approval, and are not in the record.
    verdict = run_gate(GateRequest(
        reports=reports, format=fmt, policy_path=policy_path, environment=env, baseline_path=baseline_path,
        vex_paths=vex_paths, diff_path=diff_path, diff_base=diff_base, diff_filter=diff_filter,
        kev_path=kev_path or None, epss_path=epss_path or None,
    ))
    if verdict.status is Status.FAILED:
        sys.stderr.write(ConsoleFormat(colour=output.use_colour(sys.stderr), limit=20).format(verdict))
        output.err("gatekeeper: the gate fails whatever is approved: fix or except the failing findings first; no record written")
        return EXIT_VIOLATED
    try:
        record = approval.build(verdict, approver, reason, datetime.datetime.now(datetime.timezone.utc))
    except approval.ApprovalError as e:
        raise GateError(str(e)) from None
    output.write_file(output_path, approval.dumps(record, key))
    env_text = f" in environment {terminal(record.environment, 60)}" if record.environment else ""
    output.err(f"gatekeeper: {terminal(record.approver, 200)} approved {len(record.findings)} finding{'' if len(record.findings) == 1 else 's'}{env_text} ({output_path}):")
    if not isinstance(key, bytes):
        output.err(f"gatekeeper: signed with {terminal(key.source, 300)} ({key.algorithm}, keyid {key.keyid[:16]}): check it with --approvers and its public key")
    for a in record.findings[:50]:
        pkg = f" {a.package}" if a.package else ""
        output.err(f"  {a.severity:<8} {terminal(f'{a.tool} {a.rule}{pkg} at {a.location}', 300)}")
    if len(record.findings) > 50:
        output.err(f"  ... and {len(record.findings) - 50} more (every one is in {output_path})")
    return EXIT_PASSED


approve.params.extend(
    p for name in ("fmt", "policy_path", "env", "baseline_path", "vex_paths", "diff_path", "diff_base", "diff_filter",
                   "kev_path", "epss_path")
    for p in check.params if p.name == name
)


@cli.group(short_help="Write, check, compare and export policy files.", cls=_LazyGroup, lazy={"export": "gatekeeper.cli_beyond:policy_export", "diff": "gatekeeper.cli_beyond:policy_diff"})
def policy() -> None:
    """Write, check and describe policy files (reference: docs/policy.md)."""


@policy.command("validate", short_help="Check policy files, reporting every error.")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--env", "env", metavar="NAME", help="Check only this environment (default: the base and every environment).")
def policy_validate(files: tuple[str, ...], env: str | None) -> None:
    """Check policy FILEs, reporting every error; exit 2 when any file is invalid."""
    from gatekeeper.policy.commands import validate_files

    result = validate_files(list(files), env, datetime.date.today())
    from gatekeeper.reporters.escape import message_lines

    # NOTE: the lines name files given on the command line and values read from them: inert
    # on a terminal and to a CI runner, as every message built from input is (issue 21).
    click.echo(message_lines("\n".join(result.lines), max_lines=100_000), err=bool(result.errors))
    if result.errors:
        raise GateError(f"{result.errors} of {len(files)} policy files are invalid")


@policy.command("init", short_help="Write a commented starter policy.")
@click.argument("file", required=False, default="-", metavar="[FILE]")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
def policy_init(file: str, force: bool) -> None:
    """Write a commented starter policy to FILE (default: standard output)."""
    import os

    from gatekeeper import output
    from gatekeeper.policy.commands import starter_policy

    if file != "-" and os.path.exists(file) and not force:
        raise click.BadParameter(f"{file} exists (use --force to overwrite)", param_hint="FILE") from None
    output.write_file(file, starter_policy())


@policy.command("schema", short_help="Print the policy JSON Schema.")
def policy_schema() -> None:
    """Print the policy JSON Schema (for editor completion and validation)."""
    from gatekeeper.policy.commands import schema_text

    sys.stdout.write(schema_text())


def _attest_inputs(
    attest_path: str | None, signing_key: str | None, resource: str | None,
    baseline_path: str | None, approval_path: str | None, approvers_path: str | None,
) -> Any:
    """``cli_attest.attest_inputs``, imported only when an option it reads is given (start-up)."""
    if not (attest_path or signing_key or resource or approvers_path):
        return None
    from gatekeeper.cli_attest import attest_inputs

    return attest_inputs(click.get_current_context(), attest_path, signing_key, resource, baseline_path, approval_path, approvers_path)


def main(argv: list[str] | None = None) -> Any:
    """Entry point: run the CLI so that every failure to evaluate exits 2, never 0 or 1.

    Commands return their exit code; this is the one place the process exits.
    """
    import gc

    # NOTE: a gate is one short run that allocates millions of objects (decoded reports,
    # findings, output documents) and frees almost none until it exits: CPython's cyclic
    # collector would walk that growing heap again and again for nothing (it was 45% of a
    # 50,000-finding Trivy report's time, bench/README.md). Reference counting still frees
    # everything as usual; the few cycles a run makes live until it exits anyway.
    # Called as the program (argv None) the process ends right after the run, so the
    # collector stays off: turned back on, its first pass would walk the whole heap of a
    # large report for nothing. Called from another program (tests), it is restored.
    enabled = gc.isenabled() and argv is not None
    gc.disable()
    try:
        result = _run(argv)
    finally:
        if enabled:
            gc.enable()
    code = result.code if isinstance(result, Finished) else result
    if argv is None:
        _exit_now(code)
    sys.exit(code)


def _exit_now(code: int) -> None:
    """End the process with ``code`` without freeing the run's objects one by one.

    NOTE: at exit the interpreter frees every object the run made, one at a time: for a
    large report (millions of decoded values and findings) that took longer than writing
    the verdict (0.17 s at 50k findings, bench/README.md). Like mypy's ``hard_exit``, the
    program flushes its output, runs the ``atexit`` handlers, then leaves with
    ``os._exit``. Returns (and the exit proceeds as usual) when that would lose something:
    output that cannot be flushed (a closed pipe: the interpreter reports it), or another
    thread still running.
    """
    import atexit
    import threading

    if threading.active_count() > 1:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    atexit._run_exitfuncs()
    os._exit(code)


def _run(argv: list[str] | None) -> int | Finished:
    """Run the command line; its exit code (with the verdict, for a gate command)."""
    import io

    from gatekeeper.reporters.escape import message_lines

    class DiscardWhenClosed(io.FileIO):
        """A standard stream whose reader went away (``| head -1``) takes the rest unread."""

        def write(self, data: Any) -> int:
            try:
                return super().write(data) or 0
            except BrokenPipeError:
                return len(data)

    if argv is None:
        # NOTE: a closed pipe must not change the verdict's exit code: click turns EPIPE
        # into exit 1 ("policy violated") and stops before the report files are written.
        # Run as the program, standard output and error drop what their reader no longer
        # takes (issue 21). Called with arguments (tests, capture), the streams are left alone.
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            try:
                fd = stream.fileno()
            except (AttributeError, OSError, ValueError):
                continue
            stream.flush()
            raw = DiscardWhenClosed(fd, "w", closefd=False)
            setattr(sys, name, io.TextIOWrapper(
                io.BufferedWriter(raw), encoding=stream.encoding, errors=stream.errors,
                line_buffering=stream.line_buffering, write_through=name == "stderr",
            ))

    def say(message: str) -> None:
        # Messages quote input (paths, JSON keys, values): inert for terminals and CI runners.
        click.echo(message_lines(message), err=True)

    # NOTE: click's standalone mode turns Ctrl-C into exit 1 ("policy violated") and a
    # generic ClickException into exit 1 too; run it non-standalone and map them to 2.
    try:
        code = cli.main(args=argv, prog_name="gatekeeper", standalone_mode=False)
    except GateError as e:
        say(f"gatekeeper: error: {e}")
        return EXIT_ERROR
    except click.exceptions.Exit as e:
        return int(e.exit_code)
    except click.ClickException as e:
        e.message = message_lines(e.message)
        e.show()
        return EXIT_ERROR
    except (KeyboardInterrupt, click.exceptions.Abort):
        say("gatekeeper: interrupted; the gate was not evaluated")
        return EXIT_ERROR
    except Exception as e:  # noqa: BLE001 - fail closed on any bug
        say(f"gatekeeper: internal error: {type(e).__name__}: {e}")
        return EXIT_ERROR
    return code if isinstance(code, (int, Finished)) else EXIT_PASSED
