"""How the portal treats each request: the client address the audit trail records and the
sign-in limits count comes from our trusted proxies only (a client cannot write its own address
into the trail; no header, however malformed, breaks a page or drops an entry), and what a
signed-in person is shown is never cached."""

import pytest
from auditlog.models import LogEntry
from django.test import RequestFactory
from django.urls import reverse

from accounts.network import client_address
from tests.factories.partners import OrganisationFactory

CASES = [
    # proxies, X-Forwarded-For, REMOTE_ADDR, the client
    (0, "", "192.0.2.10", "192.0.2.10"),
    (0, "203.0.113.7", "192.0.2.10", "192.0.2.10"),  # no proxy of ours: the header is a claim
    (1, "203.0.113.7", "192.0.2.10", "203.0.113.7"),  # our proxy saw the client
    (1, "6.6.6.6, 203.0.113.7", "192.0.2.10", "203.0.113.7"),  # a spoofed entry before it
    (2, "6.6.6.6, 203.0.113.7, 10.0.0.2", "10.0.0.3", "203.0.113.7"),  # a chain of two
    (1, "203.0.113.7:51234", "192.0.2.10", "203.0.113.7"),  # with a port
    (1, "[2001:db8::7]:443", "192.0.2.10", "2001:db8::7"),  # IPv6 with a port
    (1, " 2001:DB8::7 ", "192.0.2.10", "2001:db8::7"),  # normalised
    (1, "not-an-address", "192.0.2.10", "192.0.2.10"),  # malformed: the peer
    (1, "<script>", "192.0.2.10", "192.0.2.10"),
    (1, ",,,", "192.0.2.10", "192.0.2.10"),
    (3, "203.0.113.7", "192.0.2.10", "192.0.2.10"),  # shorter than the proxies we trust
    (0, "203.0.113.7", "", None),  # no usable peer and no proxy of ours
]


@pytest.mark.parametrize(("proxies", "forwarded", "peer", "expected"), CASES)
def test_the_client_is_the_address_our_outermost_proxy_saw(settings, proxies, forwarded,
                                                            peer, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR=peer, **headers)
    assert client_address(request) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("forwarded", "recorded"), [
    ("6.6.6.6, 203.0.113.7", "203.0.113.7"),
    ("garbage, , ::::", "127.0.0.1"),
    ("1.2.3.4.5", "127.0.0.1"),
])
def test_the_audit_trail_records_the_trusted_address_and_never_breaks(
        client, settings, admin_user, forwarded, recorded):
    settings.TRUSTED_PROXY_COUNT = 1
    organisation = OrganisationFactory()
    client.force_login(admin_user)

    response = client.get(reverse("partners:detail", args=[organisation.pk]),
                          HTTP_X_FORWARDED_FOR=forwarded)

    assert response.status_code == 200
    entry = LogEntry.objects.filter(object_pk=str(organisation.pk)).latest("timestamp")
    assert entry.remote_addr == recorded


@pytest.mark.django_db
def test_the_sign_in_limit_counts_the_trusted_address(settings):
    from accounts.adapter import PortalAccountAdapter

    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="10.0.0.2",
                                    HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    assert PortalAccountAdapter().get_client_ip(request) == "203.0.113.7"


@pytest.mark.django_db
def test_pages_and_exports_of_a_signed_in_person_are_never_cached(client, admin_user):
    organisation = OrganisationFactory()
    client.force_login(admin_user)
    for url in (reverse("home"), reverse("partners:detail", args=[organisation.pk]),
                reverse("partners:export", args=["csv"])):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "private, no-store", url
    client.logout()
    assert not client.get(reverse("health")).has_header("Cache-Control")  # nobody's data
