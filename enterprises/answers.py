"""Ready answers: a library of answers, in French and English, that central administrators and
SIT managers keep (``ready_answer_save``, ``ready_answer_set_active``) and that advisers insert
into a note of a case and edit before sending (``services.note_add(ready_answer=...)`` records
where the note started). The library's page searches and counts them (``library``).

- An answer with no topic (or no help kind) suits every topic (every kind): a filter on a
  topic lists the answers of that topic and those for any topic.
- An answer's use count is the number of notes started from it, all territories together (the
  library is shared by the whole network); it is annotated on the list's one query.
- Answers are never deleted, only put out of use: the notes started from one keep their link.
"""

import json
from pathlib import Path

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import User
from portal.workflow import require

from . import permissions
from .models import HelpKind, ReadyAnswer, Topic

#: What an administrator or a SIT manager writes.
ANSWER_FIELDS = ("title_fr", "title_en", "body_fr", "body_en", "topic", "help_kind")
DEFAULT_ANSWERS_FILE = (Path(__file__).resolve().parent.parent / "fixtures"
                        / "ready_answers.json")
#: How the library may be sorted: by title (in the reader's language) or most used first.
ORDERS = ("title", "uses")


def language_of(code: str | None = None) -> str:
    """« en » for an English reader or organisation, else « fr » (the portal's default)."""
    return "en" if (code or get_language() or "").lower().startswith("en") else "fr"


def localized(obj, field: str, language: str | None = None) -> str:
    """``obj.<field>_en`` or ``obj.<field>_fr``, in ``language`` (default: the reader's)."""
    return getattr(obj, f"{field}_{language_of(language)}")


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def library(user, *, words: str = "", topic: str = "", help_kind: str = "",
            order: str = "title", include_inactive: bool = False) -> QuerySet:
    """The answers ``user`` may read (staff), each with its use count ``uses``, filtered by
    words (each word in a title or a body, French or English, case ignored), topic and help
    kind (those for any topic or kind included), in one query."""
    if not permissions.can_read_answers(user):
        return ReadyAnswer.objects.none()
    answers = ReadyAnswer.objects.all()
    if not include_inactive:
        answers = answers.filter(is_active=True)
    for word in words.split():
        answers = answers.filter(Q(title_fr__icontains=word) | Q(title_en__icontains=word)
                                 | Q(body_fr__icontains=word) | Q(body_en__icontains=word))
    if topic:
        answers = answers.filter(topic__in=[topic, ""])
    if help_kind:
        answers = answers.filter(help_kind__in=[help_kind, ""])
    answers = answers.annotate(uses=Count("notes")).select_related("created_by")
    title = f"title_{language_of()}"
    if order == "uses":
        return answers.order_by("-uses", title, "pk")
    return answers.order_by(title, "pk")


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _text(value) -> str:
    return (value or "").strip()


def ready_answer_save(*, actor: User, answer: ReadyAnswer | None = None,
                      **fields) -> ReadyAnswer:
    """Write a new answer (``answer`` None) or change one: both titles and both texts are
    required; ``topic`` and ``help_kind`` empty mean any. Central administrators and SIT
    managers only."""
    unknown = set(fields) - set(ANSWER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown ready answer fields: {sorted(unknown)}")
    require(permissions.can_manage_answers(actor))
    if answer is not None and answer.pk:
        answer = ReadyAnswer.objects.get(pk=answer.pk)
    else:
        answer = ReadyAnswer(created_by=actor)
    for name in ANSWER_FIELDS:
        if name in fields:
            setattr(answer, name, _text(fields[name]))
    errors = {}
    for name in ("title_fr", "title_en", "body_fr", "body_en"):
        if not getattr(answer, name):
            errors[name] = _("Write it in French and in English.")
    if answer.topic not in ("", *Topic.values):
        errors["topic"] = _("Unknown choice.")
    if answer.help_kind not in ("", *HelpKind.values):
        errors["help_kind"] = _("Unknown choice.")
    if errors:
        raise ValidationError(errors)
    answer.full_clean()
    with transaction.atomic(), set_actor(actor):
        answer.save()
    return answer


def ready_answer_set_active(*, actor: User, answer: ReadyAnswer, active: bool) -> ReadyAnswer:
    """Put an answer out of use (advisers no longer see it; the notes started from it keep
    their link) or back in use."""
    require(permissions.can_manage_answers(actor))
    with transaction.atomic(), set_actor(actor):
        answer = ReadyAnswer.objects.select_for_update().get(pk=answer.pk)
        if answer.is_active != bool(active):
            answer.is_active = bool(active)
            answer.save(update_fields=["is_active", "updated_at"])
    return answer


def ready_answers_load(*, actor: User, path: Path = DEFAULT_ANSWERS_FILE) -> int:
    """Write the answers of ``path`` whose French title is not in the library yet (the demo's
    starting set, ``fixtures/ready_answers.json``); return how many."""
    answers = json.loads(path.read_text(encoding="utf-8"))["answers"]
    existing = set(ReadyAnswer.objects.values_list("title_fr", flat=True))
    created = 0
    with transaction.atomic():
        for row in answers:
            if row["title_fr"] in existing:
                continue
            ready_answer_save(actor=actor, **row)
            created += 1
    return created
