"""``monitor report``'s terminal rendering of ``ReportData`` (the HTML page is ``history_html``)."""
from __future__ import annotations

from fixtures.core.engine_names import display_name
from fixtures.core.untrusted import clean
from monitor.report.accounts_section import accounts_text
from monitor.report.blocked_section import blocked_text
from monitor.report.coverage_section import coverage_text
from monitor.report.funnel_section import funnel_text
from monitor.report.history_model import DEFINITION, ReportData, signature_line, when
from monitor.report.mail_path_section import mail_path_text
from monitor.report.placement_section import placement_text
from monitor.report.timings_section import timings_text
from monitor.stats.rates import pct


def render_text(data: ReportData) -> str:
    where = f" — location {data.location}" if data.location else ""
    out = [f"Extranet monitor report{where} — {when(data.generated_at)} — {data.db_path}"]
    out.append(f"Last completed cycle: {when(data.last_cycle_at) if data.last_cycle_at else 'none yet'}; "
               f"cycles in the last {data.windows[-1].label}: "
               + (", ".join(f"{n} {s}" for s, n in sorted(data.cycles.items())) or "none"))
    out += accounts_text(data.accounts, data.windows[-1].label)
    out += blocked_text(data.blocked, data.windows[-1].label)
    out += coverage_text(data.coverage)
    out.append("")
    head = (f"{'window':<7} {'browser':<9} {'rate':>6}  {'95 % CI':<11} {'n':>5} {'flaky':>6} {'probe_err':>9} "
            f"{'unavail':>8} {'not_run':>8}")
    out += ["Success rate per browser (first attempts)", head, "-" * len(head)]
    for w in data.windows:
        for r in w.browsers:
            lo, hi = r.interval
            rate = f"{pct(r.ratio)} %" if r.trials else "–"
            ci = f"[{pct(lo)}–{pct(hi)}]" if r.trials else ""
            out.append(f"{w.label:<7} {display_name(r.label):<9} {rate:>6}  {ci:<11} {r.trials:>5} {r.flaky:>6} "
                       f"{r.excluded.get('probe_error', 0):>9} {r.excluded.get('unavailable', 0):>8} "
                       f"{r.excluded.get('not_run', 0):>8}")
    longest = data.windows[-1]
    if longest.journeys:
        browsers = [r.label for r in longest.browsers]
        out += ["", f"Per journey, last {longest.label} (rate [95 % CI] n)"]
        out.append(f"{'journey':<8}" + "".join(f"{display_name(b):>24}" for b in browsers))
        for j, rates in longest.journeys.items():
            cells = []
            for r in rates:
                lo, hi = r.interval
                cells.append(f"{pct(r.ratio)} % [{pct(lo)}–{pct(hi)}] {r.trials}" if r.trials else "–")
            out.append(f"{j:<8}" + "".join(f"{c:>24}" for c in cells))
    if data.alerts:
        out += ["", "Alerts (what /metrics exports: failing now, or persistently worse)"]
        out += [f"  {line}" for line in data.alerts]
    out += ["", "Verdict (always-valid, read after every cycle: false alarms under α per week)"]
    out += [f"  {data.verdict(v)}" for v in data.sequential] or ["  No browser pair has paired runs yet."]
    if data.degradation:
        out += ["", "Each browser against its own past (always-valid change detector)"]
        out += [f"  {line}" for line in data.degradation]
    if data.power:
        out += [""] + data.power
    out += ["", "Per window (descriptive: Fisher's exact test for one look, not a verdict)"]
    for w in data.windows:
        out += [f"  [{w.label}] {s}" for s in w.sentences]
    out += [f"  {a}" for a in data.journey_alerts]
    out += [f"  [{data.windows[-1].label}] {d}" for d in data.drops]
    out += funnel_text(data.funnels, data.windows[-1].label)
    out += placement_text(data.placements, data.windows[-1].label)
    out += mail_path_text(data.mail_paths, data.case3, data.windows[-1].label)
    out += timings_text(data.timings, data.windows[-1].label) if data.timings else []
    if data.failures:
        out += ["", f"Recent non-successes (newest first, {len(data.failures)})"]
        for f in data.failures:
            arts = ", ".join(f.artifacts[:2]) + (" …" if len(f.artifacts) > 2 else "")
            out.append(f"  {when(f.ts)}  {f.journey:<6} {f.browser:<9} #{f.attempt} {f.outcome:<17} "
                       f"{(f.failure_class or '-'):<22} {clean(signature_line(f) or f.message or '', 240)}"
                       + (f"  [{arts}]" if arts else ""))
    if data.not_run:
        out += ["", "Not run on purpose (latest, with the reason; never counted in a rate)"]
        out += [f"  {f.journey:<6} {f.browser:<9} not run ({f.failure_class}): {clean(f.message or '', 120)}"
                for f in data.not_run]
    out += ["", DEFINITION]
    return "\n".join(out) + "\n"
