"""allauth's pages speak Quebec French: « courriel », never « e-mail ». (Their French comes
from the portal's own catalogue, which takes precedence over allauth's.)"""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _visible_text(response) -> str:
    html = response.content.decode()
    main = html[html.index('<main id="main"'):html.index("</main>")]
    return re.sub(r"<[^>]+>", " ", main)


@pytest.mark.parametrize("url", [reverse("account_reset_password"),
                                 reverse("account_email_verification_sent")])
def test_allauth_pages_say_courriel(client, url):
    text = _visible_text(client.get(url))
    assert "courriel" in text
    assert not re.search(r"e-mail", text, re.IGNORECASE)


def test_the_page_asking_to_verify_an_address_says_courriel(rf, django_user_model):
    """allauth shows it (``verified_email_required``) when a page needs a verified address; its
    texts span several lines in allauth's template, and still come out in Quebec French."""
    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string
    from django.utils import translation

    request = rf.get("/")
    request.user = AnonymousUser()
    with translation.override("fr"):
        html = render_to_string("account/verified_email_required.html", request=request)
    text = re.sub(r"<[^>]+>", " ", html[html.index("<main"):html.index("</main>")])
    assert "courriel" in text
    assert not re.search(r"e-mail", text, re.IGNORECASE)
