"""Fixtures of the mail tests: real servers (tests/mail/servers.py), the portal wired to them,
and messages as an enterprise's mail client writes them."""

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest
from django.utils import timezone

from tests.mail.servers import PORTAL_DOMAIN, Dovecot, PortalMailExchanger

REPLY_ADDRESS = f"reponses@{PORTAL_DOMAIN}"


@pytest.fixture
def dovecot():
    server = Dovecot().start()
    yield server
    server.stop()


@pytest.fixture
def exchanger(dovecot, settings):
    """The portal's mail exchanger, and the portal sending through it (Django's SMTP
    backend) and reading the mailbox it delivers to."""
    server = PortalMailExchanger(dovecot).start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.CASE_REPLY_ADDRESS = REPLY_ADDRESS
    settings.INBOUND_EMAIL = {key.upper(): value
                              for key, value in dovecot.settings().__dict__.items()}
    yield server
    server.stop()


@pytest.fixture
def reply_address(settings):
    settings.CASE_REPLY_ADDRESS = REPLY_ADDRESS
    return REPLY_ADDRESS


def compose(*, sender: str, to, subject: str = "Demande", body: str = "Bonjour",
            headers: dict | None = None, attachments=()) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to if isinstance(to, str) else ", ".join(to)
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = make_msgid(domain="client.example")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    for filename, content, mimetype in attachments:
        maintype, subtype = mimetype.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message
