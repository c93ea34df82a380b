"""The API (``/api/v1/``) and its token pages, namespace ``api``."""

import functools

from django.urls import include, path, re_path
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt

from . import problems, views
from .auth import request_language
from .v1 import api as api_v1


def _problem_405(view):
    """django-ninja answers a method a path does not take in plain text: the problem shape
    instead, ``Allow`` kept."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405:
            with translation.override(request_language(request)):
                problem = problems.problem("method-not-allowed",
                                           headers={"Allow": response.get("Allow", "")})
            return problem
        return response

    return wrapper


@csrf_exempt
def _no_such_operation(request, rest):
    with translation.override(request_language(request)):
        return problems.problem("not-found")


v1_patterns, v1_app, v1_namespace = api_v1.urls
for pattern in v1_patterns:
    pattern.callback = _problem_405(pattern.callback)

app_name = "api"
urlpatterns = [
    path("jetons/", views.token_list, name="tokens"),
    path("jetons/<int:pk>/revoquer/", views.token_revoke, name="token_revoke"),
    path("v1/", include((v1_patterns, v1_app), namespace=v1_namespace)),
    re_path(r"^v1/(?P<rest>.*)$", _no_such_operation),
]
