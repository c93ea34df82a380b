"""How long a support case's personal information is kept (see ``retention.engine``).

Counted from the case's closing (``closed_at``; a case reopened is no longer closed and keeps
everything): after the notes period its notes are deleted and the comments of its history and
of its referrals are emptied (the moves and referrals stay, for the statistics); after the case
documents period its documents are deleted with their files.
"""

from retention import engine as retention
from retention.models import Kind

from .models import Case, CaseAttachment, CaseEvent, CaseNote, CaseStatus, Referral


def _closed_before(cutoff):
    return Case.objects.filter(status=CaseStatus.CLOSED, closed_at__lt=cutoff).values("pk")


def closed_case_notes(cutoff):
    return CaseNote.objects.filter(case__in=_closed_before(cutoff))


@retention.rule(Kind.NOTES, "case_notes", candidates=closed_case_notes, order=30)
def delete_case_notes(rows) -> int:
    return retention.delete_rows(rows)


def closed_case_history_comments(cutoff):
    return CaseEvent.objects.filter(case__in=_closed_before(cutoff)).exclude(comment="")


@retention.rule(Kind.NOTES, "case_history_comments", candidates=closed_case_history_comments,
                order=30)
def blank_case_history_comments(rows) -> int:
    return retention.blank_fields(rows, ["comment"])


def closed_case_referral_notes(cutoff):
    return Referral.objects.filter(case__in=_closed_before(cutoff)).exclude(note="")


@retention.rule(Kind.NOTES, "case_referral_notes", candidates=closed_case_referral_notes,
                order=30)
def blank_case_referral_notes(rows) -> int:
    return retention.blank_fields(rows, ["note"])


def closed_case_documents(cutoff):
    return CaseAttachment.objects.filter(case__in=_closed_before(cutoff))


@retention.rule(Kind.CASE_DOCUMENTS, "case_documents", candidates=closed_case_documents,
                order=40)
def delete_case_documents(rows) -> int:
    return retention.delete_documents(rows)
