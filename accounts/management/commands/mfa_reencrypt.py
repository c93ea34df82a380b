"""Rewrite every stored MFA secret with the first key of ``MFA_ENCRYPTION_KEYS``.

Key rotation: put the new key first and keep the old one after it (both decrypt), deploy, run
this command, then remove the old key."""

from allauth.mfa.models import Authenticator
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.mfa import SECRET_FIELDS, keys, transform_secrets


class Command(BaseCommand):
    help = "Re-encrypt the stored MFA secrets with the first key of MFA_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        fernet = keys()

        def rotate(value: str) -> str:
            return fernet.rotate(value.encode("ascii")).decode("ascii")

        count = 0
        with transaction.atomic():
            rows = (Authenticator.objects.select_for_update()
                    .filter(type__in=list(SECRET_FIELDS)).only("type", "data"))
            for authenticator in rows:
                authenticator.data = transform_secrets(authenticator.type, authenticator.data,
                                                       rotate)
                authenticator.save(update_fields=["data"])
                count += 1
        self.stdout.write(f"{count} authenticator(s) re-encrypted with the first key.")
