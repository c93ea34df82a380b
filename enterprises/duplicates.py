"""Similar requests: an enterprise's open case like another one.

Two cases are *similar* when they belong to the same enterprise, both are open, and they share
at least one kind of help **and** at least one topic (« information » and « accompaniment » to
« recruit » is like « accompaniment » to « recruit » and « retain »).

- When a request is opened in the portal (by the enterprise, or by an adviser entering it), a
  similar case opened in the last ``SIMILAR_WITHIN_DAYS`` days stops it: the form comes back
  with a warning that links to that case, and the request is sent only once the person ticks
  « This is another request » (``services.case_create(..., warn_similar=True)``).
- A case's page shows staff every similar open case of the enterprise (any age), each with
  the way to merge it (``enterprises.merging``).

Help kinds and topics are JSON lists, matched element by element as the list's filters do
(``filters.json_list_has``), so the question is one query.
"""

from datetime import timedelta
from functools import reduce
from operator import or_

from django.db.models import Q
from django.utils import timezone

from .filters import json_list_has

#: A request is checked against the enterprise's open cases opened this many days ago or less.
#: Older open cases are not « recent »: they are shown on the case page, not at opening.
SIMILAR_WITHIN_DAYS = 90


def _any_of(field: str, values) -> Q:
    values = [v for v in dict.fromkeys(values or ()) if isinstance(v, str)]
    if not values:
        return Q(pk__in=[])
    return reduce(or_, (json_list_has(field, value) for value in values))


def similar_cases(queryset, *, organisation_id: int, help_kinds, topics, exclude_pk=None):
    """The open cases of ``queryset`` (a scope: ``Case.objects.for_user(user)``) of the
    enterprise ``organisation_id`` sharing a help kind and a topic with the lists given; the
    case ``exclude_pk`` (the one asking) and cases already merged are left out."""
    found = (queryset.open().filter(organisation_id=organisation_id, merged_into__isnull=True)
             .filter(_any_of("help_kinds", help_kinds)).filter(_any_of("topics", topics)))
    if exclude_pk is not None:
        found = found.exclude(pk=exclude_pk)
    return found.order_by("-opened_at", "-pk")


def recent_similar_cases(queryset, *, organisation_id: int, help_kinds, topics, now=None):
    """What opening a request warns of: the similar open cases opened in the last
    ``SIMILAR_WITHIN_DAYS`` days."""
    since = (now or timezone.now()) - timedelta(days=SIMILAR_WITHIN_DAYS)
    return similar_cases(queryset, organisation_id=organisation_id, help_kinds=help_kinds,
                         topics=topics).filter(opened_at__gte=since)
