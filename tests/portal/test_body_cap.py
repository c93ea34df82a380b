"""Request bodies are capped before they are read, and responses do not name the server software.

``portal.middleware.RequestBodyLimitMiddleware`` answers 413 (a page in French and English) to
a body declared longer than ``REQUEST_BODY_MAX_BYTES`` without reading a byte of it, and 411 to
a body sent without its length; gunicorn, configured by ``portal/gunicorn.conf.py``, sends no
``Server`` header."""

import http.client
import os
import socket
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from regions.cohorts import MAX_BYTES as COHORT_MAX_BYTES
from regions.models import CohortImport

pytestmark = pytest.mark.django_db


class UnreadableBody:
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def test_the_cap_leaves_room_for_the_largest_upload_and_its_form():
    assert django_settings.REQUEST_BODY_MAX_BYTES > COHORT_MAX_BYTES + 1024 * 1024
    assert django_settings.REQUEST_BODY_MAX_BYTES > django_settings.ATTACHMENT_MAX_BYTES
    assert django_settings.REQUEST_BODY_MAX_BYTES < 40 * 1024 * 1024  # the 40 MB post
    assert django_settings.MIDDLEWARE.index("portal.middleware.RequestBodyLimitMiddleware") < \
        django_settings.MIDDLEWARE.index("django.middleware.csrf.CsrfViewMiddleware")


def test_a_40_mb_upload_is_refused_before_anything_reads_it(client, world):
    client.force_login(world["users"]["admin"])

    response = client.post(
        reverse("regions:cohort_import"), data=b"",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(40 * 1024 * 1024), **{"wsgi.input": UnreadableBody()})

    assert response.status_code == 413
    html = response.content.decode()
    assert "Envoi trop volumineux" in html and "Request too large" in html
    assert "25,0\u00a0M" in html and "25.0\u00a0MB" in html  # the limit, in both languages
    assert "Content-Security-Policy" in response
    assert not CohortImport.objects.exists()


def test_a_real_oversized_upload_is_refused_and_nothing_is_stored(client, world, settings):
    settings.REQUEST_BODY_MAX_BYTES = 64 * 1024
    client.force_login(world["users"]["admin"])
    upload = ("gros.csv", b"x" * (65 * 1024))
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(reverse("regions:cohort_import"),
                           {"file": SimpleUploadedFile(*upload)})

    assert response.status_code == 413
    assert not CohortImport.objects.exists()


def test_a_body_within_the_cap_reaches_the_page(client, world, settings):
    settings.REQUEST_BODY_MAX_BYTES = 64 * 1024
    client.force_login(world["users"]["admin"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(reverse("regions:cohort_import"),
                           {"file": SimpleUploadedFile("petit.csv", b"x" * 1024)})

    assert response.status_code == 200  # the form's own message about the file
    assert 'id="id_file_error"' in response.content.decode()


def test_a_body_without_its_length_is_refused_not_silently_dropped():
    response = Client().post(
        reverse("account_login"), data=b"", content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH="", HTTP_TRANSFER_ENCODING="chunked", **{"wsgi.input": UnreadableBody()})

    assert response.status_code == 411
    assert "Longueur requise" in response.content.decode()


# --- gunicorn, as the Dockerfile runs it ---------------------------------------------------


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gunicorn(tmp_path):
    """gunicorn with the portal's configuration file, on a free local port, one worker."""
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi:application",
         "--config", "portal/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--access-logfile", "-"],
        cwd=django_settings.BASE_DIR, env=env,
        stdout=subprocess.DEVNULL, stderr=(tmp_path / "gunicorn.log").open("w"))
    try:
        for _attempt in range(200):  # readiness, not a timing assertion
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail((tmp_path / "gunicorn.log").read_text())
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_gunicorn_does_not_name_itself_and_refuses_a_40_mb_body(gunicorn):
    connection = http.client.HTTPConnection("127.0.0.1", gunicorn, timeout=30)
    connection.request("GET", "/accounts/login/")
    response = connection.getresponse()
    response.read()
    assert response.status == 200
    assert response.getheader("Server") is None
    assert "gunicorn" not in str(response.headers).lower()
    assert "'nonce-" in response.getheader("Content-Security-Policy")
    connection.close()

    # A 40 MB body is announced but only its first bytes are sent: the answer comes without
    # the portal waiting for (or reading) the rest.
    connection = http.client.HTTPConnection("127.0.0.1", gunicorn, timeout=30)
    connection.putrequest("POST", "/accounts/login/")
    connection.putheader("Content-Type", "multipart/form-data; boundary=xyz")
    connection.putheader("Content-Length", str(40 * 1024 * 1024))
    connection.endheaders(b"--xyz\r\n")
    response = connection.getresponse()
    assert response.status == 413
    assert response.getheader("Server") is None
    connection.close()
