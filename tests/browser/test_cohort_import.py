"""An administrator imports the ministry's cohort table in a real browser: the first file has an
unknown region, the preview names its row, column and message and offers no confirmation; the
fixed file, uploaded from the preview, is confirmed; the result leads to the dashboard.

Every page visited is checked with axe-core against WCAG 2.2 AA; the import page and both
previews (with an error, and ready to confirm) in French and in English."""

import pytest
from playwright.sync_api import expect

from regions.cohorts import COLUMNS
from regions.models import CohortImport, CohortStatistic
from tests.browser.test_action_plans import labelled, press
from tests.browser.test_journeys import (
    audit_in_both_languages,
    follow,
    heading,
    main_menu,
    sign_in,
    tr,
    wait_for_path,
)
from tests.factories.accounts import StaffFactory

pytestmark = pytest.mark.browser

GOOD = (",".join(COLUMNS) + "\r\n"
        '06,2006,2015,2021,all,"1 234",987\r\n'
        "Saguenay-Lac-Saint-Jean,2006,2015,2021,all,456,312\r\n").encode()
#: The same table with a typing mistake in the region of its third line.
WITH_AN_ERROR = GOOD.replace(b"Saguenay-Lac-Saint-Jean", b"Saguenay-Lac-Saint-Jeann")


def csv_file(name, content):
    return {"name": name, "mimeType": "text/csv", "buffer": content}


def upload(page, name, content):
    file_input = labelled(page.get_by_role("main"), page, "Cohort file (CSV or XLSX)")
    file_input.set_input_files(csv_file(name, content))
    press(page, "Upload and preview")


def test_an_administrator_fixes_a_refused_file_imports_it_and_opens_the_dashboard(
    page, assert_accessible
):
    admin = StaffFactory(role="admin")
    sign_in(page, admin, assert_accessible)

    # The menu leads to the cohort data; the import page is the administrators'.
    cohort_link = main_menu(page).get_by_role("link", name=tr(page, "Cohort data"))
    expect(cohort_link).to_be_visible()
    page.goto("/cohortes/importer/")
    expect(heading(page)).to_have_text(tr(page, "Import cohort data"))
    expect(page.get_by_role("link", name=tr(page, "Download the template (CSV)"))).to_be_visible()
    audit_in_both_languages(page, assert_accessible)

    # A file with an unknown region: the preview says where, and nothing can be confirmed.
    upload(page, "cohortes-2021.csv", WITH_AN_ERROR)
    refused = CohortImport.objects.get()
    wait_for_path(page, f"/cohortes/importer/{refused.pk}/")
    expect(heading(page)).to_have_text(
        tr(page, "Import of “%(name)s”") % {"name": "cohortes-2021.csv"})
    errors = page.get_by_role("table", name=tr(page, "Errors found in the file"))
    error_row = errors.get_by_role("row").filter(has_text="Saguenay-Lac-Saint-Jeann")
    expect(error_row).to_have_count(1)
    expect(error_row.get_by_role("rowheader")).to_have_text("3")
    expect(error_row.get_by_role("cell").first).to_have_text("region")
    expect(page.get_by_role("button", name=tr(page, "Confirm the import"))).to_have_count(0)
    audit_in_both_languages(page, assert_accessible)

    # The fixed file, uploaded from the preview.
    upload(page, "cohortes-2021-corrige.csv", GOOD)
    fixed = CohortImport.objects.exclude(pk=refused.pk).get()
    wait_for_path(page, f"/cohortes/importer/{fixed.pk}/")
    expect(page.get_by_role("table", name=tr(page, "Errors found in the file"))).to_have_count(0)
    counts = page.locator("dl.cohort-counts")
    expect(counts).to_contain_text(tr(page, "New rows"))
    assert not CohortStatistic.objects.exists(), "the preview writes nothing"
    audit_in_both_languages(page, assert_accessible)

    press(page, "Confirm the import")
    wait_for_path(page, f"/cohortes/importer/{fixed.pk}/")
    expect(page.get_by_role("button", name=tr(page, "Confirm the import"))).to_have_count(0)
    expect(page.get_by_role("link", name=tr(page, "See the cohort data dashboard"))).to_be_visible()
    assert {(s.region.code, s.admitted, s.present)
            for s in CohortStatistic.objects.select_related("region")} == {
        ("06", 1234, 987), ("02", 456, 312)}
    assert_accessible(page)

    # The history shows both files; the result leads to the dashboard.
    follow(page.get_by_role("link", name=tr(page, "History of imports")),
           "/cohortes/importer/historique/")
    history = page.get_by_role("table")
    expect(history.get_by_role("link", name="cohortes-2021.csv", exact=True)).to_be_visible()
    expect(history.get_by_role("link", name="cohortes-2021-corrige.csv")).to_be_visible()
    assert_accessible(page)

    follow(history.get_by_role("link", name="cohortes-2021-corrige.csv"),
           f"/cohortes/importer/{fixed.pk}/")
    follow(page.get_by_role("link", name=tr(page, "See the cohort data dashboard")),
           "/cohortes/")
    expect(heading(page)).to_be_visible()
    assert_accessible(page)
