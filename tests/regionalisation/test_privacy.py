"""« No personal data about immigrants in the models (counts only). »

Every field of every model of the ``regionalisation`` app is listed below with the reason it
is not about an immigrant. A field added to these models fails ``test_every_field_was_reviewed``
until it is added here, which asks for a review of the README's « Privacy (personal
information) » section (purpose, retention, who sees it) in the same change. Other tests catch
what a hurried allow-list entry could let through: a name, contact, birth date or identifier,
a count that is not a number, a link to a model outside those known to hold no immigrant.

No database needed: these tests read the models' definitions.
"""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models

README = Path(settings.BASE_DIR) / "README.md"
PRIVACY_SECTION = "### Privacy (personal information)"
REVIEW = (f"README.md, section « {PRIVACY_SECTION.lstrip('# ')} »: no personal information "
          "about immigrants is stored by default (counts only). Review that section (purpose, "
          "retention, who sees it) before adding the field to ALLOWED in "
          "tests/regionalisation/test_privacy.py.")

_KEY = "the row's key"
_ORG = "an organisation (the employer or a partner), never a person"
_STAFF = "a portal user (ministry staff or a partner's user who signs in), not an immigrant"
_WHEN = "when something happened to the record"
_PLACE = "a place of the public register (region, municipality) or a ministry office"

#: model -> field -> why the field is not about an immigrant.
ALLOWED = {
    "Opportunity": {
        "id": _KEY,
        "enterprise": _ORG,
        "case": "the employer's support case it was published from (enterprises.Case)",
        "title": "a job title, e.g. « Soudeur ou soudeuse »",
        "description": "the job and its conditions, written by the employer",
        "positions": "a count of positions",
        "noc_code": "the job's occupation code (NOC/CNP)",
        "sector": "the employer's sector",
        "french_level": "the French level the job needs",
        "municipality": _PLACE,
        "region": _PLACE,
        "office": _PLACE,
        "start_date": "when the job starts",
        "offers_housing": "what the employer offers",
        "offers_moving_costs": "what the employer offers",
        "offers_spouse_employment": "what the employer offers",
        "settlement_details": "what the employer offers, in its words",
        "expires_on": "the posting's last day on the board",
        "status": "the posting's workflow status",
        "created_by": _STAFF,
        "created_at": _WHEN,
        "updated_at": _WHEN,
        "submitted_at": _WHEN,
        "published_at": _WHEN,
        "validated_by": _STAFF,
        "closed_at": _WHEN,
    },
    "OpportunityEvent": {
        "id": _KEY,
        "opportunity": "the opportunity moved",
        "from_status": "a workflow status",
        "to_status": "a workflow status",
        "actor": _STAFF,
        "comment": "why an adviser sent back or the employer withdrew the posting",
        "created_at": _WHEN,
    },
    "OpportunityFollow": {
        "id": _KEY,
        "opportunity": "the opportunity followed",
        "user": _STAFF + " (an organisation's user following the posting)",
        "created_at": _WHEN,
    },
    "OpportunityReferral": {
        "id": _KEY,
        "opportunity": "the opportunity referred to",
        "organisation": _ORG + " (the referring organisation)",
        "candidates": "a count: candidates presented, never who",
        "interviews": "a count: interviews, never who",
        "hires": "a count: hires, never who",
        "updated_by": _STAFF,
        "updated_at": _WHEN,
    },
    "Activity": {
        "id": _KEY,
        "organisation": _ORG + " (the regionalisation organisation)",
        "kind": "the kind of activity (information session, job fair...)",
        "title": "the activity's title, e.g. « Séance d’information : vivre en Mauricie »",
        "starts_on": "the activity's dates",
        "ends_on": "the activity's dates",
        "description": "what the activity was, written by the organisation",
        "participants": "a count of participants, never who",
        "partner_enterprises": _ORG + " (enterprises)",
        "partner_municipalities": _PLACE,
        "other_partners": "other partner organisations, in the organisation's words",
        "created_by": _STAFF,
        "created_at": _WHEN,
        "updated_at": _WHEN,
    },
    "ActivityRegion": {
        "id": _KEY,
        "activity": "the activity",
        "region": _PLACE,
        "settled_6_months": "a count of participants living in the region after 6 months",
        "settled_12_months": "a count of participants living in the region after 12 months",
    },
}

#: Free text written by employers, organisations and advisers about jobs and activities: the
#: forms ask for no personal information; these are the only places it could be typed.
FREE_TEXT = {("Opportunity", "description"), ("Opportunity", "settlement_details"),
             ("OpportunityEvent", "comment"), ("Activity", "description"),
             ("Activity", "other_partners")}

#: Words of a field name that say it identifies or locates a person.
IDENTITY_SUBSTRINGS = ("name", "email", "courriel", "phone", "birth", "naissance", "address",
                       "adresse", "passport", "passeport", "nationality", "citizenship",
                       "gender", "genre", "identif", "file_number", "postal")
IDENTITY_TOKENS = {"nom", "prenom", "tel", "sin", "nas", "uci", "dob", "age", "sex", "sexe",
                   "dossier", "cv", "photo", "contact", "ip"}
#: Field names with an identity word that were reviewed (a job or organisation field):
#: model -> field -> why. Empty today.
IDENTITY_WORDS_REVIEWED: dict[str, dict[str, str]] = {}
#: Words of a field name about the people referred or taking part: such a field is a count.
PEOPLE_TOKENS = {"candidate", "candidates", "immigrant", "immigrants", "participant",
                 "participants", "person", "persons", "people", "worker", "workers", "hire",
                 "hires", "interview", "interviews", "settled", "newcomer", "newcomers"}
COUNT_FIELDS = (models.PositiveIntegerField, models.PositiveSmallIntegerField,
                models.IntegerField, models.SmallIntegerField)

#: Models the regionalisation models may point to: none holds an immigrant.
KNOWN_TARGETS = {"partners.organisation", "enterprises.case", "regions.region",
                 "regions.municipality", "antennes.office", "accounts.user",
                 "regionalisation.opportunity", "regionalisation.activity"}


def _model_fields(model):
    return [*model._meta.concrete_fields, *model._meta.local_many_to_many]


def app_fields():
    """(model name, field) of every concrete and many-to-many field of the app's models."""
    return [(model.__name__, field)
            for model in apps.get_app_config("regionalisation").get_models()
            for field in _model_fields(model)]


def unreviewed(fields) -> list[str]:
    """What differs from ``ALLOWED``: one message per field added or removed."""
    present = {(model, field.name) for model, field in fields}
    allowed = {(model, name) for model, names in ALLOWED.items() for name in names}
    problems = [f"{model}.{name} is not in the privacy allow-list. See {REVIEW}"
                for model, name in sorted(present - allowed)]
    problems += [f"{model}.{name} is in the allow-list but not in the model any more: remove "
                 "it from ALLOWED." for model, name in sorted(allowed - present)]
    return problems


def identity_like(fields) -> list[str]:
    """Fields whose name or type says they identify a person."""
    problems = []
    for model, field in fields:
        name = field.name.lower()
        tokens = set(name.split("_"))
        if name in IDENTITY_WORDS_REVIEWED.get(model, {}):
            continue
        if any(word in name for word in IDENTITY_SUBSTRINGS) or tokens & IDENTITY_TOKENS:
            problems.append(f"{model}.{field.name} looks like personal information. See "
                            f"{REVIEW}")
        if isinstance(field, (models.EmailField, models.GenericIPAddressField,
                              models.FileField, models.JSONField, models.BinaryField)):
            problems.append(f"{model}.{field.name} is a {type(field).__name__}: it could hold "
                            f"personal information. See {REVIEW}")
    return problems


def people_not_counted(fields) -> list[str]:
    return [f"{model}.{field.name} is about people but is not a count. See {REVIEW}"
            for model, field in fields
            if set(field.name.lower().split("_")) & PEOPLE_TOKENS
            and not isinstance(field, COUNT_FIELDS)]


def _fake(name, field):
    field.set_attributes_from_name(name)
    return field


# --------------------------------------------------------------------------------------------


def test_every_field_was_reviewed():
    problems = unreviewed(app_fields())
    assert not problems, "\n".join(problems)


def test_the_allow_list_gives_a_reason_for_each_field():
    for model, names in ALLOWED.items():
        for name, reason in names.items():
            assert reason.strip(), f"{model}.{name}: say why it is not about an immigrant"


def test_every_model_of_the_app_is_listed():
    assert {model.__name__ for model in apps.get_app_config("regionalisation").get_models()} \
        == set(ALLOWED)


def test_a_new_field_such_as_a_candidates_name_fails_and_points_at_the_readme():
    candidate_name = _fake("candidate_name", models.CharField(max_length=200))
    problems = unreviewed([*app_fields(), ("OpportunityReferral", candidate_name)])
    assert problems == [f"OpportunityReferral.candidate_name is not in the privacy allow-list. "
                        f"See {REVIEW}"]
    assert "Privacy (personal information)" in problems[0]
    assert "README.md" in problems[0]
    # Even if someone added it to the allow-list without thinking, its name gives it away.
    assert identity_like([("OpportunityReferral", candidate_name)])
    assert people_not_counted([("OpportunityReferral", candidate_name)])


def test_the_readme_has_the_privacy_section_the_message_points_at():
    text = README.read_text(encoding="utf-8")
    assert PRIVACY_SECTION in text
    section = text.split(PRIVACY_SECTION, 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    assert "No personal information about immigrants is stored by default" in section
    assert "tests/regionalisation/test_privacy.py" in section


def test_no_field_names_or_holds_a_persons_identity():
    problems = identity_like(app_fields())
    assert not problems, "\n".join(problems)


def test_no_field_is_an_email_a_file_or_free_form_data():
    kinds = {type(field) for _model, field in app_fields()}
    for forbidden in (models.EmailField, models.FileField, models.ImageField, models.JSONField,
                      models.GenericIPAddressField, models.BinaryField):
        assert not any(issubclass(kind, forbidden) for kind in kinds), forbidden.__name__


def test_the_guards_catch_the_usual_suspects():
    for name, field in [("email", models.EmailField()), ("phone", models.CharField()),
                        ("date_of_birth", models.DateField()),
                        ("home_address", models.TextField()), ("first_name", models.CharField()),
                        ("uci", models.CharField()), ("nas", models.CharField()),
                        ("resume", models.FileField()), ("details", models.JSONField())]:
        assert identity_like([("OpportunityReferral", _fake(name, field))]), name
    for name, field in [("candidates_list", models.TextField()),
                        ("hired_person", models.ForeignKey("accounts.User",
                                                           on_delete=models.CASCADE)),
                        ("participants", models.TextField())]:
        assert people_not_counted([("Activity", _fake(name, field))]), name
    # A job's title and a housing offer are not identities (no false alarm on « housing »).
    assert not identity_like([("Opportunity", _fake("title", models.CharField())),
                              ("Opportunity", _fake("offers_housing", models.BooleanField()))])


def test_fields_about_people_are_counts():
    problems = people_not_counted(app_fields())
    assert not problems, "\n".join(problems)


def test_the_referral_model_holds_only_counts():
    referral = apps.get_model("regionalisation", "OpportunityReferral")
    keys_and_audit = {"id", "opportunity", "organisation", "updated_by", "updated_at"}
    counted = {field.name: field for field in _model_fields(referral)
               if field.name not in keys_and_audit}
    assert set(counted) == {"candidates", "interviews", "hires"}
    for name, field in counted.items():
        assert isinstance(field, models.PositiveIntegerField), name
    # Its links are the opportunity, the referring organisation and the portal user who
    # typed the counts: nobody referred.
    assert {field.name: field.related_model._meta.label_lower
            for field in _model_fields(referral) if field.is_relation} == {
        "opportunity": "regionalisation.opportunity",
        "organisation": "partners.organisation",
        "updated_by": "accounts.user",
    }


def test_settlement_outcomes_are_counts_per_region():
    promoted = apps.get_model("regionalisation", "ActivityRegion")
    for name in ("settled_6_months", "settled_12_months"):
        assert isinstance(promoted._meta.get_field(name), models.PositiveIntegerField)
    assert isinstance(apps.get_model("regionalisation", "Activity")._meta.get_field(
        "participants"), models.PositiveIntegerField)


def test_links_go_only_to_models_that_hold_no_immigrant():
    links = {(model, field.name): field.related_model._meta.label_lower
             for model, field in app_fields() if field.is_relation}
    unknown = {key: target for key, target in links.items() if target not in KNOWN_TARGETS}
    assert not unknown, f"{unknown}: see {REVIEW}"
    # accounts.User rows are the portal's users: staff and partners' users who sign in.
    assert settings.AUTH_USER_MODEL.lower() == "accounts.user"


def test_free_text_is_limited_to_the_reviewed_fields():
    text = {(model, field.name) for model, field in app_fields()
            if isinstance(field, models.TextField)}
    assert text == FREE_TEXT
