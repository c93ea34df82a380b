from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from api import services


def make_token(user, *, read_only=False, days=30):
    """A token of ``user`` and its secret, created by the page's service."""
    return services.token_create(actor=user, name="Système de test",
                                 expires_at=timezone.now() + timedelta(days=days),
                                 read_only=read_only)


class ApiClient:
    """Django's test client with ``Authorization: Bearer <secret>`` on every request."""

    def __init__(self, secret, language=None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"}
        if language:
            self.headers["Accept-Language"] = language

    def get(self, path, data=None):
        return self.client.get(path, data, headers=self.headers)

    def post(self, path, json=None):
        return self.client.post(path, json or {}, content_type="application/json",
                                headers=self.headers)

    def put(self, path, json=None):
        return self.client.put(path, json or {}, content_type="application/json",
                               headers=self.headers)

    def call(self, method, path, json=None):
        if method == "get":
            return self.get(path)
        return getattr(self, method)(path, json)


@pytest.fixture
def api_client():
    """``api_client(user, read_only=False)``: an ApiClient with a new token of ``user``."""
    def build(user, *, read_only=False, language=None):
        _token, secret = make_token(user, read_only=read_only)
        return ApiClient(secret, language=language)
    return build
