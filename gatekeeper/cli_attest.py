"""Signed verdicts on the command line: ``check --attest`` (its inputs, read before any report
is) and ``gatekeeper verify`` (docs/attestations.md).

``cli.py`` imports this module only when ``--attest`` is given or ``verify`` is run.
``verify`` exits 0 when the signature holds and the attested verdict is the one expected
(PASSED unless ``--expect-result``), 1 when a signed fact differs from an expectation, 2 when
the attestation cannot be trusted (unreadable, not an envelope, a signature that does not
hold, a payload or predicate of another type, an unusable key).
"""

from __future__ import annotations

import datetime
import json
import os
import sys
from typing import Any

import click

from gatekeeper.gate import GateError

EXIT_VERIFIED = 0
EXIT_DIFFERS = 1


def attest_inputs(
    ctx: click.Context,
    attest_path: str | None,
    signing_key: str | None,
    resource: str | None,
    baseline_path: str | None,
    approval_path: str | None,
    approvers_path: str | None = None,
) -> tuple[str, Any] | None:
    """``(path, AttestInputs)`` for ``--attest``: the key read and the resource known before
    any report is read, so a gate never runs to end in an attestation it cannot sign."""
    given = ctx.get_parameter_source("signing_key") is click.core.ParameterSource.COMMANDLINE
    if approvers_path and not approval_path and ctx.get_parameter_source("approvers_path") is click.core.ParameterSource.COMMANDLINE:
        raise click.UsageError("--approvers names whose signatures an approval record may carry: give --approval FILE too")
    if not attest_path:
        if given:
            raise click.UsageError("--signing-key signs an attestation: give --attest FILE too")
        if resource and ctx.get_parameter_source("resource") is click.core.ParameterSource.COMMANDLINE:
            raise click.UsageError("--resource names what an attestation is about: give --attest FILE too")
        return None
    if not signing_key:
        raise click.UsageError("--attest needs --signing-key KEY (or $GATEKEEPER_SIGNING_KEY): a PEM Ed25519 or ECDSA P-256 private key")
    # NOTE: imported here, not above: a gate without --attest imports neither (about 10 ms
    # of start-up: base64, struct and the signing machinery; tests/test_startup.py).
    from gatekeeper.attestation import AttestationError, AttestInputs, resource_from
    from gatekeeper.signing import SigningError, read_private_key

    try:
        key = read_private_key(signing_key, os.environ)
        subject = resource_from(resource, os.environ)
    except (SigningError, AttestationError) as e:
        raise GateError(str(e)) from None
    now = datetime.datetime.now(datetime.timezone.utc)
    # The trusted approvers' keys decide which approval counts: an input like the record itself.
    return attest_path, AttestInputs(subject, key, now, baseline_path, approval_path, approvers_path if approval_path else None)


def _expect_result(ctx: click.Context, param: click.Parameter, value: str) -> str | None:
    return None if value == "any" else value.upper()


@click.command(short_help="Check a signed verdict attestation (check --attest).")
@click.argument("file", metavar="FILE")
@click.option("--key", "key_path", required=True, metavar="PUBKEY", help="Trusted public key (PEM), or a directory of them (*.pem, *.pub).")
@click.option("--expect-resource", metavar="URI", help="Exit 1 unless the attestation is about this resource (resourceUri).")
@click.option("--expect-policy-digest", multiple=True, metavar="sha256:HEX", help="Exit 1 unless the policy, or a file it extends, has this digest (repeatable).")
@click.option("--max-age", metavar="DURATION", help="Exit 1 when the verdict is older than this (30m, 12h, 7d, 1d12h).")
@click.option(
    "--expect-result", type=click.Choice(["passed", "failed", "any"]), default="passed", show_default=True,
    callback=_expect_result, help="The attested verdict required for exit 0 (any: only the signature and the other expectations).",
)
@click.option("--expect-codebase", is_flag=True, help="Exit 1 when the verdict judged only a change (check --diff, --diff-base), not the whole codebase.")
@click.option("--json", "as_json", is_flag=True, help="Print the verified in-toto statement as JSON (with the key that verified it) instead of the summary.")
def verify(
    file: str,
    key_path: str,
    expect_resource: str | None,
    expect_policy_digest: tuple[str, ...],
    max_age: str | None,
    expect_result: str | None,
    expect_codebase: bool,
    as_json: bool,
) -> int:
    """Check FILE, a signed verdict (gatekeeper check --attest), against trusted public keys,
    and print what it attests.

    Exit codes: 0 the signature holds and the verdict is as expected, 1 an attested fact
    differs (the verdict is FAILED, another resource, another policy, too old), 2 the
    attestation cannot be trusted (not an envelope, a signature that does not hold, another
    payload type, an unusable key).
    """
    from gatekeeper import output
    from gatekeeper.attestation import AttestationError, differences, parse_duration, read_attestation
    from gatekeeper.signing import SigningError, read_public_keys

    age = None
    if max_age is not None:
        try:
            age = parse_duration(max_age)
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--max-age") from None
    try:
        keys = read_public_keys(key_path)
        attested = read_attestation(file, keys)
    except (SigningError, AttestationError) as e:
        raise GateError(f"{e}; not verified") from None
    if as_json:
        # NOTE: ASCII only: a control character of the signed text is printed as \u001b, inert.
        shown = {"verifiedBy": {"key": attested.key.name, "keyid": attested.key.keyid, "algorithm": attested.key.algorithm},
                 "statement": attested.statement}
        sys.stdout.write(json.dumps(shown, indent=2, ensure_ascii=True) + "\n")
    else:
        sys.stdout.write(describe(file, attested))
    sys.stdout.flush()
    found = differences(
        attested, expect_resource=expect_resource, expect_policy_digests=expect_policy_digest, max_age=age,
        expect_result=expect_result, expect_codebase=expect_codebase, now=datetime.datetime.now(datetime.timezone.utc),
    )
    from gatekeeper.reporters.escape import terminal

    for line in found:
        output.err(f"gatekeeper: {terminal(file, 300)}: {terminal(line, 600)}")
    return EXIT_DIFFERS if found else EXIT_VERIFIED


def _obj(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one: a signed statement from another
    producer may hold any type where gatekeeper writes an object."""
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def describe(file: str, attested: Any) -> str:
    """What a verified attestation says, for people; every signed value escaped."""
    from gatekeeper.reporters.escape import terminal

    def t(value: Any, limit: int = 300) -> str:
        return terminal(value if isinstance(value, str) else json.dumps(value, ensure_ascii=True), limit)

    p = _obj(attested.statement.get("predicate"))
    gate = attested.gate
    k = attested.key
    verifier = _obj(p.get("verifier"))
    version = _obj(verifier.get("version"))
    result = f"  result:    {attested.result}"
    if gate:
        result += f" (gate status {t(gate.get('status'), 40)}" + ("" if gate.get("enforce", True) is not False else ", warn mode")
        result += (f", environment {t(gate['environment'], 60)}" if gate.get("environment") else "") + ")"
    lines = [
        f"{terminal(file, 300)}: signature valid (key {terminal(k.name, 100)}, {k.algorithm}, keyid {k.keyid[:16]})",
        result,
        f"  resource:  {t(attested.resource)}",
        "  subject:   " + "; ".join(
            f"{t(_obj(s).get('name'), 200)} " + " ".join(f"{t(a, 20)}:{t(v, 80)}" for a, v in _obj(_obj(s).get("digest")).items())
            for s in attested.subject
        ),
        f"  verified:  {attested.time.astimezone(datetime.timezone.utc).isoformat().replace('+00:00', 'Z')} by "
        f"{t(verifier.get('id'), 200)} " + " ".join(f"{t(n, 40)} {t(v, 40)}" for n, v in version.items()),
        f"  policy:    {t(attested.policy.get('uri'))} " + (attested.policy_digests[0] if _obj(attested.policy.get("digest")).get("sha256") else ""),
    ]
    for d in _list(_obj(attested.policy.get("annotations")).get("extends")):
        digest = _obj(_obj(d).get("digest")).get("sha256", "")
        lines.append(f"             extends {t(_obj(d).get('uri'))} sha256:{t(digest, 64)}")
    change = attested.change
    if change is not None:
        against, filt, outside = change.get("against"), change.get("filter"), change.get("outside")
        line = f"  judged:    the change against {t(against, 200)}" if against is not None else "  judged:    a change"
        line += f" (diff-filter {t(filt, 20)})" if filt is not None else ""
        line += "; findings outside it did not count" + (f" ({t(outside, 20)} outside)" if outside is not None else "")
        lines.append(line)
    elif attested.gate:  # gatekeeper's own statement, without a change
        lines.append("  judged:    the whole codebase")
    inputs = _list(p.get("inputAttestations"))
    lines.append(f"  inputs:    {len(inputs)}")
    for d in inputs[:50]:
        d = _obj(d)
        digest = _obj(d.get("digest")).get("sha256")
        kind = _obj(d.get("annotations")).get("kind", "")
        shown = f"sha256:{t(digest, 64)}" if digest else "(no digest)"
        lines.append(f"             {t(kind, 20):<8} {t(d.get('uri'))} {shown}")
    if len(inputs) > 50:
        lines.append(f"             ... and {len(inputs) - 50} more")
    counts = gate.get("counts")
    if isinstance(counts, dict):
        lines.append("  findings:  " + ", ".join(f"{t(n, 12)} {t(o, 20)}" for o, n in counts.items()))
    return "\n".join(lines) + "\n"
