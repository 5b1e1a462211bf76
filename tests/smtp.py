"""A real SMTP server (aiosmtpd) on a loopback port, for the mail tests: it keeps every
message it receives, so a test reads the mail openhat sent."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.servers import free_port


@dataclass
class Inbox:
    """What the server received: the messages, and the logins it accepted."""

    messages: list[EmailMessage] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    port: int = 0

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    def text(self, index: int = -1) -> str:
        body = self.messages[index].get_body(("plain",))
        assert body is not None
        return str(body.get_content())


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@contextmanager
def smtp_server(tls_folder: Path | None = None, user: str = "mailer",
                password: str = "s3cret") -> Iterator[Inbox]:
    """An SMTP server on 127.0.0.1. With `tls_folder`, it offers STARTTLS with a
    self-signed certificate (written there) and requires TLS and a login (`user`,
    `password`) before mail."""
    inbox = Inbox(port=free_port())
    params: dict[str, Any] = {}
    if tls_folder is not None:
        cert_file, key_file = self_signed(tls_folder)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_file, key_file)

        def authenticate(server: Any, session: Session, envelope: Envelope,
                         mechanism: str, auth_data: Any) -> AuthResult:
            if not isinstance(auth_data, LoginPassword):
                return AuthResult(success=False, handled=False)
            given = (auth_data.login.decode(), auth_data.password.decode())
            if given != (user, password):
                return AuthResult(success=False, handled=False)
            inbox.logins.append(given)
            return AuthResult(success=True)

        params = {"tls_context": context, "require_starttls": True, "auth_required": True,
                  "auth_require_tls": True, "authenticator": authenticate}
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port, **params)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
