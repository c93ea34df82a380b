"""Registration and the enterprise profile read the enterprise register by NEQ: the fragment
under the NEQ field fills the fields still empty, never what the person typed unless they
choose the register's values, warns of an NEQ unknown to the register and of an enterprise
struck off, and says when the register's data was loaded."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from enterprises.register import register_load
from tests.enterprises.register_sample import Enterprise, write_sample
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.enterprises import EnterpriseFactory, valid_neq

pytestmark = pytest.mark.django_db

LOOKUP = reverse("enterprises:register_lookup")
REGISTER = reverse("enterprises:register")
ACTIVE = Enterprise(neq=valid_neq(4_300_001), name="Usinage Mékinac inc.",
                    other_names=("Mékinac Métal",))
STRUCK = Enterprise(neq=valid_neq(4_300_002), name="Scierie Disparue ltée", status="RO")
UNKNOWN = valid_neq(4_300_003)


@pytest.fixture(autouse=True)
def in_english(client):
    """The portal answers in French first; these tests read it in English."""
    client.cookies["django_language"] = "en"


@pytest.fixture
def loaded(tmp_path):
    return register_load(path=str(write_sample(tmp_path / "registre.zip", [ACTIVE, STRUCK])))


class _Swapped(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values, self.select = {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and "hx-swap-oob" in attrs:
            self.values[attrs["id"]] = attrs.get("value", "")
        elif tag == "select":
            self.select = attrs["id"] if "hx-swap-oob" in attrs else None
        elif tag == "option" and self.select and "selected" in attrs:
            self.values[self.select] = attrs["value"]


def swapped(html):
    """The fields the fragment swaps in out of band: id -> value (or the selected option)."""
    parser = _Swapped()
    parser.feed(html)
    return parser.values


def test_a_known_neq_fills_the_empty_fields_and_says_what_it_filled(client, loaded):
    response = client.get(LOOKUP, {"neq": ACTIVE.neq[:2] + " " + ACTIVE.neq[2:],
                                   "name": "", "other_names": "", "legal_form": "",
                                   "address": ""})
    html = response.content.decode()
    assert swapped(html) == {
        "id_name": "Usinage Mékinac inc.", "id_other_names": "Mékinac Métal",
        "id_legal_form": "corporation",
        "id_address": "1250, avenue de la Station, Shawinigan (Québec), Canada, G9N 1V9"}
    assert "Found in the enterprise register" in html
    assert "Filled in from the register: Legal name, Other names, Legal form, Address" in html
    assert "Main activity (CAE code 3329): Fabrication de produits métalliques." in html
    assert loaded.finished_at.strftime("%Y") in html
    assert "struck off" not in html


def test_what_the_person_typed_is_kept_until_they_choose_the_registers_values(client, loaded):
    typed = {"neq": ACTIVE.neq, "name": "Mon usine", "other_names": "", "legal_form": "",
             "address": "1250, avenue de la Station, Shawinigan (Québec), Canada, G9N 1V9"}
    html = client.get(LOOKUP, typed).content.decode()
    assert "id_name" not in swapped(html) and "id_address" not in swapped(html)
    assert set(swapped(html)) == {"id_other_names", "id_legal_form"}
    assert "You typed other values than the register’s for: Legal name." in html
    assert "Use the register’s values" in html

    chosen = client.get(LOOKUP, {**typed, "replace": "1"}).content.decode()
    assert swapped(chosen)["id_name"] == "Usinage Mékinac inc."
    assert "You typed other values" not in chosen


def test_a_struck_off_enterprise_and_an_unknown_neq_are_warned_of(client, loaded):
    struck = client.get(LOOKUP, {"neq": STRUCK.neq}).content.decode()
    assert "lists this enterprise as struck off (“radiée”)" in struck
    assert "Status: Struck off by the registrar, since 2021-09-15." in struck

    unknown = client.get(LOOKUP, {"neq": UNKNOWN, "name": "X"}).content.decode()
    assert "This NEQ is not in the enterprise register." in unknown
    assert swapped(unknown) == {}

    # An incomplete NEQ, while it is being typed: nothing to say yet.
    assert client.get(LOOKUP, {"neq": "11423"}).content.decode().strip() == ""


def test_the_lookup_reads_only_the_public_register_never_the_portals_enterprises(
        client, loaded, world):
    EnterpriseFactory(neq=UNKNOWN, organisation__name="Aciérie Secrète du Saint-Maurice")
    html = client.get(LOOKUP, {"neq": UNKNOWN}).content.decode()
    assert "Aciérie Secrète" not in html
    assert "This NEQ is not in the enterprise register." in html


def test_the_registration_page_offers_the_lookup_and_says_when_the_data_was_loaded(
        client, loaded):
    html = client.get(REGISTER).content.decode()
    assert f'hx-get="{LOOKUP}"' in html
    assert 'id="register-lookup" class="register-lookup" role="status"' in html
    assert "the enterprise register gives (its data of" in html


def test_without_register_data_the_registration_page_offers_no_lookup(client, db):
    html = client.get(REGISTER).content.decode()
    assert "hx-get" not in html and "register-lookup" not in html
    assert client.get(LOOKUP, {"neq": ACTIVE.neq}).content.decode().strip() == ""


def test_a_registration_sent_back_with_errors_still_warns_of_a_struck_off_enterprise(
        client, loaded):
    html = client.post(REGISTER, {"neq": STRUCK.neq, "password1": TEST_PASSWORD}) \
        .content.decode()
    assert "lists this enterprise as struck off" in html


def test_the_enterprise_profile_shows_the_register_and_warns_when_struck_off(
        client, loaded, world):
    enterprise = EnterpriseFactory(neq=STRUCK.neq)
    client.force_login(world["users"]["admin"])
    html = client.get(reverse("enterprises:enterprise_detail", args=[enterprise.pk])) \
        .content.decode()
    assert "In the enterprise register" in html
    assert "Scierie Disparue ltée" in html
    assert "lists this enterprise as struck off" in html
    assert "Register data of" in html

    form = client.get(reverse("enterprises:enterprise_update", args=[enterprise.pk])) \
        .content.decode()
    assert f'hx-get="{LOOKUP}?form=profile"' in form
    # The profile's values differ from the register's: named, not replaced.
    assert "You typed other values than the register’s for: Legal name" in form
