"""HTML: one self-contained page (inline CSS, JS and SVG; no external asset) with a
severity chart per tool and a table of every finding that sorts on a header click and
filters as you type. Sample (abridged)::

    <!DOCTYPE html>
    <html lang="en"><head><meta charset="utf-8">
    <meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-...'; ...">
    <title>gatekeeper: failed</title><style>...</style></head>
    <body data-status="failed">
    <header class="status failed"><h1>gatekeeper: failed</h1><p>FAILED: ...</p></header>
    <section id="charts"><figure class="chart" data-tool="trivy"><figcaption>trivy</figcaption>
      <svg role="img" ...><rect class="sev-critical" data-count="2" .../>...</svg></figure></section>
    <section id="findings"><input id="filter" type="search" ...>
      <table id="findings-table"><thead><tr><th data-type="num">Outcome</th>...</tr></thead>
      <tbody><tr data-outcome="fail"><td data-sort="5">fail</td>...</tr></tbody></table></section>
    <script>...</script></body></html>

Every piece of report text goes through ``escape.html``, and the Content-Security-Policy
allows only this page's own script and style (by hash), so markup in a finding is shown,
never run. The filter and sort can be preset in the URL: ``report.html#q=openssl&sort=1``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from gatekeeper import __version__
from gatekeeper.model import Severity
from gatekeeper.reporters.console import change_line, summary_line, vex_line
from gatekeeper.reporters.escape import html as h
from gatekeeper.reporters.interface import StreamReporter
from gatekeeper.verdict import ExceptionState, Outcome, Verdict

_SEVERITIES = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO, Severity.UNKNOWN]
_FILL = {
    Severity.CRITICAL: "#8e1b1b",
    Severity.HIGH: "#d9480f",
    Severity.MEDIUM: "#e8a200",
    Severity.LOW: "#1c6fb8",
    Severity.INFO: "#5f7480",
    Severity.UNKNOWN: "#9a9a9a",
}

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d232a;background:#f6f7f9}
header{padding:18px 28px;color:#fff}header h1{margin:0 0 4px;font-size:22px}header p{margin:2px 0}
.failed{background:#a61e1e}.passed{background:#2b7a3d}.passed-with-warnings{background:#a86400}.needs-approval{background:#5b3fa6}
main{padding:8px 28px 28px}h2{font-size:17px;margin:22px 0 10px}
#charts{display:flex;flex-wrap:wrap;gap:14px}
figure.chart{margin:0;background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:10px 14px}
figcaption{font-weight:600;margin-bottom:6px}svg text{font:12px system-ui,sans-serif;fill:#1d232a}
.controls{display:flex;gap:10px;align-items:center;margin-bottom:8px}
#filter{flex:0 1 360px;padding:6px 8px;border:1px solid #b8bfc7;border-radius:4px}
#outcome{padding:5px}#shown{color:#57606a}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde1e6}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid #eceff2}
th{background:#eef1f4;position:sticky;top:0;cursor:pointer;user-select:none;white-space:nowrap}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
td.msg{max-width:560px;overflow-wrap:anywhere}td.loc{overflow-wrap:anywhere;max-width:320px}
.why{color:#57606a;font-size:12px}details summary{cursor:pointer;color:#57606a;font-size:12px}
.o-fail,.o-approve{color:#a61e1e;font-weight:600}.o-warn{color:#a86400;font-weight:600}
.s-critical{color:#8e1b1b;font-weight:600}.s-high{color:#d9480f;font-weight:600}
ul.notes{color:#57606a}footer{color:#57606a;font-size:12px;padding:0 28px 20px}
"""

_JS = """
(function () {
  var table = document.getElementById("findings-table");
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var heads = table.tHead.rows[0].cells;
  var filter = document.getElementById("filter");
  var outcome = document.getElementById("outcome");
  var shown = document.getElementById("shown");
  rows.forEach(function (r) { r._text = r.textContent.toLowerCase(); });
  function apply() {
    var q = filter.value.trim().toLowerCase().split(/\\s+/).filter(Boolean);
    var o = outcome.value, n = 0;
    rows.forEach(function (r) {
      var ok = (!o || r.getAttribute("data-outcome") === o) &&
        q.every(function (w) { return r._text.indexOf(w) >= 0; });
      r.hidden = !ok; if (ok) n++;
    });
    shown.textContent = n + " of " + rows.length + " findings shown";
  }
  function key(r, i, num) {
    var c = r.cells[i], v = c.getAttribute("data-sort");
    if (v === null) v = c.textContent;
    return num ? parseFloat(v) || 0 : v.toLowerCase();
  }
  function sort(i, dir) {
    var num = heads[i].getAttribute("data-type") === "num";
    var sign = dir === "ascending" ? 1 : -1;
    var order = rows.map(function (r, k) { return [key(r, i, num), k, r]; });
    order.sort(function (a, b) { return a[0] < b[0] ? -sign : a[0] > b[0] ? sign : a[1] - b[1]; });
    Array.prototype.forEach.call(heads, function (th) { th.removeAttribute("aria-sort"); });
    heads[i].setAttribute("aria-sort", dir);
    order.forEach(function (x) { body.appendChild(x[2]); });
    rows = order.map(function (x) { return x[2]; });
  }
  Array.prototype.forEach.call(heads, function (th, i) {
    th.tabIndex = 0;
    function click() {
      var num = th.getAttribute("data-type") === "num";
      var cur = th.getAttribute("aria-sort");
      sort(i, cur ? (cur === "ascending" ? "descending" : "ascending") : (num ? "descending" : "ascending"));
    }
    th.addEventListener("click", click);
    th.addEventListener("keydown", function (ev) { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); click(); } });
  });
  filter.addEventListener("input", apply);
  outcome.addEventListener("change", apply);
  var params = new URLSearchParams(location.hash.slice(1));
  if (params.get("q")) filter.value = params.get("q");
  if (params.get("outcome")) outcome.value = params.get("outcome");
  if (params.get("sort") !== null && heads[+params.get("sort")]) {
    sort(+params.get("sort"), params.get("dir") === "asc" ? "ascending" : "descending");
  }
  apply();
  document.body.setAttribute("data-ready", "1");
})();
"""


def _csp_hash(text: str) -> str:
    import base64
    import hashlib

    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


class HtmlFormat(StreamReporter):
    """A self-contained HTML page for people."""

    def pieces(self, verdict: Verdict) -> Iterator[bytes]:
        """The page a thousand lines at a time (a row per finding)."""
        lines: list[str] = []
        for part in self._parts(verdict):
            lines.append(part)
            if len(lines) == 1000:
                yield ("\n".join(lines) + "\n").encode("utf-8")
                lines.clear()
        if lines:
            yield ("\n".join(lines) + "\n").encode("utf-8")

    def _parts(self, verdict: Verdict) -> Iterator[str]:
        """The page's lines."""
        csp = f"default-src 'none'; style-src {_csp_hash(_CSS)}; script-src {_csp_hash(_JS)}; img-src data:; base-uri 'none'; form-action 'none'"
        status = verdict.status.value
        n = len(verdict.results)
        mode = "enforce mode" if verdict.enforce else "warn mode (violations do not fail)"
        env = f" · environment {h(verdict.environment, 100)}" if verdict.environment else ""
        parts = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="referrer" content="no-referrer">',
            f"<title>gatekeeper: {status}</title>",
            f"<style>{_CSS}</style></head>",
            f'<body data-status="{status}">',
            f'<header class="status {status}"><h1>gatekeeper: {status}</h1>',
            f"<p>{h(summary_line(verdict), 400)}</p>",
            f"<p>Policy: {h(verdict.policy_name, 300)} · {mode}{env} · {len(verdict.reports)} reports · {n} findings</p>"
            + (f"<p>{h(change_line(verdict.change).removeprefix('change: ').capitalize(), 600)}</p>" if verdict.change is not None else "")
            + (f"<p>{h(vex, 600)}</p>" if (vex := vex_line(verdict)) else "") + "</header>",
            "<main>",
        ]
        if verdict.problems:
            parts.append('<h2>Gate problems</h2><ul class="problems">')
            parts += [f"<li>{h(p, 1000)}</li>" for p in verdict.problems[:100]]
            parts.append("</ul>")
        parts += self._charts(verdict)
        parts += self._exceptions(verdict)
        yield from parts
        yield from self._table(verdict)
        parts = []
        if verdict.notices:
            parts.append(f'<h2>Notes ({len(verdict.notices)})</h2><ul class="notes">')
            parts += [f"<li>{h(note, 1000)}</li>" for note in verdict.notices[:200]]
            if len(verdict.notices) > 200:
                parts.append(f"<li>… and {len(verdict.notices) - 200} more</li>")
            parts.append("</ul>")
        parts += [
            "</main>",
            f"<footer>gatekeeper {h(__version__)}</footer>",
            f"<script>{_JS}</script>",
            "</body></html>",
        ]
        yield from parts

    def _charts(self, verdict: Verdict) -> list[str]:
        table = verdict.by_tool_and_severity()
        for r in verdict.reports:
            table.setdefault(r.tool, Counter())
        if not table:
            return []
        out = ['<h2>Findings by tool and severity</h2><section id="charts">']
        for tool in sorted(table):
            out.append(self._chart(tool, table[tool]))
        out.append("</section>")
        return out

    def _chart(self, tool: str, counts: Counter[Severity]) -> str:
        """A horizontal bar per severity, scaled to the tool's largest count."""
        label_w, bar_w, row_h = 70, 220, 20
        top = max(counts.values(), default=0) or 1
        summary = ", ".join(f"{counts[s]} {s.label}" for s in _SEVERITIES)
        svg = [
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{label_w + bar_w + 50}" '
            f'height="{row_h * len(_SEVERITIES)}" aria-label="{h(tool, 100)}: {summary}">'
        ]
        for i, s in enumerate(_SEVERITIES):
            y = i * row_h
            width = round(bar_w * counts[s] / top) if counts[s] else 0
            svg.append(f'<text x="0" y="{y + 14}">{s.label}</text>')
            svg.append(
                f'<rect class="bar sev-{s.label}" data-severity="{s.label}" data-count="{counts[s]}" '
                f'x="{label_w}" y="{y + 3}" width="{width}" height="{row_h - 6}" fill="{_FILL[s]}" rx="2"/>'
            )
            svg.append(f'<text x="{label_w + width + 6}" y="{y + 14}">{counts[s]}</text>')
        svg.append("</svg>")
        return f'<figure class="chart" data-tool="{h(tool, 100)}"><figcaption>{h(tool, 100)}</figcaption>{"".join(svg)}</figure>'

    def _exceptions(self, verdict: Verdict) -> list[str]:
        if not verdict.exceptions:
            return []
        order = {ExceptionState.EXPIRED: 0, ExceptionState.EXPIRING: 1, ExceptionState.STALE: 2, ExceptionState.ACTIVE: 3}
        out = [
            "<h2>Policy exceptions</h2>",
            '<table id="exceptions-table"><thead><tr><th>Exception</th><th>State</th><th>Expires</th>'
            "<th>Owner</th><th>Findings</th><th>Reason</th></tr></thead><tbody>",
        ]
        for x in sorted(verdict.exceptions, key=lambda x: (order[x.state], x.expires, x.id)):
            out.append(
                f"<tr><td>{h(x.id, 200)}</td><td>{x.state.value}</td><td>{x.expires.isoformat()}</td>"
                f"<td>{h(x.owner, 200)}</td><td>{x.matched}</td><td>{h(x.reason, 500)}</td></tr>"
            )
        out.append("</tbody></table>")
        return out

    def _table(self, verdict: Verdict) -> Iterator[str]:
        yield from [
            '<h2>Findings</h2><section id="findings"><div class="controls">',
            '<input id="filter" type="search" placeholder="Filter: words that must all appear" aria-label="Filter findings">',
            '<select id="outcome" aria-label="Outcome"><option value="">all outcomes</option>',
            *(f'<option value="{o.value}">{o.value}</option>' for o in Outcome),
            '</select><span id="shown"></span></div>',
            '<table id="findings-table"><thead><tr><th data-type="num">Outcome</th><th data-type="num">Severity</th>'
            "<th>Tool</th><th>Rule</th><th>Finding</th><th>Location</th></tr></thead><tbody>",
        ]
        for e in verdict.results:
            f, d = e.finding, e.decision
            o, s = d.outcome.value, d.severity.label
            details = ""
            if f.message and f.message != f.title:
                details = f"<details><summary>details</summary>{h(f.message, 2000)}</details>"
            tool_sev = f'<div class="why">tool: {h(f.tool_severity, 40)}</div>' if f.tool_severity else ""
            yield (
                f'<tr data-outcome="{o}"><td class="o-{o}" data-sort="{d.outcome.rank}">{o}</td>'
                f'<td class="s-{s}" data-sort="{int(d.severity)}">{s}{tool_sev}</td>'
                f"<td>{h(', '.join(e.seen_by), 120)}</td><td>{h(f.rule_id, 120)}</td>"
                f'<td class="msg">{h(f.title, 300)}<div class="why">{h(d.reason, 300)}</div>{details}</td>'
                f'<td class="loc">{h(f.location.display(), 300)}</td></tr>'
            )
        yield "</tbody></table></section>"
