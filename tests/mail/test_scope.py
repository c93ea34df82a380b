"""Who sees which email received (``InboundMessage.objects.for_user``): an administrator all
of it, mail no office could be found for included; a SIT manager the mail of the SIT's
offices; an adviser the mail of the offices they work in, never another territory's;
partner users and anonymous visitors none."""

import pytest
from django.contrib.auth.models import AnonymousUser

from notifications.models import InboundMessage, InboundState


@pytest.fixture
def mail(world):
    offices = world["offices"]
    return {
        name: InboundMessage.objects.create(message_key=f"<{name}@client.example>",
                                            office=office, state=InboundState.TO_SORT,
                                            from_address=f"{name}@client.example")
        for name, office in (("tr", offices["tr"]), ("sh", offices["sh"]),
                             ("gat", offices["gat"]), ("nowhere", None))
    }


def visible(user) -> set[str]:
    return {m.message_key[1:].split("@")[0] for m in InboundMessage.objects.for_user(user)}


@pytest.mark.parametrize(("role", "sees"), [
    ("admin", {"tr", "sh", "gat", "nowhere"}),
    # The SIT Estrie-Montérégie-Mauricie-CdQ: Trois-Rivières and Shawinigan, not Gatineau.
    ("sit_manager", {"tr", "sh"}),
    ("adviser", {"tr"}),
    ("adviser_gatineau", {"gat"}),
    ("partner", set()),
    ("partner_gatineau", set()),
])
def test_each_role_sees_the_mail_of_its_territory_only(world, mail, role, sees):
    assert visible(world["users"][role]) == sees


def test_an_inactive_account_and_an_anonymous_visitor_see_nothing(world, mail):
    admin = world["users"]["admin"]
    admin.is_active = False
    assert visible(admin) == set()
    assert visible(AnonymousUser()) == set()


def test_the_to_sort_list_of_an_adviser_holds_only_their_office_s_mail(world, mail):
    mail["tr"].state = InboundState.PROCESSED
    mail["tr"].save()
    adviser = world["users"]["adviser"]
    assert list(InboundMessage.objects.for_user(adviser).to_sort()) == []
    assert set(InboundMessage.objects.for_user(world["users"]["admin"]).to_sort()) == {
        mail["sh"], mail["gat"], mail["nowhere"]}
