"""The pages at the top (no namespace: ``home`` and ``cohort_dashboard``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("cohortes/", views.cohort_dashboard, name="cohort_dashboard"),
]
