"""Routes of the programs app: the partner's side (views/plans.py), a plan's page with its
workflow, comments and documents (views/review.py), the ministry's queues (views/queue.py) and
reports (views/reports.py)."""

from django.urls import path, re_path

from .views import (
    coherence,
    decisions,
    grids,
    instalments,
    letters,
    plans,
    queue,
    reports,
    results,
    review,
)

app_name = "programs"

urlpatterns = [
    # Partner: my plans, programs and open calls, the multi-step form.
    path("", plans.plan_list, name="plan_list"),
    path("programmes/", plans.program_list, name="program_list"),
    path("nouveau/", plans.plan_create, name="plan_create"),
    path("<int:pk>/etapes/<slug:step>/", plans.plan_step, name="plan_step"),
    path("<int:pk>/mesures/nouvelle/", plans.measure_create, name="measure_create"),
    path("<int:pk>/mesures/<int:measure_pk>/", plans.measure_update, name="measure_update"),
    path("<int:pk>/mesures/<int:measure_pk>/supprimer/", plans.measure_delete,
         name="measure_delete"),
    path("<int:pk>/supprimer/", plans.plan_delete, name="plan_delete"),
    # A plan's page: status, timeline, actions allowed now, comments, documents.
    path("<int:pk>/", review.plan_detail, name="plan_detail"),
    path("<int:pk>/transition/<slug:to>/", review.plan_transition, name="plan_transition"),
    path("<int:pk>/aide/", review.plan_help_request, name="plan_help_request"),
    path("<int:pk>/commentaires/", review.comment_add, name="comment_add"),
    path("<int:pk>/pieces/", review.attachment_upload, name="attachment_upload"),
    path("<int:pk>/pieces/<int:attachment_pk>/", review.attachment_download,
         name="attachment_download"),
    path("<int:pk>/pieces/<int:attachment_pk>/supprimer/", review.attachment_delete,
         name="attachment_delete"),
    # A decision's letter (PDF), for the partner and the staff in scope.
    path("<int:pk>/lettres/<int:letter_pk>/", letters.letter_download, name="letter_download"),
    # Review grids (staff only): my grid on the plan, one grid, asking a second reviewer.
    path("<int:pk>/grille/", grids.plan_grid, name="plan_grid"),
    path("<int:pk>/grilles/<int:review_pk>/", grids.review_detail, name="review_detail"),
    path("<int:pk>/grilles/demander/", grids.review_request, name="review_request"),
    # Ministry: the territory's queue, its export and bulk assignment; decisions and totals.
    path("file/", queue.plan_queue, name="queue"),
    re_path(r"^file/export\.(?P<fmt>csv|xlsx)$", queue.queue_export, name="queue_export"),
    path("file/assigner/", queue.queue_assign, name="queue_assign"),
    path("decisions/", decisions.decisions, name="decisions"),
    path("decisions/lot/", decisions.decisions_batch, name="decisions_batch"),
    path("totaux/", queue.totals, name="totals"),
    # Results: targets and results added up by catalogue indicator, and their export.
    path("resultats/", results.results, name="results"),
    re_path(r"^resultats/export\.(?P<fmt>csv|xlsx)$", results.results_export,
            name="results_export"),
    # Coherence: which intervention axes are covered where; the measures behind each cell.
    path("coherence/", coherence.coherence_map, name="coherence"),
    path("mesures/", coherence.measure_list, name="measure_list"),
    # Reports: due and late ones, a plan's schedule, one report.
    path("rapports/", reports.report_list, name="report_list"),
    path("<int:pk>/rapports/calendrier/", reports.report_schedule, name="report_schedule"),
    path("<int:pk>/rapports/<int:report_pk>/", reports.report_detail, name="report_detail"),
    path("<int:pk>/rapports/<int:report_pk>/transition/<slug:to>/", reports.report_transition,
         name="report_transition"),
    # Instalments: a plan's payment schedule, authorising and recording a payment; the payments
    # to make and their export for the finance system.
    path("<int:pk>/versements/", instalments.instalments_edit, name="instalments_edit"),
    path("<int:pk>/versements/<int:instalment_pk>/autoriser/",
         instalments.instalment_authorise, name="instalment_authorise"),
    path("<int:pk>/versements/<int:instalment_pk>/paye/", instalments.instalment_mark_paid,
         name="instalment_mark_paid"),
    path("paiements/", instalments.payments, name="payments"),
    re_path(r"^paiements/export\.(?P<fmt>csv|xlsx)$", instalments.payments_export,
            name="payments_export"),
]
