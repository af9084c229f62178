"""The report's charts as inline SVG: rates with their Wilson whiskers, and the daily trend.

Why inline SVG: the report must open from a CI artifact or a mail attachment with no server and no
JavaScript library, and the Firefox/Chromium gap must be visible at a glance: each browser is a bar
with its 95 % Wilson interval as a whisker, so intervals that do not overlap read as "really
different" without reading a number.
"""
from __future__ import annotations

import html
from typing import Sequence

from fixtures.core.engine_names import display_name
from monitor.stats.rates import Rate, pct

BROWSER_COLOURS = {"chromium": "#1a73e8", "firefox": "#e66000", "webkit": "#6f42c1"}


def escape(s: object) -> str:
    """Escaped for HTML text and attribute values."""
    return html.escape(str(s), quote=True)


def colour(browser: str) -> str:
    return BROWSER_COLOURS.get(browser, "#555")


def svg_rates(rates: Sequence[Rate], title: str) -> str:
    """Horizontal bars 0–100 % with the Wilson interval as a whisker, one row per browser."""
    rows = [r for r in rates]
    left, width, row_h, top = 110, 520, 34, 26
    height = top + row_h * max(1, len(rows)) + 28
    x = lambda v: left + width * v  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{left + width + 190}" height="{height}" '
             f'viewBox="0 0 {left + width + 190} {height}" font-family="sans-serif" font-size="13">',
             f"<title>{escape(title)}</title>",
             f'<text x="{left}" y="16" font-weight="bold">{escape(title)}</text>']
    for tick in range(0, 101, 20):
        tx = x(tick / 100)
        parts.append(f'<line x1="{tx:.1f}" y1="{top - 4}" x2="{tx:.1f}" y2="{height - 24}" stroke="#ddd"/>')
        parts.append(f'<text x="{tx:.1f}" y="{height - 8}" text-anchor="middle" fill="#666">{tick} %</text>')
    for i, r in enumerate(rows):
        y = top + i * row_h
        c = colour(r.label)
        parts.append(f'<text x="{left - 8}" y="{y + 20}" text-anchor="end">{escape(display_name(r.label))}</text>')
        if r.ratio is None:
            parts.append(f'<text x="{left + 4}" y="{y + 20}" fill="#666">no counted runs</text>')
            continue
        lo, hi = r.interval
        parts.append(f'<rect x="{left}" y="{y + 6}" width="{width * r.ratio:.1f}" height="20" fill="{c}" opacity="0.35">'
                     f"<title>{escape(r.text())} n={r.trials}</title></rect>")
        parts.append(f'<line x1="{x(lo):.1f}" y1="{y + 16}" x2="{x(hi):.1f}" y2="{y + 16}" stroke="{c}" stroke-width="3"/>')
        for v in (lo, hi):
            parts.append(f'<line x1="{x(v):.1f}" y1="{y + 8}" x2="{x(v):.1f}" y2="{y + 24}" stroke="{c}" stroke-width="2"/>')
        parts.append(f'<circle cx="{x(r.ratio):.1f}" cy="{y + 16}" r="5" fill="{c}"/>')
        parts.append(f'<text x="{left + width + 10}" y="{y + 20}">{pct(r.ratio)} % [{pct(lo)}–{pct(hi)}] n={r.trials}</text>')
    parts.append("</svg>")
    return "".join(parts)


def svg_trend(daily: Sequence[tuple[str, dict[str, Rate]]], browsers: Sequence[str]) -> str:
    """One line per browser: first-attempt success rate per UTC day."""
    if not daily:
        return "<p>No runs in the period.</p>"
    left, width, top, height = 50, 640, 20, 200
    n = len(daily)
    x = lambda i: left + (width * i / max(1, n - 1) if n > 1 else width / 2)  # noqa: E731
    y = lambda v: top + height * (1 - v)  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{left + width + 120}" height="{top + height + 40}" '
             f'font-family="sans-serif" font-size="12"><title>Success rate per day</title>']
    for tick in range(0, 101, 25):
        parts.append(f'<line x1="{left}" y1="{y(tick / 100):.1f}" x2="{left + width}" y2="{y(tick / 100):.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y(tick / 100) + 4:.1f}" text-anchor="end" fill="#666">{tick} %</text>')
    step = max(1, n // 7)
    for i, (day, _) in enumerate(daily):
        if i % step == 0 or i == n - 1:
            parts.append(f'<text x="{x(i):.1f}" y="{top + height + 16}" text-anchor="middle" fill="#666">{escape(day[5:])}</text>')
    for k, b in enumerate(browsers):
        c = colour(b)
        pts = [(x(i), y(rates[b].ratio), day, rates[b]) for i, (day, rates) in enumerate(daily)
               if b in rates and rates[b].trials]
        if not pts:
            continue
        parts.append(f'<polyline fill="none" stroke="{c}" stroke-width="2" points="'
                     + " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in pts) + '"/>')
        for px, py, day, r in pts:
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{c}"><title>{escape(day)} {escape(r.text())} '
                         f'n={r.trials}</title></circle>')
        parts.append(f'<text x="{left + width + 10}" y="{top + 14 + 16 * k}" fill="{c}">{escape(display_name(b))}</text>')
    parts.append("</svg>")
    return "".join(parts)
