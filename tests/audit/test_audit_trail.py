import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from partners import services
from partners.models import Organisation
from regions.models import Region
from tests.factories.accounts import StaffFactory
from tests.factories.antennes import office
from tests.factories.partners import ContactFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def entries_for(obj):
    return LogEntry.objects.get_for_object(obj).order_by("timestamp", "pk")


def test_create_update_and_delete_are_recorded_with_who_and_what():
    adviser = StaffFactory(role="adviser", offices=[office("trois-rivieres")])
    organisation = services.organisation_create(
        actor=adviser, name="Accueil Louiseville", kind="non_profit",
        non_profit_kind="settlement", region=Region.objects.get(code="04"))
    services.organisation_update(actor=adviser, organisation=organisation,
                                 name="Accueil Louiseville-Maskinongé")
    pk = organisation.pk
    services.organisation_delete(actor=adviser, organisation=organisation)

    entries = list(LogEntry.objects.filter(
        content_type__model="organisation", object_pk=str(pk)).order_by("pk"))
    assert [e.action for e in entries] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE,
                                           LogEntry.Action.DELETE]
    assert {e.actor for e in entries} == {adviser}
    assert entries[1].changes_dict["name"] == ["Accueil Louiseville",
                                               "Accueil Louiseville-Maskinongé"]


def test_viewing_a_page_with_contact_details_is_recorded(client):
    adviser = StaffFactory(role="adviser", offices=[office("trois-rivieres")])
    organisation = OrganisationFactory()
    ContactFactory(organisation=organisation)
    client.force_login(adviser)

    client.get(reverse("partners:detail", args=[organisation.pk]))

    access = entries_for(organisation).filter(action=LogEntry.Action.ACCESS).get()
    assert access.actor == adviser


def test_a_refused_view_records_no_access(client):
    adviser = StaffFactory(role="adviser", offices=[office("gatineau")])
    organisation = OrganisationFactory()
    client.force_login(adviser)
    assert client.get(reverse("partners:detail", args=[organisation.pk])).status_code == 404
    assert not entries_for(organisation).filter(action=LogEntry.Action.ACCESS).exists()


def test_central_administrators_browse_and_filter_the_trail(client):
    admin = StaffFactory(role="admin")
    adviser = StaffFactory(role="adviser", offices=[office("trois-rivieres")],
                           email="camille@mifi.example")
    organisation = services.organisation_create(
        actor=adviser, name="Accueil Bécancour", kind="enterprise",
        region=Region.objects.get(code="17"))
    client.force_login(admin)

    response = client.get(reverse("audit:log"), {"actor": "camille", "action": 0})

    shown = list(response.context["page"])
    assert shown and all(e.actor == adviser and e.action == 0 for e in shown)
    assert any(e.object_repr == "Accueil Bécancour" for e in shown)
    assert Organisation.objects.filter(pk=organisation.pk).exists()


def test_the_audit_trail_page_runs_constant_queries(client, django_assert_max_num_queries):
    admin = StaffFactory(role="admin")
    client.force_login(admin)
    for _ in range(30):
        OrganisationFactory()
    with django_assert_max_num_queries(12):
        assert client.get(reverse("audit:log")).status_code == 200


def test_opening_a_contact_form_and_downloading_contacts_are_recorded(client):
    from partners.models import Organisation

    adviser = StaffFactory(role="adviser", offices=[office("trois-rivieres")])
    contact = ContactFactory(organisation=OrganisationFactory())
    client.force_login(adviser)

    client.get(reverse("partners:contact_update", args=[contact.organisation_id, contact.pk]))
    response = client.get(reverse("partners:contacts_export",
                                  args=[contact.organisation_id, "csv"]))

    assert contact.email in response.content.decode("utf-8-sig")
    assert entries_for(contact).filter(action=LogEntry.Action.ACCESS, actor=adviser).exists()
    organisation = Organisation.objects.get(pk=contact.organisation_id)
    assert entries_for(organisation).filter(action=LogEntry.Action.ACCESS,
                                            actor=adviser).exists()
