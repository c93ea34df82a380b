"""Every write on opportunities, their followers and referral counts, and regionalisation
activities with their outcomes.

Functions take keyword-only arguments and an ``actor`` (``None`` only for the daily sweep);
they check the actor may act, validate, write inside a transaction, record history and
enqueue notifications after commit. A refused action raises ``PermissionDenied``,
``ValidationError`` (its message says what is wrong) or the model's ``DoesNotExist`` (out of
scope: the views answer 404), and leaves the database as it was.
"""

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from antennes.services import office_for_location
from enterprises.models import Case, Enterprise
from partners.models import Kind, Organisation
from portal.workflow import TransitionRefused, require
from regions.models import Municipality, Region

from . import permissions
from .models import (
    MONTREAL_REGION_CODE,
    OUTCOME_MONTHS,
    Activity,
    ActivityKind,
    ActivityRegion,
    Opportunity,
    OpportunityEvent,
    OpportunityFollow,
    OpportunityReferral,
    OpportunityStatus,
)
from .workflow import OPPORTUNITY_WORKFLOW

#: How far ahead an opportunity may be posted.
MAX_POSTING_DAYS = 365

OPPORTUNITY_FIELDS = (
    "title", "description", "positions", "noc_code", "sector", "french_level", "municipality",
    "start_date", "offers_housing", "offers_moving_costs", "offers_spouse_employment",
    "settlement_details", "expires_on",
)
ACTIVITY_FIELDS = ("kind", "title", "starts_on", "ends_on", "description", "participants",
                   "other_partners")


# --------------------------------------------------------------------------------------------
# Opportunities
# --------------------------------------------------------------------------------------------


def _check_expiry(expires_on: date | None, today: date, field="expires_on"):
    if expires_on is None:
        return
    if expires_on < today:
        raise ValidationError({field: _("The expiry date cannot be in the past.")})
    if expires_on > today + timedelta(days=MAX_POSTING_DAYS):
        raise ValidationError({field: _("An opportunity may stay on the board for one year "
                                        "at most.")})


def _place(opportunity: Opportunity):
    """The municipality sets the region and the office whose advisers validate."""
    municipality: Municipality = opportunity.municipality
    region = municipality.region
    if region.code == MONTREAL_REGION_CODE:
        raise ValidationError({"municipality": _(
            "A regional opportunity is in a municipality outside the Montréal region.")})
    office = office_for_location(region=region, mrc=municipality.mrc,
                                 municipality=municipality)
    if office is None:
        raise ValidationError({"municipality": _("No office serves this municipality yet.")})
    opportunity.region = region
    opportunity.office = office


def _validate(opportunity: Opportunity):
    _place(opportunity)
    opportunity.full_clean(exclude=["enterprise", "created_by", "region", "office", "case"])


def opportunity_create(*, actor: User, enterprise: Organisation, case: Case | None = None,
                       today: date | None = None, now=None, **fields) -> Opportunity:
    """A draft opportunity of ``enterprise``: by its own users, or by an adviser of its
    territory (possibly from one of its support cases). ``now`` (default: now) is its creation
    time and ``today`` the day its dates are checked against (default: the date of ``now``)."""
    require(permissions.can_create_opportunity(actor))
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    if enterprise.kind != Kind.ENTERPRISE:
        raise ValidationError({"enterprise": _("Choose an enterprise.")})
    if not Organisation.objects.for_user(actor).filter(pk=enterprise.pk).exists():
        raise Organisation.DoesNotExist
    if Enterprise.objects.unverified().filter(organisation_id=enterprise.pk).exists():
        raise ValidationError({"enterprise": ValidationError(_(
            "This enterprise is not confirmed yet: an adviser of its territory confirms it "
            "before it offers jobs on the board."), code="enterprise_unverified")})
    if case is not None and (case.organisation_id != enterprise.pk or not Case.objects.for_user(
            actor).filter(pk=case.pk).exists()):
        raise ValidationError({"case": _("This support case is not the enterprise's.")})
    unknown = set(fields) - set(OPPORTUNITY_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    opportunity = Opportunity(enterprise=enterprise, case=case, created_by=actor,
                              created_at=now, **fields)
    _check_expiry(opportunity.expires_on, today)
    _validate(opportunity)
    with transaction.atomic(), set_actor(actor):
        opportunity.save()
    return opportunity


def _locked_opportunity(actor, opportunity_id) -> Opportunity:
    queryset = Opportunity.objects.all() if actor is None else Opportunity.objects.for_user(actor)
    opportunity = (queryset.select_for_update(of=("self",)).filter(pk=opportunity_id)
                   .select_related("municipality__region").first())
    if opportunity is None:
        raise Opportunity.DoesNotExist
    return opportunity


def opportunity_update(*, actor: User, opportunity_id: int, today: date | None = None,
                       **fields) -> Opportunity:
    """Change a draft's content (the employer or an adviser of the territory)."""
    today = today or timezone.localdate()
    unknown = set(fields) - set(OPPORTUNITY_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    with transaction.atomic(), set_actor(actor):
        opportunity = _locked_opportunity(actor, opportunity_id)
        if not permissions.can_edit_opportunity(actor, opportunity):
            raise ValidationError(_("Only a draft can be changed. Ask the adviser to send it "
                                    "back for changes."), code="not_editable")
        for name, value in fields.items():
            setattr(opportunity, name, value)
        if "expires_on" in fields:
            _check_expiry(opportunity.expires_on, today)
        _validate(opportunity)
        opportunity.save()
    return opportunity


def opportunity_extend(*, actor: User, opportunity_id: int, expires_on: date,
                       today: date | None = None) -> Opportunity:
    """Move a published opportunity's expiry date (it stays on the board until then)."""
    today = today or timezone.localdate()
    with transaction.atomic(), set_actor(actor):
        opportunity = _locked_opportunity(actor, opportunity_id)
        if not permissions.can_extend_opportunity(actor, opportunity):
            raise ValidationError(_("Only a published opportunity's expiry date can be "
                                    "changed."), code="not_extendable")
        _check_expiry(expires_on, today)
        opportunity.expires_on = expires_on
        opportunity.save(update_fields=["expires_on", "updated_at"])
    return opportunity


def opportunity_transition(*, actor: User | None, opportunity_id: int, to: str,
                           comment: str = "", now=None, today: date | None = None
                           ) -> Opportunity:
    """Move an opportunity to ``to`` if ``TRANSITIONS`` allows the actor's role to from where
    it is (``actor=None`` is the daily sweep); write the history and notify after commit.
    Moving to the current status does nothing. ``today`` is the sweep's day (default: the
    date of ``now``)."""
    return OPPORTUNITY_WORKFLOW.apply(actor=actor, obj_id=opportunity_id, to=to, now=now,
                                      today=today, comment=comment)


def opportunity_follow(*, actor: User, opportunity_id: int, follow: bool = True) -> bool:
    """Follow (or stop following) an opportunity seen on the board. Returns whether the
    actor follows it now. Following twice is following once (a unique constraint)."""
    opportunity = Opportunity.objects.visible_to(actor).filter(pk=opportunity_id).first()
    if opportunity is None:
        raise Opportunity.DoesNotExist
    if not follow:
        OpportunityFollow.objects.filter(opportunity=opportunity, user=actor).delete()
        return False
    # Still « published » the morning after its expiry date until the sweep runs: not on the
    # board any more, so not followed either.
    if not (permissions.can_follow_opportunity(actor, opportunity)
            and opportunity.is_on_board()):
        raise ValidationError(_("Only an opportunity on the board can be followed."),
                              code="not_followable")
    try:
        with transaction.atomic():
            OpportunityFollow.objects.get_or_create(opportunity=opportunity, user=actor)
    except IntegrityError:
        pass  # followed at the same moment in another tab
    return True


def _count(value, label) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(_("%(field)s must be a whole number.") % {"field": label}) \
            from None
    if number < 0:
        raise ValidationError(_("%(field)s cannot be negative.") % {"field": label})
    return number


def referral_record(*, actor: User, opportunity_id: int, candidates: int, interviews: int,
                    hires: int, now=None) -> OpportunityReferral:
    """Set the actor's organisation's counts for an opportunity: candidates presented,
    interviews, hires (counts only). Each may only narrow the one before."""
    now = now or timezone.now()
    opportunity = Opportunity.objects.visible_to(actor).filter(pk=opportunity_id).first()
    if opportunity is None:
        raise Opportunity.DoesNotExist
    if not permissions.can_refer_to(actor, opportunity):
        raise ValidationError(_("Referrals are recorded on a validated opportunity, by a "
                                "regionalisation or settlement organisation."),
                              code="not_allowed")
    candidates = _count(candidates, _("Candidates presented"))
    interviews = _count(interviews, _("Interviews"))
    hires = _count(hires, _("Hires"))
    if interviews > candidates:
        raise ValidationError({"interviews": _(
            "There cannot be more interviews than candidates presented.")})
    if hires > interviews:
        raise ValidationError({"hires": _("There cannot be more hires than interviews.")})
    organisation_id = actor.membership.organisation_id
    with transaction.atomic(), set_actor(actor):
        referral = (OpportunityReferral.objects.select_for_update()
                    .filter(opportunity=opportunity, organisation_id=organisation_id).first())
        hires_before = referral.hires if referral else 0
        if referral is None:
            try:
                with transaction.atomic():
                    referral = OpportunityReferral.objects.create(
                        opportunity=opportunity, organisation_id=organisation_id,
                        candidates=candidates, interviews=interviews, hires=hires,
                        updated_by=actor, updated_at=now)
            except IntegrityError:  # a colleague created it at the same moment
                referral = OpportunityReferral.objects.select_for_update().get(
                    opportunity=opportunity, organisation_id=organisation_id)
                hires_before = referral.hires
        referral.candidates, referral.interviews, referral.hires = candidates, interviews, hires
        referral.updated_by, referral.updated_at = actor, now
        referral.save()
        if hires > hires_before:
            referral_notify(referral_id=referral.pk, hires=hires)
    return referral


def _employer_users(opportunity):
    return list(User.objects.filter(membership__organisation_id=opportunity.enterprise_id,
                                    is_active=True))


def _office_staff(opportunity):
    staff = list(User.objects.filter(is_active=True, role=Role.ADVISER,
                                     assignments__office_id=opportunity.office_id).distinct())
    if staff:
        return staff
    return list(User.objects.filter(is_active=True, role=Role.SIT_MANAGER,
                                    assignments__office__sit_id=opportunity.office.sit_id)
                .distinct())


def opportunity_event_notify(*, event_id: int) -> int:
    """Tell the other side of a move: the territory's advisers of a submission, the employer
    of a validation or a return; followers and referring organisations of a closing."""
    from django.urls import reverse

    from notifications.services import notify

    event = (OpportunityEvent.objects.select_related("opportunity__enterprise",
                                                     "opportunity__office", "actor")
             .filter(pk=event_id).first())
    if event is None:
        return 0
    opportunity = event.opportunity
    actor = event.actor
    recipients = []
    if actor is None or actor.is_ministry_staff:
        recipients += _employer_users(opportunity)
    # The territory's advisers hear of what they act on: not of an employer withdrawing a
    # draft they never saw, nor of it preparing a new posting (they hear of its submission).
    employer_housekeeping = (event.from_status, event.to_status) in (
        (OpportunityStatus.DRAFT, OpportunityStatus.WITHDRAWN),
        (OpportunityStatus.EXPIRED, OpportunityStatus.DRAFT))
    if (actor is None or not actor.is_ministry_staff) and not employer_housekeeping:
        recipients += _office_staff(opportunity)
    if event.to_status in (OpportunityStatus.FILLED, OpportunityStatus.EXPIRED,
                           OpportunityStatus.WITHDRAWN):
        recipients += list(User.objects.filter(followed_opportunities__opportunity=opportunity,
                                               is_active=True))
        recipients += list(User.objects.filter(
            is_active=True,
            membership__organisation__referrals_made__opportunity=opportunity))
    recipients = [user for user in recipients if actor is None or user.pk != actor.pk]
    # The link only for whoever may still open the opportunity after the move (a follower of
    # a withdrawn posting is told, but its page is gone for them: no link to a 404).
    url = reverse("regionalisation:opportunity_detail", args=[opportunity.pk])
    opens = {user.pk: Opportunity.objects.visible_to(user).filter(pk=opportunity.pk).exists()
             for user in recipients}
    params = {"opportunity": opportunity.title, "organisation": opportunity.enterprise.name,
              "from": event.from_status, "to": event.to_status}
    key = f"opportunity-event:{event.pk}"
    told = notify(recipients=[u for u in recipients if opens[u.pk]], key=key,
                  kind="opportunity_status", params=params, url=url)
    told += notify(recipients=[u for u in recipients if not opens[u.pk]], key=key,
                   kind="opportunity_status", params=params, url="")
    return len(told)


def referral_notify(*, referral_id: int, hires: int) -> int:
    """Tell the employer an organisation recorded hires (once per referral and count)."""
    from django.urls import reverse

    from notifications.services import notify

    referral = (OpportunityReferral.objects.select_related("opportunity", "organisation")
                .filter(pk=referral_id).first())
    if referral is None:
        return 0
    opportunity = referral.opportunity
    return len(notify(recipients=_employer_users(opportunity),
                      key=f"opportunity-referral:{referral.pk}:{hires}",
                      kind="opportunity_referral",
                      params={"opportunity": opportunity.title,
                              "organisation": referral.organisation.name, "hires": hires},
                      url=reverse("regionalisation:opportunity_detail",
                                  args=[opportunity.pk]) + "#referrals"))


def opportunities_expire(*, day: date) -> int:
    """Expire every published opportunity whose expiry date is before ``day`` (the daily
    sweep). Returns how many it expired now."""
    expired = 0
    ids = list(Opportunity.objects.filter(status=OpportunityStatus.PUBLISHED,
                                          expires_on__lt=day)
               .order_by("pk").values_list("pk", flat=True))
    now = timezone.now()
    for pk in ids:
        try:
            opportunity = opportunity_transition(actor=None, opportunity_id=pk,
                                                 to=OpportunityStatus.EXPIRED, now=now,
                                                 today=day)
        except (Opportunity.DoesNotExist, TransitionRefused):
            continue  # filled, withdrawn or extended meanwhile
        expired += opportunity.status == OpportunityStatus.EXPIRED
    return expired


# --------------------------------------------------------------------------------------------
# Regionalisation activities
# --------------------------------------------------------------------------------------------


def _check_activity(activity: Activity, regions: list[Region], partner_enterprises,
                    partner_municipalities=()):
    errors = {}
    if not regions:
        errors["regions"] = _("Choose at least one region the activity promotes.")
    elif any(region.code == MONTREAL_REGION_CODE for region in regions):
        errors["regions"] = _("A regionalisation activity promotes regions outside "
                              "Montréal.")
    if any(org.kind != Kind.ENTERPRISE for org in partner_enterprises):
        errors["partner_enterprises"] = _("Partner enterprises must be enterprises.")
    elif partner_enterprises and Enterprise.objects.unverified().filter(
            organisation__in=[org.pk for org in partner_enterprises]).exists():
        errors["partner_enterprises"] = _("An enterprise not confirmed yet cannot be a "
                                          "partner.")
    if any(municipality.region.code == MONTREAL_REGION_CODE
           for municipality in partner_municipalities):
        errors["partner_municipalities"] = _("Partner municipalities are outside the "
                                             "Montréal region.")
    if activity.starts_on and activity.ends_on and activity.ends_on < activity.starts_on:
        errors["ends_on"] = _("The last day cannot be before the first.")
    if activity.kind not in ActivityKind.values:
        errors["kind"] = _("Choose the type of activity.")
    if errors:
        raise ValidationError(errors)
    activity.full_clean(exclude=["organisation", "created_by"])


def _set_regions(activity: Activity, regions: list[Region]):
    """Keep the promoted regions still chosen (and their outcomes), add the new ones."""
    wanted = {region.pk for region in regions}
    activity.promoted.exclude(region_id__in=wanted).delete()
    existing = set(activity.promoted.values_list("region_id", flat=True))
    ActivityRegion.objects.bulk_create(
        [ActivityRegion(activity=activity, region_id=pk) for pk in sorted(wanted - existing)])


def activity_create(*, actor: User, regions: Iterable[Region],
                    partner_enterprises: Iterable[Organisation] = (),
                    partner_municipalities: Iterable[Municipality] = (), **fields) -> Activity:
    """Record an activity of the actor's regionalisation organisation."""
    require(permissions.can_record_activity(actor))
    unknown = set(fields) - set(ACTIVITY_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    regions, partner_enterprises = list(regions), list(partner_enterprises)
    partner_municipalities = list(partner_municipalities)
    if fields.get("ends_on") is None:
        fields["ends_on"] = fields.get("starts_on")
    activity = Activity(organisation_id=actor.membership.organisation_id, created_by=actor,
                        **fields)
    _check_activity(activity, regions, partner_enterprises, partner_municipalities)
    with transaction.atomic(), set_actor(actor):
        activity.save()
        _set_regions(activity, regions)
        activity.partner_enterprises.set(partner_enterprises)
        activity.partner_municipalities.set(partner_municipalities)
    return activity


def _locked_activity(actor, activity_id) -> Activity:
    activity = (Activity.objects.for_user(actor).select_for_update(of=("self",))
                .filter(pk=activity_id).first())
    if activity is None:
        raise Activity.DoesNotExist
    require(permissions.can_change_activity(actor, activity))
    return activity


def activity_update(*, actor: User, activity_id: int, regions: Iterable[Region] | None = None,
                    partner_enterprises: Iterable[Organisation] | None = None,
                    partner_municipalities: Iterable[Municipality] | None = None,
                    **fields) -> Activity:
    """Change an activity (its organisation only). Dropping a promoted region drops the
    outcomes recorded for it."""
    unknown = set(fields) - set(ACTIVITY_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    with transaction.atomic(), set_actor(actor):
        activity = _locked_activity(actor, activity_id)
        for name, value in fields.items():
            setattr(activity, name, value)
        regions = list(regions) if regions is not None else [
            promoted.region for promoted in activity.promoted.select_related("region")]
        enterprises = (list(partner_enterprises) if partner_enterprises is not None
                       else list(activity.partner_enterprises.all()))
        municipalities = (list(partner_municipalities) if partner_municipalities is not None
                          else [])
        _check_activity(activity, regions, enterprises, municipalities)
        _check_settled_total(activity, {
            promoted.region_id: (promoted.settled_6_months, promoted.settled_12_months)
            for promoted in activity.promoted.filter(region__in=regions)})
        activity.save()
        _set_regions(activity, regions)
        if partner_enterprises is not None:
            activity.partner_enterprises.set(enterprises)
        if partner_municipalities is not None:
            activity.partner_municipalities.set(municipalities)
    return activity


def _check_settled_total(activity: Activity, settled: Mapping[int, tuple]):
    for index, months in enumerate(OUTCOME_MONTHS):
        total = sum(values[index] or 0 for values in settled.values())
        if total and (activity.participants is None or total > activity.participants):
            raise ValidationError(
                _("%(total)s people settled after %(months)s months is more than the "
                  "%(participants)s participants.")
                % {"total": total, "months": months,
                   "participants": activity.participants or 0}, code="too_many_settled")


def activity_delete(*, actor: User, activity_id: int) -> None:
    """Delete an activity recorded by mistake; not once outcomes are recorded (the follow-up
    counts them)."""
    with transaction.atomic(), set_actor(actor):
        activity = _locked_activity(actor, activity_id)
        if activity.promoted.exclude(settled_6_months=None, settled_12_months=None).exists():
            raise ValidationError(_("This activity's outcomes are recorded: it can no longer "
                                    "be deleted."), code="has_outcomes")
        activity.delete()


def activity_outcomes_record(*, actor: User, activity_id: int, months: int,
                             settled: Mapping[int, int], today: date | None = None) -> Activity:
    """Record, for each promoted region, how many participants lived there ``months`` (6 or
    12) months after the activity: from that date on, and at most the participants."""
    today = today or timezone.localdate()
    if months not in OUTCOME_MONTHS:
        raise ValidationError(_("Outcomes are recorded after 6 or 12 months."))
    with transaction.atomic(), set_actor(actor):
        activity = _locked_activity(actor, activity_id)
        due_on = activity.outcome_due_on(months)
        if today < due_on:
            raise ValidationError(
                _("The outcomes after %(months)s months can be recorded from %(date)s.")
                % {"months": months, "date": due_on.isoformat()}, code="too_early")
        if activity.participants is None:
            raise ValidationError({"participants": _(
                "Record the number of participants first.")})
        promoted = {row.region_id: row for row in activity.promoted.select_for_update()}
        if set(settled) != set(promoted):
            raise ValidationError(_("Give a number for each promoted region."),
                                  code="regions_mismatch")
        values = {pk: _count(value, _("Settled")) for pk, value in settled.items()}
        field = f"settled_{months}_months"
        current = {pk: (row.settled_6_months, row.settled_12_months)
                   for pk, row in promoted.items()}
        index = OUTCOME_MONTHS.index(months)
        for pk, value in values.items():
            pair = list(current[pk])
            pair[index] = value
            current[pk] = tuple(pair)
        _check_settled_total(activity, current)
        for pk, row in promoted.items():
            setattr(row, field, values[pk])
            row.save(update_fields=[field])
    return activity
