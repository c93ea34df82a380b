"""Real mail servers for the tests of mail in and out: Debian's dovecot (IMAP) with a
configuration of the test's own, and an aiosmtpd SMTP server that plays the portal's mail
exchanger.

- ``Dovecot``: ``dovecot -c <conf> -F`` in a subprocess, listening on 127.0.0.1 on a free port,
  one mailbox (``portail``, plaintext password from a passwd-file, no SSL), maildir and
  base_dir in a folder of its own. As root, the mail belongs to the ``dovecot`` user and the
  login processes run as ``dovenull`` (dovecot refuses uid 0 for mail); as another user,
  everything runs as that user. Its log is printed when it does not start.
- ``PortalMailExchanger``: accepts SMTP for any address; a message for the portal's domain
  (the offices' addresses, the reply address with any +token) is delivered into dovecot by
  IMAP APPEND with a ``Delivered-To`` line, as an MTA would; mail for anyone else (an
  enterprise's user) is kept in ``outside`` for the test to read.
"""

import email
import email.policy
import email.utils
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from aiosmtpd.controller import Controller

from notifications.inbound import MailboxSettings

PORTAL_DOMAIN = "portail.example"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Dovecot:
    USER = "portail"
    PASSWORD = "mot-de-passe-de-test"  # noqa: S105

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="portail-dovecot-"))
        self.dir.chmod(0o711)  # the mail user must reach its maildir
        self.port = free_port()
        self.log = self.dir / "dovecot.log"
        self.process = None
        for sub in ("mail", "home"):
            (self.dir / sub).mkdir()
        if os.geteuid() == 0:
            mail_user, login_user, internal_user = "dovecot", "dovenull", "dovecot"
            entry = pwd.getpwnam(mail_user)
            for sub in ("mail", "home"):
                os.chown(self.dir / sub, entry.pw_uid, entry.pw_gid)
            chroot = ""
        else:
            mail_user = login_user = internal_user = pwd.getpwuid(os.getuid()).pw_name
            chroot = "  chroot =\n"
        entry = pwd.getpwnam(mail_user)
        (self.dir / "passwd").write_text(f"{self.USER}:{{PLAIN}}{self.PASSWORD}\n")
        self.conf = self.dir / "dovecot.conf"
        self.conf.write_text(f"""\
base_dir = {self.dir}/run
state_dir = {self.dir}/state
log_path = {self.log}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = {entry.pw_uid}
first_valid_gid = {entry.pw_gid}
mail_location = maildir:{self.dir}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.dir}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_user} home={self.dir}/home/%u
}}
service imap-login {{
{chroot}  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
""")

    def start(self) -> "Dovecot":
        self.process = subprocess.Popen(["dovecot", "-c", str(self.conf), "-F"],
                                        stdout=(self.dir / "stdout.log").open("w"),
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while True:
            try:
                imap = self.connect()
                _status, data = imap.select("INBOX")  # the mail user may read its maildir
                imap.logout()
                if _status != "OK":
                    raise RuntimeError(f"dovecot cannot open the mailbox: {data}\n{self.logs()}")
                return self
            except (OSError, imaplib.IMAP4.error) as error:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"dovecot did not start: {error}\n{self.logs()}") from None
                time.sleep(0.1)

    def logs(self) -> str:
        return "".join(path.read_text(errors="replace")[-4000:]
                       for path in (self.dir / "stdout.log", self.log) if path.exists())

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)

    def connect(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        imap.login(self.USER, self.PASSWORD)
        return imap

    def settings(self, **overrides) -> MailboxSettings:
        values = {"host": "127.0.0.1", "port": self.port, "user": self.USER,
                  "password": self.PASSWORD, "security": "none", "folder": "INBOX"}
        return MailboxSettings(**{**values, **overrides})

    def environment(self) -> dict:
        """``INBOUND_EMAIL_*`` for a worker process that polls this server."""
        return {"INBOUND_EMAIL_HOST": "127.0.0.1", "INBOUND_EMAIL_PORT": str(self.port),
                "INBOUND_EMAIL_USER": self.USER, "INBOUND_EMAIL_PASSWORD": self.PASSWORD,
                "INBOUND_EMAIL_SECURITY": "none", "INBOUND_EMAIL_FOLDER": "INBOX"}

    def append(self, raw: bytes) -> None:
        imap = self.connect()
        try:
            status, data = imap.append("INBOX", None, None, raw)
            assert status == "OK", data
        finally:
            imap.logout()

    def uids(self, criterion: str = "ALL") -> list[bytes]:
        imap = self.connect()
        try:
            imap.select("INBOX")
            return imap.uid("SEARCH", None, criterion)[1][0].split()
        finally:
            imap.logout()


@dataclass
class Delivered:
    recipient: str
    raw: bytes

    @property
    def message(self):
        return email.message_from_bytes(self.raw, policy=email.policy.default)


class _Handler:
    def __init__(self, exchanger):
        self.exchanger = exchanger

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.exchanger.deliver(envelope.mail_from, envelope.rcpt_tos, envelope.content)
        return "250 Message accepted for delivery"


class PortalMailExchanger:
    def __init__(self, dovecot: Dovecot):
        self.dovecot = dovecot
        self.outside: list[Delivered] = []
        self.lock = threading.Lock()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=free_port())

    @property
    def port(self) -> int:
        return self.controller.port

    def start(self) -> "PortalMailExchanger":
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    def deliver(self, mail_from: str, recipients: list[str], content: bytes) -> None:
        for recipient in recipients:
            if recipient.lower().rpartition("@")[2] == PORTAL_DOMAIN:
                self.dovecot.append(f"Delivered-To: {recipient}\r\n".encode() + content)
            else:
                with self.lock:
                    self.outside.append(Delivered(recipient, content))

    def sent_to(self, address: str) -> list[Delivered]:
        with self.lock:
            return [d for d in self.outside if d.recipient.lower() == address.lower()]

    def send(self, raw_or_message, *, to: list[str] | None = None) -> None:
        """Send a message through this server over SMTP, as an enterprise's mail client."""
        import smtplib

        with smtplib.SMTP("127.0.0.1", self.port, timeout=10) as client:
            if isinstance(raw_or_message, bytes):
                message = email.message_from_bytes(raw_or_message, policy=email.policy.SMTP)
                recipients = to or [a for _n, a in email.utils.getaddresses(
                    message.get_all("To", []) + message.get_all("Cc", []))]
                client.sendmail(str(message["From"] or "nobody@nowhere.example"), recipients,
                                raw_or_message)
            else:
                client.send_message(raw_or_message, to_addrs=to)
