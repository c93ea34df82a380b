"""The mail pages: emails to sort (advisers and SIT managers: their offices'; administrators:
all), one email's page and its sorting, the administrators' unprocessed mail and offices'
mailbox addresses, and the case page of a case made from email."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from antennes.models import Office
from enterprises.mail_cases import case_note_from_message, case_open_from_message
from enterprises.models import Case, CaseNote, CaseStatus, Channel
from notifications.mailparse import parse
from notifications.models import InboundMessage, InboundState
from tests.enterprises.test_mail_cases import PDF_BYTES, eml, inbound
from tests.factories.enterprises import CaseFactory, EnterpriseFactory
from tests.factories.partners import PartnerUserFactory

pytestmark = pytest.mark.django_db

TO_SORT = reverse("enterprises:mail_to_sort")
UNPROCESSED = reverse("enterprises:mail_unprocessed")
MAILBOXES = reverse("enterprises:mail_mailboxes")


@pytest.fixture(autouse=True)
def _pages_in_english(client):
    """The pages (the person's language cookie) and the services' messages in English."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def detail(message):
    return reverse("enterprises:mail_detail", args=[message.pk])


def flashes(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


@pytest.fixture
def mail(world):
    """An email to sort at each office, one no office could be found for, and one already
    processed at Trois-Rivières."""
    offices = world["offices"]
    rows = {key: inbound(eml(subject=f"Question de {key}", text=f"Première ligne {key}\nSuite",
                             sender=f"Contact {key} <contact@{key}.example>"),
                         office=office)
            for key, office in offices.items()}
    rows["none"] = inbound(eml(subject="Question sans antenne"))
    rows["done"] = inbound(eml(subject="Déjà traité"), office=offices["tr"],
                           state=InboundState.PROCESSED)
    return rows


@pytest.fixture
def shop(world):
    enterprise = EnterpriseFactory(organisation__office=world["offices"]["tr"],
                                   organisation__region=world["offices"]["tr"].region,
                                   organisation__name="Usinage Mauricie")
    return enterprise.organisation


# --------------------------------------------------------------------------------------------
# Emails to sort
# --------------------------------------------------------------------------------------------

SEES = {
    "adviser": {"Question de tr"},
    "adviser_gatineau": {"Question de gat"},
    "sit_manager": {"Question de tr", "Question de sh"},
    "admin": {"Question de tr", "Question de sh", "Question de gat", "Question sans antenne"},
}


@pytest.mark.parametrize("role", sorted(SEES))
def test_staff_see_the_mail_to_sort_of_their_offices(client, world, mail, role):
    client.force_login(world["users"][role])
    text = page(client.get(TO_SORT))
    shown = {subject for subject in SEES["admin"] | {"Déjà traité"} if subject in text}
    assert shown == SEES[role]
    if role == "adviser":
        assert "contact@tr.example" in text and "Première ligne tr Suite" in text


@pytest.mark.parametrize("role", ["partner", "partner_gatineau"])
def test_partners_have_no_mail_pages(client, world, mail, role):
    client.force_login(world["users"][role])
    assert client.get(TO_SORT).status_code == 403
    assert client.get(detail(mail["tr"])).status_code == 404
    assert client.get(reverse("enterprises:mail_original", args=[mail["tr"].pk])) \
        .status_code == 404
    assert client.get(UNPROCESSED).status_code == 403
    assert client.get(MAILBOXES).status_code == 403


def test_the_list_filters_by_office_and_shows_the_newest_first(client, world, mail):
    client.force_login(world["users"]["sit_manager"])
    text = page(client.get(TO_SORT, {"office": "shawinigan"}))
    assert "Question de sh" in text and "Question de tr" not in text
    # An office outside the territory is ignored (the list of the territory).
    text = page(client.get(TO_SORT, {"office": "gatineau"}))
    assert "Question de gat" not in text and "Question de tr" in text
    client.force_login(world["users"]["admin"])
    text = page(client.get(TO_SORT, {"office": "aucune"}))
    assert "Question sans antenne" in text and "Question de tr" not in text
    InboundMessage.objects.filter(pk=mail["gat"].pk).update(received_at=timezone.now()
                                                            + timezone.timedelta(hours=1))
    text = page(client.get(TO_SORT))
    assert text.index("Question de gat") < text.index("Question de tr")


def test_the_list_runs_the_same_queries_for_2_and_20_emails(client, world):
    client.force_login(world["users"]["adviser"])
    tr = world["offices"]["tr"]

    def queries(n):
        for i in range(n):
            inbound(eml(subject=f"Courriel {i}", message_id=f"<q{n}-{i}@x.example>"),
                    office=tr)
        with CaptureQueriesContext(connection) as captured:
            page(client.get(TO_SORT))
        return len(captured)

    assert queries(2) == queries(18)


def test_the_case_list_links_to_the_mail_to_sort_with_its_count(client, world, mail):
    client.force_login(world["users"]["sit_manager"])
    assert "Emails to sort (2)" in page(client.get(reverse("enterprises:case_list")))
    enterprise_user = PartnerUserFactory(
        organisation=EnterpriseFactory(organisation__office=world["offices"]["tr"])
        .organisation)
    client.force_login(enterprise_user)
    assert "Emails to sort" not in page(client.get(reverse("enterprises:case_list")))


# --------------------------------------------------------------------------------------------
# One email
# --------------------------------------------------------------------------------------------


def test_the_email_page_shows_its_text_its_attachments_and_its_original(client, world):
    raw = eml(text="Bonjour,\nVoici notre offre.",
              attachments=[("offre.pdf", PDF_BYTES, "application/pdf")])
    message = inbound(raw, office=world["offices"]["tr"])
    client.force_login(world["users"]["adviser"])
    text = page(client.get(detail(message)))
    assert "Voici notre offre." in text and "offre.pdf" in text
    assert "julie@usinage.example" in text
    response = client.get(reverse("enterprises:mail_original", args=[message.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="courriel-{message.pk}.eml"'
    assert b"".join(response.streaming_content) == raw
    # Another office's adviser: as if it did not exist.
    client.force_login(world["users"]["adviser_gatineau"])
    assert client.get(detail(message)).status_code == 404
    assert client.get(reverse("enterprises:mail_original", args=[message.pk])) \
        .status_code == 404


def test_the_enterprise_search_lists_only_the_territory_with_its_open_cases(client, world,
                                                                             mail, shop):
    case = CaseFactory(organisation=shop, subject="Recruter des soudeurs")
    CaseFactory(organisation=shop, subject="Ancienne demande", closed=True)
    EnterpriseFactory(organisation__office=world["offices"]["gat"],
                      organisation__name="Usinage Outaouais")
    client.force_login(world["users"]["adviser"])
    text = page(client.get(detail(mail["tr"]), {"q": "usinage"}))
    assert "Usinage Mauricie" in text and "Usinage Outaouais" not in text
    assert f"Add to case {case.pk}: Recruter des soudeurs" in text
    assert "Ancienne demande" not in text


def test_filing_an_email_as_a_new_request(client, world, mail, shop):
    adviser = world["users"]["adviser"]
    client.force_login(adviser)
    response = client.post(reverse("enterprises:mail_sort", args=[mail["tr"].pk]),
                           {"organisation": shop.pk, "case": "new"})
    case = Case.objects.get(inbound_message=mail["tr"])
    assert response.status_code == 302 and response.url == reverse(
        "enterprises:case_detail", args=[case.pk])
    assert case.channel == Channel.EMAIL and case.subject == "Question de tr"
    assert case.created_by == adviser and case.organisation == shop
    message = InboundMessage.objects.get(pk=mail["tr"].pk)
    assert message.state == InboundState.PROCESSED and message.handled_by == adviser
    assert message.target == f"case:{case.pk}" and message.processed_at is not None
    # The email's page says what it became; the list no longer has it.
    assert f"Support case {case.pk}" in page(client.get(detail(message)))
    assert "Question de tr" not in page(client.get(TO_SORT))
    # The case page copes with a request without topics and links to the email.
    text = page(client.get(reverse("enterprises:case_detail", args=[case.pk])))
    assert "Not classified yet" in text and detail(message) in text


def test_an_email_sorted_twice_is_filed_once(client, world, mail, shop):
    client.force_login(world["users"]["adviser"])
    url = reverse("enterprises:mail_sort", args=[mail["tr"].pk])
    client.post(url, {"organisation": shop.pk, "case": "new"})
    response = client.post(url, {"organisation": shop.pk, "case": "new"})
    assert response.status_code == 302 and response.url == detail(mail["tr"])
    assert any("already handled" in text for text in flashes(response))
    assert Case.objects.filter(inbound_message=mail["tr"]).count() == 1


def test_filing_an_email_on_a_waiting_case_resumes_it(client, world, mail, shop):
    adviser = world["users"]["adviser"]
    case = CaseFactory(organisation=shop, status=CaseStatus.WAITING, adviser=adviser)
    client.force_login(adviser)
    response = client.post(reverse("enterprises:mail_sort", args=[mail["tr"].pk]),
                           {"organisation": shop.pk, "case": case.pk})
    assert response.status_code == 302
    note = CaseNote.objects.get(case=case)
    assert note.inbound_message_id == mail["tr"].pk and note.author is None
    assert not note.is_internal
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    message = InboundMessage.objects.get(pk=mail["tr"].pk)
    assert message.target == f"case-note:{note.pk}"
    # The case page: “By email — sender” and, for staff, the original email.
    text = page(client.get(reverse("enterprises:case_detail", args=[case.pk])))
    assert "By email — Contact tr" in text and detail(message) in text


@pytest.mark.parametrize("bad", ["other_enterprise", "closed_case", "nothing"])
def test_bad_sorting_input_changes_nothing(client, world, mail, shop, bad):
    outside = EnterpriseFactory(organisation__office=world["offices"]["gat"]).organisation
    closed = CaseFactory(organisation=shop, closed=True)
    data = {"other_enterprise": {"organisation": outside.pk, "case": "new"},
            "closed_case": {"organisation": shop.pk, "case": closed.pk},
            "nothing": {}}[bad]
    client.force_login(world["users"]["adviser"])
    response = client.post(reverse("enterprises:mail_sort", args=[mail["tr"].pk]), data)
    assert response.status_code == 302 and response.url == detail(mail["tr"])
    assert flashes(response)
    assert InboundMessage.objects.get(pk=mail["tr"].pk).state == InboundState.TO_SORT
    assert not Case.objects.filter(inbound_message=mail["tr"]).exists()
    assert not CaseNote.objects.exists()


def test_discarding_an_email_needs_a_reason(client, world, mail):
    adviser = world["users"]["adviser"]
    client.force_login(adviser)
    url = reverse("enterprises:mail_discard", args=[mail["tr"].pk])
    response = client.post(url, {"reason": "   "})
    assert response.status_code == 200  # the email's page again, the reason asked at its box
    assert ('<ul class="errorlist" id="discard-reason_error"><li>Say why you discard this '
            "email.</li></ul>") in response.content.decode()
    assert InboundMessage.objects.get(pk=mail["tr"].pk).state == InboundState.TO_SORT
    response = client.post(url, {"reason": "Publicité"})
    assert response.url == TO_SORT
    message = InboundMessage.objects.get(pk=mail["tr"].pk)
    assert message.state == InboundState.DISCARDED and message.error == "Publicité"
    assert message.handled_by == adviser
    # An adviser cannot discard an email of another office, nor one already handled.
    assert client.post(reverse("enterprises:mail_discard", args=[mail["gat"].pk]),
                       {"reason": "x"}).status_code == 404
    response = client.post(reverse("enterprises:mail_discard", args=[mail["done"].pk]),
                           {"reason": "x"})
    assert InboundMessage.objects.get(pk=mail["done"].pk).state == InboundState.PROCESSED
    assert "already handled" in response.content.decode()  # in the page's error summary


# --------------------------------------------------------------------------------------------
# Administrators: mail not processed, mailbox addresses
# --------------------------------------------------------------------------------------------


@pytest.fixture
def unprocessed(world):
    return {
        "refused": inbound(eml(subject="Absent du bureau"), office=world["offices"]["tr"],
                           state=InboundState.REFUSED, error="Automatic reply."),
        "failed": inbound(eml(subject="Illisible"), state=InboundState.FAILED,
                          error="UnreadableMessage: broken", attempts=3),
    }


@pytest.mark.parametrize("role", ["adviser", "sit_manager", "partner"])
def test_only_administrators_see_the_unprocessed_mail_and_the_addresses(client, world,
                                                                         unprocessed, role):
    client.force_login(world["users"][role])
    assert client.get(UNPROCESSED).status_code == 403
    assert client.get(MAILBOXES).status_code == 403
    office = world["offices"]["tr"]
    assert client.post(reverse("enterprises:mail_mailbox_set", args=[office.pk]),
                       {"mailbox": "a@b.example"}).status_code == 403
    assert Office.objects.get(pk=office.pk).mailbox == ""
    response = client.post(reverse("enterprises:mail_retry",
                                   args=[unprocessed["refused"].pk]))
    assert response.status_code == (403 if role != "partner" else 404)


def test_administrators_retry_or_discard_the_unprocessed_mail(client, world, unprocessed,
                                                              mail):
    admin = world["users"]["admin"]
    client.force_login(admin)
    text = page(client.get(UNPROCESSED))
    assert "Absent du bureau" in text and "Automatic reply." in text
    assert "Illisible" in text and "UnreadableMessage: broken" in text
    assert "Question de tr" not in text  # to sort: not here
    assert "Illisible" not in page(client.get(UNPROCESSED, {"state": "refused"}))

    response = client.post(reverse("enterprises:mail_retry", args=[unprocessed["refused"].pk]))
    assert response.url == UNPROCESSED
    refused = InboundMessage.objects.get(pk=unprocessed["refused"].pk)
    # Back to processing (the poller's processing step takes it again).
    assert refused.state in (InboundState.RECEIVED, InboundState.REFUSED,
                             InboundState.PROCESSED, InboundState.TO_SORT)
    assert refused.handled_by == admin

    client.post(reverse("enterprises:mail_discard", args=[unprocessed["failed"].pk]),
                {"reason": "Pourriel"})
    failed = InboundMessage.objects.get(pk=unprocessed["failed"].pk)
    assert failed.state == InboundState.DISCARDED and failed.error == "Pourriel"
    # A message to sort cannot be “retried”.
    response = client.post(reverse("enterprises:mail_retry", args=[mail["tr"].pk]))
    assert any("already handled" in text for text in flashes(response))
    assert InboundMessage.objects.get(pk=mail["tr"].pk).state == InboundState.TO_SORT


def test_retrying_gives_the_email_a_fresh_start_processed_after_commit(
        world, unprocessed, django_capture_on_commit_callbacks):
    from enterprises import mail_sorting

    failed = unprocessed["failed"]
    InboundMessage.objects.filter(pk=failed.pk).update(attempts=3)  # it crashed the poller
    with django_capture_on_commit_callbacks() as callbacks:
        mail_sorting.mail_retry(actor=world["users"]["admin"], message_id=failed.pk)
    failed.refresh_from_db()
    assert (failed.state, failed.error, failed.attempts) == (InboundState.RECEIVED, "", 0)
    assert len(callbacks) == 1  # processed right after commit (else by the next poll)


def test_administrators_set_the_offices_mailbox_addresses(client, world):
    client.force_login(world["users"]["admin"])
    tr, sh = world["offices"]["tr"], world["offices"]["sh"]
    text = page(client.get(MAILBOXES))
    assert f'id="mailbox-{tr.pk}"' in text and "Trois-Rivières" in text
    url = reverse("enterprises:mail_mailbox_set", args=[tr.pk])
    response = client.post(url, {"mailbox": " Trois-Rivieres@Immigration-Regions.example "})
    assert response.status_code == 302
    assert Office.objects.get(pk=tr.pk).mailbox == "trois-rivieres@immigration-regions.example"
    # Another office cannot take the same address (capitals ignored); a bad one is refused.
    sh_url = reverse("enterprises:mail_mailbox_set", args=[sh.pk])
    response = client.post(sh_url, {"mailbox": "TROIS-RIVIERES@immigration-regions.example"})
    assert any("already uses this mailbox address" in t for t in flashes(response))
    response = client.post(sh_url, {"mailbox": "pas une adresse"})
    assert any("is not a valid email address" in t for t in flashes(response))
    assert Office.objects.get(pk=sh.pk).mailbox == ""
    # Emptied: the office receives no mail through the portal.
    client.post(url, {"mailbox": ""})
    assert Office.objects.get(pk=tr.pk).mailbox == ""


def test_administrators_reach_the_mail_pages_from_the_navigation(client, world):
    client.force_login(world["users"]["admin"])
    text = page(client.get(reverse("enterprises:case_list")))
    assert UNPROCESSED in text
    assert MAILBOXES in page(client.get(UNPROCESSED))


# --------------------------------------------------------------------------------------------
# The case page of a case made from email
# --------------------------------------------------------------------------------------------


def test_the_case_page_shows_an_emailed_reply_to_staff_and_to_the_enterprise(client, world,
                                                                             shop):
    enterprise_user = PartnerUserFactory(organisation=shop)
    raw = eml(subject="Demande", text="Bonjour", attachments=[("a.pdf", PDF_BYTES,
                                                               "application/pdf")])
    opening = inbound(raw, office=shop.office, state=InboundState.PROCESSED)
    case = case_open_from_message(message=opening, parsed=parse(raw), organisation=shop,
                                  actor=None)
    reply_raw = eml(text="Voici la réponse", message_id="<r@x.example>",
                    attachments=[("b.pdf", PDF_BYTES, "application/pdf")])
    reply = inbound(reply_raw, office=shop.office, state=InboundState.PROCESSED)
    case_note_from_message(message=reply, parsed=parse(reply_raw), case=case, author=None)
    url = reverse("enterprises:case_detail", args=[case.pk])

    client.force_login(world["users"]["adviser"])
    text = page(client.get(url))
    assert "By email — Julie Tremblay" in text and "Voici la réponse" in text
    assert detail(reply) in text and detail(opening) in text
    assert text.count("By email — Julie Tremblay") >= 3  # the note and both documents

    client.force_login(enterprise_user)
    text = page(client.get(url))
    assert "By email — Julie Tremblay" in text and "Voici la réponse" in text
    assert detail(reply) not in text and detail(opening) not in text


def test_the_case_page_runs_the_same_queries_with_1_or_6_emailed_notes(client, world, shop):
    client.force_login(world["users"]["adviser"])

    def queries(n):
        case = CaseFactory(organisation=shop, status=CaseStatus.IN_PROGRESS)
        for i in range(n):
            raw = eml(text=f"Réponse {i}", message_id=f"<n{n}-{i}@x.example>",
                      attachments=[("a.pdf", PDF_BYTES, "application/pdf")])
            case_note_from_message(message=inbound(raw, office=shop.office), parsed=parse(raw),
                                   case=case, author=None)
        with CaptureQueriesContext(connection) as captured:
            page(client.get(reverse("enterprises:case_detail", args=[case.pk])))
        return len(captured)

    assert queries(1) == queries(6)
