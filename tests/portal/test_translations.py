"""No interface string is left untranslated: the French catalogue holds every message of the
portal's code and templates, each translated, none fuzzy, and the compiled catalogue is in step."""

import shutil
import subprocess

import polib
from django.conf import settings

PO = settings.BASE_DIR / "locale" / "fr" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def test_every_french_message_is_translated_and_none_is_fuzzy():
    catalogue = polib.pofile(str(PO))
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []


def test_the_catalogue_holds_every_message_of_the_code(tmp_path):
    """Extract the messages afresh (as makemessages does) and compare with the catalogue."""
    project = tmp_path / "project"
    ignore = shutil.ignore_patterns(".venv", "node_modules", ".git", "__pycache__", "*.sqlite3",
                                    "staticfiles", "tests", ".pytest_cache")
    shutil.copytree(settings.BASE_DIR, project, ignore=ignore)
    subprocess.run(
        [str(settings.BASE_DIR / ".venv" / "bin" / "python") if (
            settings.BASE_DIR / ".venv" / "bin" / "python").exists() else "python",
         "manage.py", "makemessages", "-l", "fr", "--no-obsolete", "--no-location",
         "-i", "tests/*", "-i", "bench/*"],
        cwd=project, check=True, capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "portal.settings.local"},
    )
    fresh = polib.pofile(str(project / "locale" / "fr" / "LC_MESSAGES" / "django.po"))
    committed = polib.pofile(str(PO))
    known = {(e.msgctxt, e.msgid) for e in committed if not e.obsolete}
    missing = [e.msgid for e in fresh if (e.msgctxt, e.msgid) not in known]
    assert missing == []


def test_the_compiled_catalogue_matches_the_source():
    source = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in
              polib.pofile(str(PO)).translated_entries()}
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.mofile(str(MO))
                if e.msgid}
    assert compiled == source
