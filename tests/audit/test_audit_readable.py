"""The audit trail reads like an answer to an access request (Law 25): actions, fields and
values in words, Montréal time, no noise, one person's entries, and their CSV export."""

import csv
import io
from datetime import UTC, datetime

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.urls import reverse

from audit.display import readable
from partners import services
from regions.models import Region
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.antennes import office
from tests.factories.partners import OrganisationFactory

pytestmark = pytest.mark.django_db

LOG = reverse("audit:log")
EXPORT = reverse("audit:export")


@pytest.fixture
def admin(client):
    user = StaffFactory(role="admin")
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return user


@pytest.fixture
def adviser():
    return StaffFactory(role="adviser", offices=[office("trois-rivieres")],
                        email="camille@mifi.example")


def create_organisation(adviser, name="Accueil Louiseville"):
    return services.organisation_create(
        actor=adviser, name=name, kind="non_profit", non_profit_kind="settlement",
        region=Region.objects.get(code="04"))


def row(html, entry):
    return html.split(f'id="entry-{entry.pk}"')[1].split("</tr>")[0]


def test_actions_fields_and_values_are_in_words(client, admin, adviser):
    organisation = create_organisation(adviser)
    services.organisation_update(actor=adviser, organisation=organisation,
                                 kind="enterprise", non_profit_kind="")
    created, changed = LogEntry.objects.get_for_object(organisation).order_by("pk")

    html = client.get(LOG).content.decode()

    creation = row(html, created)
    assert "<td>Created</td>" in creation
    assert "<strong>Name</strong> : (empty) → Accueil Louiseville" in creation
    assert "Region</strong> : (empty) → 04 Mauricie" in creation  # the row's name, not its id
    assert "Non-profit organisation" in creation  # a choice's label, not its code
    assert "non_profit" not in creation
    change = row(html, changed)
    assert "<td>Changed</td>" in change
    assert "Non-profit organisation → Enterprise" in change


def test_times_are_montreal_time(client, admin, adviser):
    organisation = create_organisation(adviser)
    entry = LogEntry.objects.get_for_object(organisation).get()
    # 16:00 UTC on 1 July is noon in Montréal (daylight time); 15:00 UTC in January, 10:00.
    LogEntry.objects.filter(pk=entry.pk).update(timestamp=datetime(2026, 7, 1, 16, 0, tzinfo=UTC))
    entry.changes["created_at"] = ["None", "2026-01-15 15:00:00.000000"]
    LogEntry.objects.filter(pk=entry.pk).update(changes=entry.changes)

    html = row(client.get(LOG).content.decode(), entry)

    assert ">2026-07-01 12:00:00<" in html
    assert "(empty) → 2026-01-15 10:00:00" in html


def test_noise_is_left_out(client, admin, adviser):
    """At creation auditlog records every reverse relation as “None → app.Model.None” and
    empty fields as “None → None”: none of that shows."""
    organisation = create_organisation(adviser)
    entry = LogEntry.objects.get_for_object(organisation).get()
    assert entry.changes_dict["contacts"] == ["None", "partners.Contact.None"]

    html = row(client.get(LOG).content.decode(), entry)

    assert ".None" not in html and "Contacts" not in html
    assert "MRC" not in html  # empty before and after
    lines = [change.field for change in readable([entry])[0].changes]
    assert "Name" in lines and all("None" not in line for line in lines)


def test_an_entry_of_nothing_but_noise_is_not_kept(adviser):
    """A change entry holding only noise is removed as it is written (the trail's own
    receiver), and those recorded before are cleared by the audit app's migration."""
    from importlib import import_module

    from auditlog.signals import post_log
    from django.apps import apps

    organisation = create_organisation(adviser)
    noise = LogEntry.objects.log_create(
        organisation, action=LogEntry.Action.UPDATE,
        changes={"cases": ["None", "enterprises.Case.None"], "mrc": ["None", "None"]})
    real = LogEntry.objects.log_create(organisation, action=LogEntry.Action.UPDATE,
                                       changes={"name": ["A", "B"]})
    post_log.send(type(organisation), instance=organisation, action=LogEntry.Action.UPDATE,
                  log_entry=noise, changes=noise.changes, log_created=True, error=None)
    assert not LogEntry.objects.filter(pk=noise.pk).exists()

    earlier = LogEntry.objects.log_create(
        organisation, action=LogEntry.Action.UPDATE,
        changes={"attachments": ["None", "enterprises.CaseAttachment.None"]})
    migration = import_module("audit.migrations.0001_clear_noise_entries")
    migration.clear_noise(apps, None)
    assert not LogEntry.objects.filter(pk=earlier.pk).exists()
    assert LogEntry.objects.filter(pk=real.pk).exists()


@pytest.fixture
def person(adviser):
    """Juliette: a partner user, and a contact of two organisations under the same address
    (one contact's address was changed to hers later). Plus entries about other people."""
    juliette = UserFactory(email="juliette@organisme.example")
    first = OrganisationFactory()
    second = OrganisationFactory()
    admin = StaffFactory(role="admin")
    as_contact = services.contact_save(actor=admin, organisation=first, first_name="Juliette",
                                       last_name="Morissette",
                                       email="Juliette@organisme.example")
    renamed = services.contact_save(actor=admin, organisation=second, first_name="J.",
                                    last_name="Morissette", email="ancienne@ailleurs.example")
    services.contact_save(actor=admin, organisation=second, contact=renamed,
                          email="juliette@organisme.example")
    other = services.contact_save(actor=admin, organisation=second, first_name="Paul",
                                  last_name="Autre", email="paul@ailleurs.example")
    # What she did herself, as the actor.
    juliette.role = "admin"
    juliette.save()
    acted = create_organisation(juliette, name="Organisme de Juliette")
    return {"user": juliette, "contacts": [as_contact, renamed], "other": other,
            "acted": acted}


def test_one_persons_entries_are_their_account_their_contacts_and_their_acts(client, admin,
                                                                              person):
    response = client.get(LOG, {"person": "juliette@organisme.example"})
    shown = list(response.context["page"])
    juliette = person["user"]
    about_user = {e.pk for e in LogEntry.objects.get_for_object(juliette)}
    about_contacts = {e.pk for c in person["contacts"]
                      for e in LogEntry.objects.get_for_object(c)}
    by_her = set(LogEntry.objects.filter(actor=juliette).values_list("pk", flat=True))
    assert about_user and len(about_contacts) == 3 and by_her
    assert {e.pk for e in shown} == about_user | about_contacts | by_her
    assert not {e.pk for e in LogEntry.objects.get_for_object(person["other"])} & {
        e.pk for e in shown}
    assert 'id="person-notice"' in response.content.decode()


def test_one_persons_entries_are_exported_as_csv(client, admin, person):
    response = client.get(EXPORT, {"person": "juliette@organisme.example"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["When (Montréal time)", "Who", "IP address", "Action",
                       "Kind of record", "Record", "Changes"]
    page = client.get(LOG, {"person": "juliette@organisme.example"}).context["page"]
    assert len(rows) - 1 == page.paginator.count
    records = {line[5] for line in rows[1:]}
    assert "Organisme de Juliette" in records and "Juliette Morissette" in records
    assert "Paul Autre" not in records
    creation = next(line for line in rows[1:] if line[5] == "Juliette Morissette")
    assert creation[3] == "Created" and "Email: (empty) → Juliette@organisme.example" in (
        creation[6])


def test_only_central_administrators_export(client, adviser):
    client.force_login(adviser)
    assert client.get(EXPORT).status_code == 403


def test_the_page_runs_constant_queries_with_related_names(client, admin, adviser,
                                                           django_assert_max_num_queries):
    create_organisation(adviser)
    client.get(LOG)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(LOG)
    for n in range(20):
        create_organisation(adviser, name=f"Organisme {n}")
    with CaptureQueriesContext(connection) as many:
        client.get(LOG)
    assert len(many) == len(few)
