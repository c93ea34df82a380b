"""What an email to the portal becomes (enterprises.mail through notifications.inbound): a new
request at the right office, a note on the case it answers, or a message kept to sort,
refused or discarded with its reason. The messages are received as the poller receives them
(``inbound.receive``) and processed by ``inbound.process``; tests/mail/test_end_to_end.py
does the same through real IMAP and SMTP servers."""

from datetime import timedelta
from email.policy import SMTP

import pytest
from django.utils import timezone

from antennes.models import Office
from enterprises.models import Case, CaseNote, CaseStatus, Channel
from notifications import inbound
from notifications.models import InboundMessage, InboundState
from tests.factories.accounts import StaffFactory
from tests.factories.antennes import office
from tests.factories.enterprises import CaseFactory, EnterpriseFactory
from tests.factories.partners import ContactFactory, PartnerUserFactory
from tests.mail.conftest import compose

TR_MAILBOX = "trois-rivieres@portail.example"

QUOTED_REPLY = """Merci, nous avons trouvé les documents.

Le ven. 5 déc. 2025 à 10:12, Portail régionalisation <reponses@portail.example> a écrit :
> Votre dossier attend votre réponse.
"""


@pytest.fixture
def people(db, reply_address):
    tr = office("trois-rivieres")
    Office.objects.filter(pk=tr.pk).update(mailbox="Trois-Rivieres@Portail.example")
    Office.objects.filter(pk=office("gatineau").pk).update(mailbox="gatineau@portail.example")
    boulangerie = EnterpriseFactory(organisation__name="Boulangerie Mauricie").organisation
    acme = EnterpriseFactory(organisation__name="Acme").organisation
    return {
        "tr": Office.objects.get(pk=tr.pk),
        "boulangerie": boulangerie, "acme": acme,
        "marie": PartnerUserFactory(organisation=boulangerie, email="marie@boulangerie.example"),
        "luc": ContactFactory(organisation=boulangerie, email="Luc@Boulangerie.example"),
        "john": PartnerUserFactory(organisation=acme, email="john@acme.example"),
        "adviser": StaffFactory(role="adviser", offices=[tr]),
    }


def deliver(message, *, delivered_to: str | None = None) -> InboundMessage:
    """Receive and process ``message`` as the poller does; the row as it is then."""
    raw = message.as_bytes(policy=SMTP) if not isinstance(message, bytes) else message
    if delivered_to:
        raw = f"Delivered-To: {delivered_to}\r\n".encode() + raw
    row = inbound.receive(raw)
    assert row is not None
    inbound.process(row.pk)
    row.refresh_from_db()
    return row


def reply_to_case(case, user):
    return inbound.reply_address(f"case:{case.pk}:{user.pk}")


# --------------------------------------------------------------------------------------------
# New requests
# --------------------------------------------------------------------------------------------


def test_an_enterprise_user_writing_to_the_office_opens_a_request_there(people):
    row = deliver(compose(sender="Marie Tremblay <Marie@Boulangerie.example>", to=TR_MAILBOX,
                          subject="Recruter des soudeurs", body="Nous cherchons 3 soudeurs."))

    case = Case.objects.get()
    assert (row.state, row.target, row.office) == (
        InboundState.PROCESSED, f"case:{case.pk}", people["tr"])
    assert (case.organisation, case.office, case.channel, case.created_by) == (
        people["boulangerie"], people["tr"], Channel.EMAIL, people["marie"])
    assert case.subject == "Recruter des soudeurs"
    assert "Nous cherchons 3 soudeurs." in case.description
    assert case.inbound_message == row
    assert (row.from_address, row.from_name) == ("marie@boulangerie.example", "Marie Tremblay")
    assert row.processed_at is not None and row.attempts == 1


def test_a_contact_without_an_account_opens_a_request_that_nobody_entered(people):
    row = deliver(compose(sender="luc@boulangerie.example", to=TR_MAILBOX, subject="Aide"))

    case = Case.objects.get()
    assert row.state == InboundState.PROCESSED
    assert case.organisation == people["boulangerie"] and case.created_by is None
    assert case.events.get().actor is None


def test_a_request_is_found_by_the_delivered_to_address_when_to_hides_it(people):
    row = deliver(compose(sender="marie@boulangerie.example", to="undisclosed-recipients:;"),
                  delivered_to=TR_MAILBOX)
    assert row.state == InboundState.PROCESSED and Case.objects.count() == 1


def test_an_unknown_sender_is_left_to_sort_at_the_office(people):
    row = deliver(compose(sender="inconnu@ailleurs.example", to=TR_MAILBOX))
    assert (row.state, row.office) == (InboundState.TO_SORT, people["tr"])
    assert "not known" in row.error or "connue" in row.error
    assert not Case.objects.exists()


def test_an_address_known_by_two_enterprises_is_left_to_sort(people):
    ContactFactory(organisation=people["boulangerie"], email="comptable@cabinet.example")
    ContactFactory(organisation=people["acme"], email="comptable@cabinet.example")
    row = deliver(compose(sender="comptable@cabinet.example", to=TR_MAILBOX))
    assert (row.state, row.office) == (InboundState.TO_SORT, people["tr"])
    assert not Case.objects.exists()


def test_mail_to_no_office_is_left_to_sort_for_administrators(people):
    row = deliver(compose(sender="marie@boulangerie.example", to="info@portail.example"))
    assert (row.state, row.office) == (InboundState.TO_SORT, None)
    assert not Case.objects.exists()


def test_an_out_of_office_reply_is_discarded_with_the_reason(people):
    row = deliver(compose(sender="marie@boulangerie.example", to=TR_MAILBOX,
                          subject="Réponse automatique : absente",
                          headers={"Auto-Submitted": "auto-replied"}))
    assert (row.state, row.office) == (InboundState.DISCARDED, people["tr"])
    assert row.error
    assert not Case.objects.exists()


def test_a_subject_naming_a_case_never_makes_a_note(people):
    case = CaseFactory(organisation=people["boulangerie"])
    row = deliver(compose(sender="marie@boulangerie.example", to=TR_MAILBOX,
                          subject=f"Re: Dossier {case.pk}", body="Une autre demande."))
    assert row.target != f"case:{case.pk}" and row.target.startswith("case:")
    assert Case.objects.count() == 2 and not CaseNote.objects.exists()


# --------------------------------------------------------------------------------------------
# Replies
# --------------------------------------------------------------------------------------------


@pytest.fixture
def waiting_case(people):
    return CaseFactory(organisation=people["boulangerie"], status=CaseStatus.WAITING,
                       adviser=people["adviser"], waiting_since=timezone.localdate())


def test_a_reply_to_the_signed_address_is_a_shared_note_and_resumes_the_case(people,
                                                                           waiting_case):
    row = deliver(compose(sender="marie@boulangerie.example",
                          to=reply_to_case(waiting_case, people["marie"]),
                          subject="Re: votre dossier", body=QUOTED_REPLY))

    note = CaseNote.objects.get()
    assert (row.state, row.target, row.office) == (
        InboundState.PROCESSED, f"case-note:{note.pk}", waiting_case.office)
    assert (note.case, note.author, note.is_internal, note.inbound_message) == (
        waiting_case, people["marie"], False, row)
    assert note.body == "Merci, nous avons trouvé les documents."
    waiting_case.refresh_from_db()
    assert waiting_case.status == CaseStatus.IN_PROGRESS


def test_a_reply_that_lost_the_reply_to_is_matched_by_in_reply_to(people, waiting_case):
    message_id = inbound.reply_message_id(f"case:{waiting_case.pk}:{people['marie'].pk}")
    row = deliver(compose(sender="marie@boulangerie.example", to=TR_MAILBOX,
                          body=QUOTED_REPLY,
                          headers={"In-Reply-To": message_id, "References": message_id}))
    assert row.state == InboundState.PROCESSED and row.target.startswith("case-note:")
    assert Case.objects.count() == 1  # no new request


def test_a_colleague_known_as_a_contact_may_reply_and_the_note_has_no_author(people,
                                                                           waiting_case):
    row = deliver(compose(sender="luc@boulangerie.example",
                          to=reply_to_case(waiting_case, people["marie"]), body="Vu."))
    assert row.state == InboundState.PROCESSED
    assert CaseNote.objects.get().author is None


def test_a_reply_from_another_enterprise_s_address_is_refused_and_kept(people, waiting_case):
    raw = compose(sender="john@acme.example", to=reply_to_case(waiting_case, people["marie"]),
                  body="Je réponds à la place.").as_bytes(policy=SMTP)
    row = deliver(raw)
    assert (row.state, row.office) == (InboundState.REFUSED, waiting_case.office)
    assert "john@acme.example" in row.error
    assert not CaseNote.objects.exists()
    with row.raw.open("rb") as stored:
        assert stored.read() == raw


@pytest.mark.parametrize("tamper", ["signature", "key"])
def test_a_forged_or_altered_token_is_refused(people, waiting_case, tamper):
    address = reply_to_case(waiting_case, people["marie"])
    local, domain = address.split("@")
    if tamper == "signature":
        forged = local[:-4] + ("aaaa" if not local.endswith("aaaa") else "bbbb")
    else:  # another case, the same signature
        forged = local.replace(f"case.{waiting_case.pk}.", f"case.{waiting_case.pk + 1}.")
    row = deliver(compose(sender="marie@boulangerie.example", to=f"{forged}@{domain}",
                          body="Bonjour"))
    assert row.state == InboundState.REFUSED
    assert not CaseNote.objects.exists() and Case.objects.count() == 1
    assert row.raw


def test_a_reply_to_a_closed_case_is_left_to_sort_at_its_office(people):
    case = CaseFactory(organisation=people["boulangerie"], closed=True)
    row = deliver(compose(sender="marie@boulangerie.example",
                          to=reply_to_case(case, people["marie"]), body="Encore une question"))
    assert (row.state, row.office) == (InboundState.TO_SORT, case.office)
    assert str(case.pk) in row.error
    assert not CaseNote.objects.exists() and Case.objects.count() == 1


def test_a_reply_to_a_merged_case_lands_on_the_case_it_was_merged_into(people, waiting_case):
    merged = CaseFactory(organisation=people["boulangerie"], status=CaseStatus.CLOSED,
                         outcome="merged", merged_into=waiting_case, next_follow_up=None,
                         closed_at=timezone.now())
    row = deliver(compose(sender="marie@boulangerie.example",
                          to=reply_to_case(merged, people["marie"]), body="Voici."))
    assert row.state == InboundState.PROCESSED
    assert CaseNote.objects.get().case == waiting_case


# --------------------------------------------------------------------------------------------
# The engine: once, and nothing lost
# --------------------------------------------------------------------------------------------


def test_a_message_is_received_once_and_processed_once(people):
    raw = compose(sender="marie@boulangerie.example", to=TR_MAILBOX).as_bytes(policy=SMTP)
    row = inbound.receive(raw)
    assert inbound.receive(raw) is None  # the same Message-ID again
    assert inbound.process(row.pk) == InboundState.PROCESSED
    assert inbound.process(row.pk) is None
    assert inbound.process_received() == {}
    assert Case.objects.count() == 1 and InboundMessage.objects.count() == 1


def test_a_message_without_message_id_is_known_by_its_bytes(people):
    raw = b"From: marie@boulangerie.example\r\nTo: " + TR_MAILBOX.encode() + \
          b"\r\nSubject: sans identifiant\r\n\r\nBonjour\r\n"
    row = inbound.receive(raw)
    assert row.message_key.startswith("sha256:")
    assert inbound.receive(raw) is None


def test_a_message_the_portal_cannot_read_is_kept_failed_with_its_bytes(people):
    raw = b"To: " + TR_MAILBOX.encode() + b"\r\nSubject: sans expediteur\r\n\r\nBonjour\r\n"
    row = deliver(raw)
    assert row.state == InboundState.FAILED and "sender" in row.error
    with row.raw.open("rb") as stored:
        assert stored.read() == raw


def test_a_message_whose_processing_died_three_times_fails_instead_of_looping(people):
    raw = compose(sender="marie@boulangerie.example", to=TR_MAILBOX).as_bytes(policy=SMTP)
    row = inbound.receive(raw)
    InboundMessage.objects.filter(pk=row.pk).update(attempts=inbound.MAX_ATTEMPTS)
    assert inbound.process(row.pk) == InboundState.FAILED
    row.refresh_from_db()
    assert "3" in row.error and not Case.objects.exists()


def test_the_retention_rule_deletes_handled_messages_after_six_months_with_their_file(
        people, django_capture_on_commit_callbacks):
    from notifications import retention as mail_retention
    from retention import engine

    old, recent, to_sort = (deliver(compose(sender=sender, to=TR_MAILBOX)) for sender in (
        "marie@boulangerie.example", "luc@boulangerie.example", "inconnu@ailleurs.example"))
    long_ago = timezone.now() - mail_retention.KEPT - timedelta(days=1)
    InboundMessage.objects.filter(pk__in=[old.pk, to_sort.pk]).update(processed_at=long_ago)
    storage, name = old.raw.storage, old.raw.name
    opened = Case.objects.get(inbound_message=old)

    with django_capture_on_commit_callbacks(execute=True):
        report = engine.run()

    assert report.counts["case_documents.inbound_messages"] == 1
    # Still to sort: kept however old; handled recently: kept.
    assert set(InboundMessage.objects.values_list("pk", flat=True)) == {recent.pk, to_sort.pk}
    assert not storage.exists(name)
    opened.refresh_from_db()
    assert opened.inbound_message is None  # the request stays, without its original
