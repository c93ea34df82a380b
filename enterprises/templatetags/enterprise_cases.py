"""Template tags other apps' pages use to offer what the enterprises app decides.

``{% load enterprise_cases %}{% new_request_url organisation as url %}``: the address where the
user enters a new support request for ``organisation``, or "" when the page should not offer
it (not an enterprise, or a user who may not open a case for it). The organisation page
(``templates/partners/detail.html``) uses it, so the partners app imports nothing from here and
the rule stays in ``enterprises.permissions.can_open_case_for``."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from accounts.models import STAFF_ROLES

from .. import permissions

register = template.Library()


@register.simple_tag(takes_context=True)
def new_request_url(context, organisation) -> str:
    user = context.get("user")
    if user is None or not permissions.can_open_case_for(user, organisation):
        return ""
    url = reverse("enterprises:case_create")
    if getattr(user, "role", None) in STAFF_ROLES:
        url += "?" + urlencode({"organisation": organisation.pk})
    return url
