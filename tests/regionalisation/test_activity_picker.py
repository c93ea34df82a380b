"""The activity form's partner picker offers a regionalisation organisation only the
enterprises it may see (the employers of the opportunities it sees, the partners of its own
activities; never one not confirmed yet), in its search results and when it validates a
posted id: an id from outside gives a form error and saves nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from regionalisation.forms import ActivityForm
from regionalisation.models import Activity
from regions.models import Region
from tests.factories.enterprises import EnterpriseFactory
from tests.factories.partners import PartnerUserFactory
from tests.factories.regionalisation import (
    ActivityFactory,
    OpportunityFactory,
    regionalisation_organisation,
)

pytestmark = pytest.mark.django_db

CREATE = reverse("regionalisation:activity_create")


@pytest.fixture
def horizon(db):
    return PartnerUserFactory(organisation=regionalisation_organisation(name="Horizon"))


@pytest.fixture
def enterprises(horizon):
    """Four “Fonderie” enterprises: one on the board, one a partner of Horizon's past
    activity, one with only a draft opportunity (not on the board), one on the board but
    self-registered and not confirmed."""
    on_board = EnterpriseFactory(organisation__name="Fonderie Boréale").organisation
    OpportunityFactory(enterprise=on_board, published=True)
    past_partner = EnterpriseFactory(organisation__name="Fonderie Ancienne").organisation
    ActivityFactory(organisation=horizon.membership.organisation).partner_enterprises.add(
        past_partner)
    hidden = EnterpriseFactory(organisation__name="Fonderie Cachée").organisation
    OpportunityFactory(enterprise=hidden)  # a draft: Horizon does not see it
    unverified = EnterpriseFactory(organisation__name="Fonderie Douteuse",
                                   unverified=True).organisation
    OpportunityFactory(enterprise=unverified, published=True)
    return {"on_board": on_board, "past_partner": past_partner, "hidden": hidden,
            "unverified": unverified}


def form_data(**overrides):
    day = timezone.localdate() - timedelta(days=3)
    data = {"kind": "information_session", "title": "Salon des régions",
            "starts_on": day.isoformat(), "ends_on": day.isoformat(), "description": "",
            "regions": [Region.objects.get(code="04").pk], "other_partners": "",
            "participants": ""}
    data.update(overrides)
    return data


def test_the_search_offers_only_the_enterprises_the_organisation_sees(client, horizon,
                                                                    enterprises):
    client.force_login(horizon)

    html = client.get(CREATE, {"find": "enterprises", "enterprise_q": "fonderie"},
                      HTTP_HX_REQUEST="true").content.decode()

    assert "Fonderie Boréale" in html and "Fonderie Ancienne" in html
    assert "Fonderie Cachée" not in html and "Fonderie Douteuse" not in html
    # Without JavaScript too.
    page = client.get(CREATE, {"find": "enterprises", "enterprise_q": "fonderie"}).text
    assert "Fonderie Boréale" in page and "Fonderie Cachée" not in page


def test_the_form_queryset_is_the_users_scope(horizon, enterprises):
    form = ActivityForm(user=horizon)
    offered = set(form.fields["partner_enterprises"].queryset.values_list("name", flat=True))
    assert offered == {"Fonderie Boréale", "Fonderie Ancienne"}
    # Another organisation sees the board, not Horizon's own partners.
    other = PartnerUserFactory(organisation=regionalisation_organisation())
    assert set(ActivityForm(user=other).fields["partner_enterprises"].queryset
               .values_list("name", flat=True)) == {"Fonderie Boréale"}


@pytest.mark.parametrize("key", ["hidden", "unverified"])
def test_a_posted_id_outside_the_scope_is_a_form_error_not_a_save(client, horizon,
                                                                 enterprises, key):
    client.force_login(horizon)
    before = Activity.objects.count()

    response = client.post(CREATE, form_data(partner_enterprises=[enterprises[key].pk]))

    assert response.status_code == 200
    assert Activity.objects.count() == before
    assert "partner_enterprises" in response.context["form"].errors
    assert 'id="id_partner_enterprises_error"' in response.content.decode()
    assert enterprises[key].name not in response.content.decode()


def test_an_edit_cannot_add_an_enterprise_outside_the_scope(client, horizon, enterprises):
    activity = ActivityFactory(organisation=horizon.membership.organisation,
                               title="Séance")
    client.force_login(horizon)

    response = client.post(reverse("regionalisation:activity_edit", args=[activity.pk]),
                           form_data(title="Séance", partner_enterprises=[
                               enterprises["on_board"].pk, enterprises["hidden"].pk]))

    assert response.status_code == 200
    assert "partner_enterprises" in response.context["form"].errors
    assert not activity.partner_enterprises.exists()


def test_an_enterprise_in_the_scope_is_saved(client, horizon, enterprises):
    client.force_login(horizon)

    response = client.post(CREATE, form_data(partner_enterprises=[
        enterprises["on_board"].pk, enterprises["past_partner"].pk]))

    assert response.status_code == 302
    activity = Activity.objects.get(title="Salon des régions")
    assert set(activity.partner_enterprises.all()) == {enterprises["on_board"],
                                                       enterprises["past_partner"]}
