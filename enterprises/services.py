"""Every write on enterprises and their support cases.

Functions take keyword-only arguments and an ``actor``; they check the actor may act, validate,
write inside a transaction, record history and enqueue notifications after commit. A refused
action raises ``PermissionDenied`` or ``ValidationError`` (its message says what is wrong) and
leaves the database as it was.
"""

from collections.abc import Iterable, Sequence
from datetime import date

from allauth.account.models import EmailAddress
from auditlog.context import set_actor
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import STAFF_ROLES, Role, User
from partners import services as partner_services
from partners.models import Kind, Organisation
from portal import files
from portal.business_days import add_business_days
from portal.workflow import TransitionRefused, require  # noqa: F401 (services.TransitionRefused)
from regions.models import Municipality

from . import duplicates, permissions
from .checklists import checklist_attach
from .models import (
    Case,
    CaseAttachment,
    CaseEvent,
    CaseNote,
    CaseStatus,
    Channel,
    Enterprise,
    EventKind,
    HelpKind,
    JoinRequest,
    Position,
    Priority,
    ReadyAnswer,
    Referral,
    ReferralOutcome,
    ReferralTarget,
    Topic,
)
from .neq import Neq, parse_neq
from .workflow import CASE_WORKFLOW, FIRST_FOLLOW_UP_BUSINESS_DAYS

POSITION_FIELDS = ("count", "job_title", "noc_code", "municipality", "french_level")


def _choices(values: Iterable[str], choices, field: str) -> list[str]:
    values = list(dict.fromkeys(values))
    if not values:
        raise ValidationError({field: _("Choose at least one.")})
    if set(values) - set(choices.values):
        raise ValidationError({field: _("Unknown choice.")})
    return values


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------


def case_create(*, actor: User, organisation: Organisation, subject: str,
                help_kinds: Sequence[str], topics: Sequence[str], description: str,
                positions: Sequence[dict] = (), channel: str = Channel.PORTAL,
                now=None, warn_similar: bool = False) -> Case:
    """An enterprise asks for support in the portal, or an adviser enters the request after a
    call. The case goes to the office serving the enterprise; its first follow-up is due in
    two business days. ``subject`` is the one line every list shows. Recruitment requests
    list the positions (``POSITION_FIELDS``).

    ``warn_similar`` (the request forms, until the person confirms it is another request):
    refuse, with the code ``similar_open_case`` on ``other_request``, when the enterprise
    has a similar open case opened recently (``enterprises.duplicates``)."""
    require(permissions.can_open_case(actor, organisation))
    # Staff open cases only for enterprises of their territory (the case would leave it).
    require(Organisation.objects.for_user(actor).filter(pk=organisation.pk).exists())
    if organisation.kind != Kind.ENTERPRISE:
        raise ValidationError(_("Support cases are for enterprises."))
    now = now or timezone.now()
    help_kinds = _choices(help_kinds, HelpKind, "help_kinds")
    topics = _choices(topics, Topic, "topics")
    subject = " ".join((subject or "").split())
    if not subject:
        raise ValidationError({"subject": _("Say in one line what the request is about.")})
    if actor.role == Role.PARTNER:
        channel = Channel.PORTAL
    if Topic.RECRUITMENT in topics and not positions:
        raise ValidationError({"positions": _("For help to recruit, list at least one "
                                              "position.")})
    case = Case(organisation=organisation, office=organisation.office,
                subject=subject, help_kinds=help_kinds,
                topics=topics, description=description.strip(), channel=channel,
                created_by=actor, opened_at=now,
                next_follow_up=add_business_days(timezone.localdate(now),
                                                 FIRST_FOLLOW_UP_BUSINESS_DAYS))
    case.full_clean()
    rows = [Position(case=case, **{k: row[k] for k in POSITION_FIELDS if k in row})
            for row in positions]
    for row in rows:
        row.full_clean(exclude=["case"])
    if warn_similar and duplicates.recent_similar_cases(
            Case.objects.for_user(actor), organisation_id=organisation.pk,
            help_kinds=help_kinds, topics=topics, now=now).exists():
        raise ValidationError({"other_request": ValidationError(
            _("This enterprise already has an open request like this one. Open it to add to "
              "it, or tick “This is another request” to send this one."),
            code="similar_open_case")})
    with transaction.atomic(), set_actor(actor):
        case.save()
        for row in rows:
            row.case = case
        Position.objects.bulk_create(rows)
        checklist_attach(case)  # the steps of the checklists its kinds and topics match
        event = CaseEvent.objects.create(case=case, from_status="", to_status=CaseStatus.NEW,
                                         actor=actor, created_at=now)
        case_event_notify(event_id=event.pk)
    return case


def _locked_case(actor, case_id):
    case = (Case.objects.for_user(actor).select_for_update(of=("self",))
            .filter(pk=case_id).first())
    if case is None:
        raise Case.DoesNotExist
    return case


def case_transition(*, actor: User, case_id: int, to: str, comment: str = "",
                    outcome: str = "", adviser: User | None = None,
                    next_follow_up: date | None = None, now=None) -> Case:
    """Move a case to ``to`` if ``TRANSITIONS`` allows the actor's role to from where it is,
    with what the move needs (comment, outcome, adviser, next follow-up); write the history
    and notify the other side after commit. Moving to the current status does nothing."""
    return CASE_WORKFLOW.apply(actor=actor, obj_id=case_id, to=to, now=now, comment=comment,
                               outcome=outcome, adviser=adviser, next_follow_up=next_follow_up)


def cases_assign(*, actor: User, case_ids: Iterable[int], adviser: User, now=None) -> int:
    """Give open cases of the actor's territory to ``adviser`` (who must serve them all: else
    nothing changes and the message names the cases). New cases become « assigned »; the
    others keep their status. Returns how many changed hands."""
    require(permissions.can_assign_cases(actor))
    if not permissions.can_be_assigned_cases(adviser):
        raise ValidationError(_("Cases can only be assigned to an adviser or a SIT manager."))
    now = now or timezone.now()
    ids = [int(pk) for pk in case_ids]
    with transaction.atomic(), set_actor(actor):
        cases = list(Case.objects.for_user(actor).open().filter(pk__in=ids)
                     .select_for_update(of=("self",)))
        served = set(Case.objects.for_user(adviser).filter(pk__in=[c.pk for c in cases])
                     .values_list("pk", flat=True))
        outside = [str(c.pk) for c in cases if c.pk not in served]
        if outside:
            raise ValidationError(
                _("%(adviser)s does not serve the territory of cases %(cases)s.")
                % {"adviser": adviser.get_full_name() or adviser.email,
                   "cases": ", ".join(outside)})
        changed = 0
        for case in cases:
            if case.adviser_id == adviser.pk:
                continue
            from_status = case.status
            case.adviser = adviser
            if case.status == CaseStatus.NEW:
                case.status = CaseStatus.ASSIGNED
            case.save(update_fields=["adviser", "status", "updated_at"])
            event = CaseEvent.objects.create(case=case, from_status=from_status,
                                             to_status=case.status, actor=actor,
                                             adviser=adviser, created_at=now)
            case_event_notify(event_id=event.pk)
            changed += 1
    return changed


def case_set_follow_up(*, actor: User, case: Case, next_follow_up: date) -> Case:
    """Staff set the next follow-up date of an open case (today or later)."""
    require(actor.role in STAFF_ROLES)
    if not case.is_open:
        raise ValidationError(_("A closed case has no follow-up."))
    if next_follow_up < timezone.localdate():
        raise ValidationError({"next_follow_up": _("The next follow-up cannot be in the "
                                                   "past.")})
    with transaction.atomic(), set_actor(actor):
        case = _locked_case(actor, case.pk)
        case.next_follow_up = next_follow_up
        case.save(update_fields=["next_follow_up", "updated_at"])
    return case


def case_set_priority(*, actor: User, case: Case, priority: str) -> Case:
    """Advisers and SIT managers of its territory set the priority of an open case (a high or
    urgent one escalates sooner: ``enterprises.reminders``). The change is a history row that
    keeps the status (kind « priority », shown to the ministry only); nobody is notified (the
    priority is the ministry's triage). Setting the priority it has does nothing."""
    require(permissions.can_set_priority(actor, case))
    if priority not in Priority.values:
        raise ValidationError({"priority": _("Unknown choice.")})
    with transaction.atomic(), set_actor(actor):
        case = _locked_case(actor, case.pk)
        require(permissions.can_set_priority(actor, case))
        if case.priority == priority:
            return case
        case.priority = priority
        case.save(update_fields=["priority", "updated_at"])
        CaseEvent.objects.create(case=case, from_status=case.status, to_status=case.status,
                                 actor=actor, kind=EventKind.PRIORITY,
                                 params={"priority": priority})
    return case


# --------------------------------------------------------------------------------------------
# Notes, referrals, documents
# --------------------------------------------------------------------------------------------


def note_add(*, actor: User, case: Case, body: str, is_internal: bool = True,
             ready_answer=None) -> CaseNote:
    """Staff add an internal or a shared note; the enterprise's replies are always shared, and
    a reply to a case waiting on the enterprise resumes its follow-up. ``ready_answer``: the
    answer of the library (in use) staff started the note from; it counts as one use."""
    require(permissions.can_add_note(actor, case))
    if actor.role == Role.PARTNER:
        is_internal = False
    if ready_answer is not None:
        require(permissions.can_read_answers(actor))
        if not ReadyAnswer.objects.filter(pk=ready_answer.pk, is_active=True).exists():
            raise ValidationError({"ready_answer": _("This ready answer is no longer in use: "
                                                     "choose another one.")})
    note = CaseNote(case=case, author=actor, body=body.strip(), is_internal=is_internal,
                    ready_answer=ready_answer)
    note.full_clean()
    with transaction.atomic(), set_actor(actor):
        # The case as it is now (the page's copy may be stale): a reply to a case closed
        # meanwhile is refused, and the note and the resumed follow-up are all or nothing.
        current = _locked_case(actor, case.pk)
        require(permissions.can_add_note(actor, current))
        note.save()
        if not is_internal:
            case_note_notify(note_id=note.pk)
        if actor.role == Role.PARTNER and current.status == CaseStatus.WAITING:
            case_transition(actor=actor, case_id=case.pk, to=CaseStatus.IN_PROGRESS,
                            comment=_("The enterprise replied."))
    return note


def referral_add(*, actor: User, case: Case, target: str, organisation=None, office=None,
                 referred_on: date | None = None, note: str = "") -> Referral:
    """Record that the enterprise was referred (Emploi-Québec/Services Québec, a partner of
    the directory or another office)."""
    require(permissions.can_refer(actor, case))
    if target not in ReferralTarget.values:
        raise ValidationError({"target": _("Unknown choice.")})
    referral = Referral(case=case, target=target, organisation=organisation, office=office,
                        referred_on=referred_on or timezone.localdate(), note=note.strip(),
                        created_by=actor)
    if target == ReferralTarget.PARTNER and organisation is None:
        raise ValidationError({"organisation": _("Choose the partner organisation.")})
    if target == ReferralTarget.OFFICE and office is None:
        raise ValidationError({"office": _("Choose the office.")})
    referral.full_clean()
    with transaction.atomic(), set_actor(actor):
        referral.save()
    return referral


def referral_record_outcome(*, actor: User, referral: Referral, outcome: str,
                            outcome_on: date | None = None) -> Referral:
    require(permissions.can_refer(actor, referral.case))
    if outcome not in ReferralOutcome.values:
        raise ValidationError({"outcome": _("Unknown choice.")})
    referral.outcome = outcome
    referral.outcome_on = (None if outcome == ReferralOutcome.PENDING
                           else outcome_on or timezone.localdate())
    if referral.outcome_on and referral.outcome_on < referral.referred_on:
        raise ValidationError({"outcome_on": _("The outcome cannot come before the "
                                               "referral.")})
    referral.full_clean()
    with transaction.atomic(), set_actor(actor):
        referral.save(update_fields=["outcome", "outcome_on"])
    return referral


def case_attachment_add(*, actor: User, case: Case, upload) -> CaseAttachment:
    """A document checked by its content (``portal.files``), stored outside the web root."""
    require(permissions.can_add_note(actor, case))
    attachment = files.checked_document(CaseAttachment, upload, case=case, uploaded_by=actor)
    with transaction.atomic(), set_actor(actor):
        files.store_document(attachment, upload)
    return attachment


# --------------------------------------------------------------------------------------------
# Notifications (called by tasks, after commit)
# --------------------------------------------------------------------------------------------


def _enterprise_users(case):
    return User.objects.filter(membership__organisation_id=case.organisation_id,
                               is_active=True)


def _office_advisers(case):
    return User.objects.filter(role=Role.ADVISER, is_active=True,
                               assignments__office_id=case.office_id)


def _other_side(case, actor):
    # No actor: an email from a contact of the enterprise without an account (mail_cases).
    if actor is None or actor.role == Role.PARTNER:
        return [case.adviser] if case.adviser_id else list(_office_advisers(case))
    recipients = list(_enterprise_users(case))
    if case.adviser_id and case.adviser_id != actor.pk:
        recipients.append(case.adviser)
    return [u for u in recipients if u.pk != actor.pk]


def case_event_notify(*, event_id: int) -> int:
    from notifications.services import notify

    event = (CaseEvent.objects.select_related("case", "case__organisation", "case__adviser",
                                              "actor").filter(pk=event_id).first())
    if event is None:
        return 0
    case = event.case
    return len(notify(recipients=_other_side(case, event.actor), key=f"case-event:{event.pk}",
                      kind="case_status",
                      params={"case": case.pk, "organisation": case.organisation.name,
                              "from": event.from_status, "to": event.to_status},
                      url=reverse("enterprises:case_detail", args=[case.pk])))


def case_note_notify(*, note_id: int) -> int:
    from notifications.services import notify

    note = (CaseNote.objects.select_related("case", "case__organisation", "case__adviser",
                                            "author").filter(pk=note_id, is_internal=False)
            .first())
    if note is None:
        return 0
    case = note.case
    return len(notify(recipients=_other_side(case, note.author), key=f"case-note:{note.pk}",
                      kind="case_note",
                      params={"case": case.pk, "organisation": case.organisation.name},
                      url=reverse("enterprises:case_detail", args=[case.pk]) + "#notes"))


def default_follow_up(today: date | None = None) -> date:
    return add_business_days(today or timezone.localdate(), FIRST_FOLLOW_UP_BUSINESS_DAYS)


# --------------------------------------------------------------------------------------------
# Enterprise profiles and registration
# --------------------------------------------------------------------------------------------

#: Fields of the enterprise profile itself.
ENTERPRISE_FIELDS = ("other_names", "legal_form", "nature", "sector", "naics_code", "size_band")
#: Fields kept on the enterprise's partner organisation.
ENTERPRISE_ORGANISATION_FIELDS = ("name", "municipality", "address", "phone")


def _neq_checksum_warning() -> ValidationError:
    return ValidationError(
        _("This NEQ fails the check that the numbers of the enterprise register pass. Compare "
          "it with your documents; if it is correct, tick “I confirm this NEQ is correct”."),
        code="neq_checksum")


def _parsed_neq(raw: str) -> Neq:
    try:
        return parse_neq(raw)
    except ValidationError as exc:
        raise ValidationError({"neq": exc.error_list}) from exc


def _locate(organisation: Organisation, municipality: Municipality) -> None:
    """Region and MRC from the register; the serving office as partners default it."""
    organisation.municipality = municipality
    organisation.region = municipality.region
    organisation.mrc = municipality.mrc
    organisation.office = None
    partner_services.organisation_locate(organisation)


def _collect(errors: dict, call) -> None:
    """Run ``call``; merge its ValidationError into ``errors`` (None = the whole form)."""
    try:
        call()
    except ValidationError as exc:
        items = exc.error_dict.items() if hasattr(exc, "error_dict") else [(None, exc.error_list)]
        for field, messages in items:
            errors.setdefault(field or "__all__", []).extend(messages)


def _join_request_recipients(organisation: Organisation) -> list[User]:
    """The advisers of the enterprise's office; without any, the SIT managers of its SIT."""
    advisers = list(User.objects.filter(role=Role.ADVISER, is_active=True,
                                        assignments__office_id=organisation.office_id))
    if advisers:
        return advisers
    return list(User.objects.filter(role=Role.SIT_MANAGER, is_active=True,
                                    assignments__office__sit_id=organisation.office.sit_id)
                .distinct())


def enterprise_register(*, email: str, password: str, first_name: str, last_name: str,
                        neq: str, neq_confirmed: bool = False, name: str, other_names: str = "",
                        legal_form: str, nature: str, sector: str, naics_code: str = "",
                        size_band: str, municipality: Municipality, address: str = "",
                        phone: str = "") -> tuple[User, Enterprise | JoinRequest]:
    """A person registers their enterprise in the portal, or asks to join it.

    The account is created with an unverified email address: the caller sends allauth's
    confirmation email, and the person cannot sign in before confirming. An NEQ nobody has
    registered creates the enterprise's organisation (region, MRC and serving office from the
    municipality), its profile and the person's membership; an NEQ already registered is never
    duplicated: the person gets no membership but a request to join, which the advisers of
    the enterprise's office are told about. An NEQ failing the register's check needs
    ``neq_confirmed`` (else ValidationError code ``neq_checksum``). All or nothing.

    A new enterprise is unverified until an adviser of its territory confirms it
    (``enterprise_verify``). Whether the NEQ is known changes no answer before the writing:
    the same checks run on every field (the enterprise's too), so the person learns nothing of
    an enterprise already in the portal, not even that it is there."""
    parsed = _parsed_neq(neq)
    existing = (Enterprise.objects.select_related("organisation", "organisation__office")
                .filter(neq=parsed.value).first())
    if not parsed.checksum_ok and not neq_confirmed:
        raise ValidationError({"neq": _neq_checksum_warning()})
    email = (email or "").strip().lower()
    errors: dict = {}
    user = User(email=email, first_name=first_name.strip(), last_name=last_name.strip(),
                role=Role.PARTNER)
    # Every check first, the address's owner last: a known and an unknown address get the same
    # answer (a weak password, a missing name...) until the form is otherwise valid.
    _collect(errors, lambda: user.full_clean(exclude=["password"], validate_unique=False))
    _collect(errors, lambda: _password_ok(password, user))
    organisation = Organisation(name=name.strip(), kind=Kind.ENTERPRISE,
                                address=address.strip(), phone=phone.strip())
    enterprise = Enterprise(neq=parsed.value, neq_checksum_confirmed=not parsed.checksum_ok,
                            other_names=other_names.strip(), legal_form=legal_form,
                            nature=nature, sector=sector, naics_code=naics_code.strip(),
                            size_band=size_band)
    _collect(errors, lambda: _locate(organisation, municipality))
    _collect(errors, lambda: organisation.full_clean(exclude=["search_text"]))
    # Not the NEQ's uniqueness: a known NEQ makes a request to join, not an error.
    _collect(errors, lambda: enterprise.full_clean(exclude=["organisation"],
                                                   validate_unique=False))
    if errors:
        raise ValidationError(errors)
    if email and (User.objects.filter(email__iexact=email).exists()
                  or EmailAddress.objects.filter(email__iexact=email).exists()):
        user.set_password(password)  # a registration's hashing work: the delay tells nothing
        raise ValidationError({"email": ValidationError(
            _("An account already uses this email address."), code="email_taken")})
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, role=Role.PARTNER,
                                            first_name=user.first_name,
                                            last_name=user.last_name)
            EmailAddress.objects.create(user=user, email=email, verified=False, primary=True)
            with set_actor(user):
                if existing is None:
                    organisation.save()
                    enterprise.organisation = organisation
                    enterprise.save()
                    partner_services.membership_create(actor=user, user=user,
                                                       organisation=organisation)
                    return user, enterprise
                join_request = JoinRequest.objects.create(organisation=existing.organisation,
                                                          user=user)
                _join_request_notify(join_request)
                return user, join_request
    except IntegrityError as exc:  # a registration at the same moment took the NEQ or email
        raise ValidationError(_("This NEQ or this email address was registered at the same "
                                "moment. Send the form again.")) from exc


def _password_ok(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.error_list}) from exc


def _join_request_notify(join_request: JoinRequest) -> None:
    from notifications.services import notify

    organisation = join_request.organisation
    person = join_request.user
    notify(recipients=_join_request_recipients(organisation),
           key=f"join-request:{join_request.pk}", kind="join_request",
           params={"person": person.get_full_name() or person.email,
                   "organisation": organisation.name},
           url=reverse("enterprises:join_requests"))


def enterprise_update(*, actor: User, enterprise: Enterprise, **changes) -> Enterprise:
    """Change an enterprise's profile (``ENTERPRISE_FIELDS``, ``neq`` with ``neq_confirmed``)
    and its organisation's name, municipality, address and phone: by staff of its territory or
    its own users. A new NEQ is checked like at registration and never duplicates another
    enterprise's; a new municipality moves the enterprise to the office serving it."""
    allowed = {*ENTERPRISE_FIELDS, *ENTERPRISE_ORGANISATION_FIELDS, "neq", "neq_confirmed"}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"Unknown enterprise fields: {sorted(unknown)}")
    require(permissions.can_change_enterprise(actor, enterprise))
    confirmed = changes.pop("neq_confirmed", False)
    try:
        with transaction.atomic(), set_actor(actor):
            enterprise = (Enterprise.objects.for_user(actor).select_for_update(of=("self",))
                          .select_related("organisation").filter(pk=enterprise.pk).first())
            if enterprise is None:
                raise PermissionDenied
            organisation = enterprise.organisation
            if "neq" in changes:
                parsed = _parsed_neq(changes.pop("neq"))
                if parsed.value != enterprise.neq:
                    if Enterprise.objects.filter(neq=parsed.value).exclude(
                            pk=enterprise.pk).exists():
                        raise ValidationError({"neq": _(
                            "Another enterprise is already registered with the NEQ "
                            "%(neq)s.") % {"neq": parsed.value}})
                    if not parsed.checksum_ok and not confirmed:
                        raise ValidationError({"neq": _neq_checksum_warning()})
                    enterprise.neq = parsed.value
                    enterprise.neq_checksum_confirmed = not parsed.checksum_ok
            for field in ENTERPRISE_FIELDS:
                if field in changes:
                    value = changes[field]
                    setattr(enterprise, field, value.strip() if isinstance(value, str)
                            else value)
            for field in ("name", "address", "phone"):
                if field in changes:
                    setattr(organisation, field, (changes[field] or "").strip())
            municipality = changes.get("municipality")
            if municipality is not None and municipality.pk != organisation.municipality_id:
                _locate(organisation, municipality)
            errors: dict = {}
            _collect(errors, lambda: organisation.full_clean(exclude=["search_text"]))
            _collect(errors, lambda: enterprise.full_clean(exclude=["organisation"]))
            if errors:
                raise ValidationError(errors)
            organisation.save()
            enterprise.save()
    except IntegrityError as exc:
        raise ValidationError({"neq": _("An enterprise with this NEQ is already "
                                        "registered.")}) from exc
    return enterprise


def enterprise_verify(*, actor: User, enterprise: Enterprise, now=None) -> Enterprise:
    """An adviser or SIT manager of its territory confirms a self-registered enterprise: it
    may then be an employer of the regionalisation board and a partner of activities. The
    audit trail records who confirmed it. An enterprise already confirmed stays as it is."""
    require(permissions.can_verify_enterprises(actor))
    with transaction.atomic(), set_actor(actor):
        locked = (Enterprise.objects.for_user(actor).select_for_update(of=("self",))
                  .filter(pk=enterprise.pk).first())
        if locked is None:
            raise PermissionDenied
        if locked.is_verified:
            return locked
        locked.verified_at = now or timezone.now()
        locked.verified_by = actor
        locked.save(update_fields=["verified_at", "verified_by"])
    return locked


def join_request_decide(*, actor: User, join_request: JoinRequest, accept: bool,
                        now=None) -> JoinRequest:
    """Staff of the enterprise's territory accept (the person joins the enterprise) or decline
    a request to join; the person is told either way. A request already decided stays as it
    is."""
    require(permissions.can_decide_join_request(actor))
    with transaction.atomic(), set_actor(actor):
        locked = (JoinRequest.objects.for_user(actor).select_for_update(of=("self",))
                  .select_related("organisation", "user").filter(pk=join_request.pk).first())
        if locked is None:
            raise PermissionDenied
        if locked.decided_at is not None:
            return locked
        locked.decided_at = now or timezone.now()
        locked.decided_by = actor
        locked.accepted = bool(accept)
        locked.save(update_fields=["decided_at", "decided_by", "accepted"])
        if accept:
            partner_services.membership_create(actor=actor, user=locked.user,
                                               organisation=locked.organisation)
        _join_decision_notify(locked)
    return locked


def _join_decision_notify(join_request: JoinRequest) -> None:
    from notifications.services import notify

    enterprise = Enterprise.objects.filter(organisation_id=join_request.organisation_id).first()
    url = (reverse("enterprises:enterprise_detail", args=[enterprise.pk])
           if join_request.accepted and enterprise else "")
    notify(recipients=[join_request.user], key=f"join-request-decided:{join_request.pk}",
           kind="join_accepted" if join_request.accepted else "join_declined",
           params={"organisation": join_request.organisation.name}, url=url)
