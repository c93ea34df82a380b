"""Who may do what with enterprises and their cases. The object is already in the user's scope
(read through ``for_user``); these rules add the role conditions. Status moves are in
``enterprises/workflow.py``."""

from accounts.models import STAFF_ROLES, Role
from partners.models import Kind

from .workflow import ADVISERS


def _role(user):
    return getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None


def enterprise_id(user):
    membership = getattr(user, "membership", None) if _role(user) == Role.PARTNER else None
    return getattr(membership, "organisation_id", None)


def is_case_enterprise(user, case) -> bool:
    org_id = enterprise_id(user)
    return org_id is not None and org_id == case.organisation_id


def can_open_case(user, organisation) -> bool:
    if _role(user) in ADVISERS:
        return True
    org_id = enterprise_id(user)
    return org_id is not None and org_id == organisation.pk


def can_enter_requests(user) -> bool:
    """Advisers and SIT managers enter requests received by phone, email or in a meeting, for
    enterprises of their territory."""
    return _role(user) in ADVISERS


def can_open_case_for(user, organisation) -> bool:
    """Whether a page about ``organisation`` (already in the user's scope) offers a new
    request for it: an enterprise, and a user who may open a case for it."""
    return organisation.kind == Kind.ENTERPRISE and can_open_case(user, organisation)


def can_view_cases(user) -> bool:
    return _role(user) in STAFF_ROLES


def can_assign_cases(user) -> bool:
    return _role(user) in ADVISERS


def can_be_assigned_cases(user) -> bool:
    return _role(user) in ADVISERS and user.is_active


def can_add_note(user, case) -> bool:
    return _role(user) in ADVISERS or (is_case_enterprise(user, case) and case.is_open)


def can_add_internal_note(user, case) -> bool:
    return _role(user) in ADVISERS


def can_refer(user, case) -> bool:
    return _role(user) in ADVISERS


def can_view_late_cases(user) -> bool:
    return _role(user) in (Role.SIT_MANAGER, Role.ADMIN)


def can_change_enterprise(user, enterprise) -> bool:
    """Staff of its territory (it was read through ``for_user``) or the enterprise's users."""
    return _role(user) in STAFF_ROLES or (
        enterprise_id(user) is not None and enterprise_id(user) == enterprise.organisation_id)


def can_decide_join_request(user) -> bool:
    """Ministry staff confirm that a person belongs to an enterprise of their territory."""
    return _role(user) in STAFF_ROLES


def sees_verification(user) -> bool:
    """Ministry staff see whether an enterprise is confirmed (the « unverified » badge)."""
    return _role(user) in STAFF_ROLES


def can_verify_enterprises(user) -> bool:
    """Advisers and SIT managers confirm the self-registered enterprises of their territory."""
    return _role(user) in ADVISERS


def can_verify_enterprise(user, enterprise) -> bool:
    """The « confirm » button: an unverified enterprise already read through ``for_user``."""
    return can_verify_enterprises(user) and not enterprise.is_verified


# Checklists and ready answers (enterprises/checklists.py, enterprises/answers.py).


def can_manage_checklists(user) -> bool:
    """Central administrators define the checklists of each help kind and topic."""
    return _role(user) == Role.ADMIN


def sees_checklists(user) -> bool:
    """The checklist is the ministry's working tool: staff read it, enterprises never."""
    return _role(user) in STAFF_ROLES


def can_work_checklist(user) -> bool:
    """Advisers and SIT managers of the case's territory tick steps and classify the case."""
    return _role(user) in ADVISERS


def can_read_answers(user) -> bool:
    """The library of ready answers: ministry staff."""
    return _role(user) in STAFF_ROLES


def can_manage_answers(user) -> bool:
    """Central administrators and SIT managers write and retire ready answers."""
    return _role(user) in (Role.ADMIN, Role.SIT_MANAGER)


def can_view_interventions(user) -> bool:
    """Interventions are the ministry's record of its work: staff only."""
    return _role(user) in STAFF_ROLES


def can_record_interventions(user) -> bool:
    """Advisers and SIT managers record what they did on a case of their territory (an
    administrator does no case work)."""
    return _role(user) in ADVISERS


def can_change_intervention(user, intervention) -> bool:
    """Its author, a SIT manager (of its SIT: it was read through ``for_user``) or an
    administrator changes or deletes an intervention."""
    role = _role(user)
    return role in (Role.SIT_MANAGER, Role.ADMIN) or (
        role == Role.ADVISER and intervention.adviser_id == user.pk)


def can_view_workload(user) -> bool:
    """The workload report: SIT managers (their SIT's offices), administrators (every office)
    and advisers (their own interventions only, ``workload.scope``)."""
    return _role(user) in STAFF_ROLES


# Priority and merging (enterprises/services.case_set_priority, enterprises/merging.py).


def sees_priority(user) -> bool:
    """A case's priority is the ministry's triage: staff see it, the enterprise does not."""
    return _role(user) in STAFF_ROLES


def can_set_priority(user, case) -> bool:
    """Advisers and SIT managers of the case's territory set the priority of an open case."""
    return _role(user) in ADVISERS and case.is_open


def can_merge_cases(user) -> bool:
    """Advisers and SIT managers merge two cases of one enterprise of their territory (an
    administrator does no case work)."""
    return _role(user) in ADVISERS


def can_sort_mail(user) -> bool:
    """Advisers and SIT managers sort the mail of their offices no rule could file (a request
    from an unknown sender...); administrators all of it."""
    return _role(user) in ADVISERS or _role(user) == Role.ADMIN


def can_handle_unprocessed_mail(user) -> bool:
    """Administrators retry or discard the mail the portal refused or could not process, and
    set the offices' mailbox addresses."""
    return _role(user) == Role.ADMIN
