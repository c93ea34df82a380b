"""The administrators' cohort import pages (regions/views/cohort_import.py): upload, preview,
confirm, the template file, the history and the progress of a big import."""

import csv
import io
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from regions.cohorts import COLUMNS
from regions.models import CohortImport, CohortStatistic

pytestmark = pytest.mark.django_db

HEADER = ",".join(COLUMNS)
GOOD_CSV = (f"{HEADER}\r\n"
            '06,2006,2015,2021,all,"1 234",987\r\n'
            "Mauricie,2006,2015,2021,economic,200,150\r\n").encode()
#: The same file with an unknown region on its third line (the header is line 1).
BAD_CSV = GOOD_CSV.replace(b"Mauricie", b"Atlantide")


@pytest.fixture(autouse=True)
def _english(client):
    """Pages in English (the source language), so assertions read the messages as written."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def csv_upload(content=GOOD_CSV, name="cohortes.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def upload(client, content=GOOD_CSV, name="cohortes.csv"):
    return client.post(reverse("regions:cohort_import"), {"file": csv_upload(content, name)})


def make_import(user, **fields):
    values = {"uploaded_by": user, "file_name": "cohortes.csv", "sha256": "ab" * 32,
              "size": 120, "rows_total": 2, "rows_new": 2}
    values.update(fields)
    return CohortImport.objects.create(**values)


def admin_pages(cohort_import):
    pk = cohort_import.pk
    return [
        ("get", reverse("regions:cohort_import")),
        ("get", reverse("regions:cohort_template", args=["csv"])),
        ("get", reverse("regions:cohort_template", args=["xlsx"])),
        ("get", reverse("regions:cohort_import_history")),
        ("get", reverse("regions:cohort_import_detail", args=[pk])),
        ("get", reverse("regions:cohort_import_progress", args=[pk])),
        ("post", reverse("regions:cohort_import_confirm", args=[pk])),
        ("post", reverse("regions:cohort_import_cancel", args=[pk])),
    ]


# --- Who may import -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["sit_manager", "adviser", "partner"])
def test_only_central_administrators_reach_the_import_pages(client, world, role):
    cohort_import = make_import(world["users"]["admin"])
    client.force_login(world["users"][role])
    for method, url in admin_pages(cohort_import):
        assert getattr(client, method)(url).status_code == 403, url
    cohort_import.refresh_from_db()
    assert cohort_import.status == CohortImport.Status.PREVIEWED


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    cohort_import = make_import(world["users"]["admin"])
    for method, url in admin_pages(cohort_import):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url


def test_the_administrator_sees_the_upload_form_the_template_links_and_the_columns(client,
                                                                                     world):
    client.force_login(world["users"]["admin"])
    html = client.get(reverse("regions:cohort_import")).content.decode()
    assert 'type="file"' in html and 'accept=".csv,.xlsx"' in html
    assert 'enctype="multipart/form-data"' in html
    assert reverse("regions:cohort_template", args=["csv"]) in html
    assert reverse("regions:cohort_template", args=["xlsx"]) in html
    assert reverse("regions:cohort_import_history") in html
    help_text = re.search(r'id="id_file_helptext">([^<]*)<', html).group(1)
    assert ", ".join(COLUMNS) in help_text
    assert "Windows-1252" in help_text and "semicolon" in help_text
    assert 'aria-describedby="id_file_helptext"' in html


def test_the_import_page_states_the_size_line_and_column_limits(client, world):
    client.force_login(world["users"]["admin"])
    html = client.get(reverse("regions:cohort_import")).content.decode()

    limits = re.search(r'<p id="cohort-limits">([^<]*)</p>', html).group(1)
    assert "20.0\u00a0MB" in limits and "200\u00a0000 lines" in limits
    assert "50 columns" in limits and "one visible sheet and no formulas" in limits
    assert "digits 0 to 9" in limits
    help_text = re.search(r'id="id_file_helptext">([^<]*)<', html).group(1)
    assert "20.0\u00a0MB, 200\u00a0000 lines, 50 columns" in help_text


def test_the_staff_menu_leads_to_the_cohort_data(client, world):
    client.force_login(world["users"]["adviser"])
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("cohort_dashboard")}"' in html
    client.force_login(world["users"]["partner"])
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("cohort_dashboard")}"' not in html


# --- Upload, preview, confirm ---------------------------------------------------------------


def test_a_good_file_is_previewed_then_imported_on_confirmation(client, world):
    admin = world["users"]["admin"]
    client.force_login(admin)

    response = upload(client)
    cohort_import = CohortImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("regions:cohort_import_detail",
                                           args=[cohort_import.pk])
    assert not CohortStatistic.objects.exists(), "the preview writes nothing"

    html = client.get(response["Location"]).content.decode()
    counts = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]*)</dd>", html))
    assert counts["Rows in the file"] == "2"
    assert counts["New rows"] == "2"
    assert counts["Updated rows"] == "0"
    assert counts["Unchanged rows"] == "0"
    assert counts["Rows in error"] == "0"
    assert counts["File name"] == "cohortes.csv"
    assert cohort_import.sha256 in html
    assert "Confirm the import" in html

    response = client.post(reverse("regions:cohort_import_confirm", args=[cohort_import.pk]),
                           follow=True)
    assert response.redirect_chain[-1][0] == reverse("regions:cohort_import_detail",
                                                     args=[cohort_import.pk])
    html = response.content.decode()
    assert "The file was imported" in html
    assert reverse("cohort_dashboard") in html
    assert "Confirm the import" not in html
    rows = {(s.region.code, s.category): (s.admitted, s.present)
            for s in CohortStatistic.objects.select_related("region")}
    assert rows == {("06", "all"): (1234, 987), ("04", "economic"): (200, 150)}

    history = client.get(reverse("regions:cohort_import_history")).content.decode()
    assert "cohortes.csv" in history and str(admin) in history
    assert cohort_import.sha256[:12] in history
    assert f'title="{cohort_import.sha256}"' in history


def test_a_file_with_an_error_lists_row_column_and_message_and_cannot_be_confirmed(client,
                                                                                 world):
    client.force_login(world["users"]["admin"])
    response = upload(client, BAD_CSV)
    cohort_import = CohortImport.objects.get()
    html = client.get(response["Location"]).content.decode()

    table = re.search(r'<table class="cohort-errors">.*?</table>', html, re.S).group(0)
    assert "<caption id=\"errors-caption\">" in table and 'scope="col"' in table
    rows = re.findall(r'<tr><th scope="row" class="num">(\d+)</th><td><code>(\w+)</code></td>'
                      r"<td>([^<]+)</td></tr>", table)
    assert len(rows) == 1
    row, column, message = rows[0]
    assert (row, column) == ("3", "region")
    assert "Atlantide" in message
    assert "Confirm the import" not in html
    assert "All or nothing" in html
    # The fixed file can be uploaded right there.
    assert f'action="{reverse("regions:cohort_import")}"' in html and 'type="file"' in html

    # Confirming anyway is refused by the import, and nothing is written.
    response = client.post(reverse("regions:cohort_import_confirm", args=[cohort_import.pk]),
                           follow=True)
    assert 'alert--error' in response.content.decode()
    assert not CohortStatistic.objects.exists()


def test_a_file_that_is_neither_csv_nor_xlsx_is_refused_on_the_form(client, world):
    client.force_login(world["users"]["admin"])
    response = upload(client, b"%PDF-1.4", name="cohortes.pdf")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_file_error"' in html and "cohortes.pdf" in html
    assert not CohortImport.objects.exists()


def test_cancelling_a_preview_writes_nothing(client, world):
    client.force_login(world["users"]["admin"])
    upload(client)
    cohort_import = CohortImport.objects.get()
    client.post(reverse("regions:cohort_import_cancel", args=[cohort_import.pk]))
    cohort_import.refresh_from_db()
    assert cohort_import.status == CohortImport.Status.CANCELLED
    assert not CohortStatistic.objects.exists()
    html = client.get(reverse("regions:cohort_import_detail",
                              args=[cohort_import.pk])).content.decode()
    assert "Confirm the import" not in html


# --- The template file ----------------------------------------------------------------------


def test_the_csv_template_has_the_header_and_example_rows_the_import_accepts(client, world):
    client.force_login(world["users"]["admin"])
    response = client.get(reverse("regions:cohort_template", args=["csv"]))
    assert response["Content-Disposition"].startswith("attachment;")
    content = response.content
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == COLUMNS
    assert len(rows) == 3
    assert rows[1][COLUMNS.index("region")] == "06"

    # Uploaded as is, the template previews without an error.
    upload(client, content, name="modele.csv")
    cohort_import = CohortImport.objects.get()
    assert (cohort_import.errors, cohort_import.rows_new) == ([], 2)


def test_the_xlsx_template_has_the_header_and_example_rows(client, world):
    client.force_login(world["users"]["admin"])
    response = client.get(reverse("regions:cohort_template", args=["xlsx"]))
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == COLUMNS
    assert len(rows) == 3
    assert rows[1][COLUMNS.index("admitted")] == 1234


# --- History and progress -------------------------------------------------------------------


def test_the_history_lists_imports_with_a_constant_number_of_queries(client, world):
    admin = world["users"]["admin"]
    client.force_login(admin)
    make_import(admin, file_name="premier.csv")
    url = reverse("regions:cohort_import_history")
    with CaptureQueriesContext(connection) as few:
        html = client.get(url).content.decode()
    assert "premier.csv" in html
    for n in range(20):
        make_import(world["users"]["sit_manager"] if n % 2 else admin, file_name=f"f{n}.csv",
                    status=CohortImport.Status.DONE)
    with CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()
    assert "f19.csv" in html and "Imported" in html
    assert len(many) == len(few)


def test_the_progress_fragment_shows_the_rows_done_and_polls_until_the_import_ends(client,
                                                                                  world):
    admin = world["users"]["admin"]
    client.force_login(admin)
    cohort_import = make_import(admin, status=CohortImport.Status.RUNNING, rows_total=100_000,
                                rows_done=12_000)
    url = reverse("regions:cohort_import_progress", args=[cohort_import.pk])

    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment
    assert re.search(r'<progress id="cohort-progress-bar" max="100000" value="12000">', fragment)
    assert re.search(r"12,000 of 100,000 rows", fragment)
    assert 'hx-trigger="every 1s"' in fragment
    # A plain GET (no htmx) gets the same fragment.
    assert client.get(url).content.decode() == fragment

    # On the detail page, the fragment sits in a polite live region.
    html = client.get(reverse("regions:cohort_import_detail",
                              args=[cohort_import.pk])).content.decode()
    assert re.search(r'role="status" aria-live="polite"[^>]*>\s*<div id="cohort-progress"', html)
    assert '<label for="cohort-progress-bar">' in html

    CohortImport.objects.filter(pk=cohort_import.pk).update(
        status=CohortImport.Status.DONE, rows_done=100_000, rows_new=100_000)
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in fragment
    assert "The file was imported" in fragment
    assert reverse("cohort_dashboard") in fragment
