from django.urls import path, re_path

from . import views

app_name = "rules"
urlpatterns = [
    path("", views.rule_list, name="list"),
    path("new/", views.rule_version_create, name="rule_version_create"),
    path("calendar/<int:year>/", views.calendar_year, name="calendar"),
    re_path(r"^calendar/day/(?P<date>\d{4}-\d{2}-\d{2})/edit/$", views.calendar_day_edit, name="calendar_day_edit"),
]
