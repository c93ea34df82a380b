"""The signed reply addresses of case emails: what an enterprise user's email carries, and
what the portal reads back (and refuses) from a reply."""

import pytest
from django.core import mail

from enterprises.models import CaseStatus
from enterprises.services import note_add
from notifications import inbound
from tests.factories.accounts import StaffFactory
from tests.factories.antennes import office
from tests.factories.enterprises import CaseFactory, EnterpriseFactory
from tests.factories.partners import PartnerUserFactory


def test_a_reply_address_reads_back_its_key_whatever_the_case_of_the_letters(reply_address):
    address = inbound.reply_address("case:123456:98765")
    local, domain = address.split("@")
    assert domain == "portail.example" and local.startswith("reponses+case.123456.98765.")
    assert len(local) <= inbound.LOCAL_PART_MAX
    assert inbound.read_reply_key([address], []) == "case:123456:98765"
    assert inbound.read_reply_key([address.upper()], []) == "case:123456:98765"
    # Among other recipients (Cc, the office's address).
    assert inbound.read_reply_key(["tr@portail.example", address], []) == "case:123456:98765"


def test_a_message_id_carries_the_token_for_clients_that_drop_the_reply_to(reply_address):
    first = inbound.reply_message_id("case:4:2")
    second = inbound.reply_message_id("case:4:2")
    assert first != second  # each email has its own Message-ID
    assert first.startswith("<case.4.2.") and first.endswith("@portail.example>")
    assert inbound.read_reply_key(["tr@portail.example"], [first]) == "case:4:2"
    # In References behind someone else's Message-ID (a thread of several replies).
    assert inbound.read_reply_key([], ["<x@gmail.com>", second]) == "case:4:2"


def test_no_token_is_a_new_message(reply_address):
    assert inbound.read_reply_key(["tr@portail.example", "reponses@portail.example"],
                                  ["<abc@gmail.com>"]) is None


@pytest.mark.parametrize("forge", [
    lambda a: a.replace("case.4.2.", "case.4.3."),           # another person, same signature
    lambda a: a.replace("case.4.2.", "case.5.2."),           # another case
    lambda a: a.split("@")[0][:-1] + "z@portail.example",    # signature altered
    lambda a: "reponses+case.4.2@portail.example",           # no signature
])
def test_an_altered_or_forged_address_is_refused(reply_address, forge):
    forged = forge(inbound.reply_address("case:4:2"))
    with pytest.raises(inbound.BadReplyToken):
        inbound.read_reply_key([forged], [])
    # Even next to a valid reference: the address was tampered with.
    with pytest.raises(inbound.BadReplyToken):
        inbound.read_reply_key([forged], [inbound.reply_message_id("case:4:2")])


def test_a_forged_reference_alone_is_refused(reply_address):
    with pytest.raises(inbound.BadReplyToken):
        inbound.read_reply_key([], ["<case.4.2.aaaaaaaaaaaaaaaa+1@portail.example>"])


def test_tokens_signed_before_the_secret_key_changed_still_read(reply_address, settings):
    address = inbound.reply_address("case:4:2")
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-for-the-rotation-test"  # noqa: S105
    assert inbound.read_reply_key([address], []) == "case:4:2"
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(inbound.BadReplyToken):
        inbound.read_reply_key([address], [])


def test_without_a_reply_address_nothing_is_signed_nor_read(settings):
    settings.CASE_REPLY_ADDRESS = ""
    assert inbound.reply_address("case:4:2") is None
    assert inbound.reply_headers("case:4:2").reply_to == []
    assert inbound.read_reply_key(["reponses+case.4.2.x@portail.example"], []) is None


def test_a_key_that_would_not_fit_an_address_is_refused(reply_address):
    with pytest.raises(ValueError):
        inbound.reply_address("case:" + "9" * 60)
    with pytest.raises(ValueError):
        inbound.reply_token("Case 4")


def test_the_enterprise_user_s_case_email_can_be_answered_but_the_adviser_s_cannot(
        db, reply_address, django_capture_on_commit_callbacks):
    tr = office("trois-rivieres")
    organisation = EnterpriseFactory().organisation
    marie = PartnerUserFactory(organisation=organisation)
    adviser = StaffFactory(role="adviser", offices=[tr])
    case = CaseFactory(organisation=organisation, status=CaseStatus.IN_PROGRESS,
                       adviser=adviser)

    with django_capture_on_commit_callbacks(execute=True):
        note_add(actor=adviser, case=case, body="Pouvez-vous nous envoyer l’offre ?",
                 is_internal=False)
    [to_marie] = [m for m in mail.outbox if m.to == [marie.email]]
    assert to_marie.reply_to == [inbound.reply_address(f"case:{case.pk}:{marie.pk}")]
    assert inbound.read_reply_key([], [to_marie.extra_headers["Message-ID"]]) == (
        f"case:{case.pk}:{marie.pk}")
    assert to_marie.message()["Message-ID"] == to_marie.extra_headers["Message-ID"]

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        note_add(actor=marie, case=case, body="La voici.")
    [to_adviser] = [m for m in mail.outbox if m.to == [adviser.email]]
    assert to_adviser.reply_to == [] and "Message-ID" not in to_adviser.extra_headers
