"""Routes of the enterprises app: registration and profiles (views/profile.py), the case
workspaces (views/cases.py) and one case's page with its actions (views/case.py)."""

from django.urls import path, re_path

from .views import answers as answer_views
from .views import case, cases, mail_pages, merge, profile, register_lookup
from .views import checklists as checklist_views
from .views import interventions as intervention_views
from .views import workload as workload_views

app_name = "enterprises"

urlpatterns = [
    # Enterprise self-registration, profiles, requests to join an existing enterprise.
    path("inscription/", profile.register, name="register"),
    path("inscription/registre/", register_lookup.register_lookup, name="register_lookup"),
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
    # The workload report (time spent on interventions) and its export.
    path("dossiers/charge-de-travail/", workload_views.case_workload, name="case_workload"),
    re_path(r"^dossiers/charge-de-travail/export\.(?P<fmt>csv|xlsx)$",
            workload_views.case_workload_export, name="case_workload_export"),
    # One case: a new request, its page, moves, notes, follow-up, referrals, documents.
    path("demandes/nouvelle/", case.case_create, name="case_create"),
    path("dossiers/<int:pk>/", case.case_detail, name="case_detail"),
    path("dossiers/<int:pk>/transition/<slug:to>/", case.case_transition,
         name="case_transition"),
    path("dossiers/<int:pk>/notes/", case.note_add, name="note_add"),
    path("dossiers/<int:pk>/suivi/", case.case_follow_up, name="case_follow_up"),
    path("dossiers/<int:pk>/aiguillages/", case.referral_add, name="referral_add"),
    path("dossiers/<int:pk>/aiguillages/partenaires/", case.referral_partner_search,
         name="referral_partner_search"),
    path("dossiers/<int:pk>/aiguillages/<int:referral_pk>/", case.referral_outcome,
         name="referral_outcome"),
    path("dossiers/<int:pk>/pieces/", case.case_attachment_upload,
         name="case_attachment_upload"),
    path("dossiers/<int:pk>/pieces/<int:attachment_pk>/", case.case_attachment_download,
         name="case_attachment_download"),
    # Priority and merging (views/merge.py).
    path("dossiers/<int:pk>/priorite/", merge.case_priority, name="case_priority"),
    path("dossiers/<int:pk>/fusionner/", merge.case_merge, name="case_merge"),
    # Mail from enterprises (views/mail_pages.py): to sort, one email, administrators' pages.
    path("courriels/a-trier/", mail_pages.mail_to_sort, name="mail_to_sort"),
    path("courriels/non-traites/", mail_pages.mail_unprocessed, name="mail_unprocessed"),
    path("courriels/adresses/", mail_pages.mail_mailboxes, name="mail_mailboxes"),
    path("courriels/adresses/<int:office_pk>/", mail_pages.mail_mailbox_set,
         name="mail_mailbox_set"),
    path("courriels/<int:pk>/", mail_pages.mail_detail, name="mail_detail"),
    path("courriels/<int:pk>/original.eml", mail_pages.mail_original, name="mail_original"),
    path("courriels/<int:pk>/trier/", mail_pages.mail_sort, name="mail_sort"),
    path("courriels/<int:pk>/ecarter/", mail_pages.mail_discard, name="mail_discard"),
    path("courriels/<int:pk>/relancer/", mail_pages.mail_retry, name="mail_retry"),
    # A case's interventions (staff): record, change, delete.
    path("dossiers/<int:pk>/interventions/", intervention_views.intervention_add,
         name="case_intervention_add"),
    path("dossiers/<int:pk>/interventions/<int:intervention_pk>/",
         intervention_views.intervention_update, name="case_intervention_update"),
    path("dossiers/<int:pk>/interventions/<int:intervention_pk>/supprimer/",
         intervention_views.intervention_delete, name="case_intervention_delete"),
    # Checklists (views/checklists.py): a case's steps and classification; administrators'
    # checklists by help kind and topic.
    path("dossiers/<int:pk>/liste-de-verification/<int:item_pk>/",
         checklist_views.checklist_item_set, name="checklist_item_set"),
    path("dossiers/<int:pk>/classement/", checklist_views.case_classify, name="case_classify"),
    path("dossiers/listes-de-verification/", checklist_views.template_list,
         name="checklist_templates"),
    path("dossiers/listes-de-verification/nouvelle/", checklist_views.template_create,
         name="checklist_template_create"),
    path("dossiers/listes-de-verification/<int:pk>/", checklist_views.template_update,
         name="checklist_template_update"),
    path("dossiers/listes-de-verification/<int:pk>/usage/", checklist_views.template_set_active,
         name="checklist_template_set_active"),
    # Ready answers (views/answers.py): the library, and a note started from an answer.
    path("dossiers/reponses-types/", answer_views.answer_library, name="answer_library"),
    path("dossiers/reponses-types/nouvelle/", answer_views.answer_create, name="answer_create"),
    path("dossiers/reponses-types/<int:pk>/", answer_views.answer_update, name="answer_update"),
    path("dossiers/reponses-types/<int:pk>/usage/", answer_views.answer_set_active,
         name="answer_set_active"),
    path("dossiers/<int:pk>/notes/reponse-type/", answer_views.note_answer, name="note_answer"),
]
