"""Benchmark: the poller receiving and processing 1,000 queued emails.

Run: python bench/inbound_mail.py [--scale X]   (against the PostgreSQL in DATABASE_URL)
--scale 1 queues 1,000 emails (the size the issue names); --scale 0.01 queues 20 and finishes
in seconds. It works in its own database (bench_inbound_mail), dropped at the end, with
uploads in a temporary folder.

The mix: 70 % new requests to an office's address from users of 50 enterprises (one in ten
with a PDF attached), 20 % replies to a case's signed reply address (quoted history to trim),
5 % from unknown senders (left to sort), 5 % automatic replies (discarded). Each email is
about 2 KB.

- **Receive**: when Debian's dovecot can be started (tests/mail/servers.py), the emails are
  appended to its mailbox and ``inbound.fetch`` reads them over IMAP (size, then the message,
  a row and its file committed, then ``\\Seen``); timed, then run again with tracemalloc on
  (the flags cleared and the rows removed first) for its peak memory. Without dovecot the
  rows are inserted with ``inbound.receive`` (what the fetch does for each message).
- **Process**: ``inbound.process_received`` over every received row (parse, route, write the
  case or the note and its notifications, record the outcome); timed with its queries, then
  once more with tracemalloc on after undoing what the first run wrote. Emails are counted,
  not sent: in production each is its own task on a worker.
Prints a table, then one JSON line with every figure."""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
PRIVATE = tempfile.mkdtemp(prefix="bench-inbound-mail-")
os.environ["TEST_PRIVATE_MEDIA_ROOT"] = PRIVATE

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

OFFICE_MAILBOX = "trois-rivieres@portail.example"
REPLY_ADDRESS = "reponses@portail.example"
ENTERPRISES = 50
PDF = (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
       b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n"
       b"%%EOF\n")
TEXT = ("Bonjour,\n\nNous souhaitons recruter des travailleurs qualifiés en soudure et en "
        "usinage pour notre usine de la Mauricie. Pourriez-vous nous accompagner dans les "
        "démarches et nous indiquer les programmes disponibles ?\n\n") * 6


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def seed():
    from antennes.models import Office
    from enterprises.models import CaseStatus
    from tests.factories.accounts import StaffFactory
    from tests.factories.antennes import office
    from tests.factories.enterprises import CaseFactory, EnterpriseFactory
    from tests.factories.partners import PartnerUserFactory

    tr = office("trois-rivieres")
    Office.objects.filter(pk=tr.pk).update(mailbox=OFFICE_MAILBOX)
    StaffFactory(role="adviser", offices=[tr], mfa=False)
    people = []
    for n in range(ENTERPRISES):
        organisation = EnterpriseFactory().organisation
        user = PartnerUserFactory(organisation=organisation,
                                  email=f"rh{n}@entreprise{n}.example")
        case = CaseFactory(organisation=organisation, status=CaseStatus.IN_PROGRESS)
        people.append((user, case))
    return people


def messages(count, people):
    from email.message import EmailMessage
    from email.policy import SMTP
    from email.utils import make_msgid

    from notifications import inbound

    raws = []
    for n in range(count):
        user, case = people[n % len(people)]
        kind = n % 20
        message = EmailMessage()
        message["Message-ID"] = make_msgid(idstring=str(n), domain="client.example")
        message["Subject"] = f"Demande {n}"
        if kind < 14:  # a new request
            message["From"], message["To"] = user.email, OFFICE_MAILBOX
            message.set_content(TEXT)
            if kind == 0:
                message.add_attachment(PDF, maintype="application", subtype="pdf",
                                       filename="offre.pdf")
        elif kind < 18:  # a reply
            message["From"] = user.email
            message["To"] = inbound.reply_address(f"case:{case.pk}:{user.pk}")
            message.set_content("Merci, voici nos précisions.\n\nLe 5 déc. 2025 à 10:12, "
                                "Portail <reponses@portail.example> a écrit :\n"
                                + "".join(f"> {line}\n" for line in TEXT.splitlines()))
        elif kind == 18:
            message["From"], message["To"] = f"inconnu{n}@ailleurs.example", OFFICE_MAILBOX
            message.set_content(TEXT)
        else:
            message["From"], message["To"] = user.email, OFFICE_MAILBOX
            message["Auto-Submitted"] = "auto-replied"
            message.set_content("Je suis absente du bureau.")
        raws.append(message.as_bytes(policy=SMTP))
    return raws


def start_dovecot():
    if shutil.which("dovecot") is None:
        return None
    try:
        from tests.mail.servers import Dovecot

        return Dovecot().start()
    except Exception as error:  # noqa: BLE001 - the bench then inserts the rows directly
        print(f"(dovecot could not be started: {error}; rows inserted directly)")
        return None


def clear_rows():
    from notifications.models import InboundMessage

    InboundMessage.objects.all().delete()
    shutil.rmtree(Path(PRIVATE) / "mail", ignore_errors=True)


def timed(function, *, trace=False):
    counter = QueryCounter()
    if trace:
        tracemalloc.start()
    try:
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            result = function()
            seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if trace else None
    finally:
        if trace:
            tracemalloc.stop()
    return {"seconds": round(seconds, 2), "queries": counter.count, "result": result,
            "peak_mib": round(peak / 2**20, 1) if peak is not None else None}


def receive(raws, dovecot):
    """(the untraced run, the traced run) of receiving every message."""
    from notifications import inbound

    if dovecot is None:
        def insert():
            return sum(inbound.receive(raw) is not None for raw in raws)
        first = timed(insert)
        clear_rows()
        return first, timed(insert, trace=True)

    config = dovecot.settings(batch_size=len(raws))
    for raw in raws:
        dovecot.append(raw)
    first = timed(lambda: inbound.fetch(config=config))
    clear_rows()
    imap = dovecot.connect()
    imap.select("INBOX")
    imap.uid("STORE", "1:*", "-FLAGS", "(\\Seen)")
    imap.logout()
    return first, timed(lambda: inbound.fetch(config=config), trace=True)


def undo_processing():
    from enterprises.models import Case, CaseNote
    from notifications.models import InboundMessage, InboundState, Notification

    CaseNote.objects.filter(inbound_message__isnull=False).delete()
    Case.objects.filter(inbound_message__isnull=False).delete()
    Notification.objects.all().delete()
    InboundMessage.objects.update(state=InboundState.RECEIVED, target="", error="",
                                  attempts=0, processed_at=None, office=None)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    count = max(20, int(1000 * args.scale))

    setup_test_environment()
    settings.CASE_REPLY_ADDRESS = REPLY_ADDRESS
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.DATABASES["default"]["TEST"]["NAME"] = "bench_inbound_mail"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    dovecot = None
    try:
        call_command("load_reference_data", verbosity=0)
        from notifications import inbound, tasks
        from notifications.models import InboundMessage

        emails = []
        tasks.send_notification_email.delay = emails.append  # counted, not sent

        people = seed()
        raws = messages(count, people)
        size_kib = round(sum(len(r) for r in raws) / count / 1024, 1)
        dovecot = start_dovecot()
        fetched, fetched_traced = receive(raws, dovecot)
        assert InboundMessage.objects.count() == count

        processed = timed(inbound.process_received)
        states = {str(k): v for k, v in processed["result"].items()}
        sent = len(emails)
        undo_processing()
        processed_traced = timed(inbound.process_received, trace=True)
        assert {str(k): v for k, v in processed_traced["result"].items()} == states

        how = "IMAP fetch from dovecot" if dovecot else "insert (no dovecot)"
        per = 1000 / count
        print(f"Inbound mail benchmark: {count:,} emails (~{size_kib} KiB each), "
              f"{ENTERPRISES} enterprises")
        print(f"{'step':<34} {'seconds':>8} {'ms/email':>9} {'queries':>8} {'peak MiB':>9}")
        for label, run, traced in ((f"receive ({how})", fetched, fetched_traced),
                                   ("process (route, write, record)", processed,
                                    processed_traced)):
            print(f"{label:<34} {run['seconds']:>8} {run['seconds'] * per:>9.2f} "
                  f"{run['queries']:>8} {traced['peak_mib']:>9}")
        print(f"  outcomes: {states}; notification emails owed: {sent}")
    finally:
        if dovecot is not None:
            dovecot.stop()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(PRIVATE, ignore_errors=True)
    summary = {
        "scale": args.scale, "emails": count, "email_kib": size_kib,
        "imap": dovecot is not None,
        "receive_s": fetched["seconds"], "receive_queries": fetched["queries"],
        "receive_peak_mib": fetched_traced["peak_mib"],
        "process_s": processed["seconds"], "process_queries": processed["queries"],
        "process_ms_per_email": round(processed["seconds"] * 1000 / count, 2),
        "process_peak_mib": processed_traced["peak_mib"],
        "process_traced_s": processed_traced["seconds"],
        "emails_owed": sent, **{f"became_{k}": v for k, v in states.items()},
    }
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
