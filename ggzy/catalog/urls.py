from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("new/", views.create, name="create"),
    path("<str:code>/edit/", views.edit, name="edit"),
    path("<str:code>/retire/", views.retire, name="retire"),
]
