"""``gatekeeper data fetch``: download the KEV catalog and EPSS scores the gate decides with.

The command is the only place gatekeeper downloads exploitation data; ``check`` reads the
files it is given (``--kev``, ``--epss``, a policy's ``data:``) and never fetches them.
"""

from __future__ import annotations

from pathlib import Path

import click



@click.group("data", short_help="Download CISA's KEV catalog and FIRST's EPSS scores into a cache.")
def data() -> None:
    """Exploitation data for --kev and --epss (docs/risk.md)."""


@data.command("fetch", short_help="Download, check and store the KEV catalog and EPSS scores.")
@click.option("--kev/--no-kev", "want_kev", default=True, show_default=True, help="Fetch CISA's KEV catalog.")
@click.option("--epss/--no-epss", "want_epss", default=True, show_default=True, help="Fetch FIRST's EPSS scores.")
@click.option("--kev-url", envvar="GATEKEEPER_KEV_URL", metavar="URL", help="Where the catalog is (default: $GATEKEEPER_KEV_URL, else CISA's feed).")
@click.option("--epss-url", envvar="GATEKEEPER_EPSS_URL", metavar="URL", help="Where the scores are (default: $GATEKEEPER_EPSS_URL, else FIRST's current file).")
@click.option("--cache-dir", metavar="DIR", help="Store under DIR/data (default: $GATEKEEPER_CACHE_DIR, else the user's cache directory).")
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(min=0, min_open=True, max=3600), metavar="SECONDS", help="Connect and read timeout.")
@click.option("--max-bytes", type=click.IntRange(min=1), metavar="N", help="Refuse a larger download (default: 64 MiB for KEV, 256 MiB for EPSS).")
def fetch(want_kev: bool, want_epss: bool, kev_url: str | None, epss_url: str | None, cache_dir: str | None,
          timeout: float, max_bytes: int | None) -> int:
    """Download each feed, check it with the gate's own reader, and store it atomically with
    its digest and date in DIR/data/metadata.json; print the paths to pass to check.

    Exit codes: 0 every feed stored, 2 one could not be (its previous copy is kept).
    """
    from gatekeeper import output
    from gatekeeper.reporters.escape import terminal
    from gatekeeper.sources.datafeeds import EPSS_URL, KEV_URL, Feed, FetchError, fetch as fetch_feed
    from gatekeeper.sources.remote.cache import cache_dir as default_cache

    if not want_kev and not want_epss:
        raise click.UsageError("nothing to fetch (--no-kev and --no-epss)")
    root = Path(cache_dir).expanduser() if cache_dir else default_cache()
    feeds = [Feed("kev", kev_url or KEV_URL, "KEV catalog")] if want_kev else []
    feeds += [Feed("epss", epss_url or EPSS_URL, "EPSS scores")] if want_epss else []
    failed = 0
    options = []
    for feed in feeds:
        try:
            done = fetch_feed(feed, root, timeout, max_bytes)
        except FetchError as e:
            output.err(f"gatekeeper: error: {terminal(str(e), 600)}")
            failed += 1
            continue
        output.err(
            f"{feed.what}: {terminal(done.path, 300)} ({done.version}, released {done.released}, "
            f"{done.entries:,} entries, {done.size:,} bytes, sha256 {done.sha256})"
        )
        options.append(f"--{feed.kind} {done.path}")
    if options:
        click.echo(" ".join(options))
    return 2 if failed else 0
