from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("guide/", views.guide, name="guide"),
    path("guide/new/", views.guide_item_edit, name="guide_create"),
    path("guide/<int:pk>/edit/", views.guide_item_edit, name="guide_edit"),
    path("workbench/", views.workbench, name="workbench"),
]
