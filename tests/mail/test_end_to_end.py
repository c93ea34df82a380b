"""Mail in and out through real servers: enterprises write over SMTP to the portal's mail
exchanger (aiosmtpd), which delivers the portal's mail into dovecot; the portal sends its
notification emails through the same SMTP server and reads dovecot over IMAP
(``notifications.inbound.poll``)."""

import email
import email.policy
from datetime import timedelta

import pytest
from django.core.files.storage import storages
from django.utils import timezone

from antennes.models import Office
from enterprises.models import Case, CaseAttachment, CaseNote, CaseStatus, Channel
from enterprises.services import case_transition
from notifications import inbound
from notifications.models import InboundMessage, InboundState, Notification
from tests.factories.accounts import StaffFactory
from tests.factories.antennes import office
from tests.factories.enterprises import CaseFactory, EnterpriseFactory
from tests.factories.partners import PartnerUserFactory
from tests.mail.conftest import compose

TR_MAILBOX = "trois-rivieres@portail.example"
PDF = (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
       b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n"
       b"%%EOF\n")


@pytest.fixture
def people(db, exchanger):
    tr = office("trois-rivieres")
    Office.objects.filter(pk=tr.pk).update(mailbox=TR_MAILBOX)
    boulangerie = EnterpriseFactory(organisation__name="Boulangerie Mauricie").organisation
    acme = EnterpriseFactory(organisation__name="Acme").organisation
    return {
        "tr": tr, "boulangerie": boulangerie,
        "marie": PartnerUserFactory(organisation=boulangerie, email="marie@boulangerie.example"),
        "john": PartnerUserFactory(organisation=acme, email="john@acme.example"),
        "adviser": StaffFactory(role="adviser", offices=[tr], email="conseil@mifi.example"),
    }


@pytest.fixture
def poll(django_capture_on_commit_callbacks, dovecot):
    """One run of the poller (its commits' emails sent, as a worker's would be)."""
    def run(**overrides):
        with django_capture_on_commit_callbacks(execute=True):
            try:
                return inbound.poll(config=dovecot.settings(**overrides) if overrides else None)
            except Exception:
                print(dovecot.logs())
                raise
    return run


def test_an_email_to_the_office_opens_a_request_there_with_its_attachment(people, exchanger,
                                                                         dovecot, poll):
    exchanger.send(compose(sender="Marie Tremblay <marie@boulangerie.example>", to=TR_MAILBOX,
                           subject="Recruter trois soudeurs",
                           body="Bonjour,\n\nNous voulons recruter trois soudeurs.\n",
                           attachments=[("offre.pdf", PDF, "application/pdf")]))
    assert len(dovecot.uids("UNSEEN")) == 1

    counts = poll()

    assert counts["fetched"] == 1 and counts[InboundState.PROCESSED] == 1
    case = Case.objects.get()
    assert (case.office, case.organisation, case.channel, case.created_by) == (
        people["tr"], people["boulangerie"], Channel.EMAIL, people["marie"])
    assert case.subject == "Recruter trois soudeurs"
    attachment = CaseAttachment.objects.get(case=case)
    assert attachment.original_name == "offre.pdf"
    with attachment.file.open("rb") as stored:
        assert stored.read() == PDF
    message = InboundMessage.objects.get()
    assert (message.state, message.target, message.office) == (
        InboundState.PROCESSED, f"case:{case.pk}", people["tr"])
    assert TR_MAILBOX in message.to_addresses
    # Flagged on the server only once committed; a second poll finds nothing new.
    assert dovecot.uids("UNSEEN") == [] and len(dovecot.uids()) == 1
    assert poll()["fetched"] == 0 and Case.objects.count() == 1
    # The office's adviser was told, by email through the SMTP server.
    assert Notification.objects.filter(recipient=people["adviser"]).exists()
    assert exchanger.sent_to(people["adviser"].email)


def test_a_reply_to_the_portal_s_email_lands_on_the_case_and_resumes_it(people, exchanger,
                                                                       poll,
                                                                       django_capture_on_commit_callbacks):
    marie, adviser = people["marie"], people["adviser"]
    case = CaseFactory(organisation=people["boulangerie"], status=CaseStatus.IN_PROGRESS,
                       adviser=adviser)
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(actor=adviser, case_id=case.pk, to=CaseStatus.WAITING,
                        comment="Pouvez-vous nous envoyer l’offre d’emploi ?",
                        next_follow_up=timezone.localdate() + timedelta(days=7))

    # The real email the portal sent Marie, as her mail server received it.
    [received] = exchanger.sent_to(marie.email)
    original = received.message
    reply_to = original["Reply-To"].addresses[0].addr_spec
    assert reply_to.startswith(f"reponses+case.{case.pk}.{marie.pk}.")
    quoted = "\n".join(f"> {line}" for line in original.get_body().get_content().splitlines())

    exchanger.send(compose(
        sender="Marie Tremblay <marie@boulangerie.example>", to=reply_to,
        subject=f"Re: {original['Subject']}",
        headers={"In-Reply-To": original["Message-ID"], "References": original["Message-ID"]},
        body=f"Voici l’offre, en pièce jointe.\n\nMarie\n\n"
             f"Le {original['Date']}, Portail régionalisation <{reply_to}> a écrit :\n{quoted}\n",
        attachments=[("offre.pdf", PDF, "application/pdf")]))
    poll()

    note = CaseNote.objects.get()
    assert (note.case, note.author, note.is_internal) == (case, marie, False)
    assert note.body == "Voici l’offre, en pièce jointe.\n\nMarie"
    assert [a.original_name for a in note.attachments.all()] == ["offre.pdf"]
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    assert Case.objects.count() == 1
    message = InboundMessage.objects.get()
    assert (message.state, message.target) == (InboundState.PROCESSED, f"case-note:{note.pk}")
    # The adviser hears of the reply by email.
    assert any("note" in d.message["Subject"].lower() or str(case.pk) in d.message["Subject"]
               for d in exchanger.sent_to(adviser.email))


def test_a_forged_token_and_another_enterprise_s_reply_are_refused_and_kept(people,
                                                                          exchanger, poll):
    case = CaseFactory(organisation=people["boulangerie"], status=CaseStatus.IN_PROGRESS)
    address = inbound.reply_address(f"case:{case.pk}:{people['marie'].pk}")
    local, domain = address.split("@")
    forged = f"{local[:-3]}xyz@{domain}"
    exchanger.send(compose(sender="marie@boulangerie.example", to=forged, body="Bonjour"))
    exchanger.send(compose(sender="john@acme.example", to=address, body="Je m’immisce."))

    poll()

    by_sender = {m.from_address: m for m in InboundMessage.objects.all()}
    assert by_sender["marie@boulangerie.example"].state == InboundState.REFUSED
    refused = by_sender["john@acme.example"]
    assert (refused.state, refused.office) == (InboundState.REFUSED, case.office)
    assert "john@acme.example" in refused.error
    assert not CaseNote.objects.exists() and Case.objects.count() == 1
    for message in by_sender.values():  # kept as received
        with message.raw.open("rb") as stored:
            raw = stored.read()
        assert b"Delivered-To:" in raw and message.message_key.encode() in raw


def test_a_message_the_portal_cannot_read_or_too_big_is_kept_failed(people, exchanger, dovecot,
                                                                   poll):
    no_sender = (b"To: " + TR_MAILBOX.encode() + b"\r\nSubject: Sans expediteur\r\n"
                 b"Message-ID: <sans-expediteur@client.example>\r\n\r\nBonjour\r\n")
    exchanger.send(no_sender, to=[TR_MAILBOX])
    big = compose(sender="marie@boulangerie.example", to=TR_MAILBOX, subject="Gros fichier",
                  attachments=[("plan.pdf", PDF + b"%" * 200_000, "application/pdf")])
    exchanger.send(big)

    counts = poll(max_bytes=100_000)

    assert counts["too_big"] == 1 and counts[InboundState.FAILED] == 1
    unreadable = InboundMessage.objects.get(message_key="<sans-expediteur@client.example>")
    assert unreadable.state == InboundState.FAILED and "sender" in unreadable.error
    with unreadable.raw.open("rb") as stored:
        assert stored.read().endswith(no_sender)
    too_big = InboundMessage.objects.get(subject="Gros fichier")
    assert too_big.state == InboundState.FAILED and too_big.size > 100_000
    assert "0.1" in too_big.error  # the limit, in MB
    with too_big.raw.open("rb") as stored:
        headers = stored.read()
    assert b"Subject: Gros fichier" in headers and b"%%%%" not in headers
    assert storages["private"].exists(too_big.raw.name)
    assert not Case.objects.exists()
    assert dovecot.uids("UNSEEN") == []  # both recorded, so both flagged
    parsed = email.message_from_bytes(headers, policy=email.policy.default)
    assert parsed["From"] == "marie@boulangerie.example"
    # Sent back to processing (an administrator's retry): still failed, never an empty case.
    InboundMessage.objects.filter(pk=too_big.pk).update(state=InboundState.RECEIVED)
    assert inbound.process(too_big.pk) == InboundState.FAILED
    assert not Case.objects.exists()
