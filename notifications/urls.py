from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("lues/", views.mark_read, name="mark_read"),
    path("preferences/", views.preferences, name="preferences"),
]
