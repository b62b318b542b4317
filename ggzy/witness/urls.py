from django.urls import path

from . import views

app_name = "witness"
urlpatterns = [
    path("", views.public_head, name="public"),
    path("events/", views.event_list, name="events"),
]
