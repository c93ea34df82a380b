"""Cohort data: the export of the dashboard's figures (views/dashboard.py; the page itself is
``hub``'s) and the administrators' import (views/cohort_import.py)."""

from django.urls import path, re_path

from .views import cohort_import, dashboard

app_name = "regions"

urlpatterns = [
    re_path(r"^export\.(?P<fmt>csv|xlsx)$", dashboard.cohort_export, name="cohort_export"),
    path("importer/", cohort_import.cohort_import, name="cohort_import"),
    re_path(r"^importer/modele\.(?P<fmt>csv|xlsx)$", cohort_import.cohort_template,
            name="cohort_template"),
    path("importer/historique/", cohort_import.cohort_import_history,
         name="cohort_import_history"),
    path("importer/<int:pk>/", cohort_import.cohort_import_detail,
         name="cohort_import_detail"),
    path("importer/<int:pk>/confirmer/", cohort_import.cohort_import_confirm,
         name="cohort_import_confirm"),
    path("importer/<int:pk>/annuler/", cohort_import.cohort_import_cancel,
         name="cohort_import_cancel"),
    path("importer/<int:pk>/relancer/", cohort_import.cohort_import_retry,
         name="cohort_import_retry"),
    path("importer/<int:pk>/progression/", cohort_import.cohort_import_progress,
         name="cohort_import_progress"),
]
