"""Every write on API tokens, and the token check each API request goes through.

``token_create`` and ``token_revoke`` run under the actor's audit context (``ApiToken`` is
registered with django-auditlog, its hash excluded). ``api_write_record`` adds, for each write
made through the API, an entry on the token used (what was called, with what answer) next to
the entries the domain's own service writes."""

import secrets
from datetime import datetime, timedelta

from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.workflow import require

from . import permissions
from .models import TOKEN_PREFIX, ApiToken, token_hash

#: A token lives at most this long.
MAX_LIFETIME = timedelta(days=366)
#: ``last_used_at`` is written at most this often (not one write per request).
LAST_USED_GRANULARITY = timedelta(minutes=1)


def _new_secret() -> tuple[str, str]:
    prefix = secrets.token_hex(4)  # 8 characters: tells one's tokens apart, never enough alone
    return prefix, f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


def token_create(*, actor, name: str, expires_at: datetime, read_only: bool = False,
                 now: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token of ``actor``. Returns the token and its secret, which is shown once and
    never stored (only its SHA-256)."""
    require(permissions.can_hold_tokens(actor))
    now = now or timezone.now()
    name = " ".join((name or "").split())
    errors = {}
    if not name:
        errors["name"] = _("Say what the token is for.")
    if expires_at is None:
        errors["expires_at"] = _("Choose when the token expires.")
    elif expires_at <= now:
        errors["expires_at"] = _("The expiry date must be in the future.")
    elif expires_at > now + MAX_LIFETIME:
        errors["expires_at"] = _("A token may last one year at most.")
    if errors:
        raise ValidationError(errors)
    for _attempt in range(3):
        prefix, raw = _new_secret()
        token = ApiToken(user=actor, name=name, prefix=prefix, key_hash=token_hash(raw),
                         read_only=read_only, created_at=now, expires_at=expires_at)
        token.full_clean(exclude=["user", "prefix", "key_hash"])
        try:
            with transaction.atomic(), set_actor(actor):
                token.save()
        except IntegrityError:  # the same 8-character prefix drawn twice: draw again
            continue
        return token, raw
    raise RuntimeError("could not draw a unique token prefix")


def token_revoke(*, actor, token_id: int, now: datetime | None = None) -> ApiToken:
    """Revoke a token at once (its next request is refused). Revoking twice changes
    nothing. Someone else's token is, for a non-administrator, « does not exist »."""
    now = now or timezone.now()
    with transaction.atomic(), set_actor(actor):
        token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
        if token is None or not permissions.can_revoke_token(actor, token):
            raise ApiToken.DoesNotExist
        if token.revoked_at is None:
            token.revoked_at, token.revoked_by = now, actor
            token.save(update_fields=["revoked_at", "revoked_by"])
    return token


def token_used(token: ApiToken, *, now: datetime | None = None) -> None:
    """Note that ``token`` was just used: at most once a minute, so a busy system does not
    write on every request."""
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRANULARITY:
        # A plain UPDATE (no audit entry, no save signal): a stamp, not a change of the token.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def api_write_record(*, token: ApiToken, method: str, path: str, status: int,
                     remote_addr: str | None = None) -> LogEntry:
    """The audit trail's entry for a write made with ``token`` (whatever its outcome)."""
    # A « change » entry on the token, which the audit trail shows as « API write: METHOD
    # path → status », next to the entries of what the write changed.
    return LogEntry.objects.log_create(
        token, force_log=True, action=LogEntry.Action.UPDATE, actor=token.user,
        remote_addr=remote_addr,
        changes={"api_write": ["", f"{method} {path} → {status}"]},
        additional_data={"method": method, "path": path, "status": status},
    )
