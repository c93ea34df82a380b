"""Every scoped URL, walked as every role, in and out of territory.

An object outside the user's territory or organisation answers 404, exactly like one that
does not exist; a list, a fragment or an export holds only the rows in scope. New scoped URLs
join ``OBJECT_URLS`` or ``LIST_URLS``."""

import re

import pytest
from django.urls import reverse

from partners.models import Invitation
from tests.factories.partners import ContactFactory

pytestmark = pytest.mark.django_db

#: What each role sees among the world's organisations (see tests/conftest.py ``world``).
VISIBLE = {
    "admin": {"tr", "sh", "gat"},
    "sit_manager": {"tr", "sh"},  # the SIT of Sherbrooke covers the Mauricie
    "adviser": {"tr"},  # assigned to Trois-Rivières only
    "adviser_gatineau": {"gat"},
    "partner": {"tr"},  # member of the Trois-Rivières organisation
    "partner_gatineau": {"gat"},
}
STAFF = {"admin", "sit_manager", "adviser", "adviser_gatineau"}
ROLES = sorted(VISIBLE)
ORGS = ["tr", "sh", "gat"]


def _invitation(org, world):
    return Invitation.objects.create(
        organisation=org, email=f"invite-{org.pk}@exemple.qc.ca",
        invited_by=world["users"]["admin"], token_hash=f"{org.pk:064d}",
        expires_at="2999-01-01T00:00:00Z",
    )


#: name -> (method, url builder(org, world), may a partner of the organisation use it?)
OBJECT_URLS = {
    "detail": ("get", lambda o, w: reverse("partners:detail", args=[o.pk]), True),
    "contacts_export": ("get", lambda o, w: reverse("partners:contacts_export",
                                                     args=[o.pk, "csv"]), True),
    "edit": ("get", lambda o, w: reverse("partners:update", args=[o.pk]), False),
    "contact_create": ("get", lambda o, w: reverse("partners:contact_create", args=[o.pk]),
                       True),
    "contact_edit": ("get", lambda o, w: reverse(
        "partners:contact_update", args=[o.pk, ContactFactory(organisation=o).pk]), True),
    "contact_delete": ("post", lambda o, w: reverse(
        "partners:contact_delete", args=[o.pk, ContactFactory(organisation=o).pk]), True),
    "invite": ("get", lambda o, w: reverse("partners:invite", args=[o.pk]), False),
    "invitation_revoke": ("post", lambda o, w: reverse(
        "partners:invitation_revoke", args=[o.pk, _invitation(o, w).pk]), False),
    "invitation_resend": ("post", lambda o, w: reverse(
        "partners:invitation_resend", args=[o.pk, _invitation(o, w).pk]), False),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("org_key", ORGS)
@pytest.mark.parametrize("url_name", sorted(OBJECT_URLS))
def test_object_urls_answer_404_outside_the_scope(client, world, role, org_key, url_name):
    method, build, partner_may = OBJECT_URLS[url_name]
    organisation = world["orgs"][org_key]
    url = build(organisation, world)
    client.force_login(world["users"][role])

    response = getattr(client, method)(url)

    if org_key not in VISIBLE[role]:
        assert response.status_code == 404
    elif role in STAFF or partner_may:
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            assert response.url == reverse("partners:detail", args=[organisation.pk])
    else:
        assert response.status_code == 403


LIST_URLS = {
    "directory": lambda c: c.get(reverse("partners:directory")),
    "directory_fragment": lambda c: c.get(reverse("partners:directory"), HTTP_HX_REQUEST="true"),
    "export_csv": lambda c: c.get(reverse("partners:export", args=["csv"])),
    "export_xlsx": lambda c: c.get(reverse("partners:export", args=["xlsx"])),
    "home": lambda c: c.get(reverse("home")),
}


def _text(response):
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        import io

        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(response.content))
        return "\n".join(str(c.value) for row in book.active.iter_rows() for c in row)
    return response.content.decode()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("list_name", sorted(LIST_URLS))
def test_lists_and_exports_hold_only_rows_in_scope(client, world, role, list_name):
    client.force_login(world["users"][role])
    response = LIST_URLS[list_name](client)
    assert response.status_code == 200
    text = _text(response)
    for key, organisation in world["orgs"].items():
        if list_name == "home" and role in STAFF:
            continue  # the staff home page shows counts, checked below
        assert (organisation.name in text) == (key in VISIBLE[role]), (key, text[:300])


@pytest.mark.parametrize("role", sorted(STAFF))
def test_the_staff_home_page_counts_only_the_territory(client, world, role):
    client.force_login(world["users"][role])
    response = client.get(reverse("home"))
    assert response.context["total"] == len(VISIBLE[role])


@pytest.mark.parametrize("url", ["/", "/organisations/", "/organisations/export.csv",
                                 "/reseau/", "/journal/", "/organisations/registre/"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("role", ROLES)
def test_staff_only_pages(client, world, role):
    client.force_login(world["users"][role])
    register = client.get(reverse("partners:register"), {"q": "magog"})
    create = client.get(reverse("partners:create"))
    audit = client.get(reverse("audit:log"))
    assert register.status_code == create.status_code == (200 if role in STAFF else 403)
    assert audit.status_code == (200 if role == "admin" else 403)


def test_a_missing_organisation_answers_like_an_out_of_scope_one(client, world):
    client.force_login(world["users"]["adviser"])
    missing = client.get(reverse("partners:detail", args=[999999]))
    hidden = client.get(reverse("partners:detail", args=[world["orgs"]["gat"].pk]))
    assert missing.status_code == hidden.status_code == 404
    def page(response):  # the same page, but for the CSRF token, CSP nonce and the URL itself
        content = re.sub(rb"[A-Za-z0-9]{64}", b"TOKEN", response.content)
        content = re.sub(rb'nonce="[^"]*"', b"NONCE", content)
        return re.sub(rb"/organisations/\d+/", b"URL", content)

    assert page(missing) == page(hidden)


def test_an_inactive_account_sees_nothing(world):
    from partners.models import Organisation

    adviser = world["users"]["adviser"]
    adviser.is_active = False
    assert not Organisation.objects.for_user(adviser).exists()


# --------------------------------------------------------------------------------------------
# Action plans: every plan URL, as every role, for a plan of each organisation.
# --------------------------------------------------------------------------------------------


def _plan(org, world):
    """A plan of ``org`` in progress, with a measure, a report, a comment and a document."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from programs.models import Attachment, Comment, Status
    from tests.factories.programs import ActionPlanFactory, ReportFactory

    plan = ActionPlanFactory(organisation=org, status=Status.IN_PROGRESS, measures=1,
                             title=f"Plan isolé {org.name}", approved_amount=10000)
    report = ReportFactory(plan=plan)
    Comment.objects.create(plan=plan, author=world["users"]["admin"], body="Bonjour")
    attachment = Attachment(plan=plan, original_name="a.pdf", content_type="application/pdf",
                            size=9, sha256="0" * 64, uploaded_by=world["users"]["admin"])
    attachment.file.save("a.pdf", SimpleUploadedFile("a.pdf", b"%PDF-1.4 x"), save=False)
    attachment.save()
    return plan, report, attachment


#: name -> (method, url builder(plan, report, attachment))
PLAN_URLS = {
    "plan_detail": ("get", lambda p, r, a: reverse("programs:plan_detail", args=[p.pk])),
    "plan_step": ("get", lambda p, r, a: reverse("programs:plan_step", args=[p.pk, "general"])),
    "measure_update": ("get", lambda p, r, a: reverse(
        "programs:measure_update", args=[p.pk, p.measures.first().pk])),
    "measure_create": ("get", lambda p, r, a: reverse("programs:measure_create", args=[p.pk])),
    "measure_delete": ("post", lambda p, r, a: reverse(
        "programs:measure_delete", args=[p.pk, p.measures.first().pk])),
    "plan_delete": ("post", lambda p, r, a: reverse("programs:plan_delete", args=[p.pk])),
    "attachment_upload": ("post", lambda p, r, a: reverse("programs:attachment_upload",
                                                          args=[p.pk])),
    "plan_transition": ("post", lambda p, r, a: reverse(
        "programs:plan_transition", args=[p.pk, "closed"])),
    "decisions_batch": ("get", lambda p, r, a: reverse("programs:decisions_batch")
                        + f"?plan={p.pk}"),
    "comment_add": ("post", lambda p, r, a: reverse("programs:comment_add", args=[p.pk])),
    "attachment_download": ("get", lambda p, r, a: reverse(
        "programs:attachment_download", args=[p.pk, a.pk])),
    "attachment_delete": ("post", lambda p, r, a: reverse(
        "programs:attachment_delete", args=[p.pk, a.pk])),
    "letter_download": ("get", lambda p, r, a: reverse(
        "programs:letter_download", args=[p.pk, _letter(p).pk])),
    "report_schedule": ("get", lambda p, r, a: reverse("programs:report_schedule",
                                                       args=[p.pk])),
    "report_detail": ("get", lambda p, r, a: reverse("programs:report_detail",
                                                     args=[p.pk, r.pk])),
    "report_transition": ("post", lambda p, r, a: reverse(
        "programs:report_transition", args=[p.pk, r.pk, "accepted"])),
    "instalments_edit": ("get", lambda p, r, a: reverse("programs:instalments_edit",
                                                        args=[p.pk])),
    "instalment_authorise": ("post", lambda p, r, a: reverse(
        "programs:instalment_authorise", args=[p.pk, _instalment(p, "due").pk])),
    "instalment_mark_paid": ("post", lambda p, r, a: reverse(
        "programs:instalment_mark_paid", args=[p.pk, _instalment(p, "authorised").pk])),
}


def _letter(plan):
    """The approval letter of ``plan`` (programs/letters.py), issued for a decision row."""
    from programs.letters import letter_issue
    from programs.models import PlanEvent, Status

    event = PlanEvent.objects.create(plan=plan, from_status=Status.RECOMMENDED,
                                     to_status=Status.APPROVED, actor=plan.created_by,
                                     amount=plan.approved_amount)
    return letter_issue(event=event)


def _instalment(plan, status):
    """The whole approved amount of ``plan`` in one instalment, ``status`` (due or
    authorised)."""
    from django.utils import timezone

    from programs.models import Instalment

    now = timezone.now()
    stamps = ({"authorised_at": now, "authorised_by": plan.created_by}
              if status == "authorised" else {})
    return Instalment.objects.create(plan=plan, amount=plan.approved_amount or 10000,
                                     condition="signature", status=status, due_at=now,
                                     **stamps)


def _authorised_payments(client):
    """Every “Plan isolé” gets an instalment authorised and not yet paid (the payments
    page lists them), then ``client`` is returned."""
    from programs.models import ActionPlan

    for plan in ActionPlan.objects.filter(title__startswith="Plan isolé"):
        plan.approved_amount = 10000  # the instalments add up to it (checked at commit)
        ActionPlan.objects.filter(pk=plan.pk).update(approved_amount=plan.approved_amount)
        _instalment(plan, "authorised")
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("org_key", ORGS)
@pytest.mark.parametrize("url_name", sorted(PLAN_URLS))
def test_plan_urls_answer_404_outside_the_scope(client, world, role, org_key, url_name):
    method, build = PLAN_URLS[url_name]
    plan, report, attachment = _plan(world["orgs"][org_key], world)
    client.force_login(world["users"][role])

    response = getattr(client, method)(build(plan, report, attachment))

    if org_key not in VISIBLE[role]:
        assert response.status_code == 404
    else:
        assert response.status_code in (200, 302, 403)


PLAN_LIST_URLS = {
    "queue": ("staff", lambda c: c.get(reverse("programs:queue"))),
    "queue_fragment": ("staff", lambda c: c.get(reverse("programs:queue"),
                                                HTTP_HX_REQUEST="true")),
    "queue_csv": ("staff", lambda c: c.get(reverse("programs:queue_export", args=["csv"]))),
    "queue_xlsx": ("staff", lambda c: c.get(reverse("programs:queue_export", args=["xlsx"]))),
    "report_list": ("all", lambda c: c.get(reverse("programs:report_list"), {"tab": "all"})),
    "plan_list": ("partner", lambda c: c.get(reverse("programs:plan_list"))),
    "decisions": ("managers", lambda c: c.get(reverse("programs:decisions"))),
    "measure_list": ("staff", lambda c: c.get(reverse("programs:measure_list"))),
    "payments": ("managers", lambda c: _authorised_payments(c).get(
        reverse("programs:payments"))),
    "payments_csv": ("managers", lambda c: _authorised_payments(c).get(
        reverse("programs:payments_export", args=["csv"]))),
    "payments_xlsx": ("managers", lambda c: _authorised_payments(c).get(
        reverse("programs:payments_export", args=["xlsx"]))),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("list_name", sorted(PLAN_LIST_URLS))
def test_plan_lists_and_exports_hold_only_plans_in_scope(client, world, role, list_name):
    from programs.models import Status
    from tests.factories.programs import ActionPlanFactory, ReportFactory

    who, fetch = PLAN_LIST_URLS[list_name]
    status = Status.RECOMMENDED if list_name == "decisions" else Status.IN_PROGRESS
    for org in world["orgs"].values():
        plan = ActionPlanFactory(organisation=org, status=status, measures=1,
                                 title=f"Plan isolé {org.name}")
        ReportFactory(plan=plan)
    client.force_login(world["users"][role])
    response = fetch(client)
    allowed = {"all": True, "staff": role in STAFF, "partner": role not in STAFF,
               "managers": role in ("admin", "sit_manager")}[who]
    if not allowed:
        assert response.status_code in (302, 403)
        return
    assert response.status_code == 200
    text = _text(response)
    for key, org in world["orgs"].items():
        assert (f"Plan isolé {org.name}" in text) == (key in VISIBLE[role]), (key, role)


#: The results page and its exports add the indicators of the plans in scope (staff only).
RESULTS_URLS = {
    "results": lambda c: c.get(reverse("programs:results")),
    "results_csv": lambda c: c.get(reverse("programs:results_export", args=["csv"])),
    "results_xlsx": lambda c: c.get(reverse("programs:results_export", args=["xlsx"])),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(RESULTS_URLS))
def test_the_results_add_only_the_plans_in_scope(client, world, role, name):
    """Each organisation's funded plan targets a different power of ten of “participants
    reached »: the total shown tells exactly which plans were added."""
    from programs.models import Indicator, IndicatorDefinition, Status
    from tests.factories.programs import ActionPlanFactory, MeasureFactory

    participants = IndicatorDefinition.objects.get(code="participants-reached")
    weights = {"tr": 1, "sh": 10, "gat": 100}
    for key, org in world["orgs"].items():
        plan = ActionPlanFactory(organisation=org, status=Status.IN_PROGRESS)
        Indicator.objects.create(measure=MeasureFactory(plan=plan, lines=False),
                                 definition=participants, name="P", unit="personnes",
                                 target_value=weights[key])
    client.force_login(world["users"][role])
    response = RESULTS_URLS[name](client)
    if role not in STAFF:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    expected = sum(weights[key] for key in VISIBLE[role])
    if name == "results":
        row = response.context["results"].rows[0]
        assert (row.definition, row.target) == (participants, expected)
    else:  # the target is the 7th column of the indicator's line
        import csv
        from decimal import Decimal

        if name == "results_csv":
            cells = next(line for line in csv.reader(_text(response).lstrip("\ufeff")
                                                     .splitlines())
                         if line[0] == "participants-reached")
        else:
            text = _text(response).splitlines()
            cells = text[text.index("participants-reached"):]
        assert Decimal(cells[6]) == expected, cells


@pytest.mark.parametrize("role", ROLES)
def test_a_plan_s_internal_comments_reach_only_the_territory_s_staff(client, world, role):
    """Like a case's internal notes: the scoped queryset never gives an internal plan
    comment to a partner user, and the plan's page shows it only to staff of the territory."""
    from programs.models import Comment

    comments = {}
    for key, org in world["orgs"].items():
        plan, _report, _attachment = _plan(org, world)
        internal = Comment.objects.create(plan=plan, author=world["users"]["admin"],
                                          body=f"Interne {key}", is_internal=True)
        comments[key] = (plan, internal)
    user = world["users"][role]
    client.force_login(user)

    readable = set(Comment.objects.for_user(user).filter(is_internal=True)
                   .values_list("body", flat=True))

    expected = {f"Interne {key}" for key in VISIBLE[role]} if role in STAFF else set()
    assert readable == expected
    for key, (plan, internal) in comments.items():
        response = client.get(reverse("programs:plan_detail", args=[plan.pk]))
        if key not in VISIBLE[role]:
            assert response.status_code == 404
            continue
        assert (internal.body in response.content.decode()) == (role in STAFF), (key, role)


# --------------------------------------------------------------------------------------------
# Review grids are the ministry's: a partner meets a 404 even on their own plan's grids.
# --------------------------------------------------------------------------------------------

#: name -> (method, url builder(plan, review))
GRID_URLS = {
    "plan_grid": ("get", lambda p, g: reverse("programs:plan_grid", args=[p.pk])),
    "plan_grid_post": ("post", lambda p, g: reverse("programs:plan_grid", args=[p.pk])),
    "review_detail": ("get", lambda p, g: reverse("programs:review_detail", args=[p.pk, g.pk])),
    "review_request": ("post", lambda p, g: reverse("programs:review_request", args=[p.pk])),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("org_key", ORGS)
@pytest.mark.parametrize("url_name", sorted(GRID_URLS))
def test_grid_urls_answer_404_to_partners_and_outside_the_scope(client, world, role, org_key,
                                                                url_name):
    from programs.models import Status
    from tests.factories.accounts import StaffFactory
    from tests.factories.programs import ActionPlanFactory, completed_review

    org = world["orgs"][org_key]
    reviewer = StaffFactory(role="adviser", offices=[org.office])
    plan = ActionPlanFactory(organisation=org, status=Status.IN_REVIEW, measures=1,
                             adviser=reviewer, title=f"Plan isolé {org.name}")
    review = completed_review(plan, comment=f"Grille confidentielle {org_key}")
    method, build = GRID_URLS[url_name]
    client.force_login(world["users"][role])

    response = getattr(client, method)(build(plan, review), {"reviewer": reviewer.pk})

    if role not in STAFF or org_key not in VISIBLE[role]:
        assert response.status_code == 404
    else:
        assert response.status_code in (200, 302, 403)
    # The plan's page shows the grid to the territory's staff only.
    page = client.get(reverse("programs:plan_detail", args=[plan.pk]))
    if org_key not in VISIBLE[role]:
        assert page.status_code == 404
    else:
        assert (f"/grilles/{review.pk}/" in page.content.decode()) == (role in STAFF)


# --------------------------------------------------------------------------------------------
# Drafts belong to the partner: a plan never submitted is outside every staff role's scope
# (central administrators included) until its partner asks for help on it.
# --------------------------------------------------------------------------------------------

#: How the Trois-Rivières plan stands: a draft, a draft withdrawn as such, a draft its partner
#: asked for help on, a submitted plan.
DRAFT_STATES = ["draft", "withdrawn_draft", "help_asked", "submitted"]
HIDDEN_FROM_STAFF = {"draft", "withdrawn_draft"}

#: The plan URLs a draft has (its reports come only after approval), and asking for help.
DRAFT_URLS = {
    **{name: PLAN_URLS[name] for name in (
        "plan_detail", "plan_step", "measure_update", "measure_create", "measure_delete",
        "plan_delete", "attachment_upload", "attachment_download", "attachment_delete",
        "comment_add")},
    "plan_transition": ("post", lambda p, r, a: reverse(
        "programs:plan_transition", args=[p.pk, "submitted"])),
    "plan_help_request": ("post", lambda p, r, a: reverse("programs:plan_help_request",
                                                          args=[p.pk])),
}


def _draft(world, state):
    """A plan of Trois-Rivières in ``state``, with a measure, a comment and a document."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from programs import services
    from programs.models import Attachment, Comment, Status
    from tests.factories.programs import ActionPlanFactory

    partner = world["users"]["partner"]
    values = {"draft": {}, "help_asked": {},
              "withdrawn_draft": {"status": Status.WITHDRAWN},
              "submitted": {"status": Status.SUBMITTED, "submitted_at": timezone.now()}}[state]
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], measures=1,
                             title="Brouillon isolé", created_by=partner, **values)
    Comment.objects.create(plan=plan, author=partner, body="Une question")
    attachment = Attachment(plan=plan, original_name="a.pdf", content_type="application/pdf",
                            size=9, sha256="0" * 64, uploaded_by=partner)
    attachment.file.save("a.pdf", SimpleUploadedFile("a.pdf", b"%PDF-1.4 x"), save=False)
    attachment.save()
    if state == "help_asked":
        services.plan_help_request(actor=partner, plan_id=plan.pk)
    return plan, attachment


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", DRAFT_STATES)
@pytest.mark.parametrize("url_name", sorted(DRAFT_URLS))
def test_a_draft_is_hidden_from_staff_until_submitted_or_help_asked(client, world, role, state,
                                                                    url_name):
    method, build = DRAFT_URLS[url_name]
    plan, attachment = _draft(world, state)
    client.force_login(world["users"][role])

    response = getattr(client, method)(build(plan, None, attachment))

    if "tr" not in VISIBLE[role] or (role in STAFF and state in HIDDEN_FROM_STAFF):
        assert response.status_code == 404
    elif role in STAFF and url_name in ("plan_detail", "attachment_download"):
        assert response.status_code == 200  # the ministry reads it now
    else:
        assert response.status_code in (200, 302, 403)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", DRAFT_STATES)
def test_a_draft_and_what_hangs_on_it_are_out_of_the_staff_s_scope(world, role, state):
    """One rule in the scope (``ScopedQuerySet.partner_drafts``) for the plan and everything
    read through it: its documents, comments and history."""
    from programs.models import ActionPlan, Attachment, Comment, PlanEvent

    plan, attachment = _draft(world, state)
    user = world["users"][role]
    sees = "tr" in VISIBLE[role] and not (role in STAFF and state in HIDDEN_FROM_STAFF)

    assert ActionPlan.objects.for_user(user).filter(pk=plan.pk).exists() == sees
    assert Attachment.objects.for_user(user).filter(pk=attachment.pk).exists() == sees
    assert Comment.objects.for_user(user).filter(plan=plan).exists() == sees
    if state == "help_asked":
        assert PlanEvent.objects.for_user(user).filter(plan=plan).exists() == sees


DRAFT_LIST_URLS = {name: PLAN_LIST_URLS[name] for name in (
    "queue", "queue_fragment", "queue_csv", "queue_xlsx", "plan_list", "measure_list")}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", DRAFT_STATES)
@pytest.mark.parametrize("list_name", sorted(DRAFT_LIST_URLS))
def test_lists_and_exports_show_a_draft_to_staff_only_once_help_is_asked(client, world, role,
                                                                         state, list_name):
    who, fetch = DRAFT_LIST_URLS[list_name]
    _draft(world, state)
    client.force_login(world["users"][role])

    response = fetch(client)

    if who == "staff" and role not in STAFF or who == "partner" and role in STAFF:
        assert response.status_code in (302, 403)
        return
    assert response.status_code == 200
    text = _text(response)
    listed = "tr" in VISIBLE[role] and not (role in STAFF and state in HIDDEN_FROM_STAFF)
    if list_name == "measure_list":
        listed = listed and state == "submitted"  # the coherence counts submitted plans only
    assert ("Brouillon isolé" in text) == listed, (role, state)
    if list_name == "queue" and listed:
        assert ('class="help-requested"' in text) == (state == "help_asked")


# --------------------------------------------------------------------------------------------
# Enterprise support: every case URL, as every role, for a case of an enterprise served by
# each office; lists and exports hold only the cases in scope.
# --------------------------------------------------------------------------------------------

#: Which offices' enterprises each role sees (the world's offices tr, sh, gat).
CASE_VISIBLE = {
    "admin": {"tr", "sh", "gat"},
    "sit_manager": {"tr", "sh"},
    "adviser": {"tr"},
    "adviser_gatineau": {"gat"},
    "enterprise_tr": {"tr"},
    "enterprise_gat": {"gat"},
}


def _case_world(world):
    """An enterprise served by each office, with a user, an open case, a note, a referral and a
    document."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from enterprises.models import CaseAttachment, CaseNote, Referral
    from tests.factories.enterprises import CaseFactory, EnterpriseFactory
    from tests.factories.partners import PartnerUserFactory

    cases, users = {}, dict(world["users"])
    for key, office in world["offices"].items():
        enterprise = EnterpriseFactory(organisation__office=office,
                                       organisation__region=office.region,
                                       organisation__name=f"Entreprise isolée {key}")
        case = CaseFactory(organisation=enterprise.organisation,
                           description=f"Demande isolée {key}")
        CaseNote.objects.create(case=case, author=world["users"]["admin"], body="Note",
                                is_internal=False)
        referral = Referral.objects.create(case=case, target="emploi_quebec",
                                           created_by=world["users"]["admin"])
        attachment = CaseAttachment(case=case, original_name="a.pdf",
                                    content_type="application/pdf", size=9, sha256="0" * 64,
                                    uploaded_by=world["users"]["admin"])
        attachment.file.save("a.pdf", SimpleUploadedFile("a.pdf", b"%PDF-1.4 x"), save=False)
        attachment.save()
        cases[key] = (enterprise, case, referral, attachment)
        if key in ("tr", "gat"):
            users[f"enterprise_{key}"] = PartnerUserFactory(organisation=enterprise.organisation)
    return cases, users


def _checklist_item(case):
    from enterprises.models import CaseChecklistItem

    return CaseChecklistItem.objects.create(case=case, label_fr="Étape", label_en="Step")


#: name -> (method, url builder(enterprise, case, referral, attachment))
CASE_URLS = {
    "enterprise_detail": ("get", lambda e, c, r, a: reverse("enterprises:enterprise_detail",
                                                            args=[e.pk])),
    "enterprise_update": ("get", lambda e, c, r, a: reverse("enterprises:enterprise_update",
                                                            args=[e.pk])),
    "enterprise_verify": ("post", lambda e, c, r, a: reverse("enterprises:enterprise_verify",
                                                             args=[e.pk])),
    "case_detail": ("get", lambda e, c, r, a: reverse("enterprises:case_detail", args=[c.pk])),
    "case_transition": ("post", lambda e, c, r, a: reverse("enterprises:case_transition",
                                                           args=[c.pk, "closed"])),
    "note_add": ("post", lambda e, c, r, a: reverse("enterprises:note_add", args=[c.pk])),
    "case_follow_up": ("post", lambda e, c, r, a: reverse("enterprises:case_follow_up",
                                                          args=[c.pk])),
    "referral_add": ("post", lambda e, c, r, a: reverse("enterprises:referral_add",
                                                        args=[c.pk])),
    "referral_outcome": ("post", lambda e, c, r, a: reverse(
        "enterprises:referral_outcome", args=[c.pk, r.pk])),
    "referral_partner_search": ("get", lambda e, c, r, a: reverse(
        "enterprises:referral_partner_search", args=[c.pk]) + "?partenaire=accueil"),
    "case_attachment_upload": ("post", lambda e, c, r, a: reverse(
        "enterprises:case_attachment_upload", args=[c.pk])),
    "case_attachment_download": ("get", lambda e, c, r, a: reverse(
        "enterprises:case_attachment_download", args=[c.pk, a.pk])),
    "case_create_for": ("get", lambda e, c, r, a: reverse("enterprises:case_create")
                        + f"?organisation={e.organisation_id}"),
    # Checklists and ready answers: staff of the territory; the enterprise in it 403.
    "checklist_item_set": ("post", lambda e, c, r, a: reverse(
        "enterprises:checklist_item_set", args=[c.pk, _checklist_item(c).pk])),
    "case_classify": ("post", lambda e, c, r, a: reverse("enterprises:case_classify",
                                                         args=[c.pk])),
    "note_answer": ("get", lambda e, c, r, a: reverse("enterprises:note_answer", args=[c.pk])),
    # Priority and merging: advisers and SIT managers of the territory; others in it 403.
    "case_priority": ("post", lambda e, c, r, a: reverse("enterprises:case_priority",
                                                         args=[c.pk])),
    "case_merge": ("get", lambda e, c, r, a: reverse("enterprises:case_merge", args=[c.pk])),
    # Interventions: staff of the territory; the case's enterprise gets 403, others 404.
    "case_intervention_add": ("post", lambda e, c, r, a: reverse(
        "enterprises:case_intervention_add", args=[c.pk])),
    "case_intervention_update": ("get", lambda e, c, r, a: reverse(
        "enterprises:case_intervention_update", args=[c.pk, _intervention(c).pk])),
    "case_intervention_delete": ("post", lambda e, c, r, a: reverse(
        "enterprises:case_intervention_delete", args=[c.pk, _intervention(c).pk])),
}


def _intervention(case, minutes=10):
    """A call on ``case`` by the user who entered it."""
    from django.utils import timezone

    from enterprises.models import Intervention

    return Intervention.objects.create(case=case, kind="phone", help_kind="information",
                                       day=timezone.localdate(), duration_minutes=minutes,
                                       adviser=case.created_by)


@pytest.mark.parametrize("role", sorted(CASE_VISIBLE))
@pytest.mark.parametrize("office_key", ORGS)
@pytest.mark.parametrize("url_name", sorted(CASE_URLS))
def test_case_urls_answer_404_outside_the_scope(client, world, role, office_key, url_name):
    cases, users = _case_world(world)
    method, build = CASE_URLS[url_name]
    client.force_login(users[role])

    response = getattr(client, method)(build(*cases[office_key]))

    if office_key not in CASE_VISIBLE[role]:
        if url_name == "case_create_for" and role.startswith("enterprise"):
            # An enterprise user's request is always for their own enterprise.
            assert response.status_code in (200, 302, 403, 404)
            return
        assert response.status_code == 404
    else:
        assert response.status_code in (200, 302, 403)


CASE_LIST_URLS = {
    "case_list": ("all", lambda c: c.get(reverse("enterprises:case_list"))),
    "case_list_fragment": ("all", lambda c: c.get(reverse("enterprises:case_list"),
                                                  HTTP_HX_REQUEST="true")),
    "case_csv": ("staff", lambda c: c.get(reverse("enterprises:case_export", args=["csv"]))),
    "case_xlsx": ("staff", lambda c: c.get(reverse("enterprises:case_export", args=["xlsx"]))),
    "case_late": ("managers", lambda c: c.get(reverse("enterprises:case_late"))),
    "case_workload": ("staff", lambda c: c.get(reverse("enterprises:case_workload"))),
    "case_workload_csv": ("staff", lambda c: c.get(reverse("enterprises:case_workload_export",
                                                           args=["csv"]))),
    "case_workload_xlsx": ("staff", lambda c: c.get(reverse("enterprises:case_workload_export",
                                                            args=["xlsx"]))),
}


@pytest.mark.parametrize("role", sorted(CASE_VISIBLE))
@pytest.mark.parametrize("list_name", sorted(CASE_LIST_URLS))
def test_case_lists_and_exports_hold_only_cases_in_scope(client, world, role, list_name):
    cases, users = _case_world(world)
    who, fetch = CASE_LIST_URLS[list_name]
    client.force_login(users[role])
    response = fetch(client)
    staff = role in STAFF
    allowed = {"all": True, "staff": staff,
               "managers": role in ("admin", "sit_manager")}[who]
    if not allowed:
        assert response.status_code in (302, 403)
        return
    assert response.status_code == 200
    if list_name == "case_late" or list_name.startswith("case_workload"):
        return  # counts per office and adviser: checked below and in tests/enterprises
    text = _text(response)
    for key in ORGS:
        assert (f"Entreprise isolée {key}" in text) == (key in CASE_VISIBLE[role]), (key, role)


#: The offices whose interventions each role's workload report adds up: an adviser's own only.
WORKLOAD_VISIBLE = {**CASE_VISIBLE, "adviser": set(), "adviser_gatineau": set()}


@pytest.mark.parametrize("role", sorted(STAFF))
def test_the_workload_report_and_its_export_add_up_only_the_territory(client, world, role):
    """A call of 10, 20 and 40 minutes on the case of each office (by the user who entered
    it, not one of the world's advisers): each role's figures hold exactly its offices'."""
    cases, users = _case_world(world)
    minutes = {"tr": 10, "sh": 20, "gat": 40}
    for key, (_enterprise, case, _referral, _attachment) in cases.items():
        _intervention(case, minutes[key])
    client.force_login(users[role])
    response = client.get(reverse("enterprises:case_workload"))
    assert response.context["figures"].total.minutes == sum(
        minutes[key] for key in WORKLOAD_VISIBLE[role])
    export = client.get(reverse("enterprises:case_workload_export", args=["csv"]))
    offices = {line.split(",")[1] for line in export.content.decode("utf-8-sig").splitlines()[1:]}
    assert offices == {world["offices"][key].city for key in WORKLOAD_VISIBLE[role]}


def _to_sort_mail(case):
    """An email to sort that came to the case's office (subject “Courriel isolé <office>”)."""
    from django.core.files.base import ContentFile

    from notifications.models import InboundMessage

    message = InboundMessage(message_key=f"<isole-{case.pk}@exemple.qc.ca>", state="to_sort",
                             from_address="x@exemple.qc.ca", office=case.office,
                             subject=f"Courriel isolé {case.office.slug}")
    message.raw.save("m.eml", ContentFile(b"From: x@exemple.qc.ca\r\nSubject: s\r\n\r\nt"),
                     save=False)
    message.save()
    return message


#: name -> (method, url builder(enterprise, case, referral, attachment)): staff of the office's
#: territory only; enterprises' users never (404, like an email that does not exist).
MAIL_URLS = {
    "mail_detail": ("get", lambda e, c, r, a: reverse("enterprises:mail_detail",
                                                      args=[_to_sort_mail(c).pk])),
    "mail_original": ("get", lambda e, c, r, a: reverse("enterprises:mail_original",
                                                        args=[_to_sort_mail(c).pk])),
    "mail_sort": ("post", lambda e, c, r, a: reverse("enterprises:mail_sort",
                                                     args=[_to_sort_mail(c).pk])),
    "mail_discard": ("post", lambda e, c, r, a: reverse("enterprises:mail_discard",
                                                        args=[_to_sort_mail(c).pk])),
    "mail_retry": ("post", lambda e, c, r, a: reverse("enterprises:mail_retry",
                                                      args=[_to_sort_mail(c).pk])),
}


@pytest.mark.parametrize("role", sorted(CASE_VISIBLE))
@pytest.mark.parametrize("office_key", ORGS)
@pytest.mark.parametrize("url_name", sorted(MAIL_URLS))
def test_mail_urls_answer_404_outside_the_scope(client, world, role, office_key, url_name):
    cases, users = _case_world(world)
    method, build = MAIL_URLS[url_name]
    client.force_login(users[role])
    response = getattr(client, method)(build(*cases[office_key]))
    if office_key not in CASE_VISIBLE[role] or role.startswith("enterprise"):
        assert response.status_code == 404
    else:
        assert response.status_code in (200, 302, 403)


@pytest.mark.parametrize("role", sorted(CASE_VISIBLE))
def test_the_mail_to_sort_lists_only_the_mail_in_scope(client, world, role):
    cases, users = _case_world(world)
    for key in ORGS:
        _to_sort_mail(cases[key][1])
    client.force_login(users[role])
    response = client.get(reverse("enterprises:mail_to_sort"))
    if role.startswith("enterprise"):
        assert response.status_code == 403
        return
    text = _text(response)
    for key, office in world["offices"].items():
        assert (f"Courriel isolé {office.slug}" in text) == (key in CASE_VISIBLE[role])


@pytest.mark.parametrize("role", sorted(CASE_VISIBLE))
def test_the_enterprise_finder_of_a_phone_request_lists_only_enterprises_in_scope(
        client, world, role):
    """“Enter a request” (no enterprise chosen yet): advisers and SIT managers find only the
    enterprises of their territory; an administrator enters no request; an enterprise's user
    gets its own request form, which names no other enterprise."""
    cases, users = _case_world(world)
    client.force_login(users[role])
    response = client.get(reverse("enterprises:case_create"), {"q": "Entreprise isolée"})
    if role == "admin":
        assert response.status_code == 403
        return
    assert response.status_code == 200
    text = _text(response)
    for key in ORGS:
        listed = f"Entreprise isolée {key}" in text
        if role.startswith("enterprise"):
            assert not listed or key in CASE_VISIBLE[role], (key, role)
        else:
            assert listed == (key in CASE_VISIBLE[role]), (key, role)


@pytest.mark.parametrize("role", ROLES)
def test_cohort_pages_are_for_staff_and_the_import_for_central_administrators(client, world,
                                                                                role):
    client.force_login(world["users"][role])
    dashboard = client.get(reverse("cohort_dashboard"))
    coherence = client.get(reverse("programs:coherence"))
    upload = client.get(reverse("regions:cohort_import"))
    history = client.get(reverse("regions:cohort_import_history"))
    assert dashboard.status_code == coherence.status_code == (200 if role in STAFF else 403)
    assert upload.status_code == history.status_code == (200 if role == "admin" else 403)


# --------------------------------------------------------------------------------------------
# Regional opportunities and regionalisation activities: every opportunity and activity URL,
# as every kind of user (the world's, the enterprises' of two offices and a Montréal
# regionalisation organisation's), for objects of enterprises and organisations of each
# territory; lists, the board and the exports hold only the rows in scope.
# --------------------------------------------------------------------------------------------

#: The kinds of user of the walk. `partner` and `partner_gatineau` belong to settlement
#: organisations (the world's default), so they see the board.
REGIONALISATION_ROLES = sorted([*VISIBLE, "enterprise_tr", "enterprise_gat",
                                "regionalisation"])
#: Whose opportunities each kind of user manages (``for_user``), by the office serving the job.
OPPORTUNITY_MANAGED = {
    "admin": {"tr", "sh", "gat"},
    "sit_manager": {"tr", "sh"},
    "adviser": {"tr"},
    "adviser_gatineau": {"gat"},
    "enterprise_tr": {"tr"},
    "enterprise_gat": {"gat"},
    "partner": set(),
    "partner_gatineau": set(),
    "regionalisation": set(),
}
BOARD_VIEWERS = {"admin", "sit_manager", "adviser", "adviser_gatineau", "partner",
                 "partner_gatineau", "regionalisation"}
#: The opportunities of each office: awaiting validation (not on the board), on the board,
#: and filled after the Montréal organisation referred candidates to it.
OPPORTUNITY_STATES = ("submitted", "published", "filled")


def opportunity_visible(role, key, state):
    """Whether ``role`` may read office ``key``'s opportunity in ``state`` at all: what it
    manages, the board for board viewers, and what its organisation referred candidates to."""
    if key in OPPORTUNITY_MANAGED[role]:
        return True
    if state == "published":
        return role in BOARD_VIEWERS
    return state == "filled" and role == "regionalisation"


def _regionalisation_world(world):
    """For each office: an enterprise it serves with an opportunity in each state (a user for
    the enterprises of Trois-Rivières and Gatineau); a Montréal regionalisation organisation
    with a user, which referred candidates to the filled ones and held an activity promoting
    the Mauricie; another one's activities promoting the Outaouais and the Estrie."""
    from regions.models import Region
    from tests.factories.enterprises import EnterpriseFactory
    from tests.factories.partners import PartnerUserFactory
    from tests.factories.regionalisation import (
        ActivityFactory,
        OpportunityFactory,
        OpportunityReferralFactory,
        municipality,
        regionalisation_organisation,
    )

    places = {"tr": "37067", "sh": "36033", "gat": "81017"}
    users = dict(world["users"])
    own = regionalisation_organisation(name="Passerelle isolée")
    other = regionalisation_organisation(name="Cap isolé")
    users["regionalisation"] = PartnerUserFactory(organisation=own)
    opportunities = {}
    for key, office in world["offices"].items():
        enterprise = EnterpriseFactory(organisation__office=office,
                                       organisation__region=office.region,
                                       organisation__name=f"Employeur isolé {key}").organisation
        for state in OPPORTUNITY_STATES:
            opportunities[key, state] = OpportunityFactory(
                enterprise=enterprise, office=office, municipality=municipality(places[key]),
                title=f"Offre isolée {key} {state}", **{state: True})
        OpportunityReferralFactory(opportunity=opportunities[key, "filled"], organisation=own)
        if key in ("tr", "gat"):
            users[f"enterprise_{key}"] = PartnerUserFactory(organisation=enterprise)
    region = {code: Region.objects.get(code=code) for code in ("04", "05", "07")}
    activities = {
        "own_04": ActivityFactory(organisation=own, title="Activité isolée own_04",
                                  regions=[region["04"]]),
        "other_07": ActivityFactory(organisation=other, title="Activité isolée other_07",
                                    regions=[region["07"]]),
        "other_05": ActivityFactory(organisation=other, title="Activité isolée other_05",
                                    regions=[region["05"]]),
    }
    return opportunities, activities, users


def _in_days(days):
    from datetime import timedelta

    from django.utils import timezone

    return (timezone.localdate() + timedelta(days=days)).isoformat()


#: name -> (method, url builder(opportunity), data, scope): “manage” URLs read through
#: ``for_user`` (the employer and the territory), “visible” ones through ``visible_to``.
OPPORTUNITY_URLS = {
    "opportunity_detail": ("get", lambda o: reverse("regionalisation:opportunity_detail",
                                                    args=[o.pk]), {}, "visible"),
    "opportunity_edit": ("get", lambda o: reverse("regionalisation:opportunity_edit",
                                                  args=[o.pk]), {}, "manage"),
    "opportunity_extend": ("post", lambda o: reverse("regionalisation:opportunity_extend",
                                                     args=[o.pk]),
                           {"expires_on": _in_days(40)}, "manage"),
    "opportunity_move": ("post", lambda o: reverse("regionalisation:opportunity_move",
                                                   args=[o.pk]),
                         {"to": "withdrawn", "comment": "Retrait (test d'isolement)"},
                         "manage"),
    "opportunity_follow": ("post", lambda o: reverse("regionalisation:opportunity_follow",
                                                     args=[o.pk]), {"follow": "1"},
                           "visible"),
    "referral_record": ("post", lambda o: reverse("regionalisation:referral_record",
                                                  args=[o.pk]),
                        {"candidates": "2", "interviews": "1", "hires": "0"}, "visible"),
}


@pytest.mark.parametrize("role", REGIONALISATION_ROLES)
@pytest.mark.parametrize("office_key", ORGS)
@pytest.mark.parametrize("url_name", sorted(OPPORTUNITY_URLS))
def test_opportunity_urls_answer_404_outside_the_scope(client, world, role, office_key,
                                                       url_name):
    opportunities, _activities, users = _regionalisation_world(world)
    method, build, data, scope = OPPORTUNITY_URLS[url_name]
    client.force_login(users[role])

    for state in OPPORTUNITY_STATES:
        response = getattr(client, method)(build(opportunities[office_key, state]), data)

        in_scope = (office_key in OPPORTUNITY_MANAGED[role] if scope == "manage"
                    else opportunity_visible(role, office_key, state))
        if in_scope:
            assert response.status_code in (200, 302, 400, 403), (state, response.status_code)
        else:
            assert response.status_code == 404, (state, response.status_code)


def test_a_missing_opportunity_answers_like_an_out_of_scope_one(client, world):
    opportunities, _activities, users = _regionalisation_world(world)
    client.force_login(users["enterprise_tr"])
    hidden = client.get(reverse("regionalisation:opportunity_detail",
                                args=[opportunities["gat", "published"].pk]))
    missing = client.get(reverse("regionalisation:opportunity_detail", args=[999999]))
    assert missing.status_code == hidden.status_code == 404

    def page(response):  # the same page, but for the CSRF token, CSP nonce and the URL itself
        content = re.sub(rb"[A-Za-z0-9]{64}", b"TOKEN", response.content)
        content = re.sub(rb'nonce="[^"]*"', b"NONCE", content)
        return re.sub(rb"/regionalisation/offres/\d+/", b"URL", content)

    assert page(missing) == page(hidden)


#: Whose activities each kind of user sees: its organisation's own, or (staff) those of the
#: Montréal organisations its offices serve (none here) and those promoting a region its
#: offices serve (the SIT of Sherbrooke serves the Mauricie and the Estrie).
ACTIVITY_VISIBLE = {
    "admin": {"own_04", "other_07", "other_05"},
    "sit_manager": {"own_04", "other_05"},
    "adviser": {"own_04"},
    "adviser_gatineau": {"other_07"},
    "regionalisation": {"own_04"},
    "enterprise_tr": set(),
    "enterprise_gat": set(),
    "partner": set(),
    "partner_gatineau": set(),
}
ACTIVITY_KEYS = ["other_05", "other_07", "own_04"]

#: name -> (method, url builder(activity))
ACTIVITY_URLS = {
    "activity_detail": ("get", lambda a: reverse("regionalisation:activity_detail",
                                                 args=[a.pk])),
    "activity_edit": ("get", lambda a: reverse("regionalisation:activity_edit", args=[a.pk])),
    "activity_delete": ("post", lambda a: reverse("regionalisation:activity_delete",
                                                  args=[a.pk])),
    "activity_outcomes_6": ("get", lambda a: reverse("regionalisation:activity_outcomes",
                                                     args=[a.pk, 6])),
    "activity_outcomes_12": ("get", lambda a: reverse("regionalisation:activity_outcomes",
                                                      args=[a.pk, 12])),
}


@pytest.mark.parametrize("role", REGIONALISATION_ROLES)
@pytest.mark.parametrize("activity_key", ACTIVITY_KEYS)
@pytest.mark.parametrize("url_name", sorted(ACTIVITY_URLS))
def test_activity_urls_answer_404_outside_the_scope(client, world, role, activity_key,
                                                    url_name):
    _opportunities, activities, users = _regionalisation_world(world)
    method, build = ACTIVITY_URLS[url_name]
    client.force_login(users[role])

    response = getattr(client, method)(build(activities[activity_key]))

    if activity_key not in ACTIVITY_VISIBLE[role]:
        assert response.status_code == 404
    else:
        assert response.status_code in (200, 302, 400, 403)


def _managed_rows(role):
    return {f"Offre isolée {key} {state}" for key in OPPORTUNITY_MANAGED[role]
            for state in OPPORTUNITY_STATES}


def _board_rows(role):
    return {f"Offre isolée {key} published" for key in ORGS}


def _activity_rows(role):
    return {f"Activité isolée {key}" for key in ACTIVITY_VISIBLE[role]}


OPPORTUNITY_MANAGERS = {"admin", "sit_manager", "adviser", "adviser_gatineau", "enterprise_tr",
                        "enterprise_gat"}
ACTIVITY_VIEWERS = {"admin", "sit_manager", "adviser", "adviser_gatineau", "regionalisation"}

#: name -> (who may open it, fetch(client), the rows it must hold: role -> set of titles)
REGIONALISATION_LIST_URLS = {
    "opportunity_list": (OPPORTUNITY_MANAGERS, lambda c: c.get(reverse(
        "regionalisation:opportunity_list")), _managed_rows),
    "opportunity_list_fragment": (OPPORTUNITY_MANAGERS, lambda c: c.get(reverse(
        "regionalisation:opportunity_list"), HTTP_HX_REQUEST="true"), _managed_rows),
    "opportunity_csv": (OPPORTUNITY_MANAGERS, lambda c: c.get(reverse(
        "regionalisation:opportunity_export", args=["csv"])), _managed_rows),
    "opportunity_xlsx": (OPPORTUNITY_MANAGERS, lambda c: c.get(reverse(
        "regionalisation:opportunity_export", args=["xlsx"])), _managed_rows),
    "board": (BOARD_VIEWERS, lambda c: c.get(reverse("regionalisation:board")), _board_rows),
    "board_fragment": (BOARD_VIEWERS, lambda c: c.get(reverse("regionalisation:board"),
                                                      HTTP_HX_REQUEST="true"), _board_rows),
    "activity_list": (ACTIVITY_VIEWERS, lambda c: c.get(reverse(
        "regionalisation:activity_list")), _activity_rows),
    "activity_list_fragment": (ACTIVITY_VIEWERS, lambda c: c.get(reverse(
        "regionalisation:activity_list"), HTTP_HX_REQUEST="true"), _activity_rows),
    "activity_csv": (ACTIVITY_VIEWERS, lambda c: c.get(reverse(
        "regionalisation:activity_export", args=["csv"])), _activity_rows),
    "activity_xlsx": (ACTIVITY_VIEWERS, lambda c: c.get(reverse(
        "regionalisation:activity_export", args=["xlsx"])), _activity_rows),
}


@pytest.mark.parametrize("role", REGIONALISATION_ROLES)
@pytest.mark.parametrize("list_name", sorted(REGIONALISATION_LIST_URLS))
def test_regionalisation_lists_and_exports_hold_only_rows_in_scope(client, world, role,
                                                                   list_name):
    _opportunities, _activities, users = _regionalisation_world(world)
    who, fetch, rows = REGIONALISATION_LIST_URLS[list_name]
    client.force_login(users[role])
    response = fetch(client)
    if role not in who:
        assert response.status_code in (302, 403)
        return
    assert response.status_code == 200
    text = _text(response)
    every = ({f"Offre isolée {key} {state}" for key in ORGS for state in OPPORTUNITY_STATES}
             | {f"Activité isolée {key}" for key in ACTIVITY_KEYS})
    assert {title for title in every if title in text} == rows(role), role


# --------------------------------------------------------------------------------------------
# Checklists and ready answers: pages of the whole network, by role (not by territory).
# --------------------------------------------------------------------------------------------

#: name -> (method, url builder(), roles that may open it)
CASEWORK_TOOL_URLS = {
    "answer_library": ("get", lambda: reverse("enterprises:answer_library"), STAFF),
    "answer_create": ("get", lambda: reverse("enterprises:answer_create"),
                      {"admin", "sit_manager"}),
    "answer_update": ("get", lambda: reverse("enterprises:answer_update",
                                             args=[_ready_answer().pk]), {"admin", "sit_manager"}),
    "checklist_templates": ("get", lambda: reverse("enterprises:checklist_templates"), {"admin"}),
    "checklist_template_update": ("get", lambda: reverse(
        "enterprises:checklist_template_update", args=[_checklist_template().pk]), {"admin"}),
}


def _ready_answer():
    from accounts.models import User
    from enterprises.models import ReadyAnswer

    return ReadyAnswer.objects.create(title_fr="Titre", title_en="Title", body_fr="Texte",
                                      body_en="Text", created_by=User.objects.first())


def _checklist_template():
    from enterprises.models import ChecklistTemplate

    return ChecklistTemplate.objects.first()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", sorted(CASEWORK_TOOL_URLS))
def test_checklist_and_ready_answer_pages_by_role(client, world, role, url_name):
    method, build, allowed = CASEWORK_TOOL_URLS[url_name]
    client.force_login(world["users"][role])
    response = getattr(client, method)(build())
    assert response.status_code == (200 if role in allowed else 403)
