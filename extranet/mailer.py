"""The mails of the procedure, built as real MIME messages and sent over SMTP.

Why this shape: every mail has a plain-text and an HTML alternative, Date, Message-ID and
the ``X-Extranet-Kind`` header the suite uses to tell mails apart; a well-formed message also
keeps the spam score the suite measures honest. Sending uses blocking ``smtplib`` in a worker
thread (never on the event loop); an SMTP failure is logged without any secret and never
breaks the page the user sees.
"""
from __future__ import annotations

import logging
import smtplib
import time
from dataclasses import dataclass, replace
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import urlsplit

import dkim
from jinja2 import DictLoader, Environment, StrictUndefined, select_autoescape
from markupsafe import Markup

from .security import log_ref

log = logging.getLogger("extranet.mail")

SENDER = Address("Extranet activité partielle", "ne-pas-repondre", "activitepartielle.invalid")
ENVELOPE_FROM = "ne-pas-repondre@retours.activitepartielle.invalid"  # Return-Path: bounces, apart from From
#: ``spf_unauthorized_sender``: a loopback address of this machine that no SPF record lists.
UNAUTHORIZED_SOURCE = "127.0.0.2"
#: ``dmarc_misaligned``: a third-party sending service's domain (SPF and DKIM of its own, not From's).
SENDING_SERVICE_DOMAIN = "routeur-mail.invalid"
#: ``dkim_broken_in_transit``: what a gateway appends after the signature was made (a disclaimer).
TRANSIT_FOOTER = b"\r\n-- \r\nMessage analyse par la passerelle de messagerie.\r\n"
#: Headers the DKIM signature covers (RFC 6376 §5.4.1: From, and what a reader relies on).
SIGNED_HEADERS = (b"from", b"to", b"subject", b"date", b"message-id", b"mime-version", b"content-type",
                  b"x-extranet-kind", b"auto-submitted")
KINDS = ("identifiant", "activation", "habilitation", "reinitialisation", "assistance")

_SUBJECTS = {
    "identifiant": "Votre identifiant Extranet activité partielle",
    "activation": "Activation de votre compte Extranet activité partielle",
    "habilitation": "Habilitation à l'activité partielle",
    "reinitialisation": "Réinitialisation de votre mot de passe",
    "assistance": "Demande d'assistance n° {numero}",
}

_TEXT = {
    "identifiant": """Bonjour {{ civilite }} {{ nom }},

Voici votre identifiant de connexion à l'Extranet activité partielle pour l'établissement {{ denomination }} (SIRET {{ siret }}) :

Identifiant : {{ identifiant }}

Conservez-le : il vous sera demandé à chaque connexion.
""",
    "activation": """Bonjour {{ civilite }} {{ nom }},

Pour activer votre compte Extranet activité partielle et choisir votre mot de passe, ouvrez le lien suivant :

{{ link }}

Ce lien est valable {{ ttl_minutes }} minutes et ne peut servir qu'une fois.
""",
    "habilitation": """Bonjour {{ civilite }} {{ nom }},

Votre compte est désormais habilité à l'activité partielle pour l'établissement {{ denomination }} (SIRET {{ siret }}).
Vous pouvez vous connecter à l'Extranet activité partielle : {{ base_url }}/
""",
    "reinitialisation": """Bonjour {{ civilite }} {{ nom }},

Vous avez demandé la réinitialisation de votre mot de passe de l'Extranet activité partielle.
Pour choisir un nouveau mot de passe, ouvrez le lien suivant :

{{ link }}

Ce lien est valable {{ ttl_minutes }} minutes et ne peut servir qu'une fois.
Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre mot de passe reste inchangé.
""",
    "assistance": """Bonjour {{ nom }},

Votre demande d'assistance n° {{ numero }} a bien été enregistrée.
Motif de la demande : {{ motif }}

Nos services vous répondront à cette adresse. Rappelez ce numéro dans vos échanges.
""",
}

_SIGNATURE_TEXT = "\n--\nExtranet activité partielle\nCe message est envoyé automatiquement, merci de ne pas y répondre.\n"

_HTML_BODY = {
    "identifiant": """<p>Bonjour {{ civilite }} {{ nom }},</p>
<p>Voici votre identifiant de connexion à l'Extranet activité partielle pour l'établissement
{{ denomination }} (SIRET {{ siret }})&nbsp;:</p>
<p>Identifiant : <strong>{{ identifiant }}</strong></p>
<p>Conservez-le : il vous sera demandé à chaque connexion.</p>""",
    "activation": """<p>Bonjour {{ civilite }} {{ nom }},</p>
<p>Pour activer votre compte Extranet activité partielle et choisir votre mot de passe, ouvrez le lien suivant&nbsp;:</p>
<p><a href="{{ link }}">{{ link }}</a></p>
<p>Ce lien est valable {{ ttl_minutes }} minutes et ne peut servir qu'une fois.</p>""",
    "habilitation": """<p>Bonjour {{ civilite }} {{ nom }},</p>
<p>Votre compte est désormais habilité à l'activité partielle pour l'établissement {{ denomination }}
(SIRET {{ siret }}).</p>
<p>Vous pouvez vous connecter à l'<a href="{{ base_url }}/">Extranet activité partielle</a>.</p>""",
    "reinitialisation": """<p>Bonjour {{ civilite }} {{ nom }},</p>
<p>Vous avez demandé la réinitialisation de votre mot de passe de l'Extranet activité partielle.
Pour choisir un nouveau mot de passe, ouvrez le lien suivant&nbsp;:</p>
<p><a href="{{ link }}">{{ link }}</a></p>
<p>Ce lien est valable {{ ttl_minutes }} minutes et ne peut servir qu'une fois.
Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre mot de passe reste inchangé.</p>""",
    "assistance": """<p>Bonjour {{ nom }},</p>
<p>Votre demande d'assistance n° <strong>{{ numero }}</strong> a bien été enregistrée.<br>
Motif de la demande : {{ motif }}</p>
<p>Nos services vous répondront à cette adresse. Rappelez ce numéro dans vos échanges.</p>""",
}

_HTML_PAGE = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>{{ subject }}</title></head>
<body style="font-family: Arial, sans-serif; color: #1e1e1e; line-height: 1.5;">
{{ body }}
<hr>
<p style="font-size: 0.9em; color: #555;">Extranet activité partielle<br>
Ce message est envoyé automatiquement, merci de ne pas y répondre.</p>
</body></html>
"""

_text_env = Environment(loader=DictLoader(_TEXT), undefined=StrictUndefined, autoescape=False,
                        keep_trailing_newline=True)
_html_env = Environment(loader=DictLoader({**_HTML_BODY, "_page": _HTML_PAGE}), undefined=StrictUndefined,
                        autoescape=select_autoescape(default=True, default_for_string=True))


@dataclass(frozen=True)
class OutgoingMail:
    kind: str
    to: str
    subject: str
    text: str
    html: str


def render(kind: str, to: str, **context: object) -> OutgoingMail:
    """Subject, text and HTML of one kind of mail (raises KeyError for an unknown kind)."""
    if kind not in KINDS:
        raise KeyError(kind)
    subject = _SUBJECTS[kind].format(**context)
    text = _text_env.get_template(kind).render(**context) + _SIGNATURE_TEXT
    body = _html_env.get_template(kind).render(**context)
    html = _html_env.get_template("_page").render(subject=subject, body=Markup(body))
    return OutgoingMail(kind, to, subject, text, html)


_SPAMMY_HTML = """<html><body bgcolor="#ff0000"><center>
<font size="7" color="#ffff00"><b>FREE MONEY!!! YOU ARE A WINNER!!! ACT NOW!!!</b></font><br>
<font size="5"><b>100% GUARANTEED - NO RISK - CASH BONUS - LIMITED TIME OFFER - CLICK HERE!!!</b></font><br>
<font size="5"><b>DEAR FRIEND, YOU HAVE BEEN SELECTED TO RECEIVE $1,000,000 US DOLLARS. VIAGRA CHEAP MEDS
WORK FROM HOME. CLICK BELOW NOW!!!</b></font></center>
{body}
<center><font size="1">To unsubscribe CLICK HERE. This is not spam. You opted in.</font></center>
</body></html>
"""


def spammy(mail: OutgoingMail) -> OutgoingMail:
    """The ``spammy_mail`` fault: same content and links, wrapped in what spam filters score high.

    The subject is kept as it is: journeys check it, and the point is a mail that *arrives*
    with a high spam score (the suite warns, it does not fail).
    """
    return OutgoingMail(mail.kind, mail.to, mail.subject,
                        mail.text, _SPAMMY_HTML.replace("{body}", mail.html))


def build_message(mail: OutgoingMail, *, domain: str = "activitepartielle.invalid",
                  spam: bool = False, sender: Address = SENDER) -> EmailMessage:
    """A multipart/alternative message with the headers every mail of the extranet carries.

    ``spam=True`` (the ``spammy_mail`` fault): HTML only, no Date, no Message-ID, a From whose
    display name is an unrelated address.
    """
    message = EmailMessage()
    if spam:
        mail = spammy(mail)
        message["From"] = '"WINNER@lottery-claims.example" <ne-pas-repondre@activitepartielle.invalid>'
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["X-Extranet-Kind"] = mail.kind
        message["X-Extranet-Sent-At"] = f"{time.time():.6f}"
        message.set_content(mail.html, subtype="html", charset="utf-8")
        return message
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(idstring=mail.kind, domain=domain)
    message["X-Extranet-Kind"] = mail.kind
    # Date has one-second resolution; the suite measures delivery latency (sent → stored in
    # Mailpit) in milliseconds, so the send time is also given as epoch seconds.
    message["X-Extranet-Sent-At"] = f"{time.time():.6f}"
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = "fr"
    message.set_content(mail.text, subtype="plain", charset="utf-8")
    message.add_alternative(mail.html, subtype="html", charset="utf-8")
    return message


def relinked(mail: OutgoingMail, base_url: str, host: str) -> OutgoingMail:
    """The ``mail_link_host`` fault: every link to ``base_url`` points to ``host`` instead (same path)."""
    other = urlsplit(base_url)._replace(netloc=host).geturl()
    return replace(mail, text=mail.text.replace(base_url, other), html=mail.html.replace(base_url, other))


@dataclass(frozen=True)
class DkimKey:
    """The extranet's DKIM signing key: published at ``selector._domainkey.domain``."""

    private_pem: bytes
    selector: str
    domain: str


@dataclass(frozen=True)
class Wire:
    """How one mail leaves (faults of extranet/faults.py that act on the SMTP conversation)."""

    spam: bool = False
    break_dkim: bool = False  # the body changes after signing
    unauthorized_source: bool = False  # sent from UNAUTHORIZED_SOURCE
    misaligned: bool = False  # signed and sent by SENDING_SERVICE_DOMAIN, From unchanged


class Mailer:
    """Sends messages to one SMTP server; ``send`` blocks, so call it from a worker thread.

    With a ``dkim`` key every mail is signed (dkimpy, relaxed/relaxed) before it leaves, as a
    portal's mail platform signs; the envelope sender is ``envelope_from`` (the Return-Path).
    """

    def __init__(self, host: str, port: int, timeout: float = 10.0, *, dkim_key: DkimKey | None = None,
                 envelope_from: str = ENVELOPE_FROM, from_domain: str | None = None) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.dkim_key, self.envelope_from = dkim_key, envelope_from
        # From's domain (``--mail-from-domain``): the lab shows a sender aligned with DKIM and the
        # Return-Path, or not, or another domain than the one a target declares (``mail_from_domain``).
        self.sender = Address(SENDER.display_name, SENDER.username, from_domain) if from_domain else SENDER

    def wire_bytes(self, mail: OutgoingMail, wire: Wire = Wire()) -> tuple[str, bytes]:
        """(envelope sender, the message as sent: signed, then altered if the fault says so)."""
        data = build_message(mail, spam=wire.spam, sender=self.sender).as_bytes(policy=policy.SMTP)
        envelope = f"envoi@{SENDING_SERVICE_DOMAIN}" if wire.misaligned else self.envelope_from
        if self.dkim_key is not None:
            domain = SENDING_SERVICE_DOMAIN if wire.misaligned else self.dkim_key.domain
            data = dkim.sign(data, self.dkim_key.selector.encode(), domain.encode(), self.dkim_key.private_pem,
                             canonicalize=(b"relaxed", b"relaxed"), include_headers=list(SIGNED_HEADERS),
                             linesep=b"\r\n") + data
        if wire.break_dkim:
            data += TRANSIT_FOOTER
        return envelope, data

    def send(self, mail: OutgoingMail, *, spam: bool = False, wire: Wire | None = None) -> bool:
        """True if the server accepted the message; failures are logged, never raised."""
        wire = wire or Wire(spam=spam)
        started = time.monotonic()
        try:
            envelope, data = self.wire_bytes(mail, wire)
            source = (UNAUTHORIZED_SOURCE, 0) if wire.unauthorized_source else None
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout, source_address=source) as smtp:
                smtp.sendmail(envelope, [mail.to], data)
        except (OSError, smtplib.SMTPException, dkim.DKIMException) as exc:
            log.error("mail kind=%s to=%s not sent: SMTP %s:%s failed: %s", mail.kind, log_ref(mail.to.lower()),
                      self.host, self.port, type(exc).__name__)
            return False
        log.info("mail kind=%s to=%s sent in %.0f ms", mail.kind, log_ref(mail.to.lower()),
                 (time.monotonic() - started) * 1000)
        return True
