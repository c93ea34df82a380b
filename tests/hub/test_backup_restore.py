"""bin/backup and bin/restore: a backup restored into a new, empty database holds every plan,
case and document, each file byte for byte (PostgreSQL only)."""

import hashlib
import os
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection
from psycopg import sql

from enterprises.models import Case, CaseAttachment
from portal.files import PDF
from programs.models import ActionPlan, Attachment
from tests.factories.accounts import StaffFactory
from tests.factories.enterprises import CaseFactory
from tests.factories.programs import ActionPlanFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),  # the dump reads committed rows
    # An earlier transactional test may have flushed the regional network.
    pytest.mark.usefixtures("reloaded_network"),
]

BIN = Path(settings.BASE_DIR) / "bin"
TABLES = {model: model._meta.db_table for model in (ActionPlan, Case, Attachment,
                                                     CaseAttachment)}


def _url(name: str) -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgresql://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{name}"


def _admin():
    return psycopg.connect(_url("postgres"), autocommit=True)


def _document(model, owner_field, owner, author, n):
    content = b"%PDF-1.7\n" + f"document {n} ".encode() * (n + 1) + os.urandom(64)
    document = model(original_name=f"piece-{n}.pdf", content_type=PDF, size=len(content),
                     sha256=hashlib.sha256(content).hexdigest(), uploaded_by=author,
                     **{owner_field: owner})
    document.file.save(f"piece-{n}.pdf", ContentFile(content), save=True)
    return document


def _run(script, *args, env):
    return subprocess.run([str(BIN / script), *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def empty_database():
    name = f"portail_restore_{uuid.uuid4().hex[:10]}"
    with _admin() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with _admin() as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))


def test_a_backup_restores_every_plan_case_and_document(tmp_path, empty_database):
    author = StaffFactory(role="adviser")
    n = 0
    for _ in range(3):
        plan = ActionPlanFactory(measures=1)
        for _ in range(2):
            n += 1
            _document(Attachment, "plan", plan, author, n)
    for closed in (False, True):
        case = CaseFactory(closed=closed)
        for _ in range(2):
            n += 1
            _document(CaseAttachment, "case", case, author, n)
    source_root = Path(storages["private"].location)
    expected = {model: set(model.objects.values_list("pk", flat=True)) for model in TABLES}
    expected_files = {(model, pk): (name, sha) for model in (Attachment, CaseAttachment)
                      for pk, name, sha in model.objects.values_list("pk", "file", "sha256")}
    assert len(expected_files) == n

    backups = tmp_path / "backups"
    made = _run("backup", str(backups),
                env={"DATABASE_URL": _url(connection.settings_dict["NAME"]),
                     "PRIVATE_MEDIA_ROOT": str(source_root)})
    assert made.returncode == 0, made.stderr
    folder = Path(made.stdout.strip().splitlines()[-1])
    assert sorted(p.name for p in folder.iterdir()) == ["INFO", "MANIFEST.sha256",
                                                         "database.dump", "private.tar.gz"]
    assert "@" not in (folder / "INFO").read_text().split("database:")[1].split("\n")[0]

    restored_root = tmp_path / "restored"
    env = {"DATABASE_URL": _url(empty_database), "PRIVATE_MEDIA_ROOT": str(restored_root)}
    done = _run("restore", str(folder), env=env)
    assert done.returncode == 0, done.stderr

    with psycopg.connect(_url(empty_database)) as restored:
        for model, table in TABLES.items():
            rows = restored.execute(sql.SQL("SELECT id FROM {}").format(sql.Identifier(table)))
            assert {pk for (pk,) in rows} == expected[model], table
            assert expected[model]
        for model in (Attachment, CaseAttachment):
            rows = restored.execute(sql.SQL("SELECT id, file, sha256 FROM {}").format(
                sql.Identifier(TABLES[model]))).fetchall()
            for pk, name, sha in rows:
                assert expected_files[model, pk] == (name, sha)
                data = (restored_root / name).read_bytes()
                assert hashlib.sha256(data).hexdigest() == sha

    # A second restore into the now non-empty database is refused and changes nothing.
    again = _run("restore", str(folder), env={**env, "PRIVATE_MEDIA_ROOT": str(tmp_path / "x")})
    assert again.returncode != 0
    assert "--force" in again.stderr
    assert not (tmp_path / "x").exists()


def test_a_damaged_backup_is_refused(tmp_path, empty_database):
    made = _run("backup", str(tmp_path / "b"),
                env={"DATABASE_URL": _url(connection.settings_dict["NAME"]),
                     "PRIVATE_MEDIA_ROOT": str(storages["private"].location)})
    assert made.returncode == 0, made.stderr
    folder = Path(made.stdout.strip().splitlines()[-1])
    with open(folder / "database.dump", "ab") as dump:
        dump.write(b"\0")
    refused = _run("restore", str(folder),
                   env={"DATABASE_URL": _url(empty_database),
                        "PRIVATE_MEDIA_ROOT": str(tmp_path / "r")})
    assert refused.returncode != 0
    assert "manifest" in refused.stderr
    with psycopg.connect(_url(empty_database)) as restored:
        assert restored.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
                                ).fetchone() == (0,)
