from django.urls import path

from . import views

app_name = "antennes"

urlpatterns = [
    path("", views.network, name="network"),
]
