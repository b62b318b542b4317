from django.urls import path

from . import views

app_name = "opendata"
urlpatterns = [
    path("", views.index, name="index"),
    path("ocds/releases.jsonl", views.release_packages, name="release_packages"),
    path("ocds/records.jsonl", views.record_packages, name="record_packages"),
]
