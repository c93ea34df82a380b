"""Ready answers: administrators and SIT managers keep a library of answers in French and English;
staff search it (by words, topic, help kind) and see how often each was used; an adviser starts
a note from one, in the enterprise's language or the other, and edits it before adding it."""

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from enterprises import answers, services
from enterprises.models import CaseNote, ReadyAnswer
from tests.factories.enterprises import CaseFactory
from tests.factories.partners import PartnerUserFactory

from .test_case_pages import enterprise_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    translation.activate("en")


def answer(author, n=0, **fields):
    data = {"title_fr": f"Cours de français {n}", "title_en": f"French courses {n}",
            "body_fr": "Francisation Québec offre des cours gratuits.",
            "body_en": "Francisation Québec offers free courses.",
            "topic": "integration", "help_kind": "information", **fields}
    return answers.ready_answer_save(actor=author, **data)


@pytest.fixture
def library(world):
    admin = world["users"]["admin"]
    return {
        "french": answer(admin),
        "priime": answer(admin, title_fr="Le programme PRIIME", title_en="The PRIIME programme",
                         body_fr="Une aide salariale de Services Québec.",
                         body_en="A wage subsidy from Services Québec.", topic="recruitment"),
        "general": answer(admin, title_fr="Nos services", title_en="Our services",
                          body_fr="L’antenne vous accompagne.", body_en="The office helps you.",
                          topic="", help_kind=""),
        "retired": answer(admin, title_fr="Ancien programme", title_en="Former programme",
                          body_fr="Fermé.", body_en="Closed.", topic="recruitment"),
    }


@pytest.fixture
def case(world):
    organisation = enterprise_of("trois-rivieres", "Usinage Laviolette inc.")
    return CaseFactory(organisation=organisation)


def titles(response):
    return [a.title_en for a in response.context["answers"]]


# --------------------------------------------------------------------------------------------
# The library
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role, status, manages", [
    ("adviser", 200, False), ("adviser_gatineau", 200, False), ("sit_manager", 200, True),
    ("admin", 200, True), ("partner", 403, False)])
def test_who_reads_and_who_manages_the_library(client, world, library, role, status, manages):
    answers.ready_answer_set_active(actor=world["users"]["admin"], answer=library["retired"],
                                    active=False)
    client.force_login(world["users"][role])
    response = client.get(reverse("enterprises:answer_library"))
    assert response.status_code == status
    if status != 200:
        return
    assert titles(response) == ["French courses 0", "Our services", "The PRIIME programme"]
    page = response.content.decode()
    assert ("Write a ready answer" in page) == manages
    assert (reverse("enterprises:answer_update", args=[library["french"].pk]) in page) == manages
    if manages:  # retired answers may be listed to bring them back
        response = client.get(reverse("enterprises:answer_library"), {"inactive": "on"})
        assert "Former programme" in titles(response)


def test_an_enterprise_user_never_sees_the_library(client, world, library, case):
    user = PartnerUserFactory(organisation=case.organisation)
    client.force_login(user)
    assert client.get(reverse("enterprises:answer_library")).status_code == 403
    page = client.get(reverse("enterprises:case_detail", args=[case.pk])).content.decode()
    assert "ready answer" not in page.lower() and "PRIIME" not in page
    assert answers.library(user).count() == 0


@pytest.mark.parametrize("params, expected", [
    ({"q": "wage"}, ["The PRIIME programme"]),  # English body
    ({"q": "salariale"}, ["The PRIIME programme"]),  # French body
    ({"q": "PRIIME programme"}, ["The PRIIME programme"]),  # every word
    ({"q": "cours"}, ["French courses 0"]),  # French title
    ({"q": "nothing-like-it"}, []),
    ({"topic": "recruitment"}, ["Former programme", "Our services", "The PRIIME programme"]),
    ({"topic": "integration", "help_kind": "information"}, ["French courses 0",
                                                            "Our services"]),
    ({"help_kind": "accompaniment"}, ["Our services"]),
])
def test_search_by_words_topic_and_help_kind(client, world, library, params, expected):
    client.force_login(world["users"]["adviser"])
    assert titles(client.get(reverse("enterprises:answer_library"), params)) == expected


def test_a_wrong_filter_is_said_and_lists_everything(client, world, library):
    client.force_login(world["users"]["adviser"])
    response = client.get(reverse("enterprises:answer_library"), {"topic": "travel"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert len(titles(response)) == 4


def test_use_counts_and_most_used_first(client, world, library, case):
    adviser = world["users"]["adviser"]
    for _i in range(2):
        services.note_add(actor=adviser, case=case, body="Voici.", is_internal=False,
                          ready_answer=library["priime"])
    services.note_add(actor=adviser, case=case, body="Voici.", ready_answer=library["general"])
    client.force_login(adviser)
    response = client.get(reverse("enterprises:answer_library"), {"order": "uses"})
    rows = [(a.title_en, a.uses) for a in response.context["answers"]]
    assert rows == [("The PRIIME programme", 2), ("Our services", 1), ("Former programme", 0),
                    ("French courses 0", 0)]


def test_the_library_runs_the_same_queries_for_3_or_40_answers(client, world, case):
    admin, adviser = world["users"]["admin"], world["users"]["adviser"]
    client.force_login(adviser)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("enterprises:answer_library"), {"order": "uses"})
        assert response.status_code == 200
        return len(captured)

    for n in range(3):
        services.note_add(actor=adviser, case=case, body="x", ready_answer=answer(admin, n))
    few = queries()
    for n in range(3, 40):
        services.note_add(actor=adviser, case=case, body="x", ready_answer=answer(admin, n))
    assert queries() == few


# --------------------------------------------------------------------------------------------
# Writing answers
# --------------------------------------------------------------------------------------------


FORM = {"title_fr": "Arrima", "title_en": "Arrima", "body_fr": "Le portail Arrima…",
        "body_en": "The Arrima portal…", "topic": "recruitment", "help_kind": ""}


@pytest.mark.parametrize("role", ["admin", "sit_manager"])
def test_administrators_and_sit_managers_write_edit_and_retire_answers(client, world, role):
    client.force_login(world["users"][role])
    assert client.get(reverse("enterprises:answer_create")).status_code == 200
    assert client.post(reverse("enterprises:answer_create"), FORM).status_code == 302
    written = ReadyAnswer.objects.get(title_en="Arrima")
    assert written.created_by == world["users"][role] and written.help_kind == ""

    url = reverse("enterprises:answer_update", args=[written.pk])
    assert "The Arrima portal" in client.get(url).content.decode()
    client.post(url, {**FORM, "body_en": "The Arrima portal, updated."})
    written.refresh_from_db()
    assert written.body_en == "The Arrima portal, updated."

    client.post(reverse("enterprises:answer_set_active", args=[written.pk]), {"active": "0"})
    assert not ReadyAnswer.objects.get(pk=written.pk).is_active
    client.post(reverse("enterprises:answer_set_active", args=[written.pk]), {"active": "1"})
    assert ReadyAnswer.objects.get(pk=written.pk).is_active


@pytest.mark.parametrize("role", ["adviser", "partner"])
def test_advisers_and_partners_cannot_write_answers(client, world, library, role):
    user = world["users"][role]
    client.force_login(user)
    target = library["french"]
    assert client.get(reverse("enterprises:answer_create")).status_code == 403
    assert client.post(reverse("enterprises:answer_create"), FORM).status_code == 403
    assert client.post(reverse("enterprises:answer_update", args=[target.pk]),
                       FORM).status_code == 403
    assert client.post(reverse("enterprises:answer_set_active", args=[target.pk]),
                       {"active": "0"}).status_code == 403
    with pytest.raises(PermissionDenied):
        answers.ready_answer_save(actor=user, **FORM)
    with pytest.raises(PermissionDenied):
        answers.ready_answer_set_active(actor=user, answer=target, active=False)
    target.refresh_from_db()
    assert target.is_active and target.title_en == "French courses 0"
    assert not ReadyAnswer.objects.filter(title_en="Arrima").exists()


@pytest.mark.parametrize("changes, field, error", [
    ({"title_fr": ""}, "title_fr", "Give the title in French."),
    ({"body_en": "   "}, "body_en", "Write the answer in English."),
    ({"topic": "travel"}, "topic", "Select a valid choice."),
    ({"help_kind": "advice"}, "help_kind", "Select a valid choice."),
    ({"title_en": "x" * 201}, "title_en", "at most 200 characters"),
])
def test_an_answer_with_bad_input_is_refused(client, world, changes, field, error):
    client.force_login(world["users"]["sit_manager"])
    response = client.post(reverse("enterprises:answer_create"), {**FORM, **changes})
    assert response.status_code == 200
    assert error in " ".join(response.context["form"].errors[field])
    assert not ReadyAnswer.objects.exists()


def test_the_service_refuses_an_answer_missing_a_language(world):
    with pytest.raises(ValidationError) as refused:
        answers.ready_answer_save(actor=world["users"]["admin"], **{**FORM, "body_fr": " "})
    assert refused.value.message_dict == {"body_fr": ["Write it in French and in English."]}
    with pytest.raises(ValidationError):
        answers.ready_answer_save(actor=world["users"]["admin"], **{**FORM, "topic": "x"})
    assert not ReadyAnswer.objects.exists()


def test_the_starting_library_loads_once(world):
    admin = world["users"]["admin"]
    assert answers.ready_answers_load(actor=admin) == 8
    assert answers.ready_answers_load(actor=admin) == 0
    for written in ReadyAnswer.objects.all():
        assert written.title_fr != written.title_en and written.body_fr and written.body_en


# --------------------------------------------------------------------------------------------
# A note started from a ready answer
# --------------------------------------------------------------------------------------------


def pick_url(case, chosen, language=None):
    url = reverse("enterprises:note_answer", args=[case.pk]) + f"?pick-answer={chosen.pk}"
    return url + (f"&pick-language={language}" if language else "")


def test_the_picker_fills_the_note_box_in_the_enterprises_language(client, world, library,
                                                                    case):
    case.organisation.language = "en"
    case.organisation.save()
    client.force_login(world["users"]["adviser"])
    page = client.get(reverse("enterprises:case_detail", args=[case.pk])).content.decode()
    assert 'name="pick-answer"' in page and "Former programme" in page
    assert 'id="pick-language-en" name="pick-language" value="en" checked' in page

    fragment = client.get(pick_url(case, library["priime"], "en"), HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert '<textarea name="body"' in body and 'id="id_body"' in body
    assert "A wage subsidy from Services Québec." in body
    assert f'value="{library["priime"].pk}"' in body and 'hx-swap-oob="true"' in body
    assert 'id="id_is_internal"' in body and "checked" not in body  # shared by default

    french = client.get(pick_url(case, library["priime"], "fr"), HTTP_HX_REQUEST="true")
    assert "Une aide salariale de Services Québec." in french.content.decode()


def test_without_javascript_the_page_reloads_with_the_note_filled_in(client, world, library,
                                                                     case):
    client.force_login(world["users"]["adviser"])
    response = client.get(pick_url(case, library["french"], "fr"))
    assert response.status_code == 200
    form = response.context["note_form"]
    assert form["body"].value() == "Francisation Québec offre des cours gratuits."
    assert form["ready_answer"].value() == library["french"].pk
    assert 'id="pick-language-fr" name="pick-language" value="fr" checked' in \
        response.content.decode()

    empty = client.get(reverse("enterprises:note_answer", args=[case.pk]),
                       {"pick-answer": "", "pick-language": "fr"})
    assert empty.status_code == 200 and "Choose a ready answer." in empty.content.decode()
    answers.ready_answer_set_active(actor=world["users"]["admin"], answer=library["french"],
                                    active=False)
    retired = client.get(pick_url(case, library["french"], "fr"))
    assert "This ready answer is no longer in use" in retired.content.decode()
    assert client.get(pick_url(case, library["french"], "fr"),
                      HTTP_HX_REQUEST="true").status_code == 204


def test_who_may_start_a_note_from_an_answer(client, world, library, case):
    url = pick_url(case, library["french"], "fr")
    client.force_login(world["users"]["adviser_gatineau"])
    assert client.get(url).status_code == 404
    client.force_login(world["users"]["admin"])  # administrators add no notes
    assert client.get(url).status_code == 403
    client.force_login(PartnerUserFactory(organisation=case.organisation))
    assert client.get(url).status_code == 403


def test_the_note_records_the_answer_it_started_from(client, world, library, case):
    adviser = world["users"]["adviser"]
    client.force_login(adviser)
    client.post(reverse("enterprises:note_add", args=[case.pk]),
                {"body": "Bonjour, voici l’information (adaptée).",
                 "ready_answer": str(library["priime"].pk)})
    note = CaseNote.objects.get(case=case)
    assert note.ready_answer == library["priime"] and not note.is_internal

    answers.ready_answer_set_active(actor=world["users"]["admin"], answer=library["priime"],
                                    active=False)
    for value in (str(library["priime"].pk), "abc"):
        response = client.post(reverse("enterprises:note_add", args=[case.pk]),
                               {"body": "Encore.", "ready_answer": value})
        assert "This ready answer is no longer in use" in response.content.decode()
    assert CaseNote.objects.filter(case=case).count() == 1


def test_the_service_records_only_answers_in_use_and_only_for_staff(world, library, case):
    adviser = world["users"]["adviser"]
    with pytest.raises(ValidationError, match="no longer in use"):
        answers.ready_answer_set_active(actor=world["users"]["admin"],
                                        answer=library["retired"], active=False)
        services.note_add(actor=adviser, case=case, body="x", ready_answer=library["retired"])
    enterprise_user = PartnerUserFactory(organisation=case.organisation)
    with pytest.raises(PermissionDenied):
        services.note_add(actor=enterprise_user, case=case, body="x",
                          ready_answer=library["french"])
    assert not CaseNote.objects.filter(case=case).exists()
