"""Hostile files sent through every upload field: the cohort import page, the plans' documents
and the cases' documents. Each answers with a message saying what to do (never a 500, never a
Python exception's name), writes nothing it should not, and stays within a stated memory bound
while reading the file (a zip bomb is refused before it is inflated)."""

import os
import tracemalloc

import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from enterprises.models import CaseAttachment
from programs.models import Attachment
from regions.models import CohortImport, CohortStatistic
from tests.factories.antennes import office
from tests.factories.enterprises import CaseFactory, EnterpriseFactory
from tests.factories.partners import PartnerUserFactory
from tests.factories.programs import ActionPlanFactory
from tests.hostile import corpus

pytestmark = pytest.mark.django_db

#: The most memory (Python allocations, tracemalloc) one upload may take, request included
#: (the biggest corpus file is 21 MB; a bomb here would take gigabytes).
PEAK_BOUND = 96 * 1024 * 1024

#: Files whose header the cohort import reads but whose rows are wrong (a digit that is not 0-9,
#: a quotation mark never closed): they get the preview listing each error (the import's record
#: of the attempt), and can never be confirmed.
ROW_ERRORS = {
    "unclosed quote": "is not a whole number",
    "superscript two": "“12²” is not a whole number",
    "circled digit": "“①” is not a whole number",
    "arabic-indic with .0": "“١٢٣.0” is not a whole number",
    "full-width with .0": "“１２３.0” is not a whole number",
    "arabic-indic": "“١٢٣” is not a whole number",
    "negative superscript": "“-²” is not a whole number",
    "xlsx superscript": "“1²” is not a whole number",
    "xlsx nul cell": "Unknown region",
}
#: Every other file is refused on the form, with this in its message.
REFUSED = {
    "odt bomb": "neither a CSV nor an XLSX",
    "odt mimetype bomb": "neither a CSV nor an XLSX",
    "docx bomb": "neither a CSV nor an XLSX",
    "docx total bomb": "neither a CSV nor an XLSX",
    "xlsx sheet bomb": "expands to too much data",
    "xlsx shared-strings bomb": "expands to too much data",
    "xlsx ratio bomb": "expands to too much data",
    "xlsx with too many parts": "expands to too much data",
    "utf-16 csv": "not a text file",
    "undecodable csv": "encoding is not recognised",
    "nul after 64 KB": "not a text file",
    "nul in the header": "not a text file",
    "huge field": "value is too long",
    "too many columns": "more than 50 columns",
    "too many lines": "more than 200\u00a0000 lines",
    "too big": "the limit is 20.0\u00a0MB",
    "xlsx far column": "uses 16384 columns",
    "xlsx far row": "more than 200\u00a0000 lines",
    "hidden first sheet": "has 2 sheets",
    "two sheets": "has 2 sheets",
    "very hidden sheet": "is hidden",
    "formula without cached value": "has formulas",
    "formula with cached value": "has formulas",
    "html as csv": "does not have the expected columns",
    "html as xlsx": "not a valid XLSX workbook",
    "html as pdf": "neither a CSV nor an XLSX",
    "json as csv": "does not have the expected columns",
    "json as xlsx": "not a valid XLSX workbook",
    "json as pdf": "neither a CSV nor an XLSX",
    "truncated xlsx": "not a valid XLSX workbook",
    "truncated docx": "neither a CSV nor an XLSX",
    "truncated odt": "neither a CSV nor an XLSX",
    "empty zip as xlsx": "not a valid XLSX workbook",
    "workbook part only": "not a valid XLSX workbook",
}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return corpus.write(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def private_files():
    root = storages["private"].location
    return sorted(os.path.join(folder, name) for folder, _dirs, names in os.walk(root)
                  for name in names)


def post(client, url, path, **data):
    """POST the file at ``path``; (response, peak bytes allocated meanwhile)."""
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    tracemalloc.start()
    try:
        response = client.post(url, {"file": upload, **data}, follow=True)
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return response, peak


#: The page's own words for a refused form, not an exception's name: the title's “Error —”,
#: the error summary's and the error lists' names.
PAGE_WORDS = ("alert--error", "id_file_error", "Errors found", ">Errors<", "<title>Error — ",
              "error-summary", "errorlist")


def assert_says_what_to_do(html):
    for words in PAGE_WORDS:
        html = html.replace(words, "")
    for python_name in ("Error", "Erreur '", "Exception", "Traceback", "BadZipFile",
                        "InvalidDimensions", "UnicodeDecodeError", "csv.Error"):
        assert python_name not in html, python_name


def test_the_corpus_has_every_kind_of_hostile_file(files):
    assert len(files) >= 30
    assert set(files) == set(ROW_ERRORS) | set(REFUSED)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_the_cohort_import_refuses_a_hostile_file_on_the_form_and_stores_nothing(
        client, world, files, name):
    client.force_login(world["users"]["admin"])
    before = private_files()

    response, peak = post(client, reverse("regions:cohort_import"), files[name][0])

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_file_error"' in html
    assert REFUSED[name] in html, name
    assert_says_what_to_do(html)
    assert not CohortImport.objects.exists() and not CohortStatistic.objects.exists()
    assert private_files() == before
    assert peak < PEAK_BOUND, f"{name}: {peak / 2**20:.0f} MB"


@pytest.mark.parametrize("name", sorted(ROW_ERRORS))
def test_the_cohort_import_lists_the_wrong_values_and_cannot_import_them(
        client, world, files, name):
    client.force_login(world["users"]["admin"])

    response, peak = post(client, reverse("regions:cohort_import"), files[name][0])

    assert response.status_code == 200
    html = response.content.decode()
    assert ROW_ERRORS[name] in html
    assert "Confirm the import" not in html
    assert_says_what_to_do(html)
    cohort_import = CohortImport.objects.get()
    client.post(reverse("regions:cohort_import_confirm", args=[cohort_import.pk]))
    assert not CohortStatistic.objects.exists()
    assert peak < PEAK_BOUND


def _document_hostile():
    return sorted(name for name, (_file, _data, hostile) in corpus.build().items() if hostile)


@pytest.fixture
def plan_page(client, world):
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"])
    client.force_login(world["users"]["partner"])
    return reverse("programs:attachment_upload", args=[plan.pk]), Attachment.objects


@pytest.fixture
def case_page(client, world):
    served_by = office("trois-rivieres")
    organisation = EnterpriseFactory(organisation__office=served_by,
                                     organisation__region=served_by.region).organisation
    case = CaseFactory(organisation=organisation)
    client.force_login(PartnerUserFactory(organisation=organisation))
    return reverse("enterprises:case_attachment_upload", args=[case.pk]), CaseAttachment.objects


@pytest.mark.parametrize("page", ["plan_page", "case_page"])
def test_every_document_field_refuses_every_file_that_is_not_a_real_document(
        client, world, files, page, request):
    url, attachments = request.getfixturevalue(page)
    before = private_files()
    for name in _document_hostile():
        response, peak = post(client, url, files[name][0])

        assert response.status_code == 200, name
        html = response.content.decode()
        assert "alert--error" in html or "error" in html, name
        assert files[name][0].name in html, name
        assert_says_what_to_do(html)
        assert not attachments.exists(), name
        assert private_files() == before, name
        assert peak < PEAK_BOUND, f"{name}: {peak / 2**20:.0f} MB"


@pytest.mark.parametrize("name", ["odt bomb", "odt mimetype bomb", "docx bomb",
                                  "docx total bomb", "xlsx sheet bomb",
                                  "xlsx shared-strings bomb", "xlsx ratio bomb",
                                  "xlsx with too many parts"])
def test_a_document_that_expands_too_much_is_refused_saying_so(client, plan_page, files, name):
    url, attachments = plan_page

    response, _peak = post(client, url, files[name][0])

    assert "expands to too much data" in response.content.decode()
    assert not attachments.exists()
