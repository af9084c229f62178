"""``monitor report --html``: ``ReportData`` as one static HTML page with inline SVG charts.

Static, so it opens from a CI artifact or a mail attachment with no server and no JavaScript.
"""
from __future__ import annotations

import os
from pathlib import Path

from fixtures.core.engine_names import display_name
from fixtures.core.untrusted import clean
from monitor.report.accounts_section import accounts_html
from monitor.report.blocked_section import blocked_html
from monitor.report.coverage_section import coverage_html
from monitor.report.funnel_section import funnel_html
from monitor.report.history_model import DEFINITION, ReportData, signature_line, when
from monitor.report.history_svg import BROWSER_COLOURS, svg_rates, svg_trend
from monitor.report.history_svg import escape as _e
from monitor.report.mail_path_section import mail_path_html
from monitor.report.placement_section import placement_html
from monitor.report.timings_section import timings_html
from monitor.stats.rates import Rate, pct


def _artifact_link(path: str, html_dir: Path) -> str:
    p = Path(path)
    name = _e(p.name or path)
    if not p.exists():
        return f'<span title="{_e(path)}">{name} (removed)</span>'
    try:
        href = os.path.relpath(p, html_dir)
    except ValueError:
        href = p.resolve().as_uri()
    return f'<a href="{_e(href)}">{name}</a>'


def _cell_colour(r: Rate) -> str:
    ratio = r.ratio
    if ratio is None:  # no trials
        return "#f4f4f4"
    return "#f8d7da" if ratio < 0.8 else "#fff3cd" if ratio < 0.95 else "#d4edda"


def render_html(data: ReportData, html_path: Path) -> str:
    html_dir = html_path.resolve().parent
    cls = "bad" if data.alarm else "ok"
    b = [f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Extranet monitor — success rates per browser</title>
<style>
body{{font-family:sans-serif;max-width:1000px;margin:1.5em auto;color:#222;padding:0 1em}}
h1{{font-size:1.5em}} h2{{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}}
.callout{{padding:.8em 1em;border-radius:6px;font-size:1.1em}} .bad{{background:#f8d7da;border:1px solid #d9534f}}
.ok{{background:#d4edda;border:1px solid #5cb85c}} table{{border-collapse:collapse;font-size:.9em}}
td,th{{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}} .muted{{color:#666;font-size:.85em}}
</style></head><body>
<h1>Extranet activité partielle — account-recovery journeys, success rate per browser</h1>
<p class="muted">{'Location <strong id="location">' + _e(data.location) + '</strong>. ' if data.location else ''}Generated {_e(when(data.generated_at))} from {_e(data.db_path)}. Last completed cycle:
{_e(when(data.last_cycle_at)) if data.last_cycle_at else 'none yet'}. Cycles in the last {_e(data.windows[-1].label)}:
{_e(', '.join(f'{n} {s}' for s, n in sorted(data.cycles.items())) or 'none')}.</p>
<p class="callout {cls}" id="headline">{_e(data.headline)}</p>"""]
    b.append(accounts_html(data.accounts, data.windows[-1].label))
    b.append(blocked_html(data.blocked, data.windows[-1].label))
    b.append(coverage_html(data.coverage))
    if len(data.sequential) > 1:
        b.append('<ul id="pairs">' + "".join(f"<li>{_e(data.verdict(v))}</li>" for v in data.sequential[1:]) + "</ul>")
    if data.alerts:
        b.append('<h2>Alerts</h2><ul id="alerts">' + "".join(f"<li>{_e(line)}</li>" for line in data.alerts) + "</ul>")
    if data.degradation:
        b.append('<h2>Each browser against its own past</h2><ul id="degradation">'
                 + "".join(f"<li>{_e(line)}</li>" for line in data.degradation) + "</ul>")
    if data.power:
        b.append(f'<p class="muted" id="power">{_e(data.power[0])}</p><ul id="power-figures">'
                 + "".join(f"<li>{_e(line.strip())}</li>" for line in data.power[1:]) + "</ul>")
    if data.drops:  # first thing after the verdict: where each browser drops out, and why
        b.append(f'<h2>Where browsers fail, last {_e(data.windows[-1].label)}</h2><ul id="drops">'
                 + "".join(f"<li>{_e(d)}</li>" for d in data.drops) + "</ul>")
    b.append("<h2>Success rate per browser, with 95 % intervals</h2>")
    for w in data.windows:
        b.append(f'<figure>{svg_rates(w.browsers, f"Last {w.label}")}<figcaption>'
                 + "<br>".join(_e(s) for s in w.sentences) + "</figcaption></figure>")
    if data.journey_alerts:
        b.append("<h2>Journeys where the window's Fisher p is below α (descriptive, one look)</h2><ul>" + "".join(f"<li>{_e(a)}</li>" for a in data.journey_alerts) + "</ul>")
    longest = data.windows[-1]
    if longest.journeys:
        browsers = [r.label for r in longest.browsers]
        b.append(f"<h2>Per journey, last {_e(longest.label)}</h2><table><tr><th>journey</th>"
                 + "".join(f"<th>{_e(display_name(x))}</th>" for x in browsers) + "</tr>")
        for j, rates in longest.journeys.items():
            b.append(f"<tr><th>{_e(j)}</th>")
            for r in rates:
                lo, hi = r.interval
                txt = f"{pct(r.ratio)} % [{pct(lo)}–{pct(hi)}] n={r.trials}" if r.trials else "–"
                extra = [f"{n} {o}" for o, n in r.excluded.items() if n] + ([f"{r.flaky} flaky"] if r.flaky else [])
                b.append(f'<td style="background:{_cell_colour(r)}">{_e(txt)}'
                         + (f'<br><span class="muted">{_e(", ".join(extra))}</span>' if extra else "") + "</td>")
            b.append("</tr>")
        b.append("</table>")
    all_browsers = sorted({br for _, rates in data.daily for br in rates}, key=lambda s: (s not in BROWSER_COLOURS, s))
    b.append("<h2>Trend per day (UTC)</h2>" + svg_trend(data.daily, all_browsers))
    if data.daily:
        b.append("<table><tr><th>day</th>" + "".join(f"<th>{_e(display_name(x))}</th>" for x in all_browsers) + "</tr>")
        for day, day_rates in data.daily:
            b.append(f"<tr><td>{_e(day)}</td>" + "".join(
                f"<td>{_e(day_rates[x].text().split(' ', 1)[1]) + ' n=' + str(day_rates[x].trials) if x in day_rates and day_rates[x].trials else '–'}</td>"
                for x in all_browsers) + "</tr>")
        b.append("</table>")
    b.append(funnel_html(data.funnels, data.windows[-1].label, lambda p: _artifact_link(p, html_dir)))
    b.append(placement_html(data.placements, data.windows[-1].label))
    b.append(mail_path_html(data.mail_paths, data.case3, data.windows[-1].label))
    b.append(timings_html(data.timings, data.windows[-1].label) if data.timings else "")
    b.append("<h2>Recent non-successes</h2>")
    if data.failures:
        b.append("<table><tr><th>time</th><th>journey</th><th>browser</th><th>attempt</th><th>outcome</th>"
                 "<th>class</th><th>signature / message</th><th>artifacts</th></tr>")
        for f in data.failures:
            arts = " ".join(_artifact_link(a, html_dir) for a in f.artifacts)
            b.append(f"<tr><td>{_e(when(f.ts))}</td><td>{_e(f.journey)}</td><td>{_e(display_name(f.browser))}</td>"
                     f"<td>{f.attempt}</td><td>{_e(f.outcome)}</td><td>{_e(f.failure_class or '')}</td>"
                     f"<td>{_e(clean(signature_line(f) or f.message or '', 300))}</td><td>{arts}</td></tr>")
        b.append("</table>")
    else:
        b.append("<p>None.</p>")
    if data.not_run:
        b.append("<h2>Not run on purpose</h2><table><tr><th>journey</th><th>browser</th><th>reason</th>"
                 "<th>why</th><th>last seen</th></tr>")
        b += [f"<tr><td>{_e(f.journey)}</td><td>{_e(display_name(f.browser))}</td><td>not run ({_e(f.failure_class or '')})"
              f"</td><td>{_e(clean(f.message or '', 300))}</td><td>{_e(when(f.ts))}</td></tr>" for f in data.not_run]
        b.append("</table>")
    b.append(f'<p class="muted">{_e(DEFINITION)}</p></body></html>\n')
    return "\n".join(b)


def write_html(data: ReportData, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render_html(data, path), encoding="utf-8")
    tmp.replace(path)
