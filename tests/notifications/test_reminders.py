"""The reminder engine (``notifications.reminders``): a registry the domain apps fill from their
own ``reminders`` modules, found by autodiscovery; sweeps run in their declared order; the
chunked walk and its per-run size and pause; the engine imports no domain."""

import ast
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from accounts.models import User
from notifications import reminders, tasks
from notifications.admin import ReminderAdmin
from notifications.models import Reminder
from tests.factories.accounts import UserFactory

#: A Wednesday of no particular kind.
DAY = date(2025, 6, 11)

#: The apps the engine must not know: the domains and what composes them.
DOMAINS = {"enterprises", "programs", "regionalisation", "partners", "audit", "hub"}


def _imports(path: Path) -> set[str]:
    """The top-level packages a module imports, lazy imports inside functions included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


# --------------------------------------------------------------------------------------------
# What the domains register
# --------------------------------------------------------------------------------------------


def test_every_domain_sweep_is_registered_in_its_order():
    sweeps = reminders.registry.sweeps()
    assert [(s.name, s.function.__module__) for s in sweeps] == [
        ("follow_ups", "enterprises.reminders"),
        ("escalations", "enterprises.reminders"),
        ("waiting", "enterprises.reminders"),
        ("reports", "programs.reminders"),
        ("instalments", "programs.reminders"),
        ("opportunities_expired", "regionalisation.reminders"),
        ("opportunities_expiring", "regionalisation.reminders"),
        ("activity_outcomes", "regionalisation.reminders"),
    ]


def test_every_reminder_kind_is_declared_with_its_label_by_its_domain():
    with translation.override("en"):
        assert {value: str(label) for value, label in reminders.kind_choices()} == {
            "follow_up_digest": "Daily digest of follow-ups",
            "escalation": "Escalation of an overdue case",
            "enterprise_waiting": "Case waiting on the enterprise",
            "report_due": "Action-plan report due",
            "report_late": "Action-plan report late",
            "opportunity_expiring": "Regional opportunity expiring",
            "activity_outcomes_6": "Activity outcomes due (6 months)",
            "activity_outcomes_12": "Activity outcomes due (12 months)",
        }


def test_the_engine_imports_no_domain():
    folder = Path(settings.BASE_DIR) / "notifications"
    modules = [p for p in folder.rglob("*.py") if "migrations" not in p.parts]
    assert folder / "reminders.py" in modules
    for module in modules:
        assert not _imports(module) & DOMAINS, module


@pytest.mark.parametrize(("module", "forbidden"), [
    ("enterprises/reminders.py", {"programs", "regionalisation"}),
    ("programs/reminders.py", {"enterprises", "regionalisation"}),
])
def test_domain_reminders_depend_on_the_engine_only(module, forbidden):
    imports = _imports(Path(settings.BASE_DIR) / module)
    assert "notifications" in imports
    assert not imports & forbidden


def test_regionalisation_uses_the_engine_not_the_enterprise_reminders():
    tree = ast.parse((Path(settings.BASE_DIR) / "regionalisation/reminders.py").read_text())
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "notifications" in modules
    assert not {m for m in modules if m and m.startswith("enterprises")}


# --------------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------------


def test_sweeps_run_in_order_and_their_counts_merge():
    registry = reminders.Registry(discover=False)
    ran = []

    @registry.sweep("later", order=20)
    def later(day):
        ran.append("later")
        return {"a": 1, "b": 2}

    registry.register("first", lambda day: ran.append(day) or 3, order=10)
    assert registry.run(DAY) == {"first": 3, "a": 1, "b": 2}
    assert ran == [DAY, "later"]


def test_the_registry_refuses_a_second_sweep_of_a_name_and_a_count_twice():
    registry = reminders.Registry(discover=False)
    registry.register("one", lambda day: {"n": 1}, order=1)
    with pytest.raises(ImproperlyConfigured):
        registry.register("one", lambda day: 0, order=2)
    registry.register("two", lambda day: {"n": 2}, order=2)
    with pytest.raises(ImproperlyConfigured):
        registry.run(DAY)


def test_a_kind_is_declared_once_with_one_label():
    registry = reminders.Registry(discover=False)
    registry.kinds([("digest", "Digest")])
    registry.kinds([("digest", "Digest")])  # the same again: nothing changes
    with pytest.raises(ImproperlyConfigured):
        registry.kinds([("digest", "Another")])
    assert registry.kind_label("digest") == "Digest"
    assert registry.kind_label("gone") == "gone"  # a row of a kind no longer declared


@pytest.mark.django_db
def test_an_undeclared_kind_is_not_sent():
    with pytest.raises(ValueError, match="Unknown reminder kind"):
        reminders.send_many(kind="typo", notification_kind="reminder_follow_ups",
                            items=[reminders.Due(UserFactory().pk, "", DAY, {}, "")])
    assert not Reminder.objects.exists()


def test_the_admin_shows_the_kinds_by_their_labels():
    model_admin = ReminderAdmin(Reminder, admin.site)
    with translation.override("en"):
        assert model_admin.kind_label(Reminder(kind="report_late")) == "Action-plan report late"
    [kind_filter] = model_admin.list_filter
    assert kind_filter.lookups(None, None, model_admin) == reminders.kind_choices()


# --------------------------------------------------------------------------------------------
# The chunked walk
# --------------------------------------------------------------------------------------------


@pytest.fixture
def five_users(db):
    return User.objects.filter(pk__in=[UserFactory().pk for _ in range(5)])


@pytest.fixture
def pauses(monkeypatch):
    slept = []
    monkeypatch.setattr(reminders, "time", SimpleNamespace(sleep=slept.append))
    return slept


def test_the_walk_goes_by_chunks_of_the_run_s_size_with_its_pause(five_users, pauses):
    assert [len(rows) for rows in reminders.chunks(five_users, ("pk", "email"))] == [5]
    assert pauses == []  # none by default
    with reminders.walking(chunk=2, pause=0.3):
        walked = list(reminders.chunks(five_users, ("pk", "email")))
    assert [len(rows) for rows in walked] == [2, 2, 1]
    assert [row[0] for rows in walked for row in rows] == sorted(u.pk for u in five_users)
    assert pauses == [0.3, 0.3, 0.3]
    assert [len(rows) for rows in reminders.chunks(five_users, ("pk",))] == [5]  # reset after


def test_the_task_passes_its_chunk_and_pause_to_every_sweep(five_users, pauses, monkeypatch):
    registry = reminders.Registry(discover=False)
    registry.register("walked", lambda day: sum(
        1 for _rows in reminders.chunks(five_users, ("pk",))), order=1)
    monkeypatch.setattr(reminders, "registry", registry)
    assert tasks.daily_reminders.delay(DAY.isoformat(), chunk=2, pause=0.1).get() == {
        "walked": 3}
    assert pauses == [0.1] * 3
    assert tasks.daily_reminders.delay(DAY.isoformat()).get() == {"walked": 1}
