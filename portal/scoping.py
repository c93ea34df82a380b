"""The one territory/organisation scope every scoped read goes through.

A scoped model's queryset subclasses :class:`ScopedQuerySet` and says once how a row reaches
the office that serves it (``office_path``) and the organisation it belongs to
(``organisation_path``). ``Model.objects.for_user(user)`` then returns exactly the rows the user
may see, in one SQL query, whatever the role:

- central administrator: every row;
- SIT manager: rows served by any office of the SIT(s) they are assigned in;
- adviser: rows served by the offices they are assigned to;
- partner user: rows of their own organisation;
- anyone else (anonymous, inactive, a role without scope): nothing.

A model whose rows start as an organisation's private drafts names them once
(``partner_drafts``, a ``Q`` on the model): no staff role sees them, central administrators
included, until the organisation submits them or asks the ministry for help on them.

Views fetch with ``get_object_or_404(Model.objects.for_user(user), pk=pk)``, so an object
outside the scope answers 404 exactly like one that does not exist.
"""

from django.apps import apps
from django.db import models
from django.db.models import Q

from accounts.models import STAFF_ROLES, Role


def visible_offices(user):
    """The offices whose files ``user`` may see (a queryset; every office for an admin)."""
    # By name, not by import: the scope is the foundation the office and organisation models
    # themselves are built on (``antennes`` and ``partners`` import this module).
    Office = apps.get_model("antennes", "Office")  # noqa: N806
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Office.objects.none()
    if user.role == Role.ADMIN:
        return Office.objects.all()
    if user.role == Role.SIT_MANAGER:
        return Office.objects.filter(sit__offices__assignments__user=user).distinct()
    if user.role == Role.ADVISER:
        return Office.objects.filter(assignments__user=user)
    return Office.objects.none()


def user_organisation_ids(user):
    """The organisation a partner user belongs to, as a subquery."""
    membership = apps.get_model("partners", "PartnerMembership")
    return membership.objects.filter(user=user).values("organisation_id")


class ScopedQuerySet(models.QuerySet):
    #: Lookup from this model to ``antennes.Office`` (the office serving the row).
    office_path: str = ""
    #: Lookup from this model to ``partners.Organisation``'s primary key.
    organisation_path: str = ""
    #: The rows still private to their organisation (drafts nobody at the ministry was asked
    #: to see), as a ``Q`` on this model; ``None`` when the model has none. Staff never see them.
    partner_drafts: Q | None = None

    def for_user(self, user):
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.role == Role.ADMIN:
            return self._without_partner_drafts()
        if user.role in (Role.SIT_MANAGER, Role.ADVISER):
            return self._without_partner_drafts().filter(
                **{f"{self.office_path}__in": visible_offices(user).values("pk")}
            )
        if user.role == Role.PARTNER:
            return self.filter(**{f"{self.organisation_path}__in": user_organisation_ids(user)})
        return self.none()

    def _without_partner_drafts(self):
        return self.all() if self.partner_drafts is None else self.exclude(self.partner_drafts)


class StaffOnlyScopedQuerySet(ScopedQuerySet):
    """Rows only the ministry's staff read (review grids, interventions, checklists): the
    scope above for staff, nothing for a partner user whatever its organisation."""

    def for_user(self, user):
        if getattr(user, "role", None) not in STAFF_ROLES:
            return self.none()
        return super().for_user(user)


def assignable_staff(user):
    """Active advisers and SIT managers working in an office ``user`` sees: whom the user may
    give files (plans, cases) to, and whose files lists may be filtered on."""
    from accounts.models import User

    return (User.objects
            .filter(is_active=True, role__in=[Role.ADVISER, Role.SIT_MANAGER],
                    assignments__office__in=visible_offices(user).values("pk"))
            .distinct().order_by("last_name", "first_name", "email"))
