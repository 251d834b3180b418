"""Options shared by several commands, each generated from the registry that lists its choices.

``--format`` (``TOOL`` or ``TOOL=FILE``) takes the adapters' registry (``adapters/registry.py``); the report-file options
(``--sarif FILE``, ``--json FILE`` ...) are the reporters' registry (``reporters/__init__.py``).
A new scanner or output therefore needs no change here.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import click

from gatekeeper.adapters.registry import FORMAT_NAMES
from gatekeeper.reporters import FILE_OUTPUTS


class FormatChoice(click.Choice):
    """``TOOL`` (every report) or ``TOOL=FILE`` (that report only); TOOL is a registry name."""

    name = "format"

    def get_metavar(self, param: click.Parameter, *args: Any, **kwargs: Any) -> str:
        return "[" + "|".join(self.choices) + "][=FILE]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        tool, sep, path = str(value).partition("=")
        if sep and not path:
            self.fail(f"{value!r}: name the report after '=' (TOOL=FILE)", param, ctx)
        tool = super().convert(tool, param, ctx)
        return (tool, path) if sep else tool


def formats_given(values: tuple[Any, ...] | None) -> str | dict[str, str] | None:
    """``--format``'s values as the gate takes them: ``None``, one format for every report,
    or a mapping of report path (normalised) -> format, where ``""`` stands for every other
    report. A report given two formats is a usage error."""
    if not values:
        return None
    if all(isinstance(v, str) for v in values) and len(set(values)) == 1:
        return str(values[0])
    chosen: dict[str, str] = {}
    for value in values:
        path, tool = ("", value) if isinstance(value, str) else (os.path.normpath(value[1]), value[0])
        if chosen.get(path, tool) != tool:
            shown = f"report {path}" if path else "every report"
            raise click.BadParameter(f"{shown} is given two formats ({chosen[path]}, {tool})", param_hint="--format")
        chosen[path] = tool
    return chosen


def format_option(name: str = "--format") -> Callable[[Any], Any]:
    """``--format TOOL`` or ``--format TOOL=FILE`` (repeatable): the choices are the adapters'
    registry (``adapters/registry.py``); the value arrives as :func:`formats_given` makes it."""
    return click.option(
        name, "fmt", type=FormatChoice(FORMAT_NAMES), multiple=True,
        callback=lambda ctx, param, values: formats_given(values),
        help="Read every report as this format instead of recognising it from the content; "
             "TOOL=FILE: only that report (repeatable).",
    )


def output_options(command: Any) -> Any:
    """``--sarif FILE``, ``--json FILE`` ...: one option per file output of the reporters'
    registry (``reporters/__init__.py``), in its order; each value arrives as ``NAME_path``."""
    for spec in reversed(FILE_OUTPUTS):
        command = click.option(f"--{spec.name}", f"{spec.name}_path", metavar="FILE", help=spec.help)(command)
    return command


def check_formats_named(fmt: str | dict[str, str] | None, reports: tuple[str, ...]) -> None:
    """Refuse ``--format TOOL=FILE`` for a FILE that is not one of the reports given (or in
    their directories): a misspelt path would otherwise leave the report to detection."""
    if not isinstance(fmt, dict):
        return
    from gatekeeper.sources import SourceError, expand_paths

    try:
        names = {os.path.normpath(n) for n in expand_paths(reports)}
    except SourceError:
        return  # the gate reports it, with the other reports' errors
    for path in fmt:
        if path and path not in names:
            raise click.BadParameter(f"{path} is not one of the reports given", param_hint="--format")


def attest_options(command: Any) -> Any:
    """``--attest FILE``, ``--signing-key KEY``, ``--resource URI`` (check's, and scan's)."""
    options = [
        click.option("--attest", "attest_path", metavar="FILE", help="Write a signed attestation of the verdict (DSSE, in-toto SLSA verification summary; docs/attestations.md)."),
        click.option("--signing-key", envvar="GATEKEEPER_SIGNING_KEY", metavar="KEY", help="PEM private key (Ed25519 or ECDSA P-256) signing --attest (default: $GATEKEEPER_SIGNING_KEY; passphrase: $GATEKEEPER_SIGNING_KEY_PASSWORD)."),
        click.option("--resource", envvar="GATEKEEPER_RESOURCE", metavar="URI", help="What the attestation is about: IMAGE@sha256:DIGEST or git+https://HOST/REPO@COMMIT (default: the CI run's commit)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command
