"""The Django admin's cohort figures: read and exported there, imported on one page only (the
portal's, with its limits, preview and background job), to which the admin's list leads."""

import csv
import io

import pytest
from django.urls import NoReverseMatch, reverse

from regions.models import CohortStatistic, Region

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:regions_cohortstatistic_changelist")


@pytest.fixture
def admin_client(client, world):
    admin = world["users"]["admin"]
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(admin)
    return client


def test_the_admin_list_leads_to_the_portal_import_page_and_offers_no_import_of_its_own(
        admin_client):
    page = admin_client.get(CHANGELIST).content.decode()
    assert f'href="{reverse("regions:cohort_import")}"' in page
    with pytest.raises(NoReverseMatch):
        reverse("admin:regions_cohortstatistic_import")
    # The admin's import address is not a page (it was one that failed on some formats).
    assert admin_client.get(CHANGELIST + "import/").status_code in (302, 404)


def test_the_admin_exports_the_figures_as_csv_or_xlsx_only(admin_client):
    CohortStatistic.objects.create(region=Region.objects.get(code="06"), cohort_start=2011,
                                   cohort_end=2015, reference_year=2016, category="all",
                                   admitted=1200, present=900)
    export = reverse("admin:regions_cohortstatistic_export")
    form = admin_client.get(export).context["form"]
    offered = [label for _, label in form.fields["format"].choices if label != "---"]
    assert [label.lower() for label in offered] == ["csv", "xlsx"]
    csv_choice = next(value for value, label in form.fields["format"].choices
                      if label.lower() == "csv")
    fields = {name: "on" for name in form.fields if name.startswith("cohortstatisticresource_")}
    response = admin_client.post(export, {"format": csv_choice, "resource": 0, **fields})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert any("1200" in row for row in rows[1:])
