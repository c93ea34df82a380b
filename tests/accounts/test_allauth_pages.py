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
