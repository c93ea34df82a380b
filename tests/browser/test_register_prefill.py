"""A person registers their enterprise and the form fills itself from the enterprise register,
in a real browser: typing an NEQ the register lists as struck off (“radiée”) announces the
warning in the live region under the NEQ; an NEQ unknown to the register is announced too;
the NEQ of an active enterprise fills the empty fields (legal name, other names, legal form,
address) and leaves alone the phone the person typed; a name typed by hand is kept until the
person presses « Use the register's values ». The registration then creates the enterprise
under the register's name. Each state of the page is checked with axe-core."""

import pytest
from playwright.sync_api import expect

from enterprises.models import Enterprise
from enterprises.register import register_load
from tests.browser.test_action_plans import labelled, press
from tests.browser.test_enterprise_support import fill_registration
from tests.browser.test_journeys import heading, tr, wait_for_path
from tests.enterprises.register_sample import Enterprise as RegisterRow
from tests.enterprises.register_sample import write_sample
from tests.factories.enterprises import valid_neq

pytestmark = pytest.mark.browser

ACTIVE = RegisterRow(neq=valid_neq(4_400_001), name="Forges du Saint-Maurice (fictives) inc.",
                     other_names=("Forges SM",))
STRUCK = RegisterRow(neq=valid_neq(4_400_002), name="Tannerie Disparue (fictive) ltée",
                     status="RO")
UNKNOWN = valid_neq(4_400_003)


def test_registration_prefills_from_the_register_and_warns_of_a_struck_off_enterprise(
        new_page, assert_accessible, tmp_path):
    load = register_load(path=str(write_sample(tmp_path / "registre.zip", [ACTIVE, STRUCK])))
    assert load.status == "succeeded", load.message
    page = new_page()
    page.goto("/entreprises/inscription/")
    expect(heading(page)).to_have_text(tr(page, "Register your enterprise"))
    fill_registration(page, "")
    enterprise = page.get_by_role("main").get_by_role("group", name=tr(page, "Your enterprise"),
                                                      exact=True)
    neq = labelled(enterprise, page, "NEQ")
    name = labelled(enterprise, page, "Legal name")
    other_names = labelled(enterprise, page, "Other names")
    address = labelled(enterprise, page, "Address")
    phone = labelled(enterprise, page, "Phone")
    lookup = page.locator("#register-lookup")
    expect(lookup).to_have_attribute("role", "status")
    for field in (name, other_names, address):
        field.fill("")

    # A struck-off enterprise: the live region says so; the person stays on the NEQ field.
    neq.fill(STRUCK.neq)
    expect(lookup).to_contain_text(
        tr(page, "The enterprise register lists this enterprise as struck off (“radiée”)."))
    expect(neq).to_be_focused()
    expect(name).to_have_value(STRUCK.name)
    assert_accessible(page)

    # An NEQ the register does not know.
    for field in (name, other_names, address):
        field.fill("")
    neq.fill(UNKNOWN)
    expect(lookup).to_contain_text(tr(page, "This NEQ is not in the enterprise register."))
    expect(name).to_have_value("")
    assert_accessible(page)

    # An active enterprise: the empty fields fill in, the phone typed stays.
    neq.fill(ACTIVE.neq)
    expect(name).to_have_value(ACTIVE.name)
    expect(other_names).to_have_value("Forges SM")
    expect(address).to_have_value(", ".join(ACTIVE.address))
    expect(labelled(enterprise, page, "Legal form")).to_have_value("corporation")
    expect(phone).to_have_value("819 555-0142")
    expect(lookup).not_to_contain_text(tr(page, "struck off"))
    assert_accessible(page)

    # A name typed by hand is kept, until the person chooses the register's.
    name.fill("Mon nom à moi")
    neq.fill("")
    neq.fill(ACTIVE.neq)
    choose = lookup.get_by_role("button", name=tr(page, "Use the register’s values"))
    expect(choose).to_be_visible()
    expect(name).to_have_value("Mon nom à moi")
    assert_accessible(page)
    choose.focus()
    page.keyboard.press("Enter")
    expect(name).to_have_value(ACTIVE.name)
    expect(name).to_be_focused()

    press(page, "Register")
    wait_for_path(page, "/entreprises/inscription/")
    expect(heading(page)).to_have_text(tr(page, "Check your email"))
    registered = Enterprise.objects.select_related("organisation").get(neq=ACTIVE.neq)
    assert registered.organisation.name == ACTIVE.name
    assert registered.other_names == "Forges SM"
