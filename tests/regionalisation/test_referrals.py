"""Referral counts per opportunity: an organisation records and updates its own counts
(candidates presented, interviews, hires: numbers only), refusals are shown in French on the
fields and write nothing, an organisation never sees another's counts, the employer and the
territory's staff see every organisation's counts with totals; out of scope is 404. The
opportunity's page section (``board_section_context``) runs a fixed number of queries."""

import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from partners.models import NonProfitKind
from regionalisation.models import OpportunityReferral
from regionalisation.views.board import board_section_context
from tests.factories.accounts import StaffFactory
from tests.factories.antennes import office
from tests.factories.enterprises import EnterpriseFactory
from tests.factories.partners import OrganisationFactory, PartnerUserFactory
from tests.factories.regionalisation import (
    OpportunityFactory,
    OpportunityReferralFactory,
    regionalisation_organisation,
)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def record_url(opportunity):
    return reverse("regionalisation:referral_record", args=[opportunity.pk])


def detail_url(opportunity):
    return reverse("regionalisation:opportunity_detail", args=[opportunity.pk])


def counts(candidates, interviews, hires):
    return {"candidates": candidates, "interviews": interviews, "hires": hires}


@pytest.fixture
def employer():
    return PartnerUserFactory(organisation=EnterpriseFactory(
        organisation__name="Usinage Mauricie").organisation)


@pytest.fixture
def opportunity(employer):
    return OpportunityFactory(published=True, title="Soudeur",
                              enterprise=employer.membership.organisation)


@pytest.fixture
def org_a():
    return PartnerUserFactory(organisation=regionalisation_organisation(
        name="Régionalisation Alpha"))


@pytest.fixture
def org_b():
    return PartnerUserFactory(organisation=OrganisationFactory(
        name="Accueil Bêta", non_profit_kind=NonProfitKind.SETTLEMENT))


def own(user, opportunity):
    return OpportunityReferral.objects.filter(
        opportunity=opportunity, organisation=user.membership.organisation).first()


def section(user, opportunity):
    request = RequestFactory().get(detail_url(opportunity))
    request.user = user
    return board_section_context(request, opportunity)


def render_section(user, opportunity):
    from django.template.loader import render_to_string

    request = RequestFactory().get(detail_url(opportunity))
    request.user = user
    return render_to_string("regionalisation/_board_section.html",
                            board_section_context(request, opportunity), request=request)


# --------------------------------------------------------------------------------------------
# Recording
# --------------------------------------------------------------------------------------------


def test_an_organisation_records_then_updates_its_counts(client, org_a, opportunity):
    client.force_login(org_a)
    response = client.post(record_url(opportunity), counts(5, 3, 1))
    assert response.status_code == 302
    assert response["Location"] == detail_url(opportunity) + "#referrals"
    referral = own(org_a, opportunity)
    assert (referral.candidates, referral.interviews, referral.hires) == (5, 3, 1)
    assert referral.updated_by == org_a
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Les nombres de votre organisme ont été enregistrés."]
    client.post(record_url(opportunity), counts(8, 4, 2))
    assert OpportunityReferral.objects.count() == 1
    referral.refresh_from_db()
    assert (referral.candidates, referral.interviews, referral.hires) == (8, 4, 2)


def test_a_colleague_updates_the_same_organisation_row(client, org_a, opportunity):
    colleague = PartnerUserFactory(organisation=org_a.membership.organisation)
    client.force_login(org_a)
    client.post(record_url(opportunity), counts(2, 1, 0))
    client.force_login(colleague)
    client.post(record_url(opportunity), counts(3, 2, 1))
    assert OpportunityReferral.objects.get().candidates == 3


def test_with_htmx_the_form_comes_back_with_the_saved_values(client, org_a, opportunity):
    client.force_login(org_a)
    response = client.post(record_url(opportunity), counts(6, 2, 1), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="referral-form"' in html
    assert 'name="candidates" value="6"' in html and 'name="hires" value="1"' in html
    assert 'hx-swap-oob="innerHTML:#referral-status"' in html
    assert "Les nombres de votre organisme ont été enregistrés." in html
    assert own(org_a, opportunity).candidates == 6


def test_hires_are_recorded_on_a_filled_or_expired_opportunity(client, org_a, employer):
    """Hires often come after the opportunity left the board: an organisation that referred
    candidates still records them."""
    for state in ("filled", "expired"):
        opportunity = OpportunityFactory(enterprise=employer.membership.organisation,
                                         **{state: True})
        OpportunityReferralFactory(opportunity=opportunity,
                                   organisation=org_a.membership.organisation,
                                   candidates=3, interviews=2, hires=0)
        client.force_login(org_a)
        response = client.post(record_url(opportunity), counts(3, 2, 2))
        assert response.status_code == 302
        assert own(org_a, opportunity).hires == 2


# --------------------------------------------------------------------------------------------
# Refusals
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("posted, field, message", [
    (counts(3, 2, 3), "hires", "Il ne peut pas y avoir plus d’embauches que d’entrevues."),
    (counts(2, 3, 0), "interviews",
     "Il ne peut pas y avoir plus d’entrevues que de candidatures présentées."),
    (counts(-1, 0, 0), "candidates", "Un nombre ne peut pas être négatif."),
    (counts("trois", 0, 0), "candidates", "Inscrivez un nombre entier."),
    (counts(2, "", 0), "interviews", "Inscrivez un nombre (0 s’il n’y en a aucun)."),
    (counts(2, 1.5, 0), "interviews", "Inscrivez un nombre entier."),
])
def test_refusals_are_shown_on_the_fields_in_french_and_write_nothing(
        client, org_a, opportunity, posted, field, message):
    OpportunityReferralFactory(opportunity=opportunity,
                               organisation=org_a.membership.organisation,
                               candidates=1, interviews=1, hires=0)
    client.force_login(org_a)
    response = client.post(record_url(opportunity), posted, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert escape(message) in html
    error_id = f"id_referral_{field}_error"
    assert f'id="{error_id}"' in html
    assert f'aria-describedby="id_referral_{field}_helptext {error_id}"' in html
    assert 'aria-invalid="true"' in html
    assert "Les nombres n’ont pas été enregistrés : corrigez les champs ci-dessous." in html
    assert "Les nombres de votre organisme ont été enregistrés." not in html
    referral = OpportunityReferral.objects.get()
    assert (referral.candidates, referral.interviews, referral.hires) == (1, 1, 0)


def test_without_htmx_a_refusal_comes_back_at_the_field_on_the_opportunity_page(
        client, org_a, opportunity):
    client.force_login(org_a)
    response = client.post(record_url(opportunity), counts(3, 2, 3))
    assert response.status_code == 200  # the opportunity's page, not a redirect
    body = response.content.decode()
    assert re.search(r'<ul class="errorlist" id="[^"]*hires_error"><li>Il ne peut pas y avoir '
                     r"plus d’embauches que d’entrevues\.</li>", body)
    assert re.search(r"<title>\s*Erreur — ", body)
    assert list(get_messages(response.wsgi_request)) == []
    assert not OpportunityReferral.objects.exists()


@pytest.mark.parametrize("state", ["draft", "submitted", "withdrawn", "filled", "expired"])
def test_an_opportunity_out_of_scope_is_404(client, org_a, state):
    """Another enterprise's opportunity the organisation never saw on the board (and never
    referred to): 404, like one that does not exist."""
    opportunity = OpportunityFactory(**({} if state == "draft" else {state: True}))
    client.force_login(org_a)
    assert client.post(record_url(opportunity), counts(1, 0, 0)).status_code == 404
    assert client.post(record_url(opportunity), counts(1, 0, 0),
                       headers=HTMX).status_code == 404
    assert not OpportunityReferral.objects.exists()


def test_missing_opportunity_is_404(client, org_a):
    client.force_login(org_a)
    assert client.post(reverse("regionalisation:referral_record", args=[999999]),
                       counts(1, 0, 0)).status_code == 404


@pytest.mark.parametrize("who", ["employer", "adviser", "admin"])
def test_the_employer_and_the_ministry_do_not_record_referrals(
        client, world, employer, opportunity, who):
    user = {"employer": employer, "adviser": world["users"]["adviser"],
            "admin": world["users"]["admin"]}[who]
    client.force_login(user)
    assert client.post(record_url(opportunity), counts(1, 0, 0)).status_code == 403
    assert not OpportunityReferral.objects.exists()


@pytest.mark.parametrize("kind", [NonProfitKind.FRANCISATION, "municipal"])
def test_other_organisations_cannot_record(client, opportunity, kind):
    organisation = (OrganisationFactory(municipal=True) if kind == "municipal"
                    else OrganisationFactory(non_profit_kind=kind))
    client.force_login(PartnerUserFactory(organisation=organisation))
    assert client.post(record_url(opportunity), counts(1, 0, 0)).status_code == 404
    assert not OpportunityReferral.objects.exists()


def test_recording_needs_post(client, org_a, opportunity):
    client.force_login(org_a)
    assert client.get(record_url(opportunity)).status_code == 405


# --------------------------------------------------------------------------------------------
# Who sees which counts (the opportunity's page section)
# --------------------------------------------------------------------------------------------


@pytest.fixture
def referred(opportunity, org_a, org_b):
    OpportunityReferralFactory(opportunity=opportunity,
                               organisation=org_a.membership.organisation,
                               candidates=5, interviews=3, hires=1)
    OpportunityReferralFactory(opportunity=opportunity,
                               organisation=org_b.membership.organisation,
                               candidates=7, interviews=4, hires=2)
    return opportunity


def test_an_organisation_sees_only_its_own_counts(org_a, referred):
    context = section(org_a, referred)
    assert context["board_section"] is True
    assert context["referral_table"] is False and context["referral_rows"] == []
    assert context["can_record_referrals"] is True
    assert context["referral_form"].initial == counts(5, 3, 1)
    html = render_section(org_a, referred)
    assert "Accueil Bêta" not in html
    assert 'value="7"' not in html and ">7<" not in html and ">12<" not in html
    assert 'name="candidates" value="5"' in html
    assert '<section id="referrals" class="referrals" aria-labelledby="referrals-title">' in html
    assert "Des nombres seulement :" in html  # the privacy note next to the form


def test_a_new_organisation_starts_from_zero(org_a, opportunity):
    context = section(org_a, opportunity)
    assert context["referral_form"].initial == counts(0, 0, 0)
    assert context["referral_own"] is None


def test_the_employer_sees_every_organisation_and_the_totals(employer, referred):
    context = section(employer, referred)
    assert context["referral_table"] is True and context["referral_manager"] is True
    assert [row.organisation.name for row in context["referral_rows"]] == [
        "Accueil Bêta", "Régionalisation Alpha"]
    assert context["referral_totals"] == counts(12, 7, 3)
    assert context["can_record_referrals"] is False and context["show_follow"] is False
    html = render_section(employer, referred)
    assert ">Références par organisme</caption>" in html
    assert '<th scope="row">Accueil Bêta</th>' in html
    assert '<th scope="row">Total</th>' in html
    assert '<td class="num">12</td>' in html and '<td class="num">3</td>' in html
    assert 'id="referral-form"' not in html


def test_another_enterprise_does_not_see_the_counts(referred):
    other = PartnerUserFactory(organisation=EnterpriseFactory().organisation)
    context = section(other, referred)
    assert context["referral_rows"] == [] and not context["referral_table"]


def test_the_territory_adviser_sees_every_organisation(world, referred):
    context = section(world["users"]["adviser"], referred)
    assert context["referral_manager"] is True
    assert len(context["referral_rows"]) == 2
    assert context["referral_totals"] == counts(12, 7, 3)


def test_a_montreal_adviser_sees_only_the_organisations_of_montreal(referred, org_a):
    """Outside the opportunity's territory, an adviser sees the counts of the organisations
    their offices serve (Montréal's advisers follow their regionalisation organisations)."""
    adviser = StaffFactory(role="adviser", offices=[office("montreal")])
    context = section(adviser, referred)
    assert context["referral_manager"] is False
    assert [row.organisation.name for row in context["referral_rows"]] == [
        "Régionalisation Alpha"]
    assert context["referral_totals"] == counts(5, 3, 1)


def test_the_employer_sees_the_counts_on_its_page_with_the_detail_view(
        client, employer, referred):
    client.force_login(employer)
    html = client.get(detail_url(referred)).content.decode()
    assert '<section id="referrals"' in html
    assert "Références par organisme" in html
    assert "Accueil Bêta" in html and "Régionalisation Alpha" in html
    assert '<td class="num">12</td>' in html


def test_an_organisation_does_not_see_another_s_counts_on_the_page(client, org_a, referred):
    client.force_login(org_a)
    html = client.get(detail_url(referred)).content.decode()
    assert '<section id="referrals"' in html and 'id="referral-form"' in html
    assert "Accueil Bêta" not in html and "Références par organisme" not in html
    assert 'name="candidates" value="5"' in html


def test_the_follow_button_is_in_the_section_for_an_organisation(org_a, opportunity):
    context = section(org_a, opportunity)
    assert context["show_follow"] is True and context["followed"] is False
    html = render_section(org_a, opportunity)
    assert reverse("regionalisation:opportunity_follow", args=[opportunity.pk]) in html
    assert "Suivre cette offre" in html


@pytest.mark.parametrize("who", ["employer", "org_a", "adviser"])
def test_the_section_runs_a_fixed_number_of_queries(world, employer, org_a, opportunity, who):
    user = {"employer": employer, "org_a": org_a, "adviser": world["users"]["adviser"]}[who]
    OpportunityReferralFactory(opportunity=opportunity,
                               organisation=org_a.membership.organisation)
    section(user, opportunity)  # warm the user's membership
    with CaptureQueriesContext(connection) as few:
        render_section(user, opportunity)
    for _ in range(20):
        OpportunityReferralFactory(opportunity=opportunity)
    with CaptureQueriesContext(connection) as many:
        render_section(user, opportunity)
    assert len(many) == len(few) <= 5
