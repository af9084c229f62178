"""The status page's files: ``index.html`` (no script, a few kB), ``status.json`` (schema 1) and one SVG badge per browser.

Why static files: the page must stay readable when the monitor is down (a stale page says it is
stale: its date is on it), be served by any web server or CDN, and need no JavaScript. The same
bytes are written by ``monitor status-page --out DIR`` and served under ``/status/`` by ``monitor
serve``. Every text is escaped; the only text from outside the monitor (a maintenance note from the
configuration) was cleaned and bounded by ``decide``; nothing from the target reaches the page.
The JSON schema is documented in docs/status-page.md; a change that removes or renames a field
raises ``SCHEMA_VERSION``.
"""
from __future__ import annotations

import json
import os
import tempfile
from html import escape
from pathlib import Path

from monitor.status import french
from monitor.status.decide import DEGRADED, DOWN, OK, UNKNOWN, WORDS, StatusPage

SCHEMA_VERSION = 1
HTML_NAME, JSON_NAME = "index.html", "status.json"
TYPES = {".html": "text/html; charset=utf-8", ".json": "application/json", ".svg": "image/svg+xml"}
#: A sign beside each state's word (never colour alone, WCAG 1.4.1), hidden from screen readers (the word says it).
SIGNS = {OK: "✔", DEGRADED: "⚠", DOWN: "✖", UNKNOWN: "?"}
#: Badge colours: white text on each reaches at least 4.5:1 (WCAG 1.4.3).
BADGE_COLOURS = {OK: "#1e6b30", DEGRADED: "#8a4b00", DOWN: "#a4161a", UNKNOWN: "#595959"}
TITLE = "Extranet activité partielle : la récupération d'identifiant et de mot de passe"

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;line-height:1.5;color:#1b1b1b;
background:#fff;margin:0 auto;max-width:48rem;padding:1rem}
h1{font-size:1.6rem;line-height:1.25}h2{font-size:1.3rem;margin-top:2rem}h3{font-size:1.1rem;margin:0}
a{color:#0b4fa8}a:focus{outline:3px solid #1b1b1b;outline-offset:2px}
.ok{--c:#1e6b30}.degraded{--c:#8a4b00}.down{--c:#a4161a}.unknown{--c:#595959}
.headline{font-size:1.15rem;font-weight:bold;border-left:.4rem solid var(--c);padding:.5rem .8rem}
.notice{border:2px solid #a4161a;padding:.5rem .8rem;margin:.5rem 0}
ul.cards{list-style:none;padding:0}ul.cards>li{border:1px solid #767676;border-left:.5rem solid var(--c);
padding:.6rem .9rem;margin:.8rem 0}
.state{font-weight:bold;font-size:1.1rem;margin:.2rem 0;color:var(--c)}.note{color:#3d3d3d;font-size:.95rem}
footer{margin-top:2rem;border-top:1px solid #767676;font-size:.95rem}
""".strip()


def _time(ts: float) -> str:
    return f'<time datetime="{french.iso(ts)}">{escape(french.when(ts))}</time>'


def _state(state: str) -> str:
    return f'<span aria-hidden="true">{SIGNS[state]}</span> {escape(WORDS[state])}'


def html_page(page: StatusPage) -> str:
    """The page: headings in reading order, each state in words (a sign beside it), no script."""
    b: list[str] = []
    b.append(f'<header><h1>{escape(TITLE)}</h1>'
             f'<p class="headline {page.overall}">{escape(page.headline)}</p></header><main>')
    if page.notices:
        b.append('<section aria-labelledby="avis"><h2 id="avis">Avis importants</h2>'
                 + "".join(f'<p class="notice">{escape(n)}</p>' for n in page.notices) + "</section>")
    b.append('<section aria-labelledby="navigateurs"><h2 id="navigateurs">Par navigateur</h2><ul class="cards">')
    for s in page.browsers:
        since = f"<p>Depuis le {_time(s.since)}.</p>" if s.since else ""
        engine = f' <span class="note">({escape(s.engine_words)})</span>' if s.engine_words else ""
        b.append(f'<li class="{s.state}"><h3>{escape(s.name)}{engine}</h3>'
                 f'<p class="state">{_state(s.state)}</p><p>{escape(s.evidence)}</p><p>{escape(s.detail)}</p>'
                 f'{since}<p class="note">{escape(s.note)}</p></li>')
    b.append("</ul></section>")
    b.append('<section aria-labelledby="courriel"><h2 id="courriel">Le courriel de récupération</h2>'
             + "".join(f"<p>{escape(x)}</p>" for x in page.mail.sentences) + f"<p>{escape(page.link)}</p></section>")
    b.append('<section aria-labelledby="incidents"><h2 id="incidents">Incidents en cours</h2>')
    if page.incidents:
        b.append("<ul>" + "".join(f"<li>{escape(i.text)}"
                                  + (f" Début : {_time(i.since)}." if i.since else "") + "</li>"
                                  for i in page.incidents) + "</ul>")
    else:
        b.append("<p>Aucun incident en cours.</p>" if page.data == "fresh" else
                 "<p>Inconnu : les mesures ne permettent pas de le dire.</p>")
    b.append('</section><section aria-labelledby="maintenances"><h2 id="maintenances">Maintenances</h2>')
    if page.maintenance:
        b.append("<ul>" + "".join(
            f"<li>{'En cours' if w.current else 'Prévue'} : du {_time(w.start)} au {_time(w.end)}"
            + (f". {escape(w.text)}" if w.text else "") + "</li>" for w in page.maintenance) + "</ul>")
    else:
        b.append("<p>Aucune maintenance annoncée.</p>")
    b.append('</section><section aria-labelledby="methode"><h2 id="methode">Comment ces informations sont obtenues</h2>'
             "<p>Un moniteur refait automatiquement, plusieurs fois par heure et avec chaque navigateur, les "
             "parcours de la page d'aide (identifiant ou mot de passe oublié) sur le site, avec des comptes d'essai, "
             "et attend le courriel. Un navigateur est dit en « difficultés » quand il échoue nettement plus "
             "souvent qu'un autre ou qu'à son habitude (le même critère que les alertes des exploitants), et "
             "« ne fonctionne pas » quand ses derniers essais ont tous échoué.</p></section></main>")
    footer = [f"<p>Mis à jour le {_time(page.generated_at)} (heure de Paris)."]
    if page.last_cycle_at:
        footer.append(f" Dernière mesure terminée le {_time(page.last_cycle_at)}.")
    footer.append("</p>")
    if page.location:
        footer.append(f"<p>Mesuré depuis : {escape(page.location)}.</p>")
    footer.append(f'<p><a href="{JSON_NAME}">Ces informations au format JSON</a> (schéma {SCHEMA_VERSION}).</p>')
    b.append("<footer>" + "".join(footer) + "</footer>")
    return ('<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>État de la récupération d'accès : {escape(WORDS[page.overall])}</title>"
            f"<style>{CSS}</style></head><body>" + "".join(b) + "</body></html>\n")


def _ts(ts: float | None) -> str | None:
    return french.iso(ts) if ts is not None else None


def json_document(page: StatusPage) -> dict:
    """``status.json``, schema 1 (docs/status-page.md)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": _ts(page.generated_at),
        "last_cycle_at": _ts(page.last_cycle_at),
        "interval_seconds": page.interval,
        "data": page.data,
        "monitor_sees": page.monitor_sees,
        "overall": {"state": page.overall, "words": WORDS[page.overall], "headline": page.headline},
        "notices": list(page.notices),
        "browsers": [{"engine": s.engine, "name": s.name, "engine_words": s.engine_words, "state": s.state,
                      "words": s.words, "since": _ts(s.since),
                      "evidence": {"window_hours": 24, "succeeded": s.succeeded, "judged": s.judged,
                                   "sentence": s.evidence},
                      "detail": s.detail, "note": s.note, "badge": badge_name(s.engine)} for s in page.browsers],
        "mail": {"window_hours": 24, "mails": page.mail.mails, "median_delivery_seconds": page.mail.median_seconds,
                 "placement_measured": page.mail.placed, "in_spam": page.mail.in_junk,
                 "sentences": list(page.mail.sentences)},
        "reset_link": {"measured_validity_seconds": page.link_measured_seconds, "sentence": page.link},
        "incidents": [{"scope": i.scope, "engine": i.engine, "since": _ts(i.since), "text": i.text}
                      for i in page.incidents],
        "maintenance": [{"start": _ts(w.start), "end": _ts(w.end), "current": w.current, "text": w.text}
                        for w in page.maintenance],
        "location": page.location,
    }


def badge_name(engine: str) -> str:
    return f"badge-{engine}.svg"


def badge_svg(name: str, state: str) -> str:
    """A shields-style badge « Firefox | fonctionne »: one image, its words as its accessible name."""
    left, right = name, WORDS[state]
    lw, rw = 12 + 7 * len(left), 12 + 7 * len(right)  # ~7 px a character at 11 px DejaVu Sans: room to spare
    label = escape(f"{left} : {right}", quote=True)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{lw + rw}" height="20" role="img" aria-label="{label}">'
            f"<title>{label}</title><rect width=\"{lw}\" height=\"20\" fill=\"#333\"/>"
            f'<rect x="{lw}" width="{rw}" height="20" fill="{BADGE_COLOURS[state]}"/>'
            '<g fill="#fff" font-family="DejaVu Sans,Verdana,sans-serif" font-size="11">'
            f'<text x="6" y="14">{escape(left)}</text><text x="{lw + 6}" y="14">{escape(right)}</text></g></svg>\n')


def files(page: StatusPage) -> dict[str, bytes]:
    """Every file of the page, by name."""
    out = {HTML_NAME: html_page(page).encode(),
           JSON_NAME: (json.dumps(json_document(page), ensure_ascii=False, indent=1) + "\n").encode()}
    for s in page.browsers:
        out[badge_name(s.engine)] = badge_svg(s.name, s.state).encode()
    return out


def content_type(name: str) -> str:
    return TYPES[Path(name).suffix]


def write(page: StatusPage, out: Path) -> list[Path]:
    """Write the files into ``out`` (created), each replaced atomically: a reader never sees half a page."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, body in files(page).items():
        fd, tmp = tempfile.mkstemp(dir=out, prefix=f".{name}.")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(body)
            os.chmod(tmp, 0o644)
            os.replace(tmp, out / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(out / name)
    return written
