"""The pages at the top (no namespace): ``home``, ``cohort_dashboard`` and the public pages
the footer links to (``accessibility``, ``privacy``, ``contact``)."""

from django.urls import path

from .views import dashboard, home, public

urlpatterns = [
    path("", home.home, name="home"),
    path("cohortes/", dashboard.cohort_dashboard, name="cohort_dashboard"),
    # Public: no sign-in needed.
    path("accessibilite/", public.accessibility, name="accessibility"),
    path("confidentialite/", public.privacy, name="privacy"),
    path("nous-joindre/", public.contact, name="contact"),
]
