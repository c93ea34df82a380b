"""Former users: an account deactivated for longer than the period is anonymised.

The row stays (notes, events and documents name their author by it), but the person is gone:
« Ancien utilisateur n° 123 » for a name, an address that cannot receive mail, no password, no
verified address (allauth) and no MFA device; the audit trail keeps the entries, without the
address and names. The accounts app sits below the retention engine, so the engine declares
this rule itself.

An account's departure is the latest sign of it: its last sign-in, its creation, or the last
audit entry of its record (deactivating it is one). Never earlier than the real departure, so a
period is never cut short.
"""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Replace

from accounts.models import User

from . import engine
from .models import Kind

#: The domain of the addresses given to former users (``.invalid`` is reserved: never
#: delivered, RFC 2606).
DOMAIN = "anonyme.invalid"
PERSONAL_FIELDS = ("email", "first_name", "last_name")


def placeholder_email(pk: int) -> str:
    return f"ancien-utilisateur-{pk}@{DOMAIN}"


def former_users(cutoff):
    user_type = ContentType.objects.get_for_model(User)
    recent = LogEntry.objects.filter(content_type=user_type, timestamp__gte=cutoff,
                                     object_pk=Cast(OuterRef("pk"), CharField()))
    return (User.objects.filter(is_active=False, date_joined__lt=cutoff)
            .filter(Q(last_login__isnull=True) | Q(last_login__lt=cutoff))
            .exclude(email__iendswith=f"@{DOMAIN}")
            .filter(~Exists(recent)))


@engine.rule(Kind.FORMER_USERS, "accounts", candidates=former_users, order=10)
def anonymise_former_users(rows) -> int:
    done = 0
    user_type = ContentType.objects.get_for_model(User)
    for user in rows.select_for_update():
        old_email = user.email
        user.email = placeholder_email(user.pk)
        user.first_name = "Ancien utilisateur"
        user.last_name = f"n° {user.pk}"
        user.set_unusable_password()
        user.save(update_fields=["email", "first_name", "last_name", "password"])
        EmailAddress.objects.filter(user=user).delete()
        Authenticator.objects.filter(user=user).delete()
        # The audit trail: entries of their record lose the address and names; entries they
        # made lose the address recorded beside them; any description naming the address
        # names the placeholder instead.
        engine.forget_in_audit(User, [user.pk], fields=PERSONAL_FIELDS)
        LogEntry.objects.filter(content_type=user_type, object_pk=str(user.pk)).update(
            object_repr=str(user))
        LogEntry.objects.filter(actor=user).exclude(actor_email=None).update(actor_email=None)
        if old_email:
            LogEntry.objects.filter(object_repr__icontains=old_email).update(
                object_repr=Replace("object_repr", Value(old_email), Value(user.email)))
        done += 1
    return done
