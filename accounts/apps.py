from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from auditlog.registry import auditlog

        from .models import User

        auditlog.register(
            User,
            include_fields=["email", "first_name", "last_name", "role", "is_active", "is_staff",
                            "is_superuser"],
        )
