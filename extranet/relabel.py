"""The ``label_overrides`` fault: the extranet's pages with some labels renamed, as a portal redesign does.

Why on the rendered HTML and not in the templates: any label of any template (a button, a
field's ``<label>``, a heading, a link, a menu title, an ``aria-label``/``alt``/``title``) must be
renamable without the templates knowing, so the suite's screen diff and the target doctor are
tried on renames nobody prepared for. A label is replaced only where it is a whole text node
(``<button>Valider</button>``, surrounding blanks allowed) or a whole accessible-name attribute:
a sentence that merely contains the word, a form field's ``name`` or an option's ``value`` (what
the server reads back) are left alone, so the forms keep working under their new names.
"""
from __future__ import annotations

import html
import re
from typing import Callable, Mapping

from markupsafe import escape

_NAME_ATTRIBUTES = ("aria-label", "alt", "title", "placeholder")


def _forms(label: str) -> str:
    """A pattern for ``label`` as a template writes it (raw) or Jinja escapes it, any run of blanks alike."""
    forms = {label, html.escape(label, quote=True), str(escape(label))}
    return "|".join(r"\s+".join(re.escape(word) for word in form.split())
                    for form in sorted(forms, key=len, reverse=True))


def _between(new: str) -> Callable[[re.Match[str]], str]:
    """Replace what stands between a match's first and second groups (blanks or quotes kept)."""
    return lambda match: match.group(1) + new + match.group(2)


def relabel(page: str, overrides: Mapping[str, str]) -> str:
    """``page`` with each original label (a key) shown as its new label (the value), all at once."""
    attributes = "|".join(_NAME_ATTRIBUTES)
    for old, new in overrides.items():
        forms, replacement = _forms(old), _between(str(escape(new)))
        page = re.sub(rf"(?<=>)(\s*)(?:{forms})(\s*)(?=<)", replacement, page)
        page = re.sub(rf'(\s(?:{attributes})=")(?:{forms})(")', replacement, page)
    return page
