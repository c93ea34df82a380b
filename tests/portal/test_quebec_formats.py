"""Numbers and times as a Quebec reader expects them, in each language.

- Amounts: « 37 000,00 $ » in French, a no-break space (U+00A0) between groups of digits and
  before « $ » so that the sign never lands alone on the next line; « $37,000.00 » in English.
  The same in pages, messages and emails (``portal.money``).
- Amount fields show « 52 000,00 » in French, « 52,000.00 » in English, and read back what
  people type; other numbers (years, ids) keep their plain digits.
- Times: « 23 h 26 » in French (``portal/formats/fr_CA``), « 23:26 » in English.
"""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format, time_format

from notifications.models import Notification
from notifications.services import notification_email_send
from portal.money import amount_input, money, parse_amount
from programs.forms import AmountField
from tests.factories.programs import ActionPlanFactory

NBSP = "\u00a0"
MONTREAL = ZoneInfo("America/Montreal")


# --------------------------------------------------------------------------------------------
# Amounts
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "value", "shown"), [
    ("fr-ca", Decimal("37000"), f"37{NBSP}000,00{NBSP}$"),
    ("fr-ca", Decimal("1234567.891"), f"1{NBSP}234{NBSP}567,89{NBSP}$"),
    ("fr-ca", Decimal("0.5"), f"0,50{NBSP}$"),
    ("fr-ca", Decimal("-1234.005"), f"-1{NBSP}234,01{NBSP}$"),  # half a cent rounds up
    ("en", Decimal("37000"), "$37,000.00"),
    ("en", Decimal("1234567.891"), "$1,234,567.89"),
    ("en", Decimal("-1234"), "-$1,234.00"),
    ("en", 52000, "$52,000.00"),
])
def test_an_amount_reads_as_each_language_writes_money(language, value, shown):
    with translation.override(language):
        assert money(value) == shown
    assert money(value, language) == shown  # or in the language given (letters, emails)


def test_no_amount_shows_nothing():
    assert money(None) == "" and amount_input(None) == ""


def test_the_template_filter_writes_money_and_leaves_other_numbers_alone():
    template = Template("{% load money %}{{ amount|money }} | {{ year }} | {{ number }}")
    context = Context({"amount": Decimal("52000"), "year": 2026, "number": 123456})
    with translation.override("fr-ca"):
        assert template.render(context) == f"52{NBSP}000,00{NBSP}$ | 2026 | 123456"
    with translation.override("en"):
        assert template.render(context) == "$52,000.00 | 2026 | 123456"
    assert not settings.USE_THOUSAND_SEPARATOR  # grouping is for money only


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "asked", "max_amount"), [
    ("fr-ca", f"10{NBSP}000,00{NBSP}$", f"150{NBSP}000,00{NBSP}$"),
    ("en", "$10,000.00", "$150,000.00"),
])
def test_a_plan_page_shows_its_amounts_in_the_reader_s_language(client, world, language,
                                                                asked, max_amount):
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], measures=1)
    assert plan.requested_total == Decimal("10000.00")
    client.force_login(world["users"]["partner"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("programs:plan_detail", args=[plan.pk])).content.decode()
    assert f'<td class="num">{asked}</td>' in page
    assert "10000.00" not in page and "10,000.00 $" not in page
    steps = client.get(reverse("programs:plan_step", args=[plan.pk, "measures"])).content.decode()
    assert max_amount in steps  # « The program funds at most … per plan. »


@pytest.mark.django_db
def test_a_notification_and_its_email_write_the_amount_for_each_reader(world, mailoutbox):
    partner = world["users"]["partner"]
    notification = Notification.objects.create(
        recipient=partner, key="instalment_paid:test", kind="instalment_paid",
        params={"plan": "Accueil 2026", "organisation": "Accueil Trois-Rivières",
                "amount": "52000.00", "reference": "P-1"})
    with translation.override("fr-ca"):
        assert f"52{NBSP}000,00{NBSP}$" in notification.message
    with translation.override("en"):
        assert "$52,000.00" in notification.message

    assert notification_email_send(notification_id=notification.pk)
    email, = mailoutbox  # French, then English
    assert f"52{NBSP}000,00{NBSP}$" in email.subject
    assert email.body.index(f"52{NBSP}000,00{NBSP}$") < email.body.index("$52,000.00")


def test_a_notification_stored_with_its_amount_written_out_is_shown_as_it_was():
    from notifications.messages import render

    with translation.override("en"):
        assert "12 500,00 $" in render("instalment_paid", {
            "plan": "P", "organisation": "O", "amount": "12 500,00 $", "reference": "R"})


# --------------------------------------------------------------------------------------------
# Amount fields
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["52 000,00", f"52{NBSP}000,00", "52000,00", "52000.00",
                                   "52 000", "52 000,00 $", "52\u202f000,00"])
def test_an_amount_field_reads_what_a_french_reader_types(typed):
    with translation.override("fr-ca"):
        assert AmountField().clean(typed) == Decimal("52000.00")
        assert parse_amount(typed) == Decimal("52000.00")


@pytest.mark.parametrize("typed", ["52,000.00", "52,000", "52000.00", "$52,000.00", "52000"])
def test_an_amount_field_reads_what_an_english_reader_types(typed):
    with translation.override("en"):
        assert AmountField().clean(typed) == Decimal("52000.00")
        assert parse_amount(typed) == Decimal("52000.00")


def test_a_lone_comma_is_the_french_decimal_comma():
    with translation.override("fr-ca"):
        assert AmountField().clean("52,5") == Decimal("52.50")


@pytest.mark.parametrize(("language", "shown"), [("fr-ca", f"52{NBSP}000,00"),
                                                 ("en", "52,000.00")])
def test_an_amount_field_shows_its_value_grouped(language, shown):
    class Form(forms.Form):
        amount = AmountField(label="Amount ($)")

    with translation.override(language):
        form = Form(initial={"amount": Decimal("52000")})
        assert form["amount"].value() == shown
        assert f'value="{shown}"' in str(form["amount"])
        # What is shown is read back as the same amount.
        bound = Form({"amount": shown})
        assert bound.is_valid()
        assert bound.cleaned_data["amount"] == Decimal("52000.00")


@pytest.mark.parametrize(("language", "message"), [
    ("fr-ca", "Entrez un montant, par exemple 1"),
    ("en", "Enter an amount, for example 1,234.56."),
])
def test_a_bad_amount_keeps_a_clear_error(language, message):
    with translation.override(language):
        with pytest.raises(ValidationError) as error:
            AmountField().clean("beaucoup")
        assert error.value.messages[0].startswith(message)  # read in the reader's language


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "shown"), [("fr-ca", f"10{NBSP}000,00"),
                                                 ("en", "10,000.00")])
def test_the_decision_form_suggests_the_amount_grouped_and_takes_it_back(client, world,
                                                                          language, shown):
    from programs import services
    from programs.models import Status
    from tests.programs.test_review_pages import completed_review, plan_of_trois_rivieres  # noqa: I001

    plan = plan_of_trois_rivieres(world, measures=1, status=Status.IN_REVIEW,
                                  adviser=world["users"]["adviser"])
    completed_review(plan)
    client.force_login(world["users"]["adviser"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("programs:plan_detail", args=[plan.pk])).content.decode()
    assert f'id="amount-recommended" name="amount" value="{shown}"' in page

    with translation.override(language):
        services.plan_transition(actor=world["users"]["adviser"], plan_id=plan.pk,
                                 to=Status.RECOMMENDED, amount=shown)
    plan.refresh_from_db()
    assert plan.recommended_amount == Decimal("10000.00")


# --------------------------------------------------------------------------------------------
# Times
# --------------------------------------------------------------------------------------------


def test_a_time_reads_23_h_26_in_french_and_23_26_in_english():
    evening = datetime(2026, 1, 31, 23, 26, tzinfo=MONTREAL)
    morning = datetime(2026, 1, 31, 9, 5, tzinfo=MONTREAL)
    with translation.override("fr-ca"):
        assert date_format(evening, "DATETIME_FORMAT") == f"31 janvier 2026, 23{NBSP}h{NBSP}26"
        assert time_format(morning.time()) == f"9{NBSP}h{NBSP}05"
        assert date_format(evening, "SHORT_DATETIME_FORMAT") == f"2026-01-31 23{NBSP}h{NBSP}26"
    with translation.override("en"):
        assert date_format(evening, "DATETIME_FORMAT") == "31 January 2026, 23:26"
        assert time_format(morning.time()) == "09:05"


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "shown"), [
    ("fr-ca", f"15 mars 2026, 23{NBSP}h{NBSP}26"),
    ("en", "15 March 2026, 23:26"),
])
def test_a_page_shows_when_something_happened_in_the_reader_s_way(client, world, language,
                                                                   shown):
    partner = world["users"]["partner"]
    Notification.objects.create(
        recipient=partner, key="plan:test", kind="plan_assigned",
        params={"plan": "Accueil 2026", "organisation": "Accueil Trois-Rivières"},
        created_at=datetime(2026, 3, 15, 23, 26, tzinfo=MONTREAL))
    client.force_login(partner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("notifications:list")).content.decode()
    assert f">{shown}</time>" in page
