"""Pages travel compressed: a browser that accepts gzip receives the page gzip-compressed (a
case list is about a tenth of its size), padded with random bytes against BREACH; documents,
compressed formats already, are sent as they are."""

import gzip

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from portal.middleware import CompressedPagesMiddleware

pytestmark = pytest.mark.django_db


def test_a_page_is_sent_compressed_to_a_browser_that_accepts_gzip(client, world):
    client.force_login(world["users"]["adviser"])
    url = reverse("partners:directory")

    plain = client.get(url)
    compressed = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})

    assert "Content-Encoding" not in plain
    assert compressed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed["Vary"]
    assert len(compressed.content) * 3 < len(plain.content)
    assert b"Accueil Trois-Rivi" in gzip.decompress(compressed.content)


def test_two_answers_of_the_same_page_differ_in_length_against_breach(client, world):
    client.force_login(world["users"]["adviser"])
    lengths = {len(client.get(reverse("partners:directory"),
                              headers={"Accept-Encoding": "gzip"}).content) for _ in range(8)}
    assert len(lengths) > 1


def test_a_document_is_sent_as_it_is():
    request = RequestFactory().get("/", headers={"Accept-Encoding": "gzip"})
    document = b"%PDF-1.4\n" + b"0" * 5000
    middleware = CompressedPagesMiddleware(
        lambda request: HttpResponse(document, content_type="application/pdf"))

    response = middleware(request)

    assert "Content-Encoding" not in response
    assert response.content == document
