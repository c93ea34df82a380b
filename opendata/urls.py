"""The public figures (no sign-in), namespace ``opendata``."""

from django.urls import path

from . import views

app_name = "opendata"
urlpatterns = [
    path("", views.index, name="index"),
    path("regions/<str:code>/", views.region, name="region"),
    path("metadonnees.json", views.metadata, name="metadata"),
    path("<slug:key>.csv", views.table_csv, name="table_csv"),
    path("<slug:key>.json", views.table_json, name="table_json"),
]
