"""Registering with an NEQ already in the portal never names the enterprise behind it (in
French or in English), never duplicates it, and answers exactly as a new NEQ does: the same
checks on every field, the same page afterwards."""

import pytest
from django.urls import reverse

from accounts.models import User
from enterprises.models import Enterprise, JoinRequest
from partners.models import Organisation
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.enterprises import EnterpriseFactory, valid_neq

pytestmark = pytest.mark.django_db

REGISTER = reverse("enterprises:register")
KNOWN = valid_neq(7_333_333)
SECRET_NAME = "Aciérie Secrète du Saint-Maurice"
SECRET_OTHER = "Métaux Cachés"


@pytest.fixture
def known(world):
    return EnterpriseFactory(neq=KNOWN, organisation__name=SECRET_NAME,
                             other_names=SECRET_OTHER, organisation__address="9, rue Cachée")


def form_data(neq, **overrides):
    data = {
        "first_name": "Paul", "last_name": "Tremblay", "email": "paul@exemple.example",
        "password1": TEST_PASSWORD, "password2": TEST_PASSWORD, "neq": neq,
        "name": "Mon entreprise", "other_names": "", "legal_form": "corporation",
        "nature": "for_profit", "sector": "31-33", "naics_code": "", "size_band": "20-49",
        "municipality": "Shawinigan (36033)", "address": "1, rue Principale",
        "phone": "819 555-0199"}
    data.update(overrides)
    return data


def leaks(text: str) -> bool:
    return any(secret in text for secret in (SECRET_NAME, SECRET_OTHER, "9, rue Cachée"))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_known_neq_never_shows_the_enterprise_and_creates_no_duplicate(client, known,
                                                                        language):
    client.cookies["django_language"] = language
    before = (Organisation.objects.count(), Enterprise.objects.count())

    response = client.post(REGISTER, form_data(KNOWN), follow=True)

    assert response.status_code == 200
    assert not leaks(response.content.decode())
    assert (Organisation.objects.count(), Enterprise.objects.count()) == before
    assert Enterprise.objects.filter(neq=KNOWN).count() == 1
    person = User.objects.get(email="paul@exemple.example")
    assert JoinRequest.objects.get(user=person).organisation == known.organisation
    assert not hasattr(person, "membership") or person.membership is None


def test_a_known_and_a_new_neq_get_the_same_page(client, known):
    known_page = client.post(REGISTER, form_data(KNOWN), follow=True).content.decode()
    client.cookies.clear()
    new_page = client.post(REGISTER, form_data(valid_neq(7_444_444),
                                               email="autre@exemple.example"),
                           follow=True).content.decode()

    def body(html):  # the page without its e-mail address and per-request tokens
        main = html.split("<main", 1)[1].split("</main>", 1)[0]
        return main.replace("paul@exemple.example", "@").replace("autre@exemple.example", "@")

    assert body(known_page) == body(new_page)
    assert "Consultez vos courriels" in known_page


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_known_neq_with_errors_gets_the_answer_of_a_new_one(client, known, language):
    """A weak password is refused the same way whatever the NEQ: the answer says nothing of
    what the portal holds."""
    client.cookies["django_language"] = language
    broken = {"password1": "abc", "password2": "abc"}

    with_known = client.post(REGISTER, form_data(KNOWN, **broken))
    with_new = client.post(REGISTER, form_data(valid_neq(7_444_444), **broken))

    assert with_known.status_code == with_new.status_code == 200
    assert not leaks(with_known.content.decode())
    assert (with_known.context["form"].errors.as_data().keys()
            == with_new.context["form"].errors.as_data().keys())
    assert set(with_known.context["form"].errors) == {"password1"}
    assert not User.objects.filter(email="paul@exemple.example").exists()
    assert not JoinRequest.objects.exists()


def test_a_known_neq_failing_the_check_asks_for_the_same_confirmation(client, world):
    odd = valid_neq(7_555_555)
    odd = odd[:-1] + str((int(odd[-1]) + 1) % 10)  # fails the register's check
    EnterpriseFactory(neq=odd, neq_checksum_confirmed=True, organisation__name=SECRET_NAME)

    with_known = client.post(REGISTER, form_data(odd))

    assert with_known.status_code == 200
    assert "neq" in with_known.context["form"].errors
    assert with_known.context["form"].neq_warning
    assert not leaks(with_known.content.decode())
    assert not User.objects.exists() or not User.objects.filter(
        email="paul@exemple.example").exists()
