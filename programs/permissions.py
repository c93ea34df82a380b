"""Who may do what with programs, plans and reports. The object is already in the user's scope
(read through ``for_user``); these rules add the role and status conditions. Status moves are
in ``programs/workflow.py``."""

from accounts.models import STAFF_ROLES, Role

from .workflow import ADVISERS, EDITABLE_STATUSES, MANAGERS, REPORT_EDITABLE_STATUSES


def _role(user):
    return getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None


def partner_organisation_id(user):
    membership = getattr(user, "membership", None) if _role(user) == Role.PARTNER else None
    return getattr(membership, "organisation_id", None)


def is_plan_partner(user, plan) -> bool:
    org_id = partner_organisation_id(user)
    return org_id is not None and org_id == plan.organisation_id


def can_create_plan(user, organisation=None) -> bool:
    org_id = partner_organisation_id(user)
    return org_id is not None and (organisation is None or organisation.pk == org_id)


def can_edit_plan(user, plan) -> bool:
    return is_plan_partner(user, plan) and plan.status in EDITABLE_STATUSES


def can_comment_plan(user, plan) -> bool:
    return _role(user) in ADVISERS or is_plan_partner(user, plan)


def can_comment_plan_internally(user, plan) -> bool:
    """Internal comments (the ministry's staff only) are written by advisers and SIT
    managers."""
    return _role(user) in ADVISERS


def can_request_help(user, plan) -> bool:
    """The partner may ask the office's advisers for help on a draft, once: the ministry then
    sees the draft (until then it is the partner's alone)."""
    from .models import Status

    return (is_plan_partner(user, plan) and plan.status == Status.DRAFT
            and plan.help_requested_at is None)


def can_view_queue(user) -> bool:
    return _role(user) in STAFF_ROLES


def can_assign_plans(user) -> bool:
    return _role(user) in ADVISERS


def can_be_assigned_plans(user) -> bool:
    return _role(user) in ADVISERS and user.is_active


def can_view_decisions(user) -> bool:
    return _role(user) in MANAGERS or _role(user) == Role.ADMIN


def can_approve_plans(user) -> bool:
    """Approving belongs to the roles the workflow lets approve a recommended plan (SIT
    managers; a central administrator reads the decisions but does not decide)."""
    from .models import Status
    from .workflow import TRANSITIONS

    return _role(user) in TRANSITIONS[(Status.RECOMMENDED, Status.APPROVED)].roles


def can_schedule_reports(user, plan) -> bool:
    from .models import Status

    return _role(user) in ADVISERS and plan.status in (Status.APPROVED, Status.IN_PROGRESS)


def can_edit_report(user, report) -> bool:
    from .models import Status

    return (is_plan_partner(user, report.plan) and report.status in REPORT_EDITABLE_STATUSES
            and report.plan.status == Status.IN_PROGRESS)


def can_add_plan_attachment(user, plan) -> bool:
    return can_edit_plan(user, plan)


def can_delete_attachment(user, attachment) -> bool:
    if attachment.report_id:
        return can_edit_report(user, attachment.report)
    return can_edit_plan(user, attachment.plan)
