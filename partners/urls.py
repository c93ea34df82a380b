from django.urls import path, re_path

from . import views

app_name = "partners"

urlpatterns = [
    path("", views.directory, name="directory"),
    re_path(r"^export\.(?P<fmt>csv|xlsx)$", views.export, name="export"),
    path("nouvelle/", views.create, name="create"),
    path("registre/", views.register, name="register"),
    path("registre/creer/", views.register_create, name="register_create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/modifier/", views.update, name="update"),
    re_path(r"^(?P<pk>\d+)/contacts\.(?P<fmt>csv|xlsx)$", views.contacts_export,
            name="contacts_export"),
    path("<int:pk>/contacts/nouveau/", views.contact_create, name="contact_create"),
    path("<int:pk>/contacts/<int:contact_pk>/", views.contact_update, name="contact_update"),
    path("<int:pk>/contacts/<int:contact_pk>/supprimer/", views.contact_delete,
         name="contact_delete"),
    path("<int:pk>/invitations/nouvelle/", views.invite, name="invite"),
    path("<int:pk>/invitations/<int:invitation_pk>/revoquer/", views.invitation_revoke,
         name="invitation_revoke"),
    path("<int:pk>/invitations/<int:invitation_pk>/renvoyer/", views.invitation_resend,
         name="invitation_resend"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
