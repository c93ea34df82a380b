"""The pages at the top (no namespace: ``home`` and ``cohort_dashboard``)."""

from django.urls import path

from .views import dashboard, home

urlpatterns = [
    path("", home.home, name="home"),
    path("cohortes/", dashboard.cohort_dashboard, name="cohort_dashboard"),
]
