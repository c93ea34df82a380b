"""Routes of the enterprises app: registration and profiles (views/profile.py), the case
workspaces (views/cases.py) and one case's page with its actions (views/case.py)."""

from django.urls import path, re_path

from .views import case, cases, profile

app_name = "enterprises"

urlpatterns = [
    # Enterprise self-registration, profiles, requests to join an existing enterprise.
    path("inscription/", profile.register, name="register"),
    path("fiches/<int:pk>/", profile.enterprise_detail, name="enterprise_detail"),
    path("fiches/<int:pk>/modifier/", profile.enterprise_update, name="enterprise_update"),
    path("fiches/<int:pk>/confirmer/", profile.enterprise_verify, name="enterprise_verify"),
    path("adhesions/", profile.join_requests, name="join_requests"),
    path("adhesions/<int:pk>/decision/", profile.join_request_decide,
         name="join_request_decide"),
    # Workspaces: my cases, the office's queue, late cases; export and bulk assignment.
    path("dossiers/", cases.case_list, name="case_list"),
    re_path(r"^dossiers/export\.(?P<fmt>csv|xlsx)$", cases.case_export, name="case_export"),
    path("dossiers/assigner/", cases.case_assign, name="case_assign"),
    path("dossiers/retards/", cases.case_late, name="case_late"),
    # One case: a new request, its page, moves, notes, follow-up, referrals, documents.
    path("demandes/nouvelle/", case.case_create, name="case_create"),
    path("dossiers/<int:pk>/", case.case_detail, name="case_detail"),
    path("dossiers/<int:pk>/transition/<slug:to>/", case.case_transition,
         name="case_transition"),
    path("dossiers/<int:pk>/notes/", case.note_add, name="note_add"),
    path("dossiers/<int:pk>/suivi/", case.case_follow_up, name="case_follow_up"),
    path("dossiers/<int:pk>/aiguillages/", case.referral_add, name="referral_add"),
    path("dossiers/<int:pk>/aiguillages/<int:referral_pk>/", case.referral_outcome,
         name="referral_outcome"),
    path("dossiers/<int:pk>/pieces/", case.case_attachment_upload,
         name="case_attachment_upload"),
    path("dossiers/<int:pk>/pieces/<int:attachment_pk>/", case.case_attachment_download,
         name="case_attachment_download"),
]
