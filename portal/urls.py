from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = "Portail régionalisation — administration"
# The admin's own password-only login would skip MFA: sign-in always goes through allauth.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", include("hub.urls")),
    path("healthz", views.health, name="health"),
    path("csp-report/", views.csp_report, name="csp_report"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("organisations/", include("partners.urls")),
    path("reseau/", include("antennes.urls")),
    path("journal/", include("audit.urls")),
    path("plans-action/", include("programs.urls")),
    path("notifications/", include("notifications.urls")),
    path("entreprises/", include("enterprises.urls")),
    path("cohortes/", include("regions.urls")),
    path("regionalisation/", include("regionalisation.urls")),
    path("donnees-ouvertes/", include("opendata.urls")),
    path("api/", include("api.urls")),
]
