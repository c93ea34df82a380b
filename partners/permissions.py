"""Who may do what with partner organisations. The object is already in the user's scope
(fetched through ``for_user``); these rules only add the role conditions."""

from accounts.models import STAFF_ROLES, Role


def is_staff(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.role in STAFF_ROLES


def can_create_organisation(user) -> bool:
    return is_staff(user)


def can_change_organisation(user, organisation) -> bool:
    return is_staff(user)


def can_invite_to_organisation(user, organisation) -> bool:
    return is_staff(user)


def can_manage_contacts(user, organisation) -> bool:
    if is_staff(user):
        return True
    return (
        user.role == Role.PARTNER
        and getattr(getattr(user, "membership", None), "organisation_id", None)
        == organisation.pk
    )

