"""Regional opportunities (views/opportunities.py), the board with follows and referral counts
(views/board.py), regionalisation activities (views/activities.py) and the per-region
follow-up (views/followup.py)."""

from django.urls import path, re_path

from .views import activities, board, followup, opportunities

app_name = "regionalisation"

urlpatterns = [
    path("offres/", opportunities.opportunity_list, name="opportunity_list"),
    re_path(r"^offres/export\.(?P<fmt>csv|xlsx)$", opportunities.opportunity_export,
            name="opportunity_export"),
    path("offres/nouvelle/", opportunities.opportunity_create, name="opportunity_create"),
    path("offres/<int:pk>/", opportunities.opportunity_detail, name="opportunity_detail"),
    path("offres/<int:pk>/modifier/", opportunities.opportunity_edit, name="opportunity_edit"),
    path("offres/<int:pk>/echeance/", opportunities.opportunity_extend,
         name="opportunity_extend"),
    path("offres/<int:pk>/statut/", opportunities.opportunity_move, name="opportunity_move"),
    path("tableau/", board.board, name="board"),
    path("offres/<int:pk>/suivre/", board.opportunity_follow, name="opportunity_follow"),
    path("offres/<int:pk>/references/", board.referral_record, name="referral_record"),
    path("activites/", activities.activity_list, name="activity_list"),
    re_path(r"^activites/export\.(?P<fmt>csv|xlsx)$", activities.activity_export,
            name="activity_export"),
    path("activites/nouvelle/", activities.activity_create, name="activity_create"),
    path("activites/<int:pk>/", activities.activity_detail, name="activity_detail"),
    path("activites/<int:pk>/modifier/", activities.activity_edit, name="activity_edit"),
    path("activites/<int:pk>/supprimer/", activities.activity_delete, name="activity_delete"),
    path("activites/<int:pk>/resultats/<int:months>/", activities.activity_outcomes,
         name="activity_outcomes"),
    path("suivi/", followup.followup, name="followup"),
    re_path(r"^suivi/export\.(?P<fmt>csv|xlsx)$", followup.followup_export,
            name="followup_export"),
]
