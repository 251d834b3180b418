"""The command line: parse options, build objects, run, exit with one code.

Exit codes (never a count: they wrap at 256):
  0  the gate passed (possibly with warnings)
  1  the policy was violated
  2  the gate could not be evaluated: bad usage, or a report or policy that is missing,
     unreadable, malformed or unrecognised
"""

from __future__ import annotations

import sys
from typing import Any

import click

from gatekeeper import __version__

EXIT_PASSED = 0
EXIT_VIOLATED = 1
EXIT_ERROR = 2
EXIT_NEEDS_APPROVAL = 3

_FORMAT_NAMES = ["trivy", "gitleaks", "checkov", "hadolint", "pip-audit", "sonarqube", "sarif"]


class GateError(Exception):
    """Something that makes the gate impossible to evaluate (exit 2)."""


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gatekeeper")
def cli() -> None:
    """gatekeeper: a security gate over scanner reports."""


@cli.command()
@click.argument("reports", nargs=-1, metavar="REPORT...")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(_FORMAT_NAMES),
    help="Read every report as this format instead of recognising it from the content.",
)
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False), help="Policy file (YAML).")
@click.option("--sarif", "sarif_path", metavar="FILE", help="Write SARIF 2.1.0 with every finding and its verdict.")
@click.option("--color/--no-color", "colour", default=None, help="Force colour on or off (default: on a terminal, unless NO_COLOR).")
@click.option("--max-listed", default=50, show_default=True, type=click.IntRange(min=0), help="Failing findings listed on the console.")
def check(
    reports: tuple[str, ...],
    fmt: str | None,
    policy_path: str | None,
    sarif_path: str | None,
    colour: bool | None,
    max_listed: int,
) -> None:
    """Gate REPORT files (a directory stands for every report in it; - reads stdin).

    Exit codes: 0 passed, 1 policy violated, 2 the gate could not be evaluated.
    """
    from gatekeeper.adapters import AdapterError
    from gatekeeper.policy import Policy, PolicyError, load_policy
    from gatekeeper.sources import SourceError, expand_paths, load_report

    if not reports:
        raise click.UsageError("no report given (pass report files, a directory, or - for standard input)")
    if list(reports).count("-") > 1:
        raise click.UsageError("standard input (-) can be read only once")
    try:
        policy = load_policy(policy_path) if policy_path else Policy()
    except PolicyError as e:
        raise GateError(str(e)) from None

    loaded = []
    errors: list[str] = []
    try:
        names = list(expand_paths(reports))
    except SourceError as e:
        raise GateError(str(e)) from None
    for name in names:
        try:
            loaded.append(load_report(name, fmt))
        except (SourceError, AdapterError) as e:
            errors.append(str(e))
    if errors:
        raise GateError("\n".join(errors) + f"\n{len(errors)} of {len(names)} reports could not be read; the gate was not evaluated")

    finish(loaded, policy, GateOutputs(sarif=sarif_path, colour=colour, max_listed=max_listed))


class GateOutputs:
    """Where the gate's results go; shared by every command that ends in a verdict."""

    def __init__(self, sarif: str | None = None, colour: bool | None = None, max_listed: int = 50) -> None:
        self.sarif = sarif
        self.colour = colour
        self.max_listed = max_listed

    def to_stdout(self) -> bool:
        """True when a machine-readable output goes to stdout (then people read stderr)."""
        return self.sarif == "-"


def finish(reports: list[Any], policy: Any, outputs: GateOutputs) -> None:
    """Evaluate, write every output, exit with the verdict's code. Never returns."""
    from gatekeeper import output
    from gatekeeper.policy import evaluate
    from gatekeeper.reporters.console import ConsoleFormat
    from gatekeeper.verdict import Status

    verdict = evaluate(reports, policy)
    stream = sys.stderr if outputs.to_stdout() else sys.stdout
    text = ConsoleFormat(colour=output.use_colour(stream, outputs.colour), limit=outputs.max_listed).format(verdict)
    stream.write(text)
    stream.flush()
    if outputs.sarif:
        from gatekeeper.reporters.sarif import SarifFormat

        output.write_file(outputs.sarif, SarifFormat().format(verdict))
    sys.exit(exit_code(verdict.status))


def exit_code(status: Any) -> int:
    """The process exit code for a verdict status."""
    from gatekeeper.verdict import Status

    return {
        Status.PASSED: EXIT_PASSED,
        Status.WARNED: EXIT_PASSED,
        Status.FAILED: EXIT_VIOLATED,
        Status.NEEDS_APPROVAL: EXIT_NEEDS_APPROVAL,
    }[status]


def main(argv: list[str] | None = None) -> Any:
    """Entry point: run the CLI so that every failure to evaluate exits 2, never 0 or 1."""
    try:
        return cli.main(args=argv, prog_name="gatekeeper", standalone_mode=True)
    except GateError as e:
        click.echo(f"gatekeeper: error: {e}", err=True)
        sys.exit(EXIT_ERROR)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("gatekeeper: interrupted", err=True)
        sys.exit(EXIT_ERROR)
    except Exception as e:  # noqa: BLE001 - fail closed on any bug
        click.echo(f"gatekeeper: internal error: {type(e).__name__}: {e}", err=True)
        sys.exit(EXIT_ERROR)
