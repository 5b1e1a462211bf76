"""Sending mail over SMTP (stdlib smtplib), configured by `--smtp-url` and `--mail-from`.

`smtp://USER:PASS@HOST:PORT` speaks STARTTLS (required whenever credentials are given, so a
password never crosses the network in clear; used when offered otherwise), `smtps://` TLS from
the first byte. Certificates are verified against the system's trust store (`SSL_CERT_FILE`
names another). Without a URL nothing is sent, and the log says so.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

log = logging.getLogger("openhat.mail")
TIMEOUT_S = 30


class MailNotSent(Exception):
    """The mail server could not be reached, refused the mail, or would have been sent a
    password without TLS."""


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    implicit_tls: bool
    username: str | None = None
    password: str | None = field(default=None, repr=False)


def parse_smtp_url(url: str) -> SmtpServer:
    """Raises ValueError for a URL that is not `smtp://` or `smtps://` with a host."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("the SMTP URL must be smtp://[USER:PASS@]HOST[:PORT] or smtps://...")
    implicit = parts.scheme == "smtps"
    return SmtpServer(parts.hostname, parts.port or (465 if implicit else 587), implicit,
                      unquote(parts.username) if parts.username else None,
                      unquote(parts.password) if parts.password else None)


class Mailer:
    """Sends the HAT's mails, or (without a server) says in the log that it cannot."""

    def __init__(self, smtp_url: str, sender: str) -> None:
        self.server = parse_smtp_url(smtp_url) if smtp_url else None
        self.sender = sender

    @property
    def configured(self) -> bool:
        return self.server is not None

    def send(self, mail: Mail) -> bool:
        """Send `mail`; False (and a log line) when mail is not configured or sending
        failed. Never raises: a mail is sent after its request has been answered."""
        if self.server is None:
            log.warning("mail is not configured (--smtp-url): not sending %r", mail.subject)
            return False
        try:
            self._deliver(self.server, self._message(mail))
        except (MailNotSent, OSError, smtplib.SMTPException) as exc:
            log.error("mail %r not sent: %s", mail.subject, exc)
            return False
        log.info("mail %r sent", mail.subject)
        return True

    def _message(self, mail: Mail) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message.set_content(mail.text)
        if mail.html is not None:
            message.add_alternative(mail.html, subtype="html")
        return message

    @staticmethod
    def _deliver(server: SmtpServer, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if server.implicit_tls:
            smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT_S,
                                    context=context)
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_S)
        with smtp:
            smtp.ehlo()
            if not server.implicit_tls:
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=context)
                    smtp.ehlo()
                elif server.username is not None:
                    raise MailNotSent(f"{server.host} does not offer STARTTLS: the password"
                                      " is not sent in clear")
            if server.username is not None:
                smtp.login(server.username, server.password or "")
            smtp.send_message(message)
