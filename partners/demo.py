"""Demo accounts every domain's demo shares (``manage.py seed_demo``): the partner user of an
organisation, an adviser of an office, a manager of a SIT. Where the demo accounts do not cover
one, a placeholder account that cannot sign in (no usable password) is made, named « (fictif) »,
so that each move of the demo has a plausible author in the timelines."""

from accounts.models import Role, User
from accounts.services import user_create
from antennes.models import Office, StaffAssignment
from antennes.services import staff_assign

from .models import Organisation, PartnerMembership
from .services import membership_create


def _placeholder(email: str, role: str, first: str, last: str, admin: User) -> User:
    return User.objects.filter(email=email).first() or user_create(
        email=email, role=role, password=None, first_name=first, last_name=last, actor=admin)


def demo_partner_for(organisation: Organisation, admin: User) -> User:
    membership = PartnerMembership.objects.filter(organisation=organisation).select_related(
        "user").first()
    if membership:
        return membership.user
    user = _placeholder(f"partenaire.{organisation.pk}@demo.portail.example", Role.PARTNER,
                        "Partenaire", "(fictif)", admin)
    membership_create(actor=admin, user=user, organisation=organisation)
    return user


def demo_adviser_for(organisation: Organisation, admin: User) -> User:
    """An adviser of the office serving ``organisation``."""
    return demo_adviser_for_office(organisation.office, admin)


def demo_adviser_for_office(office: Office, admin: User) -> User:
    """An adviser of ``office``: the first one working there, else a placeholder account that
    cannot sign in."""
    return _staff(StaffAssignment.objects.filter(office=office, user__role=Role.ADVISER),
                  office=office, role=Role.ADVISER, email=f"conseil.{office.slug}",
                  first="Conseiller", last=f"{office.city} (fictif)", admin=admin)


def demo_manager_for(organisation: Organisation, admin: User) -> User:
    """A manager of the SIT of the office serving ``organisation``."""
    sit = organisation.office.sit
    return _staff(StaffAssignment.objects.filter(office__sit=sit, user__role=Role.SIT_MANAGER),
                  office=sit.offices.order_by("pk").first(), role=Role.SIT_MANAGER,
                  email=f"gestion.{sit.slug}", first="Gestionnaire",
                  last=f"{sit.name} (fictif)", admin=admin)


def _staff(assignments, *, office: Office, role: str, email: str, first: str, last: str,
           admin: User) -> User:
    """The first person of ``assignments``, else a placeholder assigned to ``office``."""
    assignment = assignments.select_related("user").order_by("pk").first()
    if assignment:
        return assignment.user
    user = _placeholder(f"{email}@demo.portail.example", role, first, last, admin)
    staff_assign(user=user, office=office, actor=admin)
    return user
