import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command

from tests.factories.accounts import StaffFactory
from tests.factories.antennes import office
from tests.factories.partners import OrganisationFactory, PartnerUserFactory


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The real regional network, loaded once into the test database."""
    with django_db_blocker.unblock():
        call_command("load_reference_data", verbosity=0)


def _flushes_the_database(item) -> bool:
    database = item.get_closest_marker("django_db")
    return (any(item.get_closest_marker(m) for m in ("browser", "worker"))
            or bool(database and database.kwargs.get("transaction")))


def pytest_collection_modifyitems(items):
    # Browser tests use a live server, whose transactional tests flush the database at the
    # end: run them last, after every test that relies on the loaded network.
    # So do the tests that hand work to a real Celery worker, and any other transactional test
    # (the migration tests).
    items.sort(key=_flushes_the_database)


@pytest.fixture
def reloaded_network(transactional_db):
    """For transactional tests (live server, real worker): the regional network, reloaded when
    an earlier transactional test flushed the database."""
    from regions.models import Region

    if not Region.objects.exists():
        call_command("load_reference_data", verbosity=0)


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """Run a reminder sweep (``sweep(function, day)``) and the emails its commits enqueue
    (eager tasks)."""
    def run(function, day):
        with django_capture_on_commit_callbacks(execute=True):
            return function(day)
    return run


@pytest.fixture
def worker_env(tmp_path):
    """The environment of a real Celery worker a test starts (see tests/celery_worker.py)."""
    from tests.celery_worker import worker_environment

    return worker_environment(tmp_path)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the portal's default language (French), whatever language an
    earlier test's request left active in this thread."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clean_cache():
    """Each test starts with an empty cache (the tests' own Redis database)."""
    cache.clear()
    yield


@pytest.fixture
def admin_user(db):
    return StaffFactory(role="admin")


@pytest.fixture
def world(db):
    """A small but complete world: two SITs, advisers in and out of a territory, and partner
    organisations with their users.

    - ``trois_rivieres`` and ``shawinigan`` are antennes of the SIT Estrie-Montérégie-Mauricie-CdQ;
    - ``gatineau`` is the seat of the SIT Ouest du Québec.
    """
    tr, sh, gat = office("trois-rivieres"), office("shawinigan"), office("gatineau")
    org_tr = OrganisationFactory(name="Accueil Trois-Rivières", office=tr)
    org_sh = OrganisationFactory(name="Intégration Shawinigan", office=sh)
    org_gat = OrganisationFactory(name="Carrefour Gatineau", office=gat)
    return {
        "offices": {"tr": tr, "sh": sh, "gat": gat},
        "orgs": {"tr": org_tr, "sh": org_sh, "gat": org_gat},
        "users": {
            "admin": StaffFactory(role="admin"),
            "sit_manager": StaffFactory(role="sit_manager", offices=[office("sherbrooke")]),
            "adviser": StaffFactory(role="adviser", offices=[tr]),
            "adviser_gatineau": StaffFactory(role="adviser", offices=[gat]),
            "partner": PartnerUserFactory(organisation=org_tr),
            "partner_gatineau": PartnerUserFactory(organisation=org_gat),
        },
    }
