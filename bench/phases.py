"""Time the phases of ``gatekeeper check`` on one report, in process (fastest of ``--repeat``).

    .venv/bin/python bench/phases.py /tmp/benchdata/trivy-real40-50000.json --repeat 5

Decoding (orjson), the text's skeleton, the depth check, the duplicate-key check (colons of
the text and of the document), adapting (as a report read alone, and as one of several, with
the slim builder) and evaluating, each timed alone with the collector off, as ``cli.main``
runs them.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orjson  # noqa: E402

from gatekeeper.adapters import parse_document  # noqa: E402
from gatekeeper.policy.evaluate import evaluate  # noqa: E402
from gatekeeper.policy.model import Policy  # noqa: E402
from gatekeeper.sources import decode, files  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("report")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    gc.disable()
    data = Path(args.report).read_bytes()
    best: dict[str, float] = {}

    def timed(name: str, fn):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        value = fn()
        best[name] = min(best.get(name, 1e9), time.perf_counter() - start)
        return value

    for _ in range(args.repeat):
        doc = timed("decode (orjson)", lambda: orjson.loads(data))
        bones = timed("skeleton of the text", lambda: files.skeleton(data))
        timed("depth check (on the skeleton)", lambda: files.nested_deeper_than(data, bones=bones))
        raw = timed("dup keys: colons of the text", lambda: decode.colons(data, bones.count(b":")))
        timed("dup keys: colons of the document", partial(decode.refuse_duplicate_keys, doc, raw, lambda: data, "x"))
        # NOTE: a report read alone (or last) keeps its raw items and builds findings with
        # ``Finding`` itself; the others go through the slim builder (``sources.files``).
        report = timed("adapt (alone: Finding)", partial(parse_document, doc, "x", None, True, None))
        build = files._slim(files._ReadAgain(args.report, None, (0,)))
        timed("adapt (one of several: _slim)", partial(parse_document, doc, "x", None, True, build))
        timed("evaluate", partial(evaluate, [report], Policy()))
    for name, seconds in best.items():
        print(f"{name:36} {seconds * 1000:7.0f} ms")


if __name__ == "__main__":
    main()
